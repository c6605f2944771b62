// TPM 2.0 wire format (TPM 2.0 Library Part 1 §18 / Part 2): big-endian integers and
// TPM2B size-prefixed buffers. Writing appends to a buffer; reading is bounded: a read
// past the end, or a TPM2B larger than its type allows, marks the reader failed and
// yields zeros, so parsers check ok() once at the end instead of after every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"

namespace attestd::hal::tpm {

class Marshaller {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void raw(ByteView data) { out_.insert(out_.end(), data.begin(), data.end()); }
  // A TPM2B: u16 size, then the bytes (callers keep data within the type's maximum).
  void tpm2b(ByteView data);
  // Overwrites the u32 at `offset` (a size field written before its contents were known).
  void patch_u32(std::size_t offset, std::uint32_t v);
  std::size_t size() const { return out_.size(); }
  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Unmarshaller {
 public:
  explicit Unmarshaller(ByteView data) : data_(data) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  ByteView raw(std::size_t n);
  // A TPM2B whose size must not exceed `max` (the type's buffer size).
  ByteView tpm2b(std::size_t max);
  // A sub-reader over the next n bytes (a sized structure such as TPM2B_PUBLIC).
  Unmarshaller sub(std::size_t n);

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  std::size_t position() const { return pos_; }
  // Why it failed, for error messages ("" while ok).
  const std::string& failure() const { return failure_; }
  void fail(std::string why);

 private:
  bool take(std::size_t n);

  ByteView data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::string failure_;
};

}  // namespace attestd::hal::tpm
