// The runtime data attestd binds into REPORT_DATA (docs/freshness.md): its TLS key and
// the Merkle root of the nonces of one batch. One function writes the exact bytes that are
// hashed, sent to MAA and returned to clients; the relying party's parser reads them back.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/error.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "hal/evidence.h"

namespace attestd::client {

inline constexpr const char* kTlsKeyId = "attestd-tls";
inline constexpr const char* kNonceTreeAlg = "sha256-merkle";
inline constexpr const char* kAgentName = "attestd/0.1";
inline constexpr std::size_t kMaxRuntimeBytes = 16 * 1024;

// {"agent":"attestd/0.1","keys":[JWK of tls_key with "kid":"attestd-tls"],
//  "nonces":{"alg":"sha256-merkle","count":N,"root":hex},"time":now}, compact, keys sorted.
std::string runtime_json(const crypto::PublicKey& tls_key, ByteView merkle_root, std::size_t count, UnixTime now);

// REPORT_DATA[0:32] = SHA-256(runtime_json), [32:64] = 0.
hal::ReportData report_data_for(std::string_view runtime_json);

// MAA's AzureGuest protocol: the ClientPayload member that binds a batch (docs/freshness.md).
// The agent sends {"nonce": base64(hex of the 64 bytes of report data)} (each value
// base64-encoded, as Microsoft's client library does) and MAA echoes it under
// x-ms-runtime.client-payload; the same report data is the HCL runtime claims' user-data.
inline constexpr const char* kClientPayloadKey = "nonce";
// The value before base64: lowercase hex of the report data.
std::string client_payload_value(const hal::ReportData& report_data);

struct RuntimeData {
  crypto::PublicKey tls_key;
  Bytes merkle_root;  // 32 bytes
  std::size_t count;  // nonces in the tree, 1 .. 2^20
  UnixTime time;
  std::string agent;
};

// MalformedInput naming what is wrong: not a JSON object of at most kMaxRuntimeBytes;
// "keys" not an array holding exactly one JWK with kid "attestd-tls" (parsed by
// crypto::parse_jwk); "nonces" without alg "sha256-merkle", a 32-byte hex root or a count
// from 1 to 2^20; "time" not a positive integer; "agent" not a string. Other top-level
// members are ignored (MAA attests the whole document either way).
Result<RuntimeData> parse_runtime(std::string_view runtime_json);

}  // namespace attestd::client
