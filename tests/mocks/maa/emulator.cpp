#include "tests/mocks/maa/emulator.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

#include "client/lib/azurevm_claims.h"
#include "client/lib/maa_claims.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
#include "crypto/random.h"
#include "crypto/sha.h"
#include "crypto/x509.h"
#include "verify/report_verifier.h"

namespace attestd::maaemu {

namespace {

// The API versions of MAA that serve /attest/SevSnpVm.
constexpr const char* kApiVersions[] = {"2022-08-01", "2025-06-01"};

// The text of the policy the emulator applies: MAA's default, which issues a token for
// any report that verifies.
constexpr const char* kDefaultPolicy =
    "version= 1.0;authorizationrules{c:[type==\"$is-debuggable\"] => permit();};issuancerules{};";

bool iequals(std::string_view a, std::string_view b) { return net::iequals(a, b); }

// Printable ASCII and spaces only: what a header value may carry verbatim.
bool header_safe(std::string_view v) {
  return v.size() <= 1024 && std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

std::optional<BadAnswer> parse_bad_answer(std::string_view name) {
  static const std::pair<std::string_view, BadAnswer> kNames[] = {
      {"not-json", BadAnswer::NotJson},
      {"no-token", BadAnswer::NoToken},
      {"not-jws", BadAnswer::NotJws},
      {"forged-signature", BadAnswer::ForgedSignature},
      {"unknown-key", BadAnswer::UnknownKey},
      {"truncated", BadAnswer::Truncated},
      {"wrong-content-type", BadAnswer::WrongContentType}};
  for (auto [n, a] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::string default_policy_hash() { return crypto::base64url_encode(crypto::sha256(as_bytes(kDefaultPolicy))); }

Result<std::vector<Bytes>> parse_measurements(const std::vector<std::string>& hexes) {
  std::vector<Bytes> out;
  for (const auto& h : hexes) {
    auto b = hex_decode(h);
    if (!b || b->size() != 48) return Error(ErrorCode::Usage, "known measurement '" + h + "' is not 96 hex digits");
    out.push_back(std::move(b).value());
  }
  return out;
}

net::HttpResponse cloud_error(int status, const std::string& code, const std::string& message) {
  Json::Value body(Json::objectValue);
  body["error"]["code"] = code;
  body["error"]["message"] = message;
  return net::HttpResponse::json(status, body);
}

Emulator::Emulator(EmulatorConfig config, SigningKeys keys) : config_(std::move(config)), keys_(std::move(keys)) {}

void Emulator::set_faults(const Faults& faults) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = faults;
}

Counters Emulator::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

net::HttpResponse Emulator::handle(const net::HttpRequest& r) {
  if (iequals(r.path, "/attest/SevSnpVm")) {
    if (r.method != "POST") return cloud_error(405, "MethodNotAllowed", "use POST for " + r.path);
    return attest(r, &Emulator::issue_sevsnpvm);
  }
  if (iequals(r.path, client::kAzureGuestPath)) {
    if (r.method != "POST") return cloud_error(405, "MethodNotAllowed", "use POST for " + r.path);
    return attest(r, &Emulator::issue_azureguest);
  }
  if (r.path == "/certs" && r.method == "GET") return net::HttpResponse::json(200, keys_.jwks());
  if (r.path == "/.well-known/openid-configuration" && r.method == "GET") {
    Json::Value doc(Json::objectValue);
    doc["issuer"] = config_.base_url;
    doc["jwks_uri"] = config_.base_url + "/certs";
    doc["response_types_supported"].append("token");
    doc["id_token_signing_alg_values_supported"].append("RS256");
    doc["claims_supported"] = Json::Value(Json::arrayValue);
    for (const char* c : {"iss", "iat", "exp", "nbf", "jti", "nonce", "x-ms-attestation-type", "x-ms-compliance-status",
                          "x-ms-policy-hash", "x-ms-runtime", "x-ms-ver", "x-ms-isolation-tee"}) {
      doc["claims_supported"].append(c);
    }
    for (const auto& c : client::azurevm_claim_names()) doc["claims_supported"].append(c);
    return net::HttpResponse::json(200, doc);
  }
  return cloud_error(404, "NotFound", "no such endpoint: " + r.method + " " + r.path);
}

Faults Emulator::take_fault() {
  std::lock_guard<std::mutex> lock(mu_);
  if (faults_.count == 0) return Faults{};
  if (faults_.count > 0) --faults_.count;
  return faults_;
}

std::optional<net::HttpResponse> Emulator::answer_early(const Faults& f) {
  if (f.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));
  if (f.drop) {
    net::HttpResponse drop;
    drop.status = net::HttpResponse::kDropConnection;
    drop.close = true;
    return drop;
  }
  if (f.status != 0) {
    static const std::pair<int, const char*> kCodes[] = {
        {429, "TooManyRequests"}, {500, "InternalServerError"}, {502, "BadGateway"}, {503, "ServiceUnavailable"},
        {504, "GatewayTimeout"}, {408, "RequestTimeout"}, {400, "BadRequest"}};
    const char* code = "Error";
    for (auto [s, c] : kCodes) {
      if (s == f.status) code = c;
    }
    net::HttpResponse e = cloud_error(f.status, code, "fault injected by the maa-emu admin endpoint");
    if (!f.retry_after.empty()) e.headers.push_back({"Retry-After", f.retry_after});
    return e;
  }
  return std::nullopt;
}

Result<SigningKey> Emulator::forger() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!forger_) {
    auto keys = SigningKeys::generate(config_.base_url, 1, "maa-emu forger: never published");
    if (!keys) return keys.error();
    forger_ = keys->active();
  }
  return *forger_;
}

net::HttpResponse Emulator::answer(const Issued& issued, BadAnswer spoiled) {
  auto answer_200 = [](std::string content_type, std::string body) {
    net::HttpResponse r;
    r.headers.push_back({"Content-Type", std::move(content_type)});
    r.body = std::move(body);
    return r;
  };
  auto token_answer = [&](const std::string& jws) -> Result<net::HttpResponse> {
    auto wrapped = issued.wrap(jws);
    if (!wrapped) return wrapped.error();
    Json::Value out(Json::objectValue);
    out["token"] = *wrapped;
    return net::HttpResponse::json(200, out);
  };
  auto token = crypto::parse_compact_jws(issued.jws);
  if (!token) return cloud_error(500, "InternalServerError", token.error().message());
  Result<net::HttpResponse> earned = token_answer(issued.jws);
  if (!earned) return cloud_error(500, "InternalServerError", earned.error().message());
  switch (spoiled) {
    case BadAnswer::None:
      return *earned;
    case BadAnswer::NotJson:
      return answer_200("application/json; charset=utf-8",
                        "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>");
    case BadAnswer::NoToken:
      return answer_200("application/json; charset=utf-8", "{}");
    case BadAnswer::NotJws: {  // an unsecured JWT: header and claims, no signature segment
      auto r = token_answer(token->header_b64 + "." + token->payload_b64);
      return r ? *r : cloud_error(500, "InternalServerError", r.error().message());
    }
    case BadAnswer::ForgedSignature:
    case BadAnswer::UnknownKey: {
      auto key = forger();
      if (!key) return cloud_error(500, "InternalServerError", key.error().message());
      Json::Value header = token->header;
      if (spoiled == BadAnswer::UnknownKey) header["kid"] = key->kid;
      auto forged = crypto::sign_compact_jws(header, token->payload, key->key, crypto::SignatureScheme::RsaPkcs1Sha256);
      if (!forged) return cloud_error(500, "InternalServerError", forged.error().message());
      auto r = token_answer(*forged);
      return r ? *r : cloud_error(500, "InternalServerError", r.error().message());
    }
    case BadAnswer::Truncated:
      return answer_200("application/json; charset=utf-8", earned->body.substr(0, earned->body.size() / 2));
    case BadAnswer::WrongContentType:
      return answer_200("text/html; charset=utf-8", earned->body);
  }
  return *earned;
}

net::HttpResponse Emulator::attest(const net::HttpRequest& r, Issue issue) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.attest_requests;
  }
  // The service time counts from arrival and covers the verification: it is the least a
  // request takes, not an addition to what the emulator's own work costs.
  struct ServiceTime {
    std::chrono::steady_clock::time_point until;
    ~ServiceTime() { std::this_thread::sleep_until(until); }
  } service_time{std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.service_time_ms)};
  Faults f = take_fault();
  if (auto early = answer_early(f)) return *early;
  Verdict verdict = (this->*issue)(r);
  if (const auto* refused = std::get_if<Refusal>(&verdict)) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.errors;
    return cloud_error(refused->status, refused->code, refused->message);
  }
  net::HttpResponse out = answer(std::get<Issued>(verdict), f.answer);
  std::lock_guard<std::mutex> lock(mu_);
  if (out.status == 200) ++counters_.tokens_issued;
  else ++counters_.errors;
  return out;
}

