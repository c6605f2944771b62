// Bounded little-endian reading for the UEFI and TCG layouts of boot/: every read checks
// the length first and names the field it was reading when the input ends too soon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::boot {

// Fixed-offset loads; the caller has checked `off + N <= data.size()`.
inline std::uint16_t le16_at(ByteView d, std::size_t off) {
  return static_cast<std::uint16_t>(d[off] | d[off + 1] << 8);
}
inline std::uint32_t le32_at(ByteView d, std::size_t off) {
  return static_cast<std::uint32_t>(le16_at(d, off)) | static_cast<std::uint32_t>(le16_at(d, off + 2)) << 16;
}
inline std::uint64_t le64_at(ByteView d, std::size_t off) {
  return static_cast<std::uint64_t>(le32_at(d, off)) | static_cast<std::uint64_t>(le32_at(d, off + 4)) << 32;
}

// True when [off, off + len) lies inside a buffer of `size` bytes (no overflow).
inline bool within(std::size_t size, std::uint64_t off, std::uint64_t len) {
  return off <= size && len <= size - off;
}

class LeCursor {
 public:
  explicit LeCursor(ByteView data) : data_(data) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  Result<std::uint8_t> u8(std::string_view field) {
    auto b = bytes(1, field);
    if (!b) return b.error();
    return (*b)[0];
  }
  Result<std::uint16_t> u16(std::string_view field) {
    auto b = bytes(2, field);
    if (!b) return b.error();
    return le16_at(*b, 0);
  }
  Result<std::uint32_t> u32(std::string_view field) {
    auto b = bytes(4, field);
    if (!b) return b.error();
    return le32_at(*b, 0);
  }
  Result<std::uint64_t> u64(std::string_view field) {
    auto b = bytes(8, field);
    if (!b) return b.error();
    return le64_at(*b, 0);
  }
  Result<ByteView> bytes(std::uint64_t n, std::string_view field) {
    if (n > remaining()) {
      return Error(ErrorCode::MalformedInput,
                   std::string(field) + ": truncated (" + std::to_string(n) + " bytes needed at offset " +
                       std::to_string(pos_) + ", " + std::to_string(remaining()) + " left)");
    }
    ByteView out = data_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

}  // namespace attestd::boot
