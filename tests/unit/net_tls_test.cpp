// The server over TLS, met by our libcurl client and by Debian's curl command.
#include <boost/test/unit_test.hpp>

#include <future>

#include "net/http_client.h"
#include "tests/process.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::net;
using namespace attestd::net_test;

namespace {

HttpClientOptions trusting_test_ca() {
  HttpClientOptions o;
  o.ca_file = pki().ca_file;
  return o;
}

std::string curl_cli(const HttpServer& server, const std::string& flags) {
  return "curl -sS -v --max-time 5 --cacert " + pki().ca_file + " " + flags + " " + server.url() + "/cli";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(net_tls)

BOOST_AUTO_TEST_CASE(https_get_and_post_round_trip_with_the_test_ca) {
  auto server = start_server(tls_options(), [](const HttpRequest& r) {
    return HttpResponse::text(200, std::string(r.tls ? "tls " : "plain ") + r.method + " " + r.path + " " + r.body);
  });
  BOOST_TEST(server->url() == "https://127.0.0.1:" + std::to_string(server->port()));
  auto g = http_request("GET", server->url() + "/certs", {}, "", trusting_test_ca());
  BOOST_REQUIRE_MESSAGE(g.ok(), test::why(g));
  BOOST_TEST(g->status == 200);
  BOOST_TEST(g->body == "tls GET /certs ");
  auto p = http_request("POST", server->url() + "/attest/SevSnpVm", {{"Content-Type", "application/json"}}, "{}",
                        trusting_test_ca());
  BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
  BOOST_TEST(p->body == "tls POST /attest/SevSnpVm {}");
}

BOOST_AUTO_TEST_CASE(a_name_in_the_certificate_is_reached_through_curlopt_resolve) {
  auto server = start_server(tls_options(), echo);
  std::string port = std::to_string(server->port());
  HttpClientOptions o = trusting_test_ca();
  o.resolve = {"maa.test:" + port + ":127.0.0.1"};
  auto r = http_request("GET", "https://maa.test:" + port + "/certs", {}, "", o);
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->body == "GET /certs ");
}

BOOST_AUTO_TEST_CASE(a_name_not_in_the_certificate_fails_verification) {
  auto server = start_server(tls_options(), echo);
  std::string port = std::to_string(server->port());
  HttpClientOptions o = trusting_test_ca();
  o.resolve = {"other.test:" + port + ":127.0.0.1"};
  auto r = http_request("GET", "https://other.test:" + port + "/", {}, "", o);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "NetworkError");
  BOOST_TEST(r.error().message() ==
             "GET https://other.test:" + port + "/: SSL peer certificate or SSH remote key was not OK: mbedTLS: The certificate Common Name (CN) does not match with the expected CN");
}