std::optional<Emulator::Refusal> Emulator::check_api_version(const net::HttpRequest& r,
                                                             const std::vector<std::string>& versions) {
  auto version = r.query_param("api-version");
  if (!version) return Refusal{400, "MissingApiVersionParameter", "The api-version query parameter is required."};
  if (std::find(versions.begin(), versions.end(), *version) != versions.end()) return std::nullopt;
  std::string supported;
  for (const auto& v : versions) supported += (supported.empty() ? "'" : ", '") + v + "'";
  return Refusal{400, "InvalidApiVersionParameter",
                 "The api-version '" + *version + "' is invalid. The supported versions are " + supported + "."};
}

Result<verify::VerifiedReport> Emulator::verify_snp(ByteView report,
                                                    const std::optional<std::string>& vcek_chain_pem) const {
  std::vector<crypto::Certificate> certs;
  if (vcek_chain_pem) {
    auto parsed = crypto::Certificate::parse_all(as_bytes(*vcek_chain_pem));
    if (!parsed) return Error(ErrorCode::MalformedInput, "'VcekCertChain': " + parsed.error().message());
    certs = std::move(parsed).value();
  }
  verify::VerifyOptions options;
  options.roots = &config_.roots;
  auto verified = verify::verify_report(report, certs, options);
  if (!verified) return Error(verified.error().code(), "SNP report verification failed: " + verified.error().describe());
  return verified;
}

