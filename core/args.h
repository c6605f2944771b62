// A small, strict command-line parser: --flag, --option VALUE, --option=VALUE, positionals.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace attestd::cli {

struct OptionSpec {
  std::string name;        // without dashes
  bool takes_value = false;
  bool repeatable = false;
  char short_name = 0;     // e.g. 'X' for -X (its value is the next argument)
};

enum class IntegerBase { Decimal, DecimalOrHex /* "0x…" is hexadecimal */ };

// The one parser for numeric flags and their config-file twins: the whole string is an
// unsigned integer (no sign, space, suffix or exponent) in [min, max]; otherwise a Usage
// error naming the flag and the range, e.g. "--timeout: '10s' is not a decimal integer
// (1 to 3600)".
Result<std::uint64_t> parse_flag_integer(std::string_view flag, std::string_view text, std::uint64_t min,
                                         std::uint64_t max, IntegerBase base = IntegerBase::Decimal);

// With ATTESTD_LIST_OPTIONS=1 in the environment, a program's --help prints instead the
// options it accepts, one a line ("--name", or "-X, --name"): the test that every option is
// described in --help (tests/cli/help_cli_test.cpp) compares the two.
bool option_list_requested();
std::string option_list(const std::vector<OptionSpec>& specs);

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
  // The option's value through parse_flag_integer (nullopt when the option is absent).
  Result<std::optional<std::uint64_t>> integer(const std::string& name, std::uint64_t min, std::uint64_t max,
                                               IntegerBase base = IntegerBase::Decimal) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace attestd::cli
