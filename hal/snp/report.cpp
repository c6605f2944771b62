#include "hal/snp/report.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "hal/snp/report_layout.h"

namespace attestd::snp {

static_assert(sizeof(layout::Report) == kReportSize);
static_assert(offsetof(layout::Report, signature_r) == kSignedSize);

namespace {

constexpr std::uint32_t kSignatureAlgoEcdsaP384Sha384 = 1;
constexpr std::uint32_t kMaxVmpl = 3;

constexpr unsigned kPolicyMustBeOneBit = 17;
// POLICY bits 63:26 are reserved (25 PAGE_SWAP_DISABLE is the highest defined, ABI 1.58).
constexpr std::uint64_t kPolicyReserved = ~((std::uint64_t{1} << 26) - 1);
// PLATFORM_INFO bits 63:8 are reserved (7 TIO_EN is the highest defined, ABI 1.58).
constexpr std::uint64_t kPlatformInfoReserved = ~std::uint64_t{0xFF};
// Signer info (0x48): bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY.
constexpr std::uint32_t kSignerInfoReserved = ~std::uint32_t{0x1F};

// Version 4 is produced by shipping firmware (e.g. Milan 1.55.31) with the version 3
// layout; its specifics are not public. Like go-sev-guest and virtee/sev, accept it as v3
// (the v5 mitigation-vector words stay reserved), so genuine guests are not locked out.
bool supported_version(std::uint32_t v) { return v >= 2 && v <= 5; }

std::string hex(std::uint64_t v, int width = 0) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llX", width, static_cast<unsigned long long>(v));
  return buf;
}

Error reserved_error(std::string what) {
  return Error(ErrorCode::ReservedFieldSet, std::move(what));
}

// A byte range that must be zero in report versions up to and including `through`.
struct ReservedRange {
  std::size_t offset;
  std::size_t size;
  std::uint32_t through;
  const char* name;
};

using R = layout::Report;
constexpr std::uint32_t kAll = 0xFFFFFFFF;
constexpr ReservedRange kReservedRanges[] = {
    {offsetof(R, reserved_04c), sizeof(R::reserved_04c), kAll, "RESERVED"},
    // CPUID_FAM_ID, CPUID_MOD_ID and CPUID_STEP arrived with version 3.
    {offsetof(R, cpuid_fam_id), 3, 2, "RESERVED (CPUID in v3+)"},
    {offsetof(R, reserved_18b), sizeof(R::reserved_18b), kAll, "RESERVED"},
    {offsetof(R, reserved_1eb), sizeof(R::reserved_1eb), kAll, "RESERVED"},
    {offsetof(R, reserved_1ef), sizeof(R::reserved_1ef), kAll, "RESERVED"},
    // LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR arrived with version 5 (ABI 1.58).
    {offsetof(R, launch_mit_vector), 16, 4, "RESERVED (MIT_VECTORs in v5)"},
    {offsetof(R, reserved_208), sizeof(R::reserved_208), kAll, "RESERVED"},
    {offsetof(R, reserved_330), sizeof(R::reserved_330), kAll, "SIGNATURE reserved"},
};

Status check_reserved_ranges(ByteView bytes, std::uint32_t version) {
  for (const ReservedRange& r : kReservedRanges) {
    if (version > r.through) continue;
    if (!all_zero(bytes.subspan(r.offset, r.size))) {
      return reserved_error(std::string(r.name) + " at " + hex(r.offset, 3) + ".." +
                            hex(r.offset + r.size - 1, 3) + " is not zero");
    }
  }
  return ok_status();
}

Status check_reserved_bits(const layout::Report& raw) {
  if (!((raw.policy >> kPolicyMustBeOneBit) & 1)) {
    return reserved_error("POLICY (0x008) bit 17 is reserved and must be 1, but is 0");
  }
  if (raw.policy & kPolicyReserved) {
    return reserved_error("POLICY (0x008) reserved bits 63:26 are set: " + hex(raw.policy));
  }
  if (raw.platform_info & kPlatformInfoReserved) {
    return reserved_error("PLATFORM_INFO (0x040) reserved bits 63:8 are set: " +
                          hex(raw.platform_info));
  }
  if (raw.signer_info & kSignerInfoReserved) {
    return reserved_error("signer info (0x048) reserved bits 31:5 are set: " +
                          hex(raw.signer_info));
  }
  auto key = static_cast<std::uint8_t>((raw.signer_info >> 2) & 7);
  if (key != static_cast<std::uint8_t>(SigningKey::Vcek) &&
      key != static_cast<std::uint8_t>(SigningKey::Vlek) &&
      key != static_cast<std::uint8_t>(SigningKey::None)) {
    return reserved_error("SIGNING_KEY (0x048 bits 4:2) value " + std::to_string(key) +
                          " is reserved");
  }
  return ok_status();
}

// The TCB_VERSION layouts have reserved bytes too, but which ones depends on the product:
// checkable only when the report names it (CPUID, v3+).
Status check_tcb_reserved(const layout::Report& raw) {
  if (raw.version < 3) return ok_status();
  Product product = product_from_cpuid(raw.cpuid_fam_id, raw.cpuid_mod_id);
  if (product == Product::Unknown) return ok_status();
  struct {
    std::uint64_t value;
    std::size_t offset;
    const char* name;
  } const tcbs[] = {
      {raw.current_tcb, offsetof(R, current_tcb), "CURRENT_TCB"},
      {raw.reported_tcb, offsetof(R, reported_tcb), "REPORTED_TCB"},
      {raw.committed_tcb, offsetof(R, committed_tcb), "COMMITTED_TCB"},
      {raw.launch_tcb, offsetof(R, launch_tcb), "LAUNCH_TCB"},
  };
  for (const auto& t : tcbs) {
    if (!tcb_reserved_bytes_zero(product, t.value)) {
      return reserved_error(std::string(t.name) + " (" + hex(t.offset, 3) + ") has reserved " +
                            std::string(product_name(product)) + " TCB bytes set: " +
                            hex(t.value, 16));
    }
  }
  return ok_status();
}

// The fields whose name and type are the same in the layout and in AttestationReport.
template <typename From, typename To>
void copy_common_fields(const From& f, To& t) {
  t.version = f.version;
  t.guest_svn = f.guest_svn;
  t.family_id = f.family_id;
  t.image_id = f.image_id;
  t.vmpl = f.vmpl;
  t.signature_algo = f.signature_algo;
  t.current_tcb = f.current_tcb;
  t.report_data = f.report_data;
  t.measurement = f.measurement;
  t.host_data = f.host_data;
  t.id_key_digest = f.id_key_digest;
  t.author_key_digest = f.author_key_digest;
  t.report_id = f.report_id;
  t.report_id_ma = f.report_id_ma;
  t.reported_tcb = f.reported_tcb;
  t.cpuid_fam_id = f.cpuid_fam_id;
  t.cpuid_mod_id = f.cpuid_mod_id;
  t.cpuid_step = f.cpuid_step;
  t.chip_id = f.chip_id;
  t.committed_tcb = f.committed_tcb;
  t.launch_tcb = f.launch_tcb;
  t.launch_mit_vector = f.launch_mit_vector;
  t.current_mit_vector = f.current_mit_vector;
  t.signature_r = f.signature_r;
  t.signature_s = f.signature_s;
}

AttestationReport from_layout(const layout::Report& raw) {
  AttestationReport r;
  copy_common_fields(raw, r);
  r.policy.raw = raw.policy;
  r.platform_info.raw = raw.platform_info;
  r.signer_info.raw = raw.signer_info;
  r.current = {.major = raw.current_major, .minor = raw.current_minor,
               .build = raw.current_build};
  r.committed = {.major = raw.committed_major, .minor = raw.committed_minor,
                 .build = raw.committed_build};
  return r;
}

layout::Report to_layout(const AttestationReport& r) {
  layout::Report raw{};  // every reserved field zero
  copy_common_fields(r, raw);
  raw.policy = r.policy.raw;
  raw.platform_info = r.platform_info.raw;
  raw.signer_info = r.signer_info.raw;
  raw.current_major = r.current.major;
  raw.current_minor = r.current.minor;
  raw.current_build = r.current.build;
  raw.committed_major = r.committed.major;
  raw.committed_minor = r.committed.minor;
  raw.committed_build = r.committed.build;
  return raw;
}

}  // namespace

