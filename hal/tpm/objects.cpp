#include "hal/tpm/objects.h"

#include "crypto/sha.h"
#include "hal/tpm/marshal.h"

namespace attestd::hal::tpm {
namespace {

constexpr std::uint32_t kCcPolicyPcr = 0x17F;
constexpr std::size_t kRsa2048Bytes = 256;

Error malformed(std::string what) { return Error(ErrorCode::MalformedInput, std::move(what)); }

}  // namespace

Bytes pcr_values_digest(const std::vector<Bytes>& values) {
  crypto::Hasher h(crypto::HashAlg::Sha256);
  for (const Bytes& v : values) h.update(v);
  return h.finish();
}

Bytes policy_pcr_digest(const PcrSelection& pcrs, const std::vector<Bytes>& values) {
  Marshaller m;
  m.raw(Bytes(32, 0));  // a fresh session's policyDigest
  m.u32(kCcPolicyPcr);
  m.raw(pcrs.marshal());
  m.raw(pcr_values_digest(values));
  return crypto::sha256(m.bytes());
}

Bytes encryption_key_template(ByteView auth_policy) {
  Marshaller pub;
  pub.u16(kAlgRsa);
  pub.u16(kAlgSha256);
  pub.u32(kEncryptionKeyAttributes);
  pub.tpm2b(auth_policy);
  pub.u16(kAlgNull);  // symmetric
  pub.u16(kAlgNull);  // scheme: chosen at TPM2_RSA_Decrypt
  pub.u16(2048);
  pub.u32(0);  // exponent: 65537
  pub.tpm2b(Bytes(kRsa2048Bytes, 0));  // unique, as Microsoft's client leaves it
  return pub.take();
}

Result<Bytes> object_name(ByteView tpmt_public) {
  Unmarshaller u(tpmt_public);
  u.u16();  // type
  std::uint16_t name_alg = u.u16();
  if (!u.ok()) return malformed("TPMT_PUBLIC: " + u.failure());
  crypto::HashAlg h;
  switch (name_alg) {
    case kAlgSha256: h = crypto::HashAlg::Sha256; break;
    case kAlgSha384: h = crypto::HashAlg::Sha384; break;
    case kAlgSha512: h = crypto::HashAlg::Sha512; break;
    default: return malformed("TPMT_PUBLIC: nameAlg " + std::to_string(name_alg) + " is not SHA-256/384/512");
  }
  Marshaller m;
  m.u16(name_alg);
  m.raw(crypto::digest(h, tpmt_public));
  return m.take();
}

Bytes tpm2b_public(ByteView tpmt_public) {
  Marshaller m;
  m.tpm2b(tpmt_public);
  return m.take();
}

Result<KeyPublic> parse_tpm2b_public(ByteView tpm2b) {
  Unmarshaller u(tpm2b);
  std::uint16_t size = u.u16();
  if (u.ok() && size != u.remaining()) {
    return malformed("TPM2B_PUBLIC: size field " + std::to_string(size) + " but " + std::to_string(u.remaining()) +
                     " bytes follow");
  }
  if (!u.ok()) return malformed("TPM2B_PUBLIC: " + u.failure());
  return parse_rsa_public(tpm2b.subspan(2));
}

}  // namespace attestd::hal::tpm
