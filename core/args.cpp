#include "core/args.h"

namespace attestd::cli {

Result<Args> Args::parse(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs,
                         std::size_t min_positional, std::size_t max_positional) {
  Args out;
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name;
    if (a.rfind("--", 0) == 0) {
      name = a.substr(2);
    } else {
      for (const auto& s : specs) {
        if (s.short_name != 0 && a.size() == 2 && a[1] == s.short_name) name = s.name;
      }
      if (name.empty()) return Error(ErrorCode::Usage, "unknown option '" + a + "'");
    }
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (!spec) return Error(ErrorCode::Usage, "unknown option '--" + name + "'");
    if (!spec->repeatable && out.values_.count(name)) {
      return Error(ErrorCode::Usage, "option '--" + name + "' given twice");
    }
    if (!spec->takes_value) {
      if (inline_value) return Error(ErrorCode::Usage, "option '--" + name + "' takes no value");
      out.values_[name];
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) return Error(ErrorCode::Usage, "option '--" + name + "' needs a value");
      inline_value = argv[++i];
    }
    out.values_[name].push_back(*inline_value);
  }
  if (out.positional_.size() < min_positional) {
    return Error(ErrorCode::Usage, "missing argument (expected " + std::to_string(min_positional) + ")");
  }
  if (out.positional_.size() > max_positional) {
    return Error(ErrorCode::Usage, "unexpected argument '" + out.positional_[max_positional] + "'");
  }
  return out;
}

bool Args::wants_help(const std::vector<std::string>& argv) {
  for (const auto& a : argv) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace attestd::cli
