// The relying party's side of attestd: connect over attested TLS, send a fresh nonce,
// verify the answer completely, and only then use the connection (docs/freshness.md).
#pragma once

#include <memory>
#include <string>

#include "client/lib/boot_evidence.h"
#include "client/lib/maa_token.h"
#include "client/lib/runtime_data.h"
#include "crypto/merkle.h"
#include "net/tls_client.h"
#include "verify/policy.h"

namespace attestd::client {

struct AgentEndpoint {
  std::string host;
  std::uint16_t port = 8443;
  std::string target = "/";  // the path (and query) of an `attest request` URL
};

// "https://host:port/path" (the port defaults to 443). Usage errors name what is wrong.
Result<AgentEndpoint> parse_agent_url(const std::string& url);

struct SessionOptions {
  std::string maa_url;  // the pinned MAA instance (normalised)
  verify::Policy policy = verify::default_policy();
  int timeout_ms = 30000;
  std::string source_address;  // the numeric local address to connect from; empty: any
};

// A connection whose attestation held. Only AgentSession::establish makes one.
class AgentSession {
 public:
  // Connects, then: a fresh 32-byte nonce to POST /attestation; the token verified
  // against the pinned MAA and the policy (the errors of check_token); x-ms-runtime equal
  // to the runtime data returned (RuntimeDataMismatch) — or, for an AzureGuest token or
  // the policy's runtime_binding "vtpm-user-data", the paravisor's user-data equal to its
  // SHA-256 (NonceMismatch); the Merkle proof of our nonce under
  // the runtime's root (NonceMismatch); the runtime's TLS key equal to the key of this
  // very TLS connection (ChannelBindingMismatch). On the vTPM path (an AzureGuest token or
  // runtime_binding "vtpm-user-data") the answer must also carry the measured boot, which
  // verify_boot checks against the HCLAkPub of the token's runtime claims and the policy.
  static Result<AgentSession> establish(const AgentEndpoint& endpoint, MaaKeySource& keys,
                                        const SessionOptions& options);

  const VerifiedToken& token() const { return *token_ptr_; }
  // The token as the agent sent it (a compact JWS), for forwarding.
  const std::string& token_text() const { return token_text_; }
  const SnpTokenClaims& claims() const { return claims_; }
  const RuntimeData& runtime() const { return runtime_; }
  const crypto::MerkleProof& proof() const { return proof_; }
  const Bytes& nonce() const { return nonce_; }
  // The verified measured boot (vTPM path only).
  const std::optional<VerifiedBoot>& boot() const { return boot_; }

  // A request to the attested application, on the attested connection; `timeout_ms` 0:
  // the session's. NetworkError when the connection fails (it is unusable afterwards).
  Result<net::HttpResult> request(const std::string& method, const std::string& target, const net::HeaderList& headers,
                                  const std::string& body, int timeout_ms = 0);
  // Whether a request may still be sent on the attested connection (neither side ended
  // it): a session that is not usable must be established again, with a fresh attestation.
  bool usable() { return connection_->usable(); }
  // A forked child's copy of the session: see net::AttestedConnection::abandon.
  void abandon() { connection_->abandon(); }

 private:
  AgentSession(std::unique_ptr<net::AttestedConnection> c, VerifiedToken t, std::string token_text, RuntimeData r,
               crypto::MerkleProof p, Bytes n, std::optional<VerifiedBoot> boot, int timeout_ms);

  std::unique_ptr<net::AttestedConnection> connection_;
  // Heap-held so that claims_.tee, which points into the token, survives moves.
  std::unique_ptr<VerifiedToken> token_ptr_;
  std::string token_text_;
  SnpTokenClaims claims_{};
  RuntimeData runtime_;
  crypto::MerkleProof proof_;
  Bytes nonce_;
  std::optional<VerifiedBoot> boot_;
  int timeout_ms_ = 30000;
};

// What a program learns from a session (attest connect --json, the Python package):
// {"agent": "host:port", "claims": the token's claims, "token": the compact JWS,
//  "nonce": hex, "nonce_index", "batch_size", "tls_key_sha256": hex of the attested
//  key's SubjectPublicKeyInfo, "guest": {"compliance" (string or null), "debuggable",
//  "migration_agent", "vmpl", "guest_svn", "measurement", "host_data", "report_data" (hex),
//  "reported_tcb": {"bootloader", "tee", "snp", "microcode"}}, "vm": the VM layer of an
//  azurevm token (vm_facts_json), "boot": the measured boot on the vTPM path {"secure_boot"
//  (null: not measured), "events", "pcrs": {"N": hex}}}; "vm" and "boot" only when present.
Json::Value session_json(const AgentSession& session, const AgentEndpoint& endpoint);

// An attestd answer that passed every check (see AgentSession::establish).
struct CheckedAnswer {
  VerifiedToken token;
  RuntimeData runtime;
  crypto::MerkleProof proof;
  std::optional<VerifiedBoot> boot;  // the vTPM path only
};

// Everything establish() checks once the answer to our nonce is in: the answer body as
// parsed JSON, the nonce we sent and the TLS key of the connection it came on.
Result<CheckedAnswer> check_agent_answer(const Json::Value& body, ByteView nonce, const crypto::PublicKey& tls_peer_key,
                                         MaaKeySource& keys, const SessionOptions& options);

// Whether the runtime data is bound through an Azure paravisor's vTPM (whose quote and
// event log then carry the guest's code): by the token's verified shape or the policy.
bool binds_through_vtpm(const SnpTokenClaims& claims, const verify::Policy& policy);

// Part of check_agent_answer: the runtime data's binding, the nonce's Merkle proof and the
// channel binding, given the TLS key it sees and the nonce it sent — NOT the measured boot
// of a vTPM guest: relying parties call check_agent_answer, which does everything.
// `binding` (the policy's runtime_binding) applies to SevSnpVm tokens. An AzureGuest token
// must also carry, at its top level, x-ms-runtime.client-payload[kClientPayloadKey] equal to
// base64 of client_payload_value(report_data_for(runtime_text)) (NonceMismatch otherwise).
Result<RuntimeData> check_attestation_answer(
    const SnpTokenClaims& claims, std::string_view runtime_text, const crypto::MerkleProof& proof, ByteView nonce,
    const crypto::PublicKey& tls_peer_key,
    verify::Policy::RuntimeBinding binding = verify::Policy::RuntimeBinding::ReportData);

}  // namespace attestd::client
