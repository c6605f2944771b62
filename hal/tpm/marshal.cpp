#include "hal/tpm/marshal.h"

#include <utility>

namespace attestd::hal::tpm {

void Marshaller::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Marshaller::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}

void Marshaller::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v));
}

void Marshaller::tpm2b(ByteView data) {
  u16(static_cast<std::uint16_t>(data.size()));
  raw(data);
}

void Marshaller::patch_u32(std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.at(offset + i) = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

void Unmarshaller::fail(std::string why) {
  if (ok_) failure_ = std::move(why);
  ok_ = false;
}

bool Unmarshaller::take(std::size_t n) {
  if (!ok_) return false;
  if (n > data_.size() - pos_) {
    fail("truncated: need " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
         ", have " + std::to_string(data_.size() - pos_));
    return false;
  }
  return true;
}

std::uint8_t Unmarshaller::u8() {
  if (!take(1)) return 0;
  return data_[pos_++];
}

std::uint16_t Unmarshaller::u16() {
  if (!take(2)) return 0;
  std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::uint32_t Unmarshaller::u32() {
  std::uint32_t hi = u16();
  return (hi << 16) | u16();
}

std::uint64_t Unmarshaller::u64() {
  std::uint64_t hi = u32();
  return (hi << 32) | u32();
}

ByteView Unmarshaller::raw(std::size_t n) {
  if (!take(n)) return {};
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

ByteView Unmarshaller::tpm2b(std::size_t max) {
  std::size_t at = pos_;
  std::uint16_t n = u16();
  if (ok_ && n > max) {
    fail("TPM2B at offset " + std::to_string(at) + " has size " + std::to_string(n) +
         ", more than its type allows (" + std::to_string(max) + ")");
    return {};
  }
  return raw(n);
}

Unmarshaller Unmarshaller::sub(std::size_t n) {
  ByteView v = raw(n);
  Unmarshaller r(v);
  if (!ok_) r.fail(failure_);
  return r;
}

}  // namespace attestd::hal::tpm
