#include "hal/snp/hcl.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>

#include "crypto/sha.h"

namespace attestd::snp {

static_assert(std::endian::native == std::endian::little,
              "the HCL report is little-endian and copied in with memcpy");

namespace {

#pragma pack(push, 1)
struct HclLayout {
  std::array<char, 4> signature;  // "HCLA"
  std::uint32_t version;
  std::uint32_t report_size;
  std::uint32_t request_type;
  std::uint32_t status;
  std::array<std::uint8_t, 12> reserved;
  std::array<std::uint8_t, kReportSize> hw_report;
  std::uint32_t data_size;
  std::uint32_t request_version;
  std::uint32_t report_type;
  std::uint32_t hash_type;
  std::uint32_t variable_data_size;
  // variable data follows
};
#pragma pack(pop)
static_assert(offsetof(HclLayout, version) == 0x04);
static_assert(offsetof(HclLayout, report_size) == 0x08);
static_assert(offsetof(HclLayout, request_type) == 0x0C);
static_assert(offsetof(HclLayout, status) == 0x10);
static_assert(offsetof(HclLayout, reserved) == 0x14);
static_assert(offsetof(HclLayout, hw_report) == 0x20);
static_assert(offsetof(HclLayout, data_size) == 0x4C0);
static_assert(offsetof(HclLayout, hash_type) == 0x4CC);
static_assert(offsetof(HclLayout, variable_data_size) == 0x4D0);
static_assert(sizeof(HclLayout) == 0x4D4);

constexpr std::size_t kRequestDataOffset = offsetof(HclLayout, data_size);
constexpr std::size_t kVariableDataOffset = sizeof(HclLayout);
constexpr std::size_t kRequestDataHeaderSize = kVariableDataOffset - kRequestDataOffset;
constexpr std::array<char, 4> kSignature = {'H', 'C', 'L', 'A'};

Error malformed(std::string what) {
  return Error(ErrorCode::MalformedHclReport, std::move(what));
}

bool known_hash_type(std::uint32_t t) {
  return t == static_cast<std::uint32_t>(HclHashType::Sha256) ||
         t == static_cast<std::uint32_t>(HclHashType::Sha384) ||
         t == static_cast<std::uint32_t>(HclHashType::Sha512);
}

// The size fields must agree with each other and with the buffer.
Status check_sizes(const HclLayout& h, std::size_t buf_size) {
  const std::uint64_t var_end = kVariableDataOffset + std::uint64_t{h.variable_data_size};
  if (var_end > buf_size) {
    return malformed("variable_data_size " + std::to_string(h.variable_data_size) +
                     " runs past the end of the " + std::to_string(buf_size) + "-byte buffer");
  }
  if (h.data_size != kRequestDataHeaderSize + std::uint64_t{h.variable_data_size}) {
    return malformed("data_size " + std::to_string(h.data_size) + " is not " +
                     std::to_string(kRequestDataHeaderSize) + " + variable_data_size " +
                     std::to_string(h.variable_data_size));
  }
  if (h.report_size > buf_size) {
    return malformed("report_size " + std::to_string(h.report_size) + " exceeds the " +
                     std::to_string(buf_size) + "-byte buffer");
  }
  if (h.report_size != kRequestDataOffset + std::uint64_t{h.data_size}) {
    return malformed("report_size " + std::to_string(h.report_size) + " is not " +
                     std::to_string(kRequestDataOffset) + " + data_size " +
                     std::to_string(h.data_size));
  }
  return ok_status();
}

Status check_request(const HclLayout& h) {
  if (h.report_type != kHclReportTypeSnp) {
    return malformed("report_type " + std::to_string(h.report_type) +
                     " is not SNP (2)" + (h.report_type == 4 ? ": a TDX report" : ""));
  }
  if (!known_hash_type(h.hash_type)) {
    return malformed("unknown hash_type " + std::to_string(h.hash_type) +
                     " (1 SHA-256, 2 SHA-384, 3 SHA-512)");
  }
  return ok_status();
}

}  // namespace

Result<HclReport> parse_hcl_report(ByteView bytes) {
  if (bytes.size() < sizeof(HclLayout)) {
    return malformed("truncated: " + std::to_string(bytes.size()) +
                     " bytes, need at least " + std::to_string(sizeof(HclLayout)));
  }
  HclLayout h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.signature != kSignature) {
    return malformed("signature is 0x" + hex_encode(as_bytes({h.signature.data(), 4})) +
                     ", not \"HCLA\"");
  }
  for (Status s : {check_sizes(h, bytes.size()), check_request(h)}) {
    if (!s) return s.error();
  }

  ByteView snp_bytes = bytes.subspan(offsetof(HclLayout, hw_report), kReportSize);
  auto snp = parse_report(snp_bytes);
  if (!snp) return snp.error().with_context("SNP report in HCL report");

  HclReport r;
  r.version = h.version;
  r.report_size = h.report_size;
  r.request_type = h.request_type;
  r.status = h.status;
  r.snp_report = std::move(snp).value();
  r.snp_report_bytes = to_bytes(snp_bytes);
  r.request_data = {.data_size = h.data_size, .version = h.request_version,
                    .report_type = h.report_type, .hash_type = h.hash_type,
                    .variable_data_size = h.variable_data_size};
  r.runtime_claims = std::string(
      as_chars(bytes.subspan(kVariableDataOffset, h.variable_data_size)));
  return r;
}

Status check_runtime_binding(const HclReport& report) {
  constexpr std::size_t kDigestSize = 32;
  if (report.request_data.hash_type != static_cast<std::uint32_t>(HclHashType::Sha256)) {
    return malformed("hash_type " + std::to_string(report.request_data.hash_type) +
                     " is unsupported: only 1 (SHA-256) binds runtime claims");
  }
  Bytes digest = crypto::sha256(as_bytes(report.runtime_claims));
  ByteView report_data(report.snp_report.report_data);
  if (!constant_time_equal(report_data.first(kDigestSize), digest)) {
    return Error(ErrorCode::RuntimeDataMismatch,
                 "REPORT_DATA[0:32] is " + hex_encode(report_data.first(kDigestSize)) +
                     ", but SHA-256 of the runtime claims is " + hex_encode(digest));
  }
  if (!all_zero(report_data.subspan(kDigestSize))) {
    return Error(ErrorCode::RuntimeDataMismatch,
                 "REPORT_DATA[32:64] is not zero: " +
                     hex_encode(report_data.subspan(kDigestSize)));
  }
  return ok_status();
}

}  // namespace attestd::snp
