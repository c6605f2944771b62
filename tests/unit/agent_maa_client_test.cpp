// The agent's MAA client against maa-emu served in-process over HTTP(S): the request
// format, retries with backoff, and the errors it surfaces.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

#include "agent/maa_client.h"
#include "agent/runtime_data.h"
#include "client/lib/maa_token.h"
#include "core/file.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "net/http_server.h"
#include "tests/mocks/maa/emulator.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::agent;

namespace {

const maaemu::SigningKeys& signing_keys() {
  static maaemu::SigningKeys keys = *maaemu::SigningKeys::generate("https://maa.test", 1, "agent-maa-client-test");
  return keys;
}

// maa-emu on a loopback port; its issuer is the URL it is reached at.
struct LocalMaa {
  std::unique_ptr<maaemu::Emulator> emu;
  std::unique_ptr<net::HttpServer> server;
  std::string base;

  explicit LocalMaa(bool tls = false) {
    net::ServerOptions o;
    if (tls) o.tls = net_test::pki().server;
    server = net_test::start_server(o, [this](const net::HttpRequest& r) { return emu->handle(r); });
    base = server->url();
    maaemu::EmulatorConfig c;
    c.base_url = base;
    c.roots.add(snpsim::sim_product_chain(snpsim::test::milan()));
    emu = std::make_unique<maaemu::Emulator>(std::move(c), signing_keys());
  }
  ~LocalMaa() { server->stop(); }

