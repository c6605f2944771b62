// MAA's AzureGuest protocol on the wire (docs/maa-emu.md, "AzureGuest"), both directions:
// attestd builds the request and opens the answer; maa-emu parses the request and seals
// the answer. The encodings follow Microsoft's guest attestation client library
// (Azure/confidential-computing-cvm-guest-attestation), which real MAA serves.
//
// Request: POST {maa}/attest/AzureGuest?api-version=2020-10-01 with
//   {"AttestationInfo": base64url(JSON{
//      "AttestationProtocolVersion": "2.0",
//      "OSType", "OSDistro", "OSBuild": base64 of the strings, "OSVersionMajor/Minor": integers,
//      "TcgLogs": base64 of the TCG event log,
//      "ClientPayload": {name: base64 of the value},
//      "TpmInfo": {"AikCert", "AikPub" (TPM2B_PUBLIC), "PcrQuote" (TPMS_ATTEST),
//                  "PcrSignature" (the raw RSA signature), "PcrSet": [index…],
//                  "PCRs": [{"Index", "Digest"}], "EncKeyPub" (TPM2B_PUBLIC),
//                  "EncKeyCertifyInfo" (TPMS_ATTEST), "EncKeyCertifyInfoSignature" (raw)}
//                 (all bytes base64),
//      "IsolationInfo": {"Type": "SevSnp", "Evidence": {
//          "Proof": base64(JSON{"SnpReport": base64url(report), "VcekCertChain": base64(PEM)}),
//          "RunTimeData": base64 of the HCL runtime claims}}})}
// Answer: {"token": base64url(JSON{"EncryptedInnerKey": base64 (RSAES-PKCS1-v1_5 to
//   EncKeyPub), "EncryptionParams": {"BlockMode": "ChainingModeGCM", "BlockPadding": "PKCS7",
//   "Cipher": "AES", "KeySizeInBits": 256, "Iv": base64}, "AuthenticationData": base64 (the
//   GCM tag), "Jwt": base64 (the token, AES-GCM with the additional data "Transport Key")})}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/keys.h"

namespace attestd::client {

inline constexpr const char* kAzureGuestPath = "/attest/AzureGuest";
inline constexpr const char* kAzureGuestApiVersion = "2020-10-01";
inline constexpr const char* kAzureGuestProtocolVersion = "2.0";
// The GCM additional data of every sealed answer (Microsoft's client library fixes it).
inline constexpr std::string_view kTransportKeyAad = "Transport Key";
// Bounds on what is parsed: the request (the event log dominates) and the sealed answer.
inline constexpr std::size_t kMaxAzureGuestRequestBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxSealedTokenBytes = 256 * 1024;

struct OsInfo {
  std::string type = "Linux";  // "Linux" | "Windows"
  std::string distro;          // os-release NAME
  std::uint32_t version_major = 0, version_minor = 0;  // os-release VERSION_ID
  std::string build = "NotApplication";  // what Microsoft's library sends on Linux
};

struct AzureGuestPcr {
  unsigned index = 0;
  Bytes digest;  // SHA-256
};

// The evidence an AzureGuest request carries, decoded.
struct AzureGuestEvidence {
  std::string protocol_version = kAzureGuestProtocolVersion;
  OsInfo os;
  Bytes tcg_logs;  // empty when the guest has none
  std::map<std::string, std::string> client_payload;  // values as given (not base64)
  // TpmInfo
  std::optional<Bytes> aik_cert;  // DER
  Bytes aik_pub;                  // TPM2B_PUBLIC
  Bytes pcr_quote;                // TPMS_ATTEST
  Bytes pcr_signature;            // raw RSASSA signature by the AK
  std::vector<AzureGuestPcr> pcrs;  // in PcrSet order
  Bytes enc_key_pub;              // TPM2B_PUBLIC
  Bytes enc_key_certify_info;     // TPMS_ATTEST
  Bytes enc_key_certify_signature;  // raw RSASSA signature by the AK
  // IsolationInfo (SevSnp)
  Bytes snp_report;
  std::string vcek_chain_pem;  // VCEK, ASK, ARK
  std::string runtime_data;    // the HCL runtime claims, as the report binds them
};

// {"AttestationInfo": …} as above (compact JSON).
std::string azureguest_request_body(const AzureGuestEvidence& evidence);

// The request body back. MalformedInput naming the member that is missing, of the wrong
// type, or not valid base64 (either alphabet, as real clients vary), for a body over
// kMaxAzureGuestRequestBytes, for an isolation type other than "SevSnp", a PcrSet that
// differs from the PCRs' indices, an index over 23 or repeated, or a digest that is not 32
// bytes.
Result<AzureGuestEvidence> parse_azureguest_request(std::string_view body);

// The claim MAA echoes for the ClientPayload: {name: base64 of the value}.
std::map<std::string, std::string> encoded_client_payload(const std::map<std::string, std::string>& payload);

// An answer's token member, decoded but still sealed.
struct SealedToken {
  Bytes encrypted_inner_key;
  unsigned key_bits = 0;
  Bytes iv, tag, ciphertext;
};

// The "token" string of MAA's answer: the JWT under a fresh AES-256 key, that key
// encrypted to `enc_key` (RSAES-PKCS1-v1_5). For maa-emu.
Result<std::string> seal_token(std::string_view jwt, const crypto::PublicKey& enc_key);

// The "token" string back: MalformedInput naming what is missing or malformed (at most
// kMaxSealedTokenBytes; BlockMode ChainingModeGCM, BlockPadding PKCS7, Cipher AES,
// KeySizeInBits 128/192/256 only).
Result<SealedToken> parse_sealed_token(std::string_view token);

// The JWT, given the inner key the TPM decrypted: CryptoError when the key is not
// KeySizeInBits long or the tag does not authenticate (a token sealed for another key, or
// altered); MalformedInput when the plaintext is not printable ASCII.
Result<std::string> open_sealed_token(const SealedToken& sealed, ByteView inner_key);

}  // namespace attestd::client
