// The agent's Microsoft Azure Attestation client: exchanges SEV-SNP evidence and the
// runtime data for a token (POST {base}/attest/SevSnpVm?api-version=2022-08-01), the same
// request for real MAA and maa-emu. Transient failures are retried with exponential
// backoff and full jitter; MAA's refusals are not.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "crypto/x509.h"
#include "hal/evidence.h"

namespace attestd::agent {

struct MaaClientOptions {
  std::string base_url;  // "https://x.attest.azure.net" (a trailing '/' is ignored)
  std::string ca_file;   // PEM bundle to trust; empty = the system's
  long connect_timeout_ms = 5000, total_timeout_ms = 20000;  // per attempt
  int max_attempts = 5;
  int initial_backoff_ms = 200, max_backoff_ms = 5000;
  int max_retry_after_ms = 30000;  // a longer Retry-After is capped to this
  std::vector<std::string> resolve;  // CURLOPT_RESOLVE "host:port:addr" entries
  // One line per failed attempt (with MAA's CloudError code and message), when set.
  std::function<void(const std::string&)> log;
};

struct MaaClientStats {
  std::uint64_t requests = 0;  // HTTP attempts
  std::uint64_t retries = 0;
  std::uint64_t tokens = 0;
  std::uint64_t failures = 0;  // calls that ended in an error
};

// The request body (docs/freshness.md): {"report": base64url(JSON{"SnpReport":
// base64url(report), "VcekCertChain": base64(PEM of vcek_chain)}), "runtimeData":
// {"data": base64url(runtime), "dataType": "JSON"}}. With HCL runtime claims (Azure vTPM:
// REPORT_DATA binds those, and they carry the runtime's digest as "user-data"), the
// runtimeData is the claims instead of runtime_json.
std::string sevsnpvm_request_body(const hal::Evidence& evidence, const std::vector<crypto::Certificate>& vcek_chain,
                                  const std::string& runtime_json);

class MaaClient {
 public:
  explicit MaaClient(MaaClientOptions options);

  // The token (a compact JWS, not verified here: the relying party does that). Retries
  // transport errors, 408, 429 (after Retry-After: seconds or an HTTP-date, capped at
  // max_retry_after_ms; one that is neither gets the normal backoff) and 5xx up to
  // max_attempts; any other status is final. Every failure is MaaUnavailable naming the
  // last cause, with MAA's CloudError code and message when it sent one; so is (final,
  // not retried) a 200 that is not application/json, has no "token" string, or whose
  // token is not a compact JWS. The token's signature is not checked here.
  Result<std::string> attest_sevsnpvm(const hal::Evidence& evidence, const std::vector<crypto::Certificate>& vcek_chain,
                                      const std::string& runtime_json);

  MaaClientStats stats() const;
  const std::string& attest_url() const { return url_; }

 private:
  int backoff_ms(int retry);  // full jitter: uniform in [0, min(max, initial * 2^retry)]
  void log(const std::string& line) const;

  MaaClientOptions options_;
  std::string url_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  MaaClientStats stats_;
};

}  // namespace attestd::agent