BOOST_AUTO_TEST_CASE(a_server_certificate_the_client_does_not_trust_is_a_network_error) {
  ServerOptions so;
  so.tls = stranger_pki().server;
  auto server = start_server(so, echo);
  auto r = http_request("GET", server->url() + "/", {}, "", trusting_test_ca());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "NetworkError");
  BOOST_TEST(r.error().message() ==
             "GET " + server->url() + "/: SSL peer certificate or SSH remote key was not OK: mbedTLS: The certificate is not correctly signed by the trusted CA");
  BOOST_TEST(server->stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(plain_http_to_a_tls_port_gets_no_response) {
  auto server = start_server(tls_options(), echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(resp.find("HTTP/1.1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(debians_curl_negotiates_tls_1_3_by_default) {
  auto server = start_server(tls_options(), [](const HttpRequest&) { return HttpResponse::text(200, "hello curl"); });
  test::RunResult r = test::run(curl_cli(*server, ""));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "hello curl");
  BOOST_TEST(r.err.find("SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(debians_curl_limited_to_tls_1_2_gets_ecdhe_ecdsa_aes_gcm) {
  auto server = start_server(tls_options(), [](const HttpRequest&) { return HttpResponse::text(200, "hello 1.2"); });
  test::RunResult r = test::run(curl_cli(*server, "--tlsv1.2 --tls-max 1.2"));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "hello 1.2");
  BOOST_TEST(r.err.find("SSL connection using TLSv1.2 / ECDHE-ECDSA-AES256-GCM-SHA384") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(debians_curl_cannot_get_tls_1_1) {
  auto server = start_server(tls_options(), echo);
  test::RunResult r = test::run(curl_cli(*server, "--tlsv1.1 --tls-max 1.1"));
  BOOST_TEST(r.exit_code == 35);  // CURLE_SSL_CONNECT_ERROR
}

BOOST_AUTO_TEST_CASE(a_tls_1_2_client_offering_only_cbc_suites_is_refused) {
  auto server = start_server(tls_options(), echo);
  test::RunResult r = test::run(curl_cli(*server, "--tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-SHA"));
  BOOST_TEST(r.exit_code == 35);  // CURLE_SSL_CONNECT_ERROR
  BOOST_TEST(server->stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(debians_curl_reaches_the_server_by_name_with_resolve) {
  auto server = start_server(tls_options(), [](const HttpRequest& r) { return HttpResponse::text(200, *r.header("host")); });
  std::string port = std::to_string(server->port());
  test::RunResult r = test::run("curl -sS --max-time 5 --cacert " + pki().ca_file + " --resolve maa.test:" + port +
                                ":127.0.0.1 https://maa.test:" + port + "/");
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "maa.test:" + port);
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_match_the_certificate_is_refused_at_start) {
  ServerOptions so = tls_options();
  so.tls->key = stranger_pki().server.key;
  auto s = HttpServer::start(so, echo);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "CryptoError");
  BOOST_TEST(s.error().message().rfind("TLS identity: the key does not match CN=maa.test, O=attestd tests", 0) == 0u,
             s.error().message());
}

BOOST_AUTO_TEST_CASE(an_rsa_identity_serves_tls_1_3_and_1_2) {
  UnixTime now = now_unix();
  auto key = *crypto::PrivateKey::generate_rsa(2048);
  crypto::CertificateSpec spec;
  spec.subject = "CN=rsa.test";
  spec.serial = {3};
  spec.not_before = now - 60;
  spec.not_after = now + 3600;
  spec.hash = crypto::HashAlg::Sha256;
  spec.extensions.push_back({"2.5.29.17", false, san_with_loopback_ip({"rsa.test"})});
  ServerOptions so;
  so.tls = TlsIdentity{{must(crypto::issue_certificate(spec, key.public_key(), key, nullptr))}, key};
  std::string ca = test::tmp_dir() + "/net-rsa.pem";
  BOOST_REQUIRE(write_file(ca, as_bytes(so.tls->chain.front().pem())).ok());
  auto server = start_server(so, [](const HttpRequest&) { return HttpResponse::text(200, "rsa"); });
  for (const char* flags : {"", "--tlsv1.2 --tls-max 1.2"}) {
    test::RunResult r = test::run("curl -sS --max-time 5 --cacert " + ca + " " + flags + " " + server->url());
    BOOST_TEST(r.exit_code == 0, flags << r.err);
    BOOST_TEST(r.out == "rsa");
  }
  auto ours = http_request("GET", server->url(), {}, "", HttpClientOptions{ca});
  BOOST_REQUIRE_MESSAGE(ours.ok(), test::why(ours));
  BOOST_TEST(ours->body == "rsa");
}

BOOST_AUTO_TEST_CASE(sixty_four_concurrent_https_clients_are_all_answered) {
  auto server = start_server(tls_options(), [](const HttpRequest& r) { return HttpResponse::text(200, r.path); });
  std::vector<std::future<Result<HttpResult>>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      return http_request("GET", server->url() + "/" + std::to_string(i), {}, "", trusting_test_ca());
    }));
  }
  int answered = 0;
  for (int i = 0; i < 64; ++i) {
    auto r = calls[i].get();
    if (r.ok() && r->status == 200 && r->body == "/" + std::to_string(i)) ++answered;
  }
  BOOST_TEST(answered == 64);
}

BOOST_AUTO_TEST_SUITE_END()
