// maa-emu as a real HTTPS server, with clients nobody here wrote (curl, PyJWT) and attest.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/keys.h"
#include "net/http_client.h"

#include <future>
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

// The reference request's measurement, which the emulator is told Azure vouches for.
const char* kReferenceMeasurement =
    "02c3b0d5bf1d256fa4e3b5deefc07b55ff2f7029085ed350f60959140a1a51f1310753ba5ab2c03a0536b1c0c193af47";

struct MaaEmu {
  std::string dir, ca, base, admin;
  std::unique_ptr<BackgroundProcess> process;

  MaaEmu() {
    dir = tmp_dir() + "/maa-emu." + std::to_string(::getpid());
    run("rm -rf " + dir + " && mkdir -p " + dir);
    ca = dir + "/ca.pem";
    process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{bin_dir() + "/maa-emu", "--listen", "127.0.0.1:0", "--ca-out", ca, "--port-file",
                                 dir + "/ports", "--admin-listen", "127.0.0.1:0", "--known-measurement",
                                 kReferenceMeasurement, "--seed", "integration"},
        dir + "/maa-emu.log");
    std::string ports = wait_for_file(dir + "/ports");
    BOOST_REQUIRE_MESSAGE(!ports.empty(), "maa-emu did not start: " << *read_text_file(dir + "/maa-emu.log"));
    std::string port = ports.substr(0, ports.find(' '));
    std::string admin_port = ports.substr(ports.find(' ') + 1);
    admin_port.pop_back();
    base = "https://localhost:" + port;
    admin = "http://127.0.0.1:" + admin_port;
  }
  ~MaaEmu() { process->stop(); }

  std::string curl(const std::string& args) const { return "curl -sS --max-time 20 --cacert " + ca + " " + args; }
};

MaaEmu& emu() {
  static MaaEmu instance;
  return instance;
}

std::string reference_body_file() {
  std::string path = tmp_dir() + "/reference_request.json";
  Json::Value b(Json::objectValue);
  b["report"] = crypto::base64url_encode(as_bytes(read_vector_text("maa/sevsnpvm_request_report_field.json")));
  b["nonce"] = "integration-nonce";
  BOOST_REQUIRE(write_file(path, as_bytes(json_compact(b))).ok());
  return path;
}

