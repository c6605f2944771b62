#include "hal/tpm/quote.h"

#include "crypto/sha.h"
#include "hal/tpm/marshal.h"
#include "hal/tpm/objects.h"
#include "hal/tpm/tpm.h"

namespace attestd::hal::tpm {
namespace {

Error malformed(std::string what) { return Error(ErrorCode::MalformedInput, std::move(what)); }

Result<crypto::HashAlg> hash_of(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha256: return crypto::HashAlg::Sha256;
    case kAlgSha384: return crypto::HashAlg::Sha384;
    case kAlgSha512: return crypto::HashAlg::Sha512;
    default: return malformed("unsupported hash algorithm " + std::to_string(alg));
  }
}

constexpr std::size_t kMaxName = 66;
constexpr std::size_t kMaxData = 64;

// The fields every TPMS_ATTEST starts with, up to the type-specific part; the reader
// stops there. MalformedInput when the magic or the type is not what is expected.
template <typename Info>
Status read_attest_header(Unmarshaller& u, std::uint16_t expected_type, const char* what, Info& info) {
  std::uint32_t magic = u.u32();
  std::uint16_t type = u.u16();
  if (u.ok() && magic != kTpmGeneratedValue) return malformed("TPMS_ATTEST: magic is not TPM_GENERATED_VALUE");
  if (u.ok() && type != expected_type) {
    return malformed("TPMS_ATTEST: type " + std::to_string(type) + " is not " + what);
  }
  info.qualified_signer = to_bytes(u.tpm2b(kMaxName));
  info.extra_data = to_bytes(u.tpm2b(kMaxData));
  info.clock = u.u64();
  info.reset_count = u.u32();
  info.restart_count = u.u32();
  info.safe = u.u8() != 0;
  info.firmware_version = u.u64();
  return ok_status();
}

// The signature over `attest` by `ak`, or QuoteInvalid naming `what` was signed.
Status check_signature(ByteView attest, ByteView signature, const crypto::PublicKey& ak, const char* what) {
  auto sig = parse_tpm_signature(signature);
  if (!sig) return sig.error();
  if (Status s = ak.verify(sig->scheme, attest, sig->signature); !s) {
    return Error(ErrorCode::QuoteInvalid,
                 std::string(what) + ": not signed by the attestation key (" + s.error().message() + ")");
  }
  return ok_status();
}

}  // namespace

Result<QuoteInfo> parse_quote_attest(ByteView attest) {
  Unmarshaller u(attest);
  QuoteInfo q;
  if (Status s = read_attest_header(u, kStAttestQuote, "a quote", q); !s) return s.error();
  std::size_t sel_start = u.position();
  std::uint32_t banks = u.u32();
  if (u.ok() && banks != 1) return malformed("TPMS_QUOTE_INFO: " + std::to_string(banks) + " PCR banks, expected 1");
  q.pcr_hash_alg = u.u16();
  std::uint8_t n = u.u8();
  if (u.ok() && n > 4) return malformed("TPMS_PCR_SELECTION: sizeofSelect " + std::to_string(n));
  ByteView bits = u.raw(n);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    for (unsigned b = 0; b < 8; ++b) {
      if (bits[i] & (1u << b)) q.pcrs.push_back(static_cast<unsigned>(i * 8 + b));
    }
  }
  std::size_t sel_end = u.position();
  q.pcr_digest = to_bytes(u.tpm2b(64));
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (!u.ok()) return malformed("TPMS_ATTEST: " + u.failure());
  q.pcr_selection = Bytes(attest.begin() + static_cast<std::ptrdiff_t>(sel_start),
                          attest.begin() + static_cast<std::ptrdiff_t>(sel_end));
  return q;
}

Result<TpmSignature> parse_tpm_signature(ByteView tpmt_signature) {
  Unmarshaller u(tpmt_signature);
  std::uint16_t alg = u.u16();
  std::uint16_t hash = u.u16();
  ByteView sig = u.tpm2b(512);
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (!u.ok()) return malformed("TPMT_SIGNATURE: " + u.failure());
  auto h = hash_of(hash);
  if (!h) return h.error().with_context("TPMT_SIGNATURE");
  using S = crypto::SignatureScheme;
  S scheme;
  if (alg == kAlgRsassa) {
    scheme = *h == crypto::HashAlg::Sha256 ? S::RsaPkcs1Sha256 : *h == crypto::HashAlg::Sha384 ? S::RsaPkcs1Sha384 : S::RsaPkcs1Sha512;
  } else if (alg == kAlgRsapss) {
    scheme = *h == crypto::HashAlg::Sha256 ? S::RsaPssSha256 : *h == crypto::HashAlg::Sha384 ? S::RsaPssSha384 : S::RsaPssSha512;
  } else {
    return malformed("TPMT_SIGNATURE: unsupported signature algorithm " + std::to_string(alg));
  }
  return TpmSignature{scheme, to_bytes(sig)};
}

