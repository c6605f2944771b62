// What attestd serves (docs/agent.md): POST /attestation (fresh, batched attestation),
// GET /attestation (the latest token), GET /healthz, and everything else reverse-proxied
// to the application — all on the attested TLS connection.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/batcher.h"
#include "agent/maa_client.h"
#include "crypto/x509.h"
#include "hal/evidence.h"
#include "hal/kds_crl.h"
#include "hal/vcek_sources.h"
#include "net/http.h"
#include "net/http_server.h"

namespace attestd::agent {

// The TLS identity made at start: an ECDSA P-256 key that never leaves memory and a
// self-signed certificate for it (its key is what the attestation binds).
Result<net::TlsIdentity> make_tls_identity();

struct ServiceParts {
  std::unique_ptr<hal::EvidenceSource> evidence;
  hal::VcekSourceOptions vcek;
  hal::CrlMode crl = hal::CrlMode::Off;  // the VCEK chain's revocation, checked before evidence is served
  MaaClientOptions maa;  // maa.protocol: which of MAA's protocols
  client::OsInfo os;     // AzureGuest: the OS reported to MAA
  BatcherConfig batch;
  std::string upstream;  // "http://127.0.0.1:PORT", or empty
  int upstream_timeout_ms = 30000;
  // A proxied request on a connection without an answered POST /attestation gets 428.
  bool require_attestation = true;
};

struct ServiceStats {
  BatcherStats batches;
  MaaClientStats maa;
  std::uint64_t evidence_requests = 0, evidence_failures = 0, proxied = 0;
};

class AgentService {
 public:
  AgentService(ServiceParts parts, const crypto::PublicKey& tls_key);
  AgentService(const AgentService&) = delete;
  AgentService& operator=(const AgentService&) = delete;

  net::HttpResponse handle(const net::HttpRequest& request);
  ServiceStats stats() const;
  std::string evidence_name() const { return evidence_name_; }
  MaaProtocol maa_protocol() const { return parts_.maa.protocol; }

 private:
  // One batch: evidence bound to the runtime data, its VCEK chain, MAA's token (by the
  // configured protocol).
  Result<BatchAttestation> attest_batch(const std::string& runtime_json, const hal::ReportData& report_data);
  Result<std::string> azureguest_token(const hal::Evidence& evidence, const std::vector<crypto::Certificate>& chain,
                                       const hal::ReportData& report_data);
  net::HttpResponse post_attestation(const net::HttpRequest& request);
  net::HttpResponse latest_attestation() const;
  net::HttpResponse health() const;
  net::HttpResponse proxy(const net::HttpRequest& request);
  net::HttpResponse attestation_gate() const;

  ServiceParts parts_;
  std::string evidence_name_;
  MaaClient maa_;
  std::unique_ptr<FreshnessBatcher> batcher_;
  // Devices serve one request at a time; only batch work takes this lock, so proxying
  // and health checks never wait behind a (seconds-long, on Azure) evidence fetch.
  std::mutex evidence_mu_;
  mutable std::mutex mu_;  // guards latest_
  std::optional<std::pair<std::string, std::string>> latest_;  // token, runtime
  std::atomic<std::uint64_t> evidence_requests_{0}, evidence_failures_{0}, proxied_{0};
};

// The answer's "tpm" member for evidence with a vTPM quote (docs/agent.md):
// {"quote": base64url TPMS_ATTEST, "signature": base64url TPMT_SIGNATURE,
//  "pcrs": {"0": hex, ...} (SHA-256, the quote's selection), "event_log": base64url}
// ("event_log" absent when the guest exposes none). Null without a quote.
std::shared_ptr<const Json::Value> tpm_answer(const hal::Evidence& evidence);

// {"error": {"code": error name, "message"}} with an HTTP status that fits the error.
net::HttpResponse error_response(const Error& error);
// The answer to a connection beyond the server's limits: AgentOverloaded, 503, Retry-After.
net::HttpResponse overload_response(const std::string& why);

}  // namespace attestd::agent