// curl posts the reference request; returns the token.
std::string attest_with_curl() {
  RunResult r = run(emu().curl("-H 'Content-Type: application/json' --data @" + reference_body_file() + " '" +
                               emu().base + "/attest/SevSnpVm?api-version=2022-08-01'"));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto body = parse_json(r.out, "response");
  BOOST_REQUIRE_MESSAGE(body.ok() && (*body)["token"].isString(), r.out);
  return (*body)["token"].asString();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(integration_maa_emu)

BOOST_AUTO_TEST_CASE(curl_posts_the_reference_request_and_attest_verifies_the_token_over_https) {
  std::string token_file = tmp_dir() + "/maa-token.jwt";
  BOOST_REQUIRE(write_file(token_file, as_bytes(attest_with_curl())).ok());
  RunResult v = run(attest() + " verify-token " + token_file + " --maa " + emu().base + " --ca-file " + emu().ca +
                    " --nonce integration-nonce --json");
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  auto out = parse_json(v.out, "verify-token");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST((*out)["shape"].asString() == "SevSnpVm");
  BOOST_TEST((*out)["claims"]["x-ms-compliance-status"].asString() == "azure-compliant-cvm");
  BOOST_TEST((*out)["claims"]["x-ms-sevsnpvm-launchmeasurement"].asString() == kReferenceMeasurement);
}

// What curl prints, MAA's {"token": ...} answer, goes straight into attest verify-token.
BOOST_AUTO_TEST_CASE(attest_verify_token_reads_the_json_answer_curl_prints_from_stdin) {
  RunResult v = run(emu().curl("-H 'Content-Type: application/json' --data @" + reference_body_file() + " '" +
                               emu().base + "/attest/SevSnpVm?api-version=2022-08-01'") +
                    " | " + attest() + " verify-token - --maa " + emu().base + " --ca-file " + emu().ca +
                    " --nonce integration-nonce");
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(v.out.find("OK: token verified and policy satisfied") == 0u, v.out);
}

// The URL to use is the one the certificate and the tokens' issuer name (localhost), not
// the listening address: https://127.0.0.1:PORT fails the certificate's hostname check.
BOOST_AUTO_TEST_CASE(the_startup_line_names_the_instance_url_of_the_certificate_and_issuer) {
  emu();
  auto log = read_text_file(emu().dir + "/maa-emu.log");
  BOOST_REQUIRE(log.ok());
  std::string port = emu().base.substr(emu().base.rfind(':') + 1);
  BOOST_TEST(log->find(" at https://localhost:" + port + " (listening on https://127.0.0.1:" + port) !=
                 std::string::npos,
             *log);
}

BOOST_AUTO_TEST_CASE(pyjwt_fetches_the_certs_and_verifies_a_token) {
  std::string token_file = tmp_dir() + "/maa-token-pyjwt.jwt";
  BOOST_REQUIRE(write_file(token_file, as_bytes(attest_with_curl())).ok());
  RunResult r = run("SSL_CERT_FILE=" + emu().ca + " /usr/bin/python3 " + src_dir() +
                    "/tests/integration/pyjwt_verify.py " + emu().base + " " + token_file);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto out = parse_json(r.out, "pyjwt");
  BOOST_REQUIRE_MESSAGE(out.ok(), r.out);
  BOOST_TEST((*out)["attestation_type"].asString() == "sevsnpvm");
  BOOST_TEST((*out)["measurement"].asString() == kReferenceMeasurement);
}

BOOST_AUTO_TEST_CASE(a_token_of_the_emulator_is_refused_for_another_instance_name) {
  std::string token_file = tmp_dir() + "/maa-token-other.jwt";
  BOOST_REQUIRE(write_file(token_file, as_bytes(attest_with_curl())).ok());
  std::string other = "https://127.0.0.1:" + emu().base.substr(emu().base.rfind(':') + 1);
  // Same server, other name: the token's jku (and iss) name another instance, refused
  // before any key is fetched.
  RunResult v = run(attest() + " verify-token " + token_file + " --maa " + other + " --ca-file " + emu().ca);
  BOOST_TEST(v.exit_code == 56, v.err);  // UntrustedIssuer
  BOOST_TEST(v.err.find("is never followed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_openid_configuration_names_the_issuer_and_keys) {
  RunResult r = run(emu().curl(emu().base + "/.well-known/openid-configuration"));
  auto doc = parse_json(r.out, "oidc");
  BOOST_REQUIRE(doc.ok());
  BOOST_TEST((*doc)["issuer"].asString() == emu().base);
  BOOST_TEST((*doc)["jwks_uri"].asString() == emu().base + "/certs");
}

BOOST_AUTO_TEST_CASE(faults_from_the_admin_port_reach_real_clients) {
  RunResult set = run("curl -sS --max-time 5 -X POST --data '{\"status\": 429, \"retry_after\": 3, \"count\": 1}' " +
                      emu().admin + "/faults");
  BOOST_REQUIRE_MESSAGE(set.exit_code == 0, set.err);
  RunResult r = run(emu().curl("-i -H 'Content-Type: application/json' --data @" + reference_body_file() + " '" +
                               emu().base + "/attest/SevSnpVm?api-version=2022-08-01'"));
  BOOST_TEST(r.out.find("HTTP/1.1 429") == 0u, r.out.substr(0, 200));
  BOOST_TEST(r.out.find("Retry-After: 3") != std::string::npos);
  BOOST_TEST(r.out.find("\"TooManyRequests\"") != std::string::npos);
  attest_with_curl();  // the fault was for one request
}

BOOST_AUTO_TEST_CASE(after_key_rotation_attest_fetches_the_new_key) {
  RunResult rot = run("curl -sS --max-time 30 -X POST " + emu().admin + "/keys/rotate");
  BOOST_REQUIRE_MESSAGE(rot.exit_code == 0, rot.err);
  std::string token_file = tmp_dir() + "/maa-token-rotated.jwt";
  BOOST_REQUIRE(write_file(token_file, as_bytes(attest_with_curl())).ok());
  RunResult v = run(attest() + " verify-token " + token_file + " --maa " + emu().base + " --ca-file " + emu().ca);
  BOOST_TEST(v.exit_code == 0, v.err);
}

BOOST_AUTO_TEST_CASE(concurrent_attest_requests_all_get_tokens) {
  std::string body = *read_text_file(reference_body_file());
  net::HttpClientOptions http;
  http.ca_file = emu().ca;
  std::vector<std::future<long>> answers;
  for (int i = 0; i < 24; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      auto r = net::http_request("POST", emu().base + "/attest/SevSnpVm?api-version=2022-08-01",
                                 {{"Content-Type", "application/json"}}, body, http);
      return r ? r->status : -1L;
    }));
  }
  int ok = 0;
  for (auto& a : answers) ok += a.get() == 200;
  BOOST_TEST(ok == 24);
}

