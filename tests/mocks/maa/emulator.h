// maa-emu: a faithful Microsoft Azure Attestation emulator for tests (docs/maa-emu.md).
// POST /attest/SevSnpVm verifies an SEV-SNP report and its VCEK chain and answers with an
// RS256 token carrying MAA's claims; POST /attest/AzureGuest verifies an Azure CVM's HCL
// report, vTPM quote, event log and certified encryption key and answers with an azurevm
// token sealed to that key; GET /certs and /.well-known/openid-configuration publish the
// signing keys; errors are CloudError bodies. An admin handler (served on a separate
// loopback port) switches faults and rotates keys.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <json/value.h>

#include "client/lib/azure_guest.h"
#include "net/http.h"
#include "tests/mocks/maa/signing_keys.h"
#include "verify/report_verifier.h"
#include "verify/roots.h"

namespace attestd::maaemu {

struct EmulatorConfig {
  std::string base_url;                   // the instance URL: iss, and jku = base_url + "/certs"
  verify::RootStore roots = verify::RootStore::amd();
  std::vector<Bytes> known_measurements;  // Azure vouches ("azure-compliant-cvm") only for these
  std::int64_t token_lifetime_seconds = 8 * 3600;
  std::size_t max_request_bytes = 256 * 1024;             // SevSnpVm
  std::size_t max_azureguest_request_bytes = client::kMaxAzureGuestRequestBytes;  // the event log dominates
  // SHA-256 of the PK, KEK and db values that count as the platform's default Secure Boot
  // keys (x-ms-azurevm-default-securebootkeysvalidated): MAA compares with Azure's own
  // templates, which it does not publish.
  std::vector<Bytes> default_secure_boot_keys;
  // The latency model (docs/performance.md): every attest request takes at least this
  // long, concurrently with others, as a remote service's round trip would (0: none).
  int service_time_ms = 0;
};

// What a broken MAA, or something between it and the agent, answers with status 200 in
// place of the token a request earned (an invalid request still gets its CloudError).
enum class BadAnswer {
  None,
  NotJson,           // "not-json": an HTML error page labelled application/json
  NoToken,           // "no-token": a JSON object without "token"
  NotJws,            // "not-jws": {"token": a string that is not a compact JWS} (AzureGuest:
                     // sealed, as the real token would be)
  ForgedSignature,   // "forged-signature": the earned claims under the active kid, signed by
                     // a key that is not published at /certs (AzureGuest: sealed)
  UnknownKey,        // "unknown-key": the same, under that key's own (unpublished) kid
  Truncated,         // "truncated": the genuine body cut off halfway
  WrongContentType,  // "wrong-content-type": the genuine body, labelled text/html
};

// "not-json" ... as above; nullopt for another name.
std::optional<BadAnswer> parse_bad_answer(std::string_view name);

// Faults for tests, switched through the admin handler or directly.
struct Faults {
  int latency_ms = 0;       // added before answering
  int status = 0;           // answer attest requests with this status (429, 500, 503, ...)
  std::string retry_after;  // the Retry-After sent with `status`, verbatim (seconds, an HTTP-date, or junk)
  BadAnswer answer = BadAnswer::None;
  bool drop = false;        // close the connection without answering
  int count = -1;           // how many attest requests the fault applies to; -1: all
};

struct Counters {
  std::uint64_t attest_requests = 0, tokens_issued = 0, errors = 0;
};

class Emulator {
 public:
  Emulator(EmulatorConfig config, SigningKeys keys);

  net::HttpResponse handle(const net::HttpRequest& request);
  // POST /faults (JSON Faults), DELETE /faults, POST /keys/rotate, POST /keys/activate
  // {"kid"}, GET /stats, GET and PUT /known-measurements {"measurements": [hex, ...]}
  // (the launch measurements Azure vouches for, replaced as a whole).
  net::HttpResponse handle_admin(const net::HttpRequest& request);

  void set_faults(const Faults& faults);
  void set_known_measurements(std::vector<Bytes> measurements);
  Counters counters() const;
  const SigningKeys& keys() const { return keys_; }

 private:
  // What a token answer's "token" member holds: the JWS itself (SevSnpVm) or the JWS
  // sealed to the guest's encryption key (AzureGuest).
  using TokenWrap = std::function<Result<std::string>(const std::string& jws)>;
  struct Issued {
    std::string jws;
    TokenWrap wrap;
  };
  // What a request earned: a token, or a CloudError.
  struct Refusal {
    int status = 400;
    std::string code = "InvalidParameter";
    std::string message;
  };
  using Verdict = std::variant<Issued, Refusal>;
  using Issue = Verdict (Emulator::*)(const net::HttpRequest&);
  // The path both attest endpoints share: count, apply faults, `issue`, answer or spoil.
  net::HttpResponse attest(const net::HttpRequest& request, Issue issue);
  Verdict issue_sevsnpvm(const net::HttpRequest& request);
  Verdict issue_azureguest(const net::HttpRequest& request);  // tests/mocks/maa/azure_guest.cpp
  // The api-version check: nullopt when `request` names one of `versions`.
  static std::optional<Refusal> check_api_version(const net::HttpRequest& request,
                                                  const std::vector<std::string>& versions);
  // The SNP report and its VCEK chain (PEM; nullopt: none given), verified against the
  // configured roots; the error's message is the CloudError's.
  Result<verify::VerifiedReport> verify_snp(ByteView report, const std::optional<std::string>& vcek_chain_pem) const;
  // Whether Azure vouches for this guest (x-ms-compliance-status): not debuggable, at
  // VMPL 0, running firmware whose launch measurement is on its list.
  bool compliant(const snp::AttestationReport& report) const;
  // iss, iat, nbf, exp, jti, x-ms-policy-hash, x-ms-ver: what every token carries.
  Result<Json::Value> token_claims(const std::string& attestation_type) const;
  // The compact JWS of `claims`, by the active key, with MAA's header.
  Result<std::string> sign(const Json::Value& claims);
  // The 200 carrying `issued`, or as `answer` spoils it.
  net::HttpResponse answer(const Issued& issued, BadAnswer answer);
  // The fault in force for this request (counting it down), or none.
  Faults take_fault();
  // What latency, drop and status make of a request, before it is looked at.
  std::optional<net::HttpResponse> answer_early(const Faults& f);
  Result<SigningKey> forger();

  EmulatorConfig config_;
  SigningKeys keys_;
  mutable std::mutex mu_;
  Faults faults_;
  Counters counters_;
  std::optional<SigningKey> forger_;  // made on first use: RSA key generation is slow
};

// Launch measurements as 96 hex digits each (--known-measurement, PUT /known-measurements);
// a Usage error names the first that is not.
Result<std::vector<Bytes>> parse_measurements(const std::vector<std::string>& hexes);

// {"error": {"code", "message"}} with the HTTP status, as Azure services answer errors.
net::HttpResponse cloud_error(int status, const std::string& code, const std::string& message);


// The x-ms-policy-hash MAA reports for the emulator's (fixed) default policy.
std::string default_policy_hash();

}  // namespace attestd::maaemu
