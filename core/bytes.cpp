#include "core/bytes.h"

namespace attestd {

std::string hex_encode(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Bytes> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Error(ErrorCode::MalformedInput, "hex string has an odd number of digits (" +
                                                std::to_string(hex.size()) + ")");
  }
  Bytes out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Error(ErrorCode::MalformedInput,
                   "not a hex digit at offset " + std::to_string(hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

bool all_zero(ByteView data) {
  std::uint8_t acc = 0;
  for (std::uint8_t b : data) acc |= b;
  return acc == 0;
}

}  // namespace attestd
