// Helpers shared by the snp_* suites: the genuine report vectors and byte patching.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::snp::test {

// Every genuine ATTESTATION_REPORT in the shared vectors.
inline const std::vector<std::string>& report_vectors() {
  static const std::vector<std::string> kVectors = {
      "snp/go-sev-guest_milan/report.bin",
      "snp/virtee-sev_milan/report.bin",
      "snp/lunal-attestation-rs_genoa_v5/report.bin",
      "snp/trustee_milan_vlek/report.bin",
      "snp/trustee_azure_milan_hcl/report.bin",
      "maa/sevsnpvm_request_snp_report.bin",
  };
  return kVectors;
}

// The error's name, or "Ok": comparing names asserts the exact code and prints well.
template <typename T>
std::string_view code_name(const Result<T>& r) {
  return r.ok() ? error_name(ErrorCode::Ok) : r.error().name();
}
inline std::string_view code_name(const Status& s) {
  return s.ok() ? error_name(ErrorCode::Ok) : s.error().name();
}
inline std::string_view name_of(ErrorCode code) { return error_name(code); }

// Little-endian stores into a copy of a buffer.
inline void put_u32(Bytes& b, std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.at(offset + i) = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_u64(Bytes& b, std::size_t offset, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.at(offset + i) = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint32_t get_u32(const Bytes& b, std::size_t offset) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | b.at(offset + i);
  return v;
}
inline std::uint64_t get_u64(const Bytes& b, std::size_t offset) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | b.at(offset + i);
  return v;
}
inline Bytes with_byte(Bytes b, std::size_t offset, std::uint8_t value) {
  b.at(offset) = value;
  return b;
}

}  // namespace attestd::snp::test
