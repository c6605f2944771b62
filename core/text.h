// ASCII text helpers (protocol names, header names, host names: never user prose).
#pragma once

#include <cstdint>
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

// Text from outside (a network peer, an input file) made safe to show on a terminal:
// C0 controls (ESC, CR, ...), DEL, C1 controls (U+0080-U+009F, e.g. the one-byte CSI)
// and bytes that are not UTF-8 become visible "\xNN" text; printable UTF-8 stays as it
// is. With `keep_line_breaks`, "\n" and "\t" stay too (for multi-line blocks).
std::string terminal_safe(std::string_view s, bool keep_line_breaks = false);

// "0x" and `v` in lowercase hex, zero-padded to at least `min_digits` digits: a flag word,
// policy or register value in a message or in JSON (hex_number(0x30000) == "0x30000",
// hex_number(0x21, 4) == "0x0021").
std::string hex_number(std::uint64_t v, int min_digits = 0);

}  // namespace attestd
