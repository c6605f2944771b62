#include "tests/mocks/snp/derived_key.h"

#include <cstring>
#include <string_view>

#include "crypto/hmac.h"

namespace attestd::snpsim {

namespace uapi = hal::uapi;

namespace {

template <typename T>
void put_le(Bytes& out, T v) {
  for (std::size_t i = 0; i < sizeof v; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put(Bytes& out, std::string_view label) { out.insert(out.end(), label.begin(), label.end()); }

template <std::size_t N>
void put(Bytes& out, const std::array<std::uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

bool tcb_above(const snp::TcbVersion& asked, const snp::TcbVersion& committed) {
  return asked.fmc > committed.fmc || asked.bootloader > committed.bootloader || asked.tee > committed.tee ||
         asked.snp > committed.snp || asked.microcode > committed.microcode;
}

KeyAnswer refuse(std::uint32_t status) {
  KeyAnswer a;
  a.status = status;
  return a;
}

}  // namespace

KeyAnswer derive_key(const SimIdentity& identity, const ReportRequest& launch, std::uint32_t guest_vmpl,
                     const uapi::SnpDerivedKeyReq& req) {
  const bool vmrk = req.root_key_select & 1;
  const std::uint32_t key_sel = (req.root_key_select >> 1) & 3;
  if ((req.root_key_select & ~7u) != 0 || req.rsvd != 0 || (req.guest_field_select & ~hal::guest_field::kAll) != 0 ||
      key_sel == 3) {
    return refuse(uapi::kStatusInvalidParam);
  }
  if (req.vmpl > 3 || req.vmpl < guest_vmpl || req.guest_svn > launch.guest_svn) {
    return refuse(uapi::kStatusInvalidParam);
  }
  const snp::TcbVersion committed = launch.reported_tcb.value_or(identity.tcb);
  if (!snp::tcb_reserved_bytes_zero(identity.product, req.tcb_version) ||
      tcb_above(snp::decode_tcb(identity.product, req.tcb_version), committed)) {
    return refuse(uapi::kStatusInvalidParam);
  }
  // KEY_SEL: 0 the installed endorsement key (VLEK if there is one), 1 VCEK, 2 VLEK.
  const bool vlek = !vmrk && (key_sel == 2 || (key_sel == 0 && launch.use_vlek));
  if (vlek && !launch.use_vlek) return refuse(uapi::kStatusInvalidKey);

  Bytes root_input;
  put(root_input, vmrk ? "attestd snp-sim VMRK" : vlek ? "attestd snp-sim VLEK root" : "attestd snp-sim VCEK root");
  Bytes chip_key = (vlek ? identity.vlek_key : identity.vcek_key).der();
  root_input.insert(root_input.end(), chip_key.begin(), chip_key.end());
  Bytes root = crypto::sha384(root_input);

  Bytes message;
  put(message, "attestd snp-sim MSG_KEY_REQ v1");
  put_le(message, req.guest_field_select);
  put_le(message, req.vmpl);
  namespace f = hal::guest_field;
  if (req.guest_field_select & f::kPolicy) put_le(message, launch.policy);
  if (req.guest_field_select & f::kImageId) put(message, launch.image_id);
  if (req.guest_field_select & f::kFamilyId) put(message, launch.family_id);
  if (req.guest_field_select & f::kMeasurement) put(message, launch.measurement);
  if (req.guest_field_select & f::kGuestSvn) put_le(message, req.guest_svn);
  if (req.guest_field_select & f::kTcbVersion) put_le(message, req.tcb_version);

  Bytes mac = crypto::hmac(crypto::HashAlg::Sha384, root, message);
  KeyAnswer answer;
  std::memcpy(answer.key.data(), mac.data(), answer.key.size());
  return answer;
}

}  // namespace attestd::snpsim