bool Emulator::compliant(const snp::AttestationReport& report) const {
  std::vector<Bytes> known_measurements;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known_measurements = config_.known_measurements;
  }
  bool known = std::any_of(known_measurements.begin(), known_measurements.end(), [&](const Bytes& m) {
    return constant_time_equal(m, ByteView(report.measurement.data(), report.measurement.size()));
  });
  return !report.policy.debug() && report.vmpl == 0 && known;
}

Result<Json::Value> Emulator::token_claims(const std::string& attestation_type) const {
  UnixTime now = now_unix();
  auto jti = crypto::random_bytes(32);
  if (!jti) return jti.error();
  Json::Value claims(Json::objectValue);
  claims["iss"] = config_.base_url;
  claims["iat"] = Json::Int64(now);
  claims["nbf"] = Json::Int64(now);
  claims["exp"] = Json::Int64(now + config_.token_lifetime_seconds);
  claims["jti"] = hex_encode(*jti);
  claims["x-ms-attestation-type"] = attestation_type;
  claims["x-ms-policy-hash"] = default_policy_hash();
  claims["x-ms-ver"] = "1.0";
  return claims;
}

Result<std::string> Emulator::sign(const Json::Value& claims) {
  SigningKey key = keys_.active();
  Json::Value header(Json::objectValue);
  header["alg"] = "RS256";
  header["jku"] = config_.base_url + "/certs";
  header["kid"] = key.kid;
  header["typ"] = "JWT";
  return crypto::sign_compact_jws(header, as_bytes(json_compact(claims)), key.key, crypto::SignatureScheme::RsaPkcs1Sha256);
}