Bytes rsassa_signature(std::uint16_t hash_alg, ByteView signature) {
  Marshaller m;
  m.u16(kAlgRsassa);
  m.u16(hash_alg);
  m.tpm2b(signature);
  return m.take();
}

Status check_pcr_values(const QuoteInfo& info, const std::vector<Bytes>& values) {
  if (values.size() != info.pcrs.size()) {
    return Error(ErrorCode::QuoteInvalid, "TPM quote: " + std::to_string(values.size()) + " PCR values for " +
                                              std::to_string(info.pcrs.size()) + " quoted PCRs");
  }
  auto h = hash_of(info.pcr_hash_alg);
  if (!h) return h.error().with_context("TPM quote");
  crypto::Hasher hasher(*h);
  for (const Bytes& v : values) hasher.update(v);
  if (!constant_time_equal(hasher.finish(), info.pcr_digest)) {
    return Error(ErrorCode::QuoteInvalid, "TPM quote: the PCR values do not hash to the signed pcrDigest");
  }
  return ok_status();
}

Result<CertifyInfo> parse_certify_attest(ByteView attest) {
  Unmarshaller u(attest);
  CertifyInfo c;
  if (Status s = read_attest_header(u, kStAttestCertify, "a certification", c); !s) return s.error();
  c.name = to_bytes(u.tpm2b(kMaxName));
  c.qualified_name = to_bytes(u.tpm2b(kMaxName));
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (!u.ok()) return malformed("TPMS_ATTEST: " + u.failure());
  return c;
}

Result<CertifyInfo> verify_certify(ByteView attest, ByteView signature, const crypto::PublicKey& ak,
                                   ByteView certified_tpm2b_public, ByteView qualifying_data) {
  if (Status s = check_signature(attest, signature, ak, "TPM certification"); !s) return s.error();
  auto info = parse_certify_attest(attest);
  if (!info) return info.error();
  auto key = parse_tpm2b_public(certified_tpm2b_public);
  if (!key) return key.error().with_context("the certified key");
  auto name = object_name(key->public_area);
  if (!name) return name.error().with_context("the certified key");
  if (!constant_time_equal(info->name, *name)) {
    return Error(ErrorCode::QuoteInvalid, "TPM certification: it certifies the object named " +
                                              hex_encode(info->name) + ", not the key given (" + hex_encode(*name) +
                                              ")");
  }
  if (!constant_time_equal(info->extra_data, qualifying_data)) {
    return Error(ErrorCode::NonceMismatch, "TPM certification: extraData is " + hex_encode(info->extra_data) +
                                               ", expected " + hex_encode(qualifying_data));
  }
  return info;
}

Result<KeyPublic> certified_encryption_key(const TpmKeys& keys, const crypto::PublicKey& ak) {
  auto info = verify_certify(keys.enc_key_certify_info, keys.enc_key_certify_signature, ak, keys.enc_key_public, {});
  if (!info) return info.error().with_context("encryption key");
  auto key = parse_tpm2b_public(keys.enc_key_public);
  if (!key) return key.error().with_context("encryption key");
  if (!(key->attributes & kObjectDecrypt) || (key->attributes & kObjectSign)) {
    return Error(ErrorCode::QuoteInvalid, "encryption key: the certified key is not a decryption key "
                                          "(TPMA_OBJECT decrypt set, sign clear)");
  }
  return key;
}

Result<QuoteInfo> verify_quote(const TpmQuote& quote, const crypto::PublicKey& ak, ByteView qualifying_data) {
  if (Status s = check_signature(quote.attest, quote.signature, ak, "TPM quote"); !s) return s.error();
  auto info = parse_quote_attest(quote.attest);
  if (!info) return info.error();
  if (!constant_time_equal(info->extra_data, qualifying_data)) {
    return Error(ErrorCode::NonceMismatch, "TPM quote: extraData is " + hex_encode(info->extra_data) +
                                               ", expected " + hex_encode(qualifying_data));
  }
  if (!quote.pcr_selection.empty() && quote.pcr_selection != info->pcr_selection) {
    return Error(ErrorCode::QuoteInvalid, "TPM quote: the PCR selection differs from the signed one");
  }
  if (Status s = check_pcr_values(*info, quote.pcr_values); !s) return s.error();
  return info;
}

}  // namespace attestd::hal::tpm