  void faults(int status, int count, std::string retry_after = "") {
    maaemu::Faults f;
    f.status = status;
    f.count = count;
    f.retry_after = retry_after;
    emu->set_faults(f);
  }
  std::uint64_t requests() const { return emu->counters().attest_requests; }
};

MaaClientOptions fast_options(const std::string& base) {
  MaaClientOptions o;
  o.base_url = base;
  o.initial_backoff_ms = 10;
  o.max_backoff_ms = 50;
  o.connect_timeout_ms = 1000;
  o.total_timeout_ms = 5000;
  return o;
}

std::string a_runtime() {
  static crypto::PublicKey key =
      crypto::PrivateKey::generate_ec_from_seed(crypto::EcCurve::P256, as_bytes("maa-client-test"))->public_key();
  std::vector<Bytes> nonces = {Bytes(32, 0x11), Bytes(32, 0x22)};
  return runtime_json(key, crypto::merkle_root(nonces), nonces.size(), now_unix());
}

std::vector<crypto::Certificate> sim_chain() {
  const auto& id = snpsim::test::milan();
  return {id.vcek, id.ask, id.ark};
}

// snp-sim evidence whose REPORT_DATA binds `runtime` (or not).
hal::Evidence sim_evidence(const std::string& runtime, bool bind = true) {
  snpsim::ReportRequest req;
  if (bind) req.report_data = report_data_for(runtime);
  hal::Evidence e;
  e.source = "sim";
  e.report = *snpsim::make_report(snpsim::test::milan(), req);
  return e;
}

Json::Value verified_claims(const std::string& token, const LocalMaa& maa) {
  client::StaticMaaKeys keys(*crypto::parse_jwks(maa.emu->keys().jwks()));
  auto t = client::verify_maa_token(token, maa.base, keys, now_unix(), 60);
  BOOST_REQUIRE_MESSAGE(t.ok(), test::why(t));
  return t->claims();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_maa_client)

BOOST_AUTO_TEST_CASE(the_request_body_is_mas_sevsnpvm_format) {
  std::string runtime = a_runtime();
  hal::Evidence e = sim_evidence(runtime);
  auto body = parse_json(sevsnpvm_request_body(e, sim_chain(), runtime), "body");
  BOOST_REQUIRE(body.ok());
  auto report_field = crypto::base64url_decode((*body)["report"].asString());
  BOOST_REQUIRE(report_field.ok());
  auto inner = parse_json(as_chars(*report_field), "report field");
  BOOST_REQUIRE(inner.ok());
  BOOST_TEST((*crypto::base64url_decode((*inner)["SnpReport"].asString()) == e.report));
  auto pem_bytes = crypto::base64_decode((*inner)["VcekCertChain"].asString());
  BOOST_REQUIRE(pem_bytes.ok());
  std::string pem(as_chars(*pem_bytes));
  auto chain = crypto::Certificate::parse_all(as_bytes(pem));
  BOOST_REQUIRE(chain.ok());
  BOOST_TEST((*chain == sim_chain()));
  BOOST_TEST(as_chars(*crypto::base64url_decode((*body)["runtimeData"]["data"].asString())) == runtime);
  BOOST_TEST((*body)["runtimeData"]["dataType"].asString() == "JSON");
}

BOOST_AUTO_TEST_CASE(hcl_evidence_sends_its_runtime_claims_as_runtime_data) {
  hal::Evidence e = sim_evidence("{}");
  e.runtime_claims = R"({"keys":[],"user-data":"00"})";
  auto body = parse_json(sevsnpvm_request_body(e, sim_chain(), a_runtime()), "body");
  BOOST_TEST(as_chars(*crypto::base64url_decode((*body)["runtimeData"]["data"].asString())) == *e.runtime_claims);
}

BOOST_AUTO_TEST_CASE(a_token_verifies_and_echoes_the_runtime) {
  LocalMaa maa;
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  Json::Value claims = verified_claims(*token, maa);
  BOOST_TEST((claims["x-ms-runtime"] == *parse_json(runtime, "runtime")));
  BOOST_TEST(claims["x-ms-sevsnpvm-reportdata"].asString() ==
             hex_encode(report_data_for(runtime)));
  BOOST_TEST(maa.requests() == 1u);
  BOOST_TEST(client.stats().tokens == 1u);
}

BOOST_AUTO_TEST_CASE(a_token_over_https_with_a_pinned_ca_file) {
  LocalMaa maa(true);
  MaaClientOptions o = fast_options(maa.base);
  o.ca_file = net_test::pki().ca_file;
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  verified_claims(*token, maa);
  MaaClientOptions untrusted = fast_options(maa.base);
  untrusted.ca_file = net_test::stranger_pki().ca_file;
  untrusted.max_attempts = 2;
  auto refused = MaaClient(untrusted).attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_TEST((!refused.ok() && refused.error().code() == ErrorCode::MaaUnavailable));
}

BOOST_AUTO_TEST_CASE(a_429_is_retried_after_its_retry_after) {
  LocalMaa maa;
  maa.faults(429, 1, "1");
  std::vector<std::string> log;
  MaaClientOptions o = fast_options(maa.base);
  o.log = [&](const std::string& line) { log.push_back(line); };
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto started = std::chrono::steady_clock::now();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  auto took = std::chrono::steady_clock::now() - started;
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_TEST(maa.requests() == 2u);
  BOOST_TEST((took >= std::chrono::milliseconds(1000)));  // Retry-After: 1, not the 10 ms backoff
  BOOST_REQUIRE(log.size() == 1u);
  BOOST_TEST(log[0].find("HTTP 429 TooManyRequests") != std::string::npos, log[0]);
  BOOST_TEST(log[0].find("retrying in 1000 ms") != std::string::npos, log[0]);
}

BOOST_AUTO_TEST_CASE(a_long_retry_after_is_capped) {
  LocalMaa maa;
  maa.faults(429, 1, "3600");
  MaaClientOptions o = fast_options(maa.base);
  o.max_retry_after_ms = 100;
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto started = std::chrono::steady_clock::now();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(3)));
}

// One 429 carrying `Retry-After: retry_after`, then a token: how long the client said it
// would wait (from its log line) and how long the call took.
struct RetryWait {
  int logged_ms = -1;
  std::chrono::steady_clock::duration took{};
};