Emulator::Verdict Emulator::issue_sevsnpvm(const net::HttpRequest& r) {
  auto invalid = [](const std::string& message) { return Refusal{400, "InvalidParameter", message}; };
  if (auto refused = check_api_version(r, {std::begin(kApiVersions), std::end(kApiVersions)})) return *refused;
  if (r.body.size() > config_.max_request_bytes) {
    return Refusal{413, "RequestEntityTooLarge",
                   "The request body exceeds " + std::to_string(config_.max_request_bytes) + " bytes."};
  }
  auto body = parse_json(r.body, "request body", config_.max_request_bytes);
  if (!body || !body->isObject()) {
    return invalid(body ? "The request body is not a JSON object." : body.error().message());
  }
  const Json::Value& b = *body;
  if (!b["report"].isString()) return invalid("The 'report' field is required.");

  // report = base64url(JSON {"SnpReport": base64url(report), "VcekCertChain": base64(PEM)});
  // real clients use both alphabets, padded or not.
  auto report_json = crypto::base64_decode_any(b["report"].asString());
  if (!report_json) return invalid("'report' is not base64url: " + report_json.error().message());
  auto evidence = parse_json(as_chars(*report_json), "report");
  if (!evidence || !evidence->isObject() || !(*evidence)["SnpReport"].isString()) {
    return invalid("'report' does not decode to JSON with an 'SnpReport' string.");
  }
  auto snp_bytes = crypto::base64_decode_any((*evidence)["SnpReport"].asString());
  if (!snp_bytes) return invalid("'SnpReport' is not base64url.");
  std::optional<std::string> pem;
  if ((*evidence)["VcekCertChain"].isString()) {
    auto decoded = crypto::base64_decode_any((*evidence)["VcekCertChain"].asString());
    if (!decoded) return invalid("'VcekCertChain' is not base64.");
    pem = std::string(as_chars(*decoded));
  }
  auto verified = verify_snp(*snp_bytes, pem);
  if (!verified) return invalid(verified.error().message());
  const snp::AttestationReport& report = verified->report();

  auto claims_or = token_claims("sevsnpvm");
  if (!claims_or) return Refusal{500, "InternalServerError", claims_or.error().message()};
  Json::Value claims = std::move(claims_or).value();
  if (b.isMember("runtimeData")) {
    const Json::Value& rd = b["runtimeData"];
    if (!rd.isObject() || !rd["data"].isString()) {
      return invalid("'runtimeData' must be {\"data\": base64url, \"dataType\": ...}.");
    }
    auto data = crypto::base64_decode_any(rd["data"].asString());
    if (!data) return invalid("'runtimeData.data' is not base64url.");
    Bytes digest = crypto::sha256(*data);
    if (!constant_time_equal(digest, ByteView(report.report_data.data(), 32))) {
      return invalid("The runtime data does not match the report: SHA-256(runtimeData) " + hex_encode(digest) +
                     " is not REPORT_DATA[0:32] " + hex_encode(ByteView(report.report_data.data(), 32)) + ".");
    }
    std::string type = rd["dataType"].isString() ? rd["dataType"].asString() : "Binary";
    if (type == "JSON") {
      auto runtime = parse_json(as_chars(*data), "runtimeData");
      if (!runtime) return invalid("'runtimeData' of dataType JSON is not JSON.");
      claims["x-ms-runtime"] = *runtime;
    } else if (type == "Binary") {
      claims["x-ms-maa-enclavehelddata"] = crypto::base64url_encode(*data);
    } else {
      return invalid("'runtimeData.dataType' must be JSON or Binary.");
    }
  }
  if (b.isMember("nonce")) {
    if (!b["nonce"].isString()) return invalid("'nonce' must be a string.");
    claims["nonce"] = b["nonce"];
  }
  Json::Value snp = client::sevsnpvm_claims(report, verified->product());
  for (const auto& name : snp.getMemberNames()) claims[name] = snp[name];
  if (compliant(report)) claims["x-ms-compliance-status"] = "azure-compliant-cvm";

  auto token = sign(claims);
  if (!token) return Refusal{500, "InternalServerError", token.error().message()};
  return Issued{std::move(token).value(), [](const std::string& jws) -> Result<std::string> { return jws; }};
}

void Emulator::set_known_measurements(std::vector<Bytes> measurements) {
  std::lock_guard<std::mutex> lock(mu_);
  config_.known_measurements = std::move(measurements);
}