BOOST_AUTO_TEST_CASE(a_dropped_connection_and_a_body_that_is_not_json_reach_real_clients) {
  std::string post = emu().curl("-o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data @" +
                                reference_body_file() + " '" + emu().base + "/attest/SevSnpVm?api-version=2022-08-01'");
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X POST --data '{\"drop\": true, \"count\": 1}' " + emu().admin + "/faults").exit_code == 0);
  RunResult dropped = run(post);
  BOOST_TEST(dropped.exit_code == 52, dropped.err);  // curl: empty reply from server
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X POST --data '{\"answer\": \"not-json\", \"count\": 1}' " + emu().admin + "/faults").exit_code == 0);
  RunResult malformed = run(emu().curl("-H 'Content-Type: application/json' --data @" + reference_body_file() + " '" +
                                       emu().base + "/attest/SevSnpVm?api-version=2022-08-01'"));
  BOOST_TEST(malformed.exit_code == 0);
  BOOST_TEST(!parse_json(malformed.out, "body").ok());
  BOOST_TEST(run(post).out == "200");
}

// The admin port must be loopback: the address is checked, not its text. A name that
// merely starts with "127." (127.0.0.1.nip.io resolves there through public DNS) is
// refused before anything is resolved. (The missing --known-measurements file stops an
// emulator that wrongly accepted the name before it could listen, so no test ever looks
// the name up.)
BOOST_AUTO_TEST_CASE(an_admin_address_that_only_looks_like_loopback_is_refused) {
  for (const std::string addr : {"127.0.0.1.nip.io:0", "localhost:0", "[::ffff:10.0.0.1]:0", "0.0.0.0:0"}) {
    RunResult r = run(bin_dir() + "/maa-emu --admin-listen '" + addr + "' --known-measurements /nonexistent/m");
    BOOST_TEST(r.exit_code == 2, addr);
    BOOST_TEST(r.err.rfind("maa-emu: --admin-listen '" + addr +
                               "': must be a numeric loopback address (127.0.0.0/8 or [::1]) and port\n",
                           0) == 0u,
               r.err);
  }
}

BOOST_AUTO_TEST_CASE(a_service_time_over_a_minute_is_a_usage_error) {
  RunResult r = run(bin_dir() + "/maa-emu --service-time-ms 60001");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.rfind("maa-emu: --service-time-ms: '60001' is out of range (0 to 60000)\n", 0) == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(an_unreachable_maa_is_maa_unavailable) {
  // A token naming an instance on a closed port: fetching its keys is what fails.
  const std::string dead = "https://127.0.0.1:1";
  auto key = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  Json::Value header(Json::objectValue), claims(Json::objectValue);
  header["alg"] = "RS256";
  header["kid"] = "k";
  header["jku"] = dead + "/certs";
  claims["iss"] = dead;
  std::string token = crypto::base64url_encode(as_bytes(json_compact(header))) + "." +
                      crypto::base64url_encode(as_bytes(json_compact(claims))) + ".AAAA";
  std::string token_file = tmp_dir() + "/maa-token-down.jwt";
  BOOST_REQUIRE(write_file(token_file, as_bytes(token)).ok());
  RunResult v = run(attest() + " verify-token " + token_file + " --maa " + dead + " --ca-file " + emu().ca);
  BOOST_TEST(v.exit_code == 60);
  BOOST_TEST(v.err.find("MaaUnavailable") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
