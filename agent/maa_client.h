// The agent's Microsoft Azure Attestation client: exchanges SEV-SNP evidence and the
// runtime data for a token, the same requests for real MAA and maa-emu, in either of MAA's
// protocols: SevSnpVm (POST {base}/attest/SevSnpVm?api-version=2022-08-01: the report and
// the runtime data) or AzureGuest (POST {base}/attest/AzureGuest?api-version=2020-10-01:
// the HCL report, the vTPM quote, the TCG log and a TPM encryption key; the answer is
// sealed to that key, client/lib/azure_guest.h). Transient failures are retried with
// exponential backoff and full jitter; MAA's refusals are not.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "client/lib/azure_guest.h"
#include "core/error.h"
#include "crypto/x509.h"
#include "hal/evidence.h"

namespace attestd::agent {

enum class MaaProtocol { SevSnpVm, AzureGuest };
// "sevsnpvm" | "azureguest"
std::string_view maa_protocol_name(MaaProtocol protocol);

struct MaaClientOptions {
  std::string base_url;  // "https://x.attest.azure.net" (a trailing '/' is ignored)
  std::string ca_file;   // PEM bundle to trust; empty = the system's
  MaaProtocol protocol = MaaProtocol::SevSnpVm;  // what attest_url() names
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

// The AzureGuest evidence of one batch (docs/agent.md): the HCL report's SNP report and
// runtime claims, the VCEK chain, the quote (its raw RSASSA signature) and PCR values, the
// TCG log (empty when the guest exposes none), the AK and the certified encryption key,
// and the ClientPayload {kClientPayloadKey: client_payload_value(report_data)}.
// DeviceError when the evidence lacks any vTPM part (not from azure-vtpm with
// encryption_key), MalformedInput when its quote or signatures do not parse.
Result<client::AzureGuestEvidence> azureguest_evidence(const hal::Evidence& evidence,
                                                       const std::vector<crypto::Certificate>& vcek_chain,
                                                       const client::OsInfo& os, const hal::ReportData& report_data);

// The OS as os-release(5) describes it at `path` (its quoting rules): NAME (default
// "Linux", os-release's default), VERSION_ID as major.minor (a minor that is not a number
// counts 0; a missing VERSION_ID or a major that is 0 or not a number reports 1.0, as
// Microsoft's client does when it cannot parse one), type "Linux", build "NotApplication".
// A missing file gives the defaults (Microsoft's client fails instead: attestd still
// attests a guest without os-release); FileError when it cannot be read or is over 64 KiB.
Result<client::OsInfo> read_os_release(const std::string& path);

// Decrypts an AzureGuest answer's EncryptedInnerKey inside the TPM.
using InnerKeyDecryptor = std::function<Result<Bytes>(ByteView encrypted_inner_key)>;

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

  // The same for AzureGuest: `request` is azureguest_request_body's input. A 200 whose
  // token cannot be unsealed (parse_sealed_token, the decryptor, open_sealed_token) or does
  // not then hold a compact JWS is MaaUnavailable naming why, final (not retried).
  Result<std::string> attest_azureguest(const client::AzureGuestEvidence& request, const InnerKeyDecryptor& decrypt);

  MaaClientStats stats() const;
  // The endpoint of options.protocol.
  const std::string& attest_url() const {
    return options_.protocol == MaaProtocol::AzureGuest ? azureguest_url_ : url_;
  }

 private:
  // POST `body` to `url` until a 200 carries a token string that `open` accepts.
  Result<std::string> exchange(const std::string& url, const std::string& body,
                               const std::function<Result<std::string>(const std::string&)>& open);
  int backoff_ms(int retry);  // full jitter: uniform in [0, min(max, initial * 2^retry)]
  void log(const std::string& line) const;

  MaaClientOptions options_;
  std::string url_, azureguest_url_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  MaaClientStats stats_;
};

}  // namespace attestd::agent
