// Byte buffers and their hex form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace attestd {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(ByteView b) { return Bytes(b.begin(), b.end()); }

// Lowercase hex, no separators.
std::string hex_encode(ByteView data);
// Accepts upper or lower case; rejects odd lengths and non-hex characters.
Result<Bytes> hex_decode(std::string_view hex);

// Comparison whose time does not depend on where the inputs differ.
bool constant_time_equal(ByteView a, ByteView b);

bool all_zero(ByteView data);

}  // namespace attestd