std::string FirmwareVersion::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(build);
}

Result<AttestationReport> parse_report(ByteView bytes) {
  if (bytes.size() != kReportSize) {
    return Error(ErrorCode::MalformedReport,
                 std::string(bytes.size() < kReportSize ? "truncated" : "oversized") + ": " +
                     std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(kReportSize));
  }
  layout::Report raw;
  std::memcpy(&raw, bytes.data(), sizeof raw);

  if (!supported_version(raw.version)) {
    return Error(ErrorCode::UnsupportedReportVersion,
                 "VERSION (0x000) is " + std::to_string(raw.version) + "; supported: 2, 3, 4 (as 3) and 5");
  }
  if (raw.signature_algo != kSignatureAlgoEcdsaP384Sha384) {
    return Error(ErrorCode::MalformedReport,
                 "SIGNATURE_ALGO (0x034) is " + std::to_string(raw.signature_algo) +
                     ", not 1 (ECDSA P-384 with SHA-384)");
  }
  if (raw.vmpl > kMaxVmpl) {
    return Error(ErrorCode::MalformedReport,
                 "VMPL (0x030) is " + std::to_string(raw.vmpl) + ", above 3");
  }
  for (Status s : {check_reserved_ranges(bytes, raw.version), check_reserved_bits(raw),
                   check_tcb_reserved(raw)}) {
    if (!s) return s.error();
  }
  return from_layout(raw);
}

Bytes serialize_report(const AttestationReport& report) {
  layout::Report raw = to_layout(report);
  Bytes out(kReportSize);
  std::memcpy(out.data(), &raw, sizeof raw);
  return out;
}

ByteView signed_area(ByteView report_bytes) {
  if (report_bytes.size() < kSignedSize) return {};
  return report_bytes.first(kSignedSize);
}

Product report_product(const AttestationReport& report) {
  if (report.version < 3) return Product::Unknown;
  return product_from_cpuid(report.cpuid_fam_id, report.cpuid_mod_id);
}

}  // namespace attestd::snp