RetryWait wait_after_429(const std::string& retry_after, int max_retry_after_ms = 30000) {
  LocalMaa maa;
  maa.faults(429, 1, retry_after);
  std::vector<std::string> log;
  MaaClientOptions o = fast_options(maa.base);  // backoff at most 50 ms
  o.max_retry_after_ms = max_retry_after_ms;
  o.log = [&](const std::string& line) { log.push_back(line); };
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto started = std::chrono::steady_clock::now();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  RetryWait w;
  w.took = std::chrono::steady_clock::now() - started;
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_REQUIRE(log.size() == 1u);
  auto at = log[0].find("retrying in ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, log[0]);
  w.logged_ms = std::stoi(log[0].substr(at + 12));
  BOOST_TEST(log[0].find(" ms", at) != std::string::npos, log[0]);
  return w;
}

BOOST_AUTO_TEST_CASE(a_retry_after_beyond_any_integer_waits_the_cap) {
  for (const char* huge : {"9223372036854775807", "99999999999999999999999"}) {
    RetryWait w = wait_after_429(huge, 300);
    BOOST_TEST(w.logged_ms == 300, huge);
    BOOST_TEST((w.took >= std::chrono::milliseconds(300)), huge);
    BOOST_TEST((w.took < std::chrono::seconds(3)), huge);
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_that_is_not_delay_seconds_or_a_date_gets_the_normal_backoff) {
  for (const char* junk : {"-1", "1.5", "soon"}) {
    RetryWait w = wait_after_429(junk);
    BOOST_TEST((w.logged_ms >= 0 && w.logged_ms <= 50), junk << ": " << w.logged_ms);
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_http_date_waits_until_then) {
  // Two seconds from now, in IMF-fixdate: a wait of one to two seconds, by the clock's tick.
  std::time_t at = static_cast<std::time_t>(now_unix() + 2);
  char date[64];
  std::tm tm{};
  gmtime_r(&at, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  RetryWait w = wait_after_429(date);
  BOOST_TEST((w.logged_ms >= 1000 && w.logged_ms <= 2000), date << ": " << w.logged_ms);
}

BOOST_AUTO_TEST_CASE(two_503s_then_a_token) {
  LocalMaa maa;
  maa.faults(503, 2);
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_TEST(maa.requests() == 3u);
  BOOST_TEST(client.stats().retries == 2u);
}

BOOST_AUTO_TEST_CASE(a_408_and_a_500_are_retried) {
  for (int status : {408, 500}) {
    LocalMaa maa;
    maa.faults(status, 1);
    MaaClient client(fast_options(maa.base));
    std::string runtime = a_runtime();
    auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
    BOOST_TEST(token.ok(), status << ": " << test::why(token));
    BOOST_TEST(maa.requests() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(a_400_is_final_and_names_the_cloud_error) {
  LocalMaa maa;
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime, false), sim_chain(), runtime);
  BOOST_REQUIRE(!token.ok());
  BOOST_TEST((token.error().code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(token.error().message().find("HTTP 400 InvalidParameter") != std::string::npos, token.error().message());
  BOOST_TEST(token.error().message().find("does not match the report") != std::string::npos, token.error().message());
  BOOST_TEST(token.error().message().find("after 1 attempt:") != std::string::npos, token.error().message());
  BOOST_TEST(maa.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(other_4xx_are_not_retried) {
  LocalMaa maa;
  maa.faults(404, -1);
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_TEST(!token.ok());
  BOOST_TEST(maa.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(a_dropped_connection_is_retried) {
  LocalMaa maa;
  maaemu::Faults drop;
  drop.drop = true;
  drop.count = 1;
  maa.emu->set_faults(drop);
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_TEST(maa.requests() == 2u);
}

// One attestation against `maa` answering `answer` once.
Result<std::string> attest_answered_with(LocalMaa& maa, maaemu::BadAnswer answer) {
  maaemu::Faults f;
  f.answer = answer;
  f.count = 1;
  maa.emu->set_faults(f);
  MaaClient client(fast_options(maa.base));
  std::string runtime = a_runtime();
  return client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
}

// The error of that, which garbage from MAA ends in after one request: it is final, as a 4xx is.
Error error_for_answer(maaemu::BadAnswer answer) {
  LocalMaa maa;
  auto token = attest_answered_with(maa, answer);
  BOOST_REQUIRE(!token.ok());
  BOOST_TEST(maa.requests() == 1u);
  return token.error();
}

BOOST_AUTO_TEST_CASE(a_200_without_a_token_is_maa_unavailable) {
  Error e = error_for_answer(maaemu::BadAnswer::NoToken);
  BOOST_TEST((e.code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(e.message().find("HTTP 200 without a token: no \"token\" string") != std::string::npos, e.message());
}

BOOST_AUTO_TEST_CASE(a_200_that_is_not_json_is_maa_unavailable) {
  Error e = error_for_answer(maaemu::BadAnswer::NotJson);
  BOOST_TEST((e.code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(e.message().find("after 1 attempt: HTTP 200 without a token: MAA response") != std::string::npos,
             e.message());
}

BOOST_AUTO_TEST_CASE(a_truncated_200_is_maa_unavailable) {
  Error e = error_for_answer(maaemu::BadAnswer::Truncated);
  BOOST_TEST((e.code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(e.message().find("HTTP 200 without a token: MAA response") != std::string::npos, e.message());
}

BOOST_AUTO_TEST_CASE(a_200_labelled_other_than_json_is_maa_unavailable) {
  Error e = error_for_answer(maaemu::BadAnswer::WrongContentType);
  BOOST_TEST((e.code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(e.message().find("HTTP 200 with Content-Type text/html; charset=utf-8, not application/json") !=
                 std::string::npos,
             e.message());
}

BOOST_AUTO_TEST_CASE(a_200_whose_token_is_not_a_jws_is_maa_unavailable) {
  Error e = error_for_answer(maaemu::BadAnswer::NotJws);
  BOOST_TEST((e.code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(e.message().find("HTTP 200 whose token is not a compact JWS: ") != std::string::npos, e.message());
}

BOOST_AUTO_TEST_CASE(a_token_signed_by_another_key_is_passed_on_for_the_relying_party_to_refuse) {
  // The agent does not verify tokens (it has no reason to trust its own view of MAA's
  // keys); the client does, and refuses this one.
  LocalMaa maa;
  auto token = attest_answered_with(maa, maaemu::BadAnswer::ForgedSignature);
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  client::StaticMaaKeys keys(*crypto::parse_jwks(maa.emu->keys().jwks()));
  auto verified = client::verify_maa_token(*token, maa.base, keys, now_unix(), 60);
  BOOST_REQUIRE(!verified.ok());
  BOOST_TEST((verified.error().code() == ErrorCode::BadSignature), verified.error().describe());
}

BOOST_AUTO_TEST_CASE(a_failing_maa_exhausts_the_attempts_in_bounded_time) {
  LocalMaa maa;
  maa.faults(503, -1);
  MaaClientOptions o = fast_options(maa.base);
  o.max_attempts = 4;
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto started = std::chrono::steady_clock::now();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(2)));
  BOOST_REQUIRE(!token.ok());
  BOOST_TEST((token.error().code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(token.error().message().find("after 4 attempts: HTTP 503 ServiceUnavailable") != std::string::npos,
             token.error().message());
  BOOST_TEST(maa.requests() == 4u);
  BOOST_TEST(client.stats().failures == 1u);
}

BOOST_AUTO_TEST_CASE(an_unreachable_maa_is_maa_unavailable_after_every_attempt) {
  std::string dead;
  {
    LocalMaa gone;  // a port that was just closed
    dead = gone.base;
  }
  MaaClientOptions o = fast_options(dead);
  o.max_attempts = 3;
  MaaClient client(o);
  std::string runtime = a_runtime();
  auto started = std::chrono::steady_clock::now();
  auto token = client.attest_sevsnpvm(sim_evidence(runtime), sim_chain(), runtime);
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(3)));
  BOOST_REQUIRE(!token.ok());
  BOOST_TEST((token.error().code() == ErrorCode::MaaUnavailable));
  BOOST_TEST(token.error().message().find("NetworkError") != std::string::npos, token.error().message());
  BOOST_TEST(client.stats().requests == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(agent_os_release)

namespace {
std::string write_tmp(const std::string& name, const std::string& text) {
  std::string path = test::tmp_dir() + "/" + name;
  BOOST_REQUIRE(write_file(path, as_bytes(text)).ok());
  return path;
}
}  // namespace

BOOST_AUTO_TEST_CASE(name_and_version_id_are_read_as_microsofts_client_reads_them) {
  auto os = read_os_release(write_tmp("os-release-debian",
                                      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n# a comment\nNAME=\"Debian "
                                      "GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"));
  BOOST_REQUIRE(os.ok());
  BOOST_TEST(os->type == "Linux");
  BOOST_TEST(os->distro == "Debian GNU/Linux");
  BOOST_TEST(os->version_major == 12u);
  BOOST_TEST(os->version_minor == 0u);
  BOOST_TEST(os->build == "NotApplication");
  auto ubuntu = read_os_release(write_tmp("os-release-ubuntu", "NAME='Ubuntu'\nVERSION_ID=22.04\n"));
  BOOST_REQUIRE(ubuntu.ok());
  BOOST_TEST(ubuntu->distro == "Ubuntu");
  BOOST_TEST(ubuntu->version_major == 22u);
  BOOST_TEST(ubuntu->version_minor == 4u);
  auto guest = read_os_release(write_tmp("os-release-guest", "NAME=\"attestd guest\"\nVERSION_ID=20261127.185230\n"));
  BOOST_REQUIRE(guest.ok());
  BOOST_TEST(guest->version_major == 20261127u);
  BOOST_TEST(guest->version_minor == 185230u);
}

BOOST_AUTO_TEST_CASE(a_missing_file_gives_the_defaults_and_an_oversized_one_is_refused) {
  auto none = read_os_release(test::tmp_dir() + "/no-such-os-release");
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->distro == "Linux");
  BOOST_TEST(none->version_major == 1u);
  auto odd = read_os_release(write_tmp("os-release-odd", "NAME=Arch\nVERSION_ID=rolling\n"));
  BOOST_REQUIRE(odd.ok());
  BOOST_TEST(odd->version_major == 1u);
  BOOST_TEST(odd->version_minor == 0u);
  auto huge = read_os_release(write_tmp("os-release-huge", std::string(70 * 1024, 'x')));
  BOOST_REQUIRE(!huge.ok());
  BOOST_TEST(huge.error().name() == "FileError");
}

BOOST_AUTO_TEST_SUITE_END()

// The AzureGuest exchange against a server that answers what each test says: the sealed
// answer is opened with a software RSA key standing in for the TPM's encryption key.
BOOST_AUTO_TEST_SUITE(agent_maa_client_azureguest)

namespace {

const crypto::PrivateKey& enc_key() {
  static crypto::PrivateKey key = *crypto::PrivateKey::generate_rsa(2048);
  return key;
}

const std::string kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJ4LW1zLWF0dGVzdGF0aW9uLXR5cGUiOiJhenVyZXZtIn0.c2ln";

// Answers the first `failures` requests with 503, then `answer` (a "token" string).
struct ScriptedMaa {
  std::atomic<int> requests{0};
  int failures = 0;
  std::string token;
  std::unique_ptr<net::HttpServer> server;

  ScriptedMaa(int failures_first, std::string token_answer) : failures(failures_first), token(std::move(token_answer)) {
    server = net_test::start_server({}, [this](const net::HttpRequest& r) {
      int n = ++requests;
      if (r.path != client::kAzureGuestPath) return maaemu::cloud_error(404, "NotFound", r.path);
      if (n <= failures) return maaemu::cloud_error(503, "ServiceUnavailable", "busy");
      Json::Value body(Json::objectValue);
      body["token"] = token;
      return net::HttpResponse::json(200, body);
    });
  }
  ~ScriptedMaa() { server->stop(); }
};

InnerKeyDecryptor software_decryptor() {
  return [](ByteView ct) { return enc_key().decrypt_pkcs1(ct); };
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_sealed_answer_is_opened_after_a_transient_failure) {
  ScriptedMaa maa(1, *client::seal_token(kJwt, enc_key().public_key()));
  MaaClient client(fast_options(maa.server->url()));
  auto token = client.attest_azureguest(client::AzureGuestEvidence{}, software_decryptor());
  BOOST_REQUIRE_MESSAGE(token.ok(), test::why(token));
  BOOST_TEST(*token == kJwt);
  BOOST_TEST(maa.requests.load() == 2);
}

BOOST_AUTO_TEST_CASE(an_answer_that_cannot_be_unsealed_is_final) {
  auto sealed = *client::seal_token(kJwt, enc_key().public_key());
  // Sealed to another key (the TPM's decryption fails), altered (the tag fails), holding
  // no JWS, or not a sealed token at all: one request each, MaaUnavailable naming why.
  auto other = *crypto::PrivateKey::generate_rsa(2048);
  Json::Value altered = *parse_json(as_chars(*crypto::base64url_decode(sealed)), "sealed");
  Bytes ct = *crypto::base64_decode(altered["Jwt"].asString());
  ct[0] ^= 1;
  altered["Jwt"] = crypto::base64_encode(ct);
  const std::pair<std::string, std::string> cases[] = {
      {*client::seal_token(kJwt, other.public_key()), "inner key the TPM cannot decrypt"},
      {crypto::base64url_encode(as_bytes(json_compact(altered))), "does not authenticate"},
      {*client::seal_token("notajws", enc_key().public_key()), "not a compact JWS"},
      {kJwt, "sealed token is malformed"},
  };
  for (const auto& [token, why] : cases) {
    ScriptedMaa maa(0, token);
    MaaClient client(fast_options(maa.server->url()));
    auto r = client.attest_azureguest(client::AzureGuestEvidence{}, software_decryptor());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().name() == "MaaUnavailable");
    BOOST_TEST(r.error().message().find(why) != std::string::npos, r.error().message());
    BOOST_TEST(maa.requests.load() == 1);
  }
}

BOOST_AUTO_TEST_SUITE_END()
