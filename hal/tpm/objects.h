// TPM objects as data (TPM 2.0 Part 2 §12, Part 1 §16): public areas, their Names, the
// PolicyPCR policy digest, and the template of AzureGuest's encryption key. Pure: no TPM
// access, so maa-emu and verifiers compute what the TPM computed.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/tpm/tpm.h"

namespace attestd::hal::tpm {

// TPMA_OBJECT bits (Part 2 §8.3.2).
inline constexpr std::uint32_t kObjectFixedTpm = 1u << 1;
inline constexpr std::uint32_t kObjectFixedParent = 1u << 4;
inline constexpr std::uint32_t kObjectSensitiveDataOrigin = 1u << 5;
inline constexpr std::uint32_t kObjectUserWithAuth = 1u << 6;
inline constexpr std::uint32_t kObjectNoDa = 1u << 10;
inline constexpr std::uint32_t kObjectRestricted = 1u << 16;
inline constexpr std::uint32_t kObjectDecrypt = 1u << 17;
inline constexpr std::uint32_t kObjectSign = 1u << 18;

// The encryption key's attributes, as Microsoft's client sets them: a decryption key
// that never leaves this TPM, created by it, exempt from dictionary-attack lockout, and
// without userWithAuth, so only its policy (PolicyPCR) authorises its use.
inline constexpr std::uint32_t kEncryptionKeyAttributes =
    kObjectDecrypt | kObjectFixedTpm | kObjectFixedParent | kObjectSensitiveDataOrigin | kObjectNoDa;

// The policy digest after TPM2_PolicyPCR in a fresh SHA-256 session (Part 3 §23.7):
// SHA-256(32 zero bytes || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || SHA-256(values)),
// `values` in ascending PCR order. The PCR digest is the session's hash, SHA-256, what
// TPM2_PolicyPCR compares for any bank.
Bytes policy_pcr_digest(const PcrSelection& pcrs, const std::vector<Bytes>& values);
// The digest TPM2_PolicyPCR takes: SHA-256 of the values concatenated.
Bytes pcr_values_digest(const std::vector<Bytes>& values);

// TPMT_PUBLIC template of the encryption key (Microsoft's
// PopulateEphemeralKeyPublicTemplate): RSA-2048, nameAlg SHA-256,
// kEncryptionKeyAttributes, authPolicy `auth_policy`, symmetric and scheme NULL, exponent
// 0 (65537), and a unique field of 256 zero bytes. Primary keys derive from the template,
// so the same policy under the null hierarchy gives the same key until the TPM resets.
Bytes encryption_key_template(ByteView auth_policy);

// An object's Name (Part 1 §16): nameAlg (u16) || H_nameAlg(TPMT_PUBLIC). MalformedInput
// when the area is too short or its nameAlg is not SHA-256/384/512.
Result<Bytes> object_name(ByteView tpmt_public);

// TPM2B_PUBLIC: the u16 size, then the TPMT_PUBLIC.
Bytes tpm2b_public(ByteView tpmt_public);
// The RSA key of a TPM2B_PUBLIC (parse_rsa_public of its contents). MalformedInput when
// the size field is not the length of what follows, or for what parse_rsa_public refuses.
Result<KeyPublic> parse_tpm2b_public(ByteView tpm2b);

}  // namespace attestd::hal::tpm
