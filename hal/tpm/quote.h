// TPM2 attestations as data: TPMS_ATTEST / TPMT_SIGNATURE parsing (Part 2 §10.12,
// §11.3.4) of quotes and certifications, and their verification against an attestation
// key. Pure: no TPM access.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/keys.h"
#include "hal/evidence.h"
#include "hal/tpm/tpm.h"

namespace attestd::hal::tpm {

inline constexpr std::uint32_t kTpmGeneratedValue = 0xFF544347;  // "\xffTCG"
inline constexpr std::uint16_t kStAttestCertify = 0x8017;
inline constexpr std::uint16_t kStAttestQuote = 0x8018;

// The fields of a TPMS_ATTEST of type quote.
struct QuoteInfo {
  Bytes qualified_signer;  // TPM2B_NAME contents
  Bytes extra_data;        // the qualifying data the caller gave TPM2_Quote
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = false;
  std::uint64_t firmware_version = 0;
  Bytes pcr_selection;     // TPML_PCR_SELECTION, marshalled as signed
  std::uint16_t pcr_hash_alg = 0;  // the (single) bank's hash
  std::vector<unsigned> pcrs;      // selected PCRs, ascending
  Bytes pcr_digest;
};

// MalformedInput for a wrong magic or type, several banks, a truncated or oversized field.
Result<QuoteInfo> parse_quote_attest(ByteView attest);

// The fields of a TPMS_ATTEST of type certify (TPMS_CERTIFY_INFO, Part 2 §10.12.3).
struct CertifyInfo {
  Bytes qualified_signer;
  Bytes extra_data;
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = false;
  std::uint64_t firmware_version = 0;
  Bytes name;            // the certified object's Name: nameAlg || H(TPMT_PUBLIC)
  Bytes qualified_name;  // its Qualified Name (hierarchy and parents)
};

// MalformedInput for a wrong magic or type, a truncated or oversized field, trailing bytes.
Result<CertifyInfo> parse_certify_attest(ByteView attest);

// A TPMT_SIGNATURE: RSASSA or RSAPSS with SHA-256/384/512.
struct TpmSignature {
  crypto::SignatureScheme scheme;
  Bytes signature;
};
Result<TpmSignature> parse_tpm_signature(ByteView tpmt_signature);
// TPMT_SIGNATURE for an RSASSA signature (as a genuine vector's raw signature needs).
Bytes rsassa_signature(std::uint16_t hash_alg, ByteView signature);

// The values, in the quote's PCR order, are what it signed: as many as it quotes, and
// hashing to its pcrDigest (QuoteInvalid otherwise). No signature check: verify_quote.
Status check_pcr_values(const QuoteInfo& info, const std::vector<Bytes>& values);

// Checks, in order: the signature over TPMS_ATTEST by `ak` (QuoteInvalid); the attest is
// a quote (MalformedInput); extraData equals `qualifying_data` (NonceMismatch); the
// quote's selection is the evidence's and the digest of the PCR values is the signed
// pcrDigest (QuoteInvalid: the values are not what was quoted). Returns the parsed quote.
Result<QuoteInfo> verify_quote(const TpmQuote& quote, const crypto::PublicKey& ak, ByteView qualifying_data);

// Checks, in order: the signature (TPMT_SIGNATURE) over `attest` by `ak` (QuoteInvalid);
// the attest is a certification (MalformedInput); the certified Name is the Name of
// `certified_tpm2b_public` (QuoteInvalid: another key was certified; MalformedInput when
// that public area cannot be named); extraData equals `qualifying_data` (NonceMismatch).
Result<CertifyInfo> verify_certify(ByteView attest, ByteView signature, const crypto::PublicKey& ak,
                                   ByteView certified_tpm2b_public, ByteView qualifying_data);

// AzureGuest's encryption key from `keys`, once verified: certified by `ak` with empty
// qualifying data (verify_certify of enc_key_public), RSA, and a decryption key
// (QuoteInvalid otherwise). Whether `ak` is the AK of `keys.ak_public` and the quote's
// is the caller's check.
Result<KeyPublic> certified_encryption_key(const TpmKeys& keys, const crypto::PublicKey& ak);

}  // namespace attestd::hal::tpm
