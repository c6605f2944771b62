// A small, strict command-line parser: --flag, --option VALUE, --option=VALUE, positionals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace attestd::cli {

struct OptionSpec {
  std::string name;        // without dashes
  bool takes_value = false;
  bool repeatable = false;
  char short_name = 0;     // e.g. 'X' for -X (its value is the next argument)
};

class Args {
 public:
  // Usage errors name the offending argument.
  static Result<Args> parse(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs,
                            std::size_t min_positional, std::size_t max_positional);

  // True when --help or -h is among the arguments (the program then prints its usage
  // and exits 0, whatever else was given).
  static bool wants_help(const std::vector<std::string>& argv);

  bool flag(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace attestd::cli
