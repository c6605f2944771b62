#include "hal/tpm/quote.h"

#include "crypto/sha.h"
#include "hal/tpm/marshal.h"
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

}  // namespace

Result<QuoteInfo> parse_quote_attest(ByteView attest) {
  Unmarshaller u(attest);
  QuoteInfo q;
  std::uint32_t magic = u.u32();
  std::uint16_t type = u.u16();
  if (u.ok() && magic != kTpmGeneratedValue) return malformed("TPMS_ATTEST: magic is not TPM_GENERATED_VALUE");
  if (u.ok() && type != kStAttestQuote) return malformed("TPMS_ATTEST: type " + std::to_string(type) + " is not a quote");
  q.qualified_signer = to_bytes(u.tpm2b(66));
  q.extra_data = to_bytes(u.tpm2b(64));
  q.clock = u.u64();
  q.reset_count = u.u32();
  q.restart_count = u.u32();
  q.safe = u.u8() != 0;
  q.firmware_version = u.u64();
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

Result<QuoteInfo> verify_quote(const TpmQuote& quote, const crypto::PublicKey& ak, ByteView qualifying_data) {
  auto sig = parse_tpm_signature(quote.signature);
  if (!sig) return sig.error();
  if (Status s = ak.verify(sig->scheme, quote.attest, sig->signature); !s) {
    return Error(ErrorCode::QuoteInvalid, "TPM quote: not signed by the attestation key (" + s.error().message() + ")");
  }
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
