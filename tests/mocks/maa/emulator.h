// maa-emu: a faithful Microsoft Azure Attestation emulator for tests (docs/maa-emu.md).
// POST /attest/SevSnpVm verifies an SEV-SNP report and its VCEK chain and answers with an
// RS256 token carrying MAA's claims; GET /certs and /.well-known/openid-configuration
// publish the signing keys; errors are CloudError bodies. An admin handler (served on a
// separate loopback port) switches faults and rotates keys.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"
#include "tests/mocks/maa/signing_keys.h"
#include "verify/roots.h"

namespace attestd::maaemu {

struct EmulatorConfig {
  std::string base_url;                   // the instance URL: iss, and jku = base_url + "/certs"
  verify::RootStore roots = verify::RootStore::amd();
  std::vector<Bytes> known_measurements;  // Azure vouches ("azure-compliant-cvm") only for these
  std::int64_t token_lifetime_seconds = 8 * 3600;
  std::size_t max_request_bytes = 256 * 1024;
};

// What a broken MAA, or something between it and the agent, answers with status 200 in
// place of the token a request earned (an invalid request still gets its CloudError).
enum class BadAnswer {
  None,
  NotJson,           // "not-json": an HTML error page labelled application/json
  NoToken,           // "no-token": a JSON object without "token"
  NotJws,            // "not-jws": {"token": a string that is not a compact JWS}
  ForgedSignature,   // "forged-signature": the earned claims under the active kid, signed by
                     // a key that is not published at /certs
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
  net::HttpResponse attest_sevsnpvm(const net::HttpRequest& request);
  net::HttpResponse issue_token(const net::HttpRequest& request);
  // The fault in force for this request (counting it down), or none.
  Faults take_fault();
  // What latency, drop and status make of a request, before it is looked at.
  std::optional<net::HttpResponse> answer_early(const Faults& f);
  // `earned` (a 200 with a token) as `answer` spoils it.
  net::HttpResponse spoil(net::HttpResponse earned, BadAnswer answer);
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