net::HttpResponse Emulator::handle_admin(const net::HttpRequest& r) {
  if (r.path == "/faults" && r.method == "DELETE") {
    set_faults(Faults{});
    return net::HttpResponse::json(200, Json::Value(Json::objectValue));
  }
  if (r.path == "/faults" && r.method == "POST") {
    auto body = parse_json(r.body, "faults");
    if (!body || !body->isObject()) return cloud_error(400, "InvalidParameter", "faults must be a JSON object");
    Faults f;
    for (const auto& k : body->getMemberNames()) {
      const Json::Value& v = (*body)[k];
      const auto n = json_integer(v, INT_MIN, INT_MAX);
      if (k == "latency_ms" && n) f.latency_ms = static_cast<int>(*n);
      else if (k == "status" && n) f.status = static_cast<int>(*n);
      else if (k == "retry_after" && n && *n >= 0) f.retry_after = std::to_string(*n);
      else if (k == "retry_after" && v.isString() && header_safe(v.asString())) f.retry_after = v.asString();
      else if (k == "answer" && v.isString() && parse_bad_answer(v.asString())) f.answer = *parse_bad_answer(v.asString());
      else if (k == "drop" && v.isBool()) f.drop = v.asBool();
      else if (k == "count" && n) f.count = static_cast<int>(*n);
      else if (k == "answer") {
        return cloud_error(400, "InvalidParameter",
                           "fault 'answer' is one of not-json, no-token, not-jws, forged-signature, unknown-key, "
                           "truncated, wrong-content-type");
      } else return cloud_error(400, "InvalidParameter", "unknown or mistyped fault '" + k + "'");
    }
    if (f.latency_ms < 0 || f.latency_ms > 60000 || (f.status != 0 && (f.status < 400 || f.status > 599))) {
      return cloud_error(400, "InvalidParameter", "latency_ms must be 0-60000 and status 400-599");
    }
    set_faults(f);
    return net::HttpResponse::json(200, *body);
  }
  if (r.path == "/keys/rotate" && r.method == "POST") {
    auto kid = keys_.rotate();
    if (!kid) return cloud_error(500, "InternalServerError", kid.error().message());
    Json::Value out(Json::objectValue);
    out["kid"] = *kid;
    return net::HttpResponse::json(200, out);
  }
  if (r.path == "/keys/activate" && r.method == "POST") {
    auto body = parse_json(r.body, "activate");
    if (!body || !(*body)["kid"].isString()) return cloud_error(400, "InvalidParameter", "expected {\"kid\": ...}");
    if (Status s = keys_.activate((*body)["kid"].asString()); !s) return cloud_error(404, "NotFound", s.error().message());
    return net::HttpResponse::json(200, *body);
  }
  if (r.path == "/known-measurements" && r.method == "PUT") {
    auto body = parse_json(r.body, "known-measurements");
    if (!body || !body->isObject() || !(*body)["measurements"].isArray() || body->size() != 1) {
      return cloud_error(400, "InvalidParameter", "expected {\"measurements\": [96 hex digits, ...]}");
    }
    std::vector<std::string> hexes;
    for (const Json::Value& m : (*body)["measurements"]) {
      if (!m.isString()) return cloud_error(400, "InvalidParameter", "a measurement is a string of 96 hex digits");
      hexes.push_back(m.asString());
    }
    auto list = parse_measurements(hexes);
    if (!list) return cloud_error(400, "InvalidParameter", list.error().message());
    set_known_measurements(std::move(list).value());
    return net::HttpResponse::json(200, *body);
  }
  if (r.path == "/known-measurements" && r.method == "GET") {
    Json::Value out(Json::objectValue);
    out["measurements"] = Json::Value(Json::arrayValue);
    std::lock_guard<std::mutex> lock(mu_);
    for (const Bytes& m : config_.known_measurements) out["measurements"].append(hex_encode(m));
    return net::HttpResponse::json(200, out);
  }
  if (r.path == "/stats" && r.method == "GET") {
    Counters c = counters();
    Json::Value out(Json::objectValue);
    out["attest_requests"] = Json::UInt64(c.attest_requests);
    out["tokens_issued"] = Json::UInt64(c.tokens_issued);
    out["errors"] = Json::UInt64(c.errors);
    out["active_kid"] = keys_.active().kid;
    return net::HttpResponse::json(200, out);
  }
  return cloud_error(404, "NotFound", "no such admin endpoint: " + r.method + " " + r.path);
}

}  // namespace attestd::maaemu
