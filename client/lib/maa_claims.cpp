#include "client/lib/maa_claims.h"

#include "core/json.h"

namespace attestd::client {

namespace {

constexpr const char* kPrefix = "x-ms-sevsnpvm-";

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return hex_encode(ByteView(a.data(), a.size()));
}

std::string claim(const char* name) { return std::string(kPrefix) + name; }

// Hex claims and the report field each comes from, with its size.
struct HexClaim {
  const char* name;
  std::size_t size;
  Bytes verify::GuestFacts::*fact;  // nullptr: informational only
};
constexpr HexClaim kHexClaims[] = {
    {"launchmeasurement", 48, &verify::GuestFacts::measurement},
    {"hostdata", 32, &verify::GuestFacts::host_data},
    {"reportdata", 64, &verify::GuestFacts::report_data},
    {"idkeydigest", 48, &verify::GuestFacts::id_key_digest},
    {"authorkeydigest", 48, &verify::GuestFacts::author_key_digest},
    {"familyId", 16, &verify::GuestFacts::family_id},
    {"imageId", 16, &verify::GuestFacts::image_id},
    {"reportid", 32, nullptr},
};

Error not_snp(const std::string& why) { return Error(ErrorCode::NotAnEnclave, why); }

}  // namespace

Json::Value sevsnpvm_claims(const snp::AttestationReport& r, snp::Product product) {
  snp::TcbVersion tcb = snp::decode_tcb(product, r.reported_tcb);
  Json::Value c(Json::objectValue);
  c[claim("authorkeydigest")] = hex(r.author_key_digest);
  c[claim("bootloader-svn")] = tcb.bootloader;
  c[claim("familyId")] = hex(r.family_id);
  c[claim("guestsvn")] = r.guest_svn;
  c[claim("hostdata")] = hex(r.host_data);
  c[claim("idkeydigest")] = hex(r.id_key_digest);
  c[claim("imageId")] = hex(r.image_id);
  c[claim("is-debuggable")] = r.policy.debug();
  c[claim("launchmeasurement")] = hex(r.measurement);
  c[claim("microcode-svn")] = tcb.microcode;
  c[claim("migration-allowed")] = r.policy.migrate_ma();
  c[claim("reportdata")] = hex(r.report_data);
  c[claim("reportid")] = hex(r.report_id);
  c[claim("smt-allowed")] = r.policy.smt();
  c[claim("snpfw-svn")] = tcb.snp;
  c[claim("tee-svn")] = tcb.tee;
  c[claim("vmpl")] = r.vmpl;
  return c;
}

Result<verify::GuestFacts> facts_from_claims(const Json::Value& tee) {
  verify::GuestFacts f;
  const std::string debuggable = claim("is-debuggable");
  if (!tee.isMember(debuggable)) return Error(ErrorCode::DebugMode, "the token has no " + debuggable + " claim");
  const Json::Value& dbg = tee[debuggable];
  if (!dbg.isBool()) {
    return Error(ErrorCode::DebugMode, "Attestation validation failed (enclave is in debug mode): " + debuggable +
                                           " is " + dbg.toStyledString().substr(0, 40) +
                                           "not the JSON boolean false");
  }
  f.debug_allowed = dbg.asBool();
  for (auto [name, field] : {std::pair{"migration-allowed", &verify::GuestFacts::migrate_ma_allowed},
                             std::pair{"smt-allowed", &verify::GuestFacts::smt_allowed}}) {
    const Json::Value& v = tee[claim(name)];
    if (!v.isBool()) return not_snp("claim " + claim(name) + " is missing or not a boolean");
    f.*field = v.asBool();
  }
  auto get_uint = [&](const char* name, std::uint32_t max) -> Result<std::uint32_t> {
    const Json::Value& v = tee[claim(name)];
    auto n = json_integer(v, 0, max);
    if (!n) return not_snp("claim " + claim(name) + " is missing or not an integer from 0 to " + std::to_string(max));
    return static_cast<std::uint32_t>(*n);
  };
  struct {
    const char* name;
    std::uint8_t snp::TcbVersion::*field;
  } const svns[] = {{"bootloader-svn", &snp::TcbVersion::bootloader},
                    {"tee-svn", &snp::TcbVersion::tee},
                    {"snpfw-svn", &snp::TcbVersion::snp},
                    {"microcode-svn", &snp::TcbVersion::microcode}};
  for (const auto& s : svns) {
    auto n = get_uint(s.name, 255);
    if (!n) return n.error();
    f.reported_tcb.*s.field = static_cast<std::uint8_t>(*n);
  }
  auto vmpl = get_uint("vmpl", 3);
  if (!vmpl) return vmpl.error();
  f.vmpl = *vmpl;
  auto svn = get_uint("guestsvn", 0xFFFFFFFFu);
  if (!svn) return svn.error();
  f.guest_svn = *svn;
  for (const HexClaim& h : kHexClaims) {
    const Json::Value& v = tee[claim(h.name)];
    auto bytes = v.isString() ? hex_decode(v.asString()) : Result<Bytes>(not_snp(""));
    if (!bytes || bytes->size() != h.size) {
      return not_snp("claim " + claim(h.name) + " is missing or not " + std::to_string(h.size) + " bytes of hex");
    }
    if (h.fact) f.*h.fact = std::move(bytes).value();
  }
  return f;
}

}  // namespace attestd::client
