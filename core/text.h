// ASCII text helpers (protocol names, header names, host names: never user prose).
#pragma once

#include <string>
#include <string_view>

namespace attestd {

// A-Z to a-z; every other byte as it is.
std::string ascii_lower(std::string_view s);
// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);
// "s" in double quotes for an error message, every byte outside printable ASCII (and the
// quote and backslash) written as \xNN: what a caller or peer sent, shown unambiguously.
std::string printable_quoted(std::string_view s);

}  // namespace attestd
