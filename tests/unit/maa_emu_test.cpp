// maa-emu's behaviour, request by request (no network: the handler is called directly).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>

#include "client/lib/maa_token.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/sha.h"
#include "tests/mocks/maa/emulator.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::maaemu;

namespace {

const std::string kBase = "https://maa.test";

const SigningKeys& test_keys() {
  static SigningKeys keys = *SigningKeys::generate(kBase, 2, "maa-emu-test");
  return keys;
}

Emulator make_emulator(std::vector<Bytes> known = {}, bool trust_sim = false) {
  EmulatorConfig c;
  c.base_url = kBase;
  c.known_measurements = std::move(known);
  if (trust_sim) c.roots.add(snpsim::sim_product_chain(snpsim::test::milan()));
  return Emulator(std::move(c), test_keys());
}

net::HttpRequest post(const std::string& body, const std::string& path = "/attest/SevSnpVm",
                      const std::string& version = "2022-08-01") {
  net::HttpRequest r;
  r.method = "POST";
  r.path = path;
  r.target = path + "?api-version=" + version;
  if (!version.empty()) r.query.push_back({"api-version", version});
  r.body = body;
  return r;
}

// The reference SevSnpVm request of tests/vectors/maa, as a real client sends it.
std::string reference_body() {
  Json::Value b(Json::objectValue);
  b["report"] = crypto::base64url_encode(as_bytes(test::read_vector_text("maa/sevsnpvm_request_report_field.json")));
  return json_compact(b);
}

// A request for a report made by snp-sim, with JSON runtime data bound in REPORT_DATA.
// `vcek` replaces the sim's VCEK certificate in VcekCertChain (same key, issued otherwise).
std::string sim_body(const Json::Value& runtime, snpsim::ReportRequest req = {}, bool bind = true,
                     const std::optional<crypto::Certificate>& vcek = std::nullopt) {
  std::string rt = json_compact(runtime);
  Bytes digest = crypto::sha256(as_bytes(rt));
  if (bind) std::copy(digest.begin(), digest.end(), req.report_data.begin());
  const auto& id = snpsim::test::milan();
  Bytes report = *snpsim::make_report(id, req);
  Json::Value evidence(Json::objectValue);
  evidence["SnpReport"] = crypto::base64url_encode(report);
  evidence["VcekCertChain"] =
      crypto::base64_encode(as_bytes(vcek.value_or(id.vcek).pem() + id.ask.pem() + id.ark.pem()));
  Json::Value b(Json::objectValue);
  b["report"] = crypto::base64url_encode(as_bytes(json_compact(evidence)));
  b["runtimeData"]["data"] = crypto::base64url_encode(as_bytes(rt));
  b["runtimeData"]["dataType"] = "JSON";
  return json_compact(b);
}

Json::Value token_claims(const net::HttpResponse& r, const Emulator& emu) {
  auto body = parse_json(r.body, "response");
  BOOST_REQUIRE(body.ok());
  auto keys = crypto::parse_jwks(emu.keys().jwks());
  client::StaticMaaKeys source(*keys);
  auto t = client::verify_maa_token((*body)["token"].asString(), kBase, source, now_unix(), 60);
  BOOST_REQUIRE_MESSAGE(t.ok(), test::why(t));
  return t->claims();
}

std::string error_code(const net::HttpResponse& r) {
  auto body = parse_json(r.body, "error");
  return body && (*body)["error"]["code"].isString() ? (*body)["error"]["code"].asString() : "(not a CloudError)";
}

Json::Value reference_token_claims() {
  std::string t = test::read_vector_text("maa/sevsnpvm_sharedweu_token.jwt");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return *parse_json(as_chars(crypto::parse_compact_jws(t)->payload), "reference");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(maa_emu)

BOOST_AUTO_TEST_CASE(the_reference_request_gets_every_sevsnpvm_claim_of_the_real_token) {
  Emulator emu = make_emulator();
  net::HttpResponse r = emu.handle(post(reference_body()));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  Json::Value mine = token_claims(r, emu);
  Json::Value real = reference_token_claims();
  int compared = 0;
  for (const auto& name : real.getMemberNames()) {
    if (name.rfind("x-ms-sevsnpvm-", 0) != 0) continue;
    BOOST_TEST((mine[name] == real[name]), name << ": " << json_compact(mine[name]) << " vs " << json_compact(real[name]));
    ++compared;
  }
  BOOST_TEST(compared == 17);
  for (const auto& name : mine.getMemberNames()) {
    if (name.rfind("x-ms-sevsnpvm-", 0) == 0) BOOST_TEST(real.isMember(name), "extra claim " << name);
  }
  BOOST_TEST(mine["x-ms-attestation-type"].asString() == "sevsnpvm");
  BOOST_TEST(mine["x-ms-ver"].asString() == "1.0");
  BOOST_TEST(mine["iss"].asString() == kBase);
  BOOST_TEST(mine["exp"].asInt64() - mine["iat"].asInt64() == 8 * 3600);
  BOOST_TEST(mine["nbf"].asInt64() == mine["iat"].asInt64());
  BOOST_TEST(mine["jti"].asString().size() == 64u);
  BOOST_TEST(!mine.isMember("x-ms-compliance-status"));  // its measurement is on no list here
}

BOOST_AUTO_TEST_CASE(the_token_header_is_mas) {
  Emulator emu = make_emulator();
  net::HttpResponse r = emu.handle(post(reference_body()));
  auto token = (*parse_json(r.body, "r"))["token"].asString();
  auto jws = crypto::parse_compact_jws(token);
  BOOST_TEST(jws->header["alg"].asString() == "RS256");
  BOOST_TEST(jws->header["jku"].asString() == kBase + "/certs");
  BOOST_TEST(jws->header["typ"].asString() == "JWT");
  BOOST_TEST(jws->header["kid"].asString() == emu.keys().active().kid);
}

BOOST_AUTO_TEST_CASE(compliance_needs_a_known_measurement_no_debug_and_vmpl_0) {
  Json::Value rt(Json::objectValue);
  rt["keys"] = Json::Value(Json::arrayValue);
  snpsim::ReportRequest good;
  good.measurement.fill(0x5A);
  Bytes known(48, 0x5A);
  Emulator emu = make_emulator({known}, true);
  BOOST_TEST(token_claims(emu.handle(post(sim_body(rt, good))), emu)["x-ms-compliance-status"].asString() ==
             "azure-compliant-cvm");
  snpsim::ReportRequest debug = good;
  debug.policy |= 1u << 19;
  BOOST_TEST(!token_claims(emu.handle(post(sim_body(rt, debug))), emu).isMember("x-ms-compliance-status"));
  snpsim::ReportRequest vmpl1 = good;
  vmpl1.vmpl = 1;
  BOOST_TEST(!token_claims(emu.handle(post(sim_body(rt, vmpl1))), emu).isMember("x-ms-compliance-status"));
  snpsim::ReportRequest other = good;
  other.measurement.fill(0x5B);
  BOOST_TEST(!token_claims(emu.handle(post(sim_body(rt, other))), emu).isMember("x-ms-compliance-status"));
}

BOOST_AUTO_TEST_CASE(json_runtime_data_is_bound_and_echoed_as_x_ms_runtime) {
  Json::Value rt(Json::objectValue);
  rt["nonces"]["root"] = "abc";
  Emulator emu = make_emulator({}, true);
  Json::Value claims = token_claims(emu.handle(post(sim_body(rt))), emu);
  BOOST_TEST((claims["x-ms-runtime"] == rt));
  net::HttpResponse unbound = emu.handle(post(sim_body(rt, {}, false)));
  BOOST_TEST(unbound.status == 400);
  BOOST_TEST(error_code(unbound) == "InvalidParameter");
  BOOST_TEST(unbound.body.find("does not match the report") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_sim_root_is_trusted_only_when_configured) {
  Json::Value rt(Json::objectValue);
  Emulator amd_only = make_emulator();
  net::HttpResponse r = amd_only.handle(post(sim_body(rt)));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body.find("UntrustedChain") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_vcek_signed_directly_by_the_ark_gets_a_cloud_error_not_a_token) {
  const auto& id = snpsim::test::milan();
  auto by_ark = crypto::issue_certificate(snpsim::leaf_certificate_spec(id, false), id.vcek_key.public_key(),
                                          id.ark_key, &id.ark);
  BOOST_REQUIRE(by_ark.ok());
  Emulator emu = make_emulator({}, true);
  net::HttpResponse r = emu.handle(post(sim_body(Json::Value(Json::objectValue), {}, true, *by_ark)));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(error_code(r) == "InvalidParameter");
  BOOST_TEST(r.body.find("UntrustedChain: 'SEV-VCEK' is issued by") != std::string::npos, r.body);
  BOOST_TEST(r.body.find("\"token\"") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_expired_sim_vcek_is_named_certificate_expired) {
  const auto& id = snpsim::test::milan();
  snpsim::SimOptions expired;
  expired.not_after = now_unix() - 86400;
  auto old = crypto::issue_certificate(snpsim::leaf_certificate_spec(id, false, expired), id.vcek_key.public_key(),
                                       id.ask_key, &id.ask);
  BOOST_REQUIRE(old.ok());
  Emulator emu = make_emulator({}, true);  // AMD's Milan chain first, then the sim's
  net::HttpResponse r = emu.handle(post(sim_body(Json::Value(Json::objectValue), {}, true, *old)));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body.find("CertificateExpired: 'OU=Engineering") != std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(the_path_is_case_insensitive_and_the_api_version_checked) {
  Emulator emu = make_emulator();
  BOOST_TEST(emu.handle(post(reference_body(), "/attest/sevsnpvm")).status == 200);
  BOOST_TEST(emu.handle(post(reference_body(), "/ATTEST/SEVSNPVM", "2025-06-01")).status == 200);
  net::HttpResponse old = emu.handle(post(reference_body(), "/attest/SevSnpVm", "2020-10-01"));
  BOOST_TEST(old.status == 400);
  BOOST_TEST(error_code(old) == "InvalidApiVersionParameter");
  net::HttpResponse none = emu.handle(post(reference_body(), "/attest/SevSnpVm", ""));
  BOOST_TEST(error_code(none) == "MissingApiVersionParameter");
}

BOOST_AUTO_TEST_CASE(padded_and_unpadded_base64_and_base64url_are_all_accepted) {
  Emulator emu = make_emulator();
  std::string field = test::read_vector_text("maa/sevsnpvm_request_report_field.json");
  for (std::string encoded : {crypto::base64_encode(as_bytes(field)), crypto::base64url_encode(as_bytes(field))}) {
    for (bool pad : {true, false}) {
      std::string e = encoded;
      while (!pad && !e.empty() && e.back() == '=') e.pop_back();
      if (pad) e.append((4 - e.size() % 4) % 4, '=');
      Json::Value b(Json::objectValue);
      b["report"] = e;
      BOOST_TEST(emu.handle(post(json_compact(b))).status == 200, "pad=" << pad);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_requests_get_cloud_errors_naming_the_problem) {
  Emulator emu = make_emulator();
  BOOST_TEST(error_code(emu.handle(post("not json"))) == "InvalidParameter");
  BOOST_TEST(error_code(emu.handle(post("{}"))) == "InvalidParameter");
  BOOST_TEST(error_code(emu.handle(post(R"({"report": "!!!"})"))) == "InvalidParameter");
  Bytes report = test::read_vector("maa/sevsnpvm_request_snp_report.bin");
  report[0x90] ^= 1;
  Json::Value evidence = *parse_json(test::read_vector_text("maa/sevsnpvm_request_report_field.json"), "f");
  evidence["SnpReport"] = crypto::base64url_encode(report);
  Json::Value b(Json::objectValue);
  b["report"] = crypto::base64url_encode(as_bytes(json_compact(evidence)));
  net::HttpResponse tampered = emu.handle(post(json_compact(b)));
  BOOST_TEST(tampered.status == 400);
  BOOST_TEST(tampered.body.find("BadSignature") != std::string::npos);
  net::HttpRequest get = post("", "/attest/SevSnpVm");
  get.method = "GET";
  BOOST_TEST(emu.handle(get).status == 405);
  BOOST_TEST(emu.handle(post("{}", "/attest/Tpm")).status == 404);
  BOOST_TEST(emu.handle(post(std::string(300 * 1024, ' '))).status == 413);
}

BOOST_AUTO_TEST_CASE(certs_and_openid_configuration_publish_the_keys) {
  Emulator emu = make_emulator();
  net::HttpRequest certs;
  certs.method = "GET";
  certs.path = "/certs";
  auto jwks = parse_json(emu.handle(certs).body, "jwks");
  BOOST_REQUIRE(jwks.ok());
  BOOST_TEST((*jwks)["keys"].size() == 2u);
  auto parsed = crypto::parse_jwks(*jwks);
  BOOST_REQUIRE_MESSAGE(parsed.ok(), test::why(parsed));
  BOOST_TEST(parsed->front().x5c.size() == 1u);
  BOOST_TEST(parsed->front().x5c.front().is_self_issued());
  net::HttpRequest oidc = certs;
  oidc.path = "/.well-known/openid-configuration";
  auto doc = parse_json(emu.handle(oidc).body, "oidc");
  BOOST_TEST((*doc)["issuer"].asString() == kBase);
  BOOST_TEST((*doc)["jwks_uri"].asString() == kBase + "/certs");
}

BOOST_AUTO_TEST_CASE(rotation_switches_the_signing_key_and_keeps_the_old_one_published) {
  Emulator emu = make_emulator();
  std::string before = emu.keys().active().kid;
  net::HttpRequest rotate;
  rotate.method = "POST";
  rotate.path = "/keys/rotate";
  net::HttpResponse r = emu.handle_admin(rotate);
  BOOST_REQUIRE(r.status == 200);
  std::string after = (*parse_json(r.body, "r"))["kid"].asString();
  BOOST_TEST(after != before);
  BOOST_TEST(emu.keys().jwks()["keys"].size() == 3u);
  auto token = (*parse_json(emu.handle(post(reference_body())).body, "t"))["token"].asString();
  BOOST_TEST(crypto::parse_compact_jws(token)->header["kid"].asString() == after);
  net::HttpRequest activate = rotate;
  activate.path = "/keys/activate";
  activate.body = R"({"kid": ")" + before + R"("})";
  BOOST_TEST(emu.handle_admin(activate).status == 200);
  BOOST_TEST(emu.keys().active().kid == before);
}

BOOST_AUTO_TEST_CASE(faults_answer_with_the_status_and_retry_after_then_clear) {
  Emulator emu = make_emulator();
  net::HttpRequest f;
  f.method = "POST";
  f.path = "/faults";
  f.body = R"({"status": 429, "retry_after": 2, "count": 1})";
  BOOST_REQUIRE(emu.handle_admin(f).status == 200);
  net::HttpResponse limited = emu.handle(post(reference_body()));
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(error_code(limited) == "TooManyRequests");
  bool retry = false;
  for (const auto& [k, v] : limited.headers) retry = retry || (k == "Retry-After" && v == "2");
  BOOST_TEST(retry);
  BOOST_TEST(emu.handle(post(reference_body())).status == 200);  // count ran out
  f.body = R"({"answer": "not-json"})";
  BOOST_REQUIRE(emu.handle_admin(f).status == 200);
  net::HttpResponse bad = emu.handle(post(reference_body()));
  BOOST_TEST(bad.status == 200);
  BOOST_TEST(!parse_json(bad.body, "x").ok());
  f.body = R"({"drop": true})";
  emu.handle_admin(f);
  BOOST_TEST(emu.handle(post(reference_body())).status == 0);
  f.method = "DELETE";
  emu.handle_admin(f);
  BOOST_TEST(emu.handle(post(reference_body())).status == 200);
  f.method = "POST";
  f.body = R"({"lag": 5})";
  BOOST_TEST(emu.handle_admin(f).status == 400);
}

// The token of a 200 answer, or "" when the body has none.
std::string token_of(const net::HttpResponse& r) {
  auto body = parse_json(r.body, "answer");
  return body && body->isObject() && (*body)["token"].isString() ? (*body)["token"].asString() : "";
}

std::string content_type(const net::HttpResponse& r) {
  for (const auto& [k, v] : r.headers) {
    if (net::iequals(k, "Content-Type")) return v;
  }
  return "";
}

net::HttpResponse answered_with(Emulator& emu, const std::string& answer) {
  net::HttpRequest f;
  f.method = "POST";
  f.path = "/faults";
  f.body = R"({"answer": ")" + answer + R"(", "count": 1})";
  BOOST_REQUIRE(emu.handle_admin(f).status == 200);
  return emu.handle(post(reference_body()));
}

Result<client::VerifiedToken> verify_with_published_keys(const std::string& token, const Emulator& emu) {
  client::StaticMaaKeys source(*crypto::parse_jwks(emu.keys().jwks()));
  return client::verify_maa_token(token, kBase, source, now_unix(), 60);
}

BOOST_AUTO_TEST_CASE(a_not_json_answer_is_an_html_page_labelled_json) {
  Emulator emu = make_emulator();
  net::HttpResponse r = answered_with(emu, "not-json");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(content_type(r) == "application/json; charset=utf-8");
  BOOST_TEST(r.body.rfind("<html>", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_no_token_answer_is_a_json_object_without_a_token) {
  Emulator emu = make_emulator();
  net::HttpResponse r = answered_with(emu, "no-token");
  BOOST_TEST(r.status == 200);
  auto body = parse_json(r.body, "answer");
  BOOST_REQUIRE(body.ok());
  BOOST_TEST(body->isObject());
  BOOST_TEST(!body->isMember("token"));
}

BOOST_AUTO_TEST_CASE(a_not_jws_answer_is_an_unsigned_token) {
  Emulator emu = make_emulator();
  std::string token = token_of(answered_with(emu, "not-jws"));
  BOOST_TEST(std::count(token.begin(), token.end(), '.') == 1);
  auto parsed = crypto::parse_compact_jws(token);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_TEST((parsed.error().code() == ErrorCode::MalformedToken));
}

BOOST_AUTO_TEST_CASE(a_forged_signature_carries_the_active_kid_and_does_not_verify) {
  Emulator emu = make_emulator();
  std::string token = token_of(answered_with(emu, "forged-signature"));
  BOOST_TEST(crypto::parse_compact_jws(token)->header["kid"].asString() == emu.keys().active().kid);
  auto verified = verify_with_published_keys(token, emu);
  BOOST_REQUIRE(!verified.ok());
  BOOST_TEST((verified.error().code() == ErrorCode::BadSignature), verified.error().describe());
}

BOOST_AUTO_TEST_CASE(an_unknown_key_answer_is_signed_under_an_unpublished_kid) {
  Emulator emu = make_emulator();
  std::string token = token_of(answered_with(emu, "unknown-key"));
  std::string kid = crypto::parse_compact_jws(token)->header["kid"].asString();
  for (const Json::Value& k : emu.keys().jwks()["keys"]) BOOST_TEST(k["kid"].asString() != kid);
  auto verified = verify_with_published_keys(token, emu);
  BOOST_REQUIRE(!verified.ok());
  BOOST_TEST((verified.error().code() == ErrorCode::UnknownKey), verified.error().describe());
}

BOOST_AUTO_TEST_CASE(a_truncated_answer_is_the_first_half_of_the_genuine_one) {
  Emulator emu = make_emulator();
  net::HttpResponse r = answered_with(emu, "truncated");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.rfind("{\"token\":\"ey", 0) == 0u, r.body);
  BOOST_TEST(!parse_json(r.body, "answer").ok());
}

BOOST_AUTO_TEST_CASE(a_wrong_content_type_answer_is_the_genuine_token_labelled_html) {
  Emulator emu = make_emulator();
  net::HttpResponse r = answered_with(emu, "wrong-content-type");
  BOOST_TEST(content_type(r) == "text/html; charset=utf-8");
  auto verified = verify_with_published_keys(token_of(r), emu);
  BOOST_TEST(verified.ok(), test::why(verified));
}

BOOST_AUTO_TEST_CASE(a_bad_answer_spoils_only_a_token_the_request_earned) {
  Emulator emu = make_emulator();
  net::HttpRequest f;
  f.method = "POST";
  f.path = "/faults";
  f.body = R"({"answer": "forged-signature"})";
  BOOST_REQUIRE(emu.handle_admin(f).status == 200);
  net::HttpResponse refused = emu.handle(post(reference_body(), "/attest/SevSnpVm", "2019-01-01"));
  BOOST_TEST(refused.status == 400);
  BOOST_TEST(error_code(refused) == "InvalidApiVersionParameter");
}

BOOST_AUTO_TEST_CASE(an_unknown_answer_is_refused_naming_the_choices) {
  Emulator emu = make_emulator();
  net::HttpRequest f;
  f.method = "POST";
  f.path = "/faults";
  f.body = R"({"answer": "garbage"})";
  net::HttpResponse r = emu.handle_admin(f);
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body.find("not-json, no-token, not-jws, forged-signature, unknown-key, truncated, wrong-content-type") !=
             std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(known_measurements_are_replaced_through_the_admin_endpoint) {
  snpsim::ReportRequest req;
  req.measurement.fill(0x5e);
  Emulator emu = make_emulator({Bytes(48, 0x5e)}, true);
  Json::Value rt(Json::objectValue);
  rt["keys"] = Json::Value(Json::arrayValue);
  auto compliant = [&] { return token_claims(emu.handle(post(sim_body(rt, req))), emu).isMember("x-ms-compliance-status"); };
  BOOST_TEST(compliant());
  net::HttpRequest put;
  put.method = "PUT";
  put.path = "/known-measurements";
  put.body = R"({"measurements": [")" + std::string(96, 'a') + R"("]})";
  BOOST_REQUIRE(emu.handle_admin(put).status == 200);
  BOOST_TEST(!compliant());  // no longer on the list: no azure-compliant-cvm
  net::HttpRequest get;
  get.method = "GET";
  get.path = "/known-measurements";
  BOOST_TEST(emu.handle_admin(get).body.find(std::string(96, 'a')) != std::string::npos);
  for (const char* bad : {R"({"measurements": ["abcd"]})", R"({"measurements": "x"})", R"([1])",
                          R"({"measurements": [], "other": 1})"}) {
    put.body = bad;
    BOOST_TEST(emu.handle_admin(put).status == 400, bad);
  }
  put.body = R"({"measurements": [")" + hex_encode(Bytes(48, 0x5e)) + R"("]})";
  BOOST_REQUIRE(emu.handle_admin(put).status == 200);
  BOOST_TEST(compliant());
}

BOOST_AUTO_TEST_SUITE_END()
