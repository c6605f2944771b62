// What the AMD-SP does for SNP_GUEST_REQUEST(MSG_REPORT_REQ): fill an ATTESTATION_REPORT
// (ABI spec 56860, "ATTESTATION_REPORT Structure") and sign it with the VCEK or VLEK.
#include <algorithm>
#include <string>

#include "crypto/random.h"
#include "crypto/sha.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

namespace {

constexpr std::uint32_t kSignatureAlgoEcdsaP384Sha384 = 1;
constexpr std::size_t kP384Bytes = 48;
// SIGNER_INFO (0x48): bit 0 AUTHOR_KEY_EN, bits 4:2 SIGNING_KEY.
constexpr std::uint32_t kAuthorKeyEn = 1;
constexpr unsigned kSigningKeyShift = 2;
constexpr std::size_t kSignatureROffset = snp::kSignedSize;          // 0x2A0
constexpr std::size_t kSignatureSOffset = snp::kSignedSize + 72;     // 0x2E8

struct Cpuid {
  std::uint8_t family, model, stepping;
};

Cpuid product_cpuid(snp::Product product) {
  switch (product) {
    case snp::Product::Genoa: return {0x19, 0x11, 0x01};
    case snp::Product::Turin: return {0x1A, 0x02, 0x00};
    default: return {0x19, 0x01, 0x01};
  }
}

std::uint32_t default_version(snp::Product product) {
  return product == snp::Product::Turin ? 5 : 3;
}

template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t value) {
  std::array<std::uint8_t, N> a;
  a.fill(value);
  return a;
}

Result<snp::AttestationReport> fill_report(const SimIdentity& id, const ReportRequest& req) {
  snp::AttestationReport r;
  r.version = req.version != 0 ? req.version : default_version(id.product);
  r.guest_svn = req.guest_svn;
  r.policy.raw = req.policy;
  r.family_id = req.family_id;
  r.image_id = req.image_id;
  r.vmpl = req.vmpl;
  r.signature_algo = kSignatureAlgoEcdsaP384Sha384;
  const std::uint64_t tcb = snp::encode_tcb(id.product, req.reported_tcb.value_or(id.tcb));
  r.current_tcb = r.reported_tcb = r.committed_tcb = r.launch_tcb = tcb;
  r.platform_info.raw = req.platform_info;
  r.signer_info.raw = (req.author_key_en ? kAuthorKeyEn : 0) |
                      (static_cast<std::uint32_t>(req.use_vlek ? snp::SigningKey::Vlek
                                                               : snp::SigningKey::Vcek)
                       << kSigningKeyShift);
  r.report_data = req.report_data;
  r.measurement = req.measurement;
  r.host_data = req.host_data;
  r.id_key_digest = req.id_key_digest;
  r.author_key_digest = req.author_key_digest;
  auto report_id = crypto::random_bytes(r.report_id.size());
  if (!report_id) return report_id.error();
  std::copy(report_id->begin(), report_id->end(), r.report_id.begin());
  r.report_id_ma = filled<32>(0xFF);  // no migration agent
  if (r.version >= 3) {
    Cpuid c = product_cpuid(id.product);
    r.cpuid_fam_id = c.family;
    r.cpuid_mod_id = c.model;
    r.cpuid_step = c.stepping;
  }
  if (req.chip_id_override) {
    r.chip_id = *req.chip_id_override;
  } else if (!req.mask_chip_id) {
    std::copy_n(id.chip_id.begin(), std::min(id.chip_id.size(), r.chip_id.size()),
                r.chip_id.begin());
  }
  r.current = r.committed = req.firmware;
  return r;
}

// The report stores R and S zero-extended to 72 bytes, little-endian.
void store_le(ByteView big_endian, std::uint8_t* field) {
  std::fill_n(field, 72, 0);
  std::reverse_copy(big_endian.begin(), big_endian.end(), field);
}

}  // namespace

Status sign_report(const SimIdentity& identity, bool use_vlek, Bytes& report) {
  if (report.size() != snp::kReportSize) {
    return Error(ErrorCode::MalformedReport, "a report to sign must be " +
                                                 std::to_string(snp::kReportSize) + " bytes");
  }
  const crypto::PrivateKey& key = use_vlek ? identity.vlek_key : identity.vcek_key;
  Bytes digest = crypto::sha384(snp::signed_area(report));
  auto sig = key.sign_digest(crypto::SignatureScheme::EcdsaSha384, digest);
  if (!sig) return sig.error().with_context("signing the report");
  ByteView rs(*sig);
  store_le(rs.first(kP384Bytes), report.data() + kSignatureROffset);
  store_le(rs.subspan(kP384Bytes, kP384Bytes), report.data() + kSignatureSOffset);
  return ok_status();
}

Result<Bytes> make_report(const SimIdentity& identity, const ReportRequest& request) {
  auto report = fill_report(identity, request);
  if (!report) return report.error();
  Bytes bytes = snp::serialize_report(*report);
  // Refuse to sign what no AMD-SP would produce (and no verifier would parse).
  if (auto parsed = snp::parse_report(bytes); !parsed) {
    return parsed.error().with_context("snp-sim report request");
  }
  if (Status s = sign_report(identity, request.use_vlek, bytes); !s) return s.error();
  return bytes;
}

}  // namespace attestd::snpsim
