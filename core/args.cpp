#include "core/args.h"

#include <charconv>
#include <cstdlib>
#include <system_error>

namespace attestd::cli {

Result<std::uint64_t> parse_flag_integer(std::string_view flag, std::string_view text, std::uint64_t min,
                                         std::uint64_t max, IntegerBase base) {
  const std::string range = "(" + std::to_string(min) + " to " + std::to_string(max) + ")";
  const std::string quoted = std::string(flag) + ": '" + std::string(text) + "'";
  std::string_view digits = text;
  unsigned radix = 10;
  if (base == IntegerBase::DecimalOrHex && digits.size() >= 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    radix = 16;
  }
  auto not_integer = [&] {
    return Error(ErrorCode::Usage, quoted + " is not a " +
                                       (base == IntegerBase::DecimalOrHex ? "decimal or 0x-hex" : "decimal") +
                                       " integer " + range);
  };
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, static_cast<int>(radix));
  // Junk is reported before an overflow: from_chars stops after the digits either way.
  if (digits.empty() || end != digits.data() + digits.size()) return not_integer();
  const bool overflow = ec == std::errc::result_out_of_range;
  if (overflow || v < min || v > max) return Error(ErrorCode::Usage, quoted + " is out of range " + range);
  return v;
}

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

bool option_list_requested() {
  const char* v = std::getenv("ATTESTD_LIST_OPTIONS");
  return v != nullptr && std::string_view(v) == "1";
}

std::string option_list(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    if (s.short_name != 0) out += std::string("-") + s.short_name + ", ";
    out += "--" + s.name + "\n";
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

Result<std::optional<std::uint64_t>> Args::integer(const std::string& name, std::uint64_t min, std::uint64_t max,
                                                   IntegerBase base) const {
  auto text = value(name);
  if (!text) return std::optional<std::uint64_t>();
  auto n = parse_flag_integer("--" + name, *text, min, max, base);
  if (!n) return n.error();
  return std::optional<std::uint64_t>(*n);
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace attestd::cli
