// ASCII text helpers (protocol names, header names, host names: never user prose).
#pragma once

#include <string>
#include <string_view>

namespace attestd {

// A-Z to a-z; every other byte as it is.
std::string ascii_lower(std::string_view s);
// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);

}  // namespace attestd
