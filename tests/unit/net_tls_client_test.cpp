// The attested-TLS client: one connection, the server's key, requests on that connection.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "net/tls_client.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::net;
using namespace attestd::net_test;

BOOST_AUTO_TEST_SUITE(net_tls_client)

BOOST_AUTO_TEST_CASE(the_client_learns_the_servers_key_from_the_handshake) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE_MESSAGE(c.ok(), attestd::test::why(c));
  BOOST_TEST(((*c)->server_key() == pki().server.key.public_key()));
  BOOST_TEST(!((*c)->server_key() == stranger_pki().server.key.public_key()));
}

BOOST_AUTO_TEST_CASE(requests_share_the_one_connection) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("localhost", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  auto first = (*c)->request("POST", "/attestation", {{"Content-Type", "application/json"}}, "{\"a\":1}");
  BOOST_REQUIRE_MESSAGE(first.ok(), attestd::test::why(first));
  BOOST_TEST(first->status == 200);
  BOOST_TEST(first->body == "POST /attestation {\"a\":1}");
  auto second = (*c)->request("GET", "/generate?x=1", {}, "");
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second->body == "GET /generate ");
  BOOST_TEST(server->stats().connections_accepted == 1u);
  BOOST_TEST(server->stats().requests == 2u);
}

BOOST_AUTO_TEST_CASE(a_closed_port_and_a_plain_http_server_are_network_errors) {
  auto closed = AttestedConnection::open("127.0.0.1", 1, 2000);
  BOOST_REQUIRE(!closed.ok());
  BOOST_TEST(closed.error().name() == "NetworkError");
  auto plain = start_server(ServerOptions{}, echo);
  auto c = AttestedConnection::open("127.0.0.1", plain->port(), 2000);
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().message().find("TLS handshake failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_server_that_closes_after_answering_leaves_the_connection_unusable) {
  auto server = start_server(tls_options(), [](const HttpRequest& r) {
    HttpResponse resp = echo(r);
    resp.close = true;
    return resp;
  });
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c)->request("GET", "/a", {}, "").ok());
  auto again = (*c)->request("GET", "/b", {}, "");
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.error().name() == "NetworkError");
}

BOOST_AUTO_TEST_CASE(a_server_that_closes_without_answering_is_a_network_error) {
  // A guest that resets, or a server that crashes, mid-request: not one byte of an answer.
  auto server = start_server(tls_options(), [](const HttpRequest&) {
    HttpResponse r;
    r.status = HttpResponse::kDropConnection;
    return r;
  });
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  auto r = (*c)->request("GET", "/a", {}, "");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().name() == "NetworkError");
  BOOST_TEST(r.error().message().find("closed the connection before answering") != std::string::npos,
             r.error().message());
  BOOST_TEST(!(*c)->usable());
}

BOOST_AUTO_TEST_CASE(a_connection_is_usable_until_either_side_ends_it) {
  // Kept alive: usable between requests, also right after the handshake (TLS 1.3 tickets
  // are not application data).
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c)->usable());
  BOOST_TEST((*c)->request("GET", "/a", {}, "").ok());
  BOOST_TEST((*c)->usable());
  BOOST_TEST((*c)->usable());  // asking does not consume anything

  // Closed by the server after its answer (Connection: close): unusable at once.
  auto closing = start_server(tls_options(), [](const HttpRequest& r) {
    HttpResponse resp = echo(r);
    resp.close = true;
    return resp;
  });
  auto d = AttestedConnection::open("127.0.0.1", closing->port(), 5000);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST((*d)->request("GET", "/a", {}, "").ok());
  BOOST_TEST(!(*d)->usable());

  // Closed by the server while idle (its idle deadline): seen without sending anything.
  ServerOptions o = tls_options();
  o.idle_timeout_ms = 200;
  auto idle = start_server(o, echo);
  auto e = AttestedConnection::open("127.0.0.1", idle->port(), 5000);
  BOOST_REQUIRE(e.ok());
  BOOST_TEST((*e)->request("GET", "/a", {}, "").ok());
  BOOST_TEST((*e)->usable());
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    closed = !(*e)->usable();
  }
  BOOST_TEST(closed);
  BOOST_TEST(!(*e)->usable());
  auto after = (*e)->request("GET", "/b", {}, "");
  BOOST_REQUIRE(!after.ok());
  BOOST_TEST(after.error().message().find("failed earlier") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(header_injection_is_refused_before_sending) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  auto r = (*c)->request("GET", "/", {{"X-Evil", "a\r\nHost: b"}}, "");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().name() == "MalformedInput");
}

// The request line is the caller's too: a method or target carrying CR, LF, a space or
// anything outside RFC 9110's token / RFC 9112's origin-form would add headers or smuggle a
// second request onto the attested channel.
BOOST_AUTO_TEST_CASE(a_method_that_is_not_a_token_is_refused_before_sending) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  for (std::string method : std::vector<std::string>{"GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET", "GE T", "GET\r\n", "", "G(E)T",
                             std::string("GE\0T", 4), "G\x80T"}) {
    auto r = (*c)->request(method, "/", {}, "");
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().name() == "MalformedInput");
    BOOST_TEST(r.error().message().find("method") != std::string::npos, r.error().message());
  }
  BOOST_TEST(server->stats().requests == 0u);
  BOOST_TEST((*c)->request("M-SEARCH", "/", {}, "").ok());  // a token that is no standard method
}

BOOST_AUTO_TEST_CASE(a_target_that_is_not_origin_form_is_refused_before_sending) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  for (std::string target : std::vector<std::string>
       {"/generate HTTP/1.1\r\nX-Injected: 1\r\n\r\nPOST /admin", "/a b", "/a\rb", "/a\nb", "generate",
        "http://other/", "/a#frag", "/%zz", "/%4", "", "/a\x7f", "/\xc3\xa9", std::string("/a\0b", 4), "/a\"b", "/<x>"}) {
    auto r = (*c)->request("GET", target, {}, "");
    BOOST_REQUIRE_MESSAGE(!r.ok(), target);
    BOOST_TEST(r.error().name() == "MalformedInput");
    BOOST_TEST(r.error().message().find("target") != std::string::npos, r.error().message());
  }
  BOOST_TEST(server->stats().requests == 0u);
  BOOST_TEST((*c)->request("GET", "/a/b;c=d/e%20f?x=1&y=/?@:!$'()*+,;=~", {}, "").ok());
}

BOOST_AUTO_TEST_CASE(a_header_name_that_is_not_a_token_is_refused_before_sending) {
  auto server = start_server(tls_options(), echo);
  auto c = AttestedConnection::open("127.0.0.1", server->port(), 5000);
  BOOST_REQUIRE(c.ok());
  for (std::string name : std::vector<std::string>{"X Evil", "X:Evil", "", "X-\x01"}) {
    auto r = (*c)->request("GET", "/", {{name, "v"}}, "");
    BOOST_REQUIRE_MESSAGE(!r.ok(), name);
    BOOST_TEST(r.error().name() == "MalformedInput");
  }
  auto nul = (*c)->request("GET", "/", {{"X-Value", std::string("a\0b", 3)}}, "");
  BOOST_REQUIRE(!nul.ok());
  BOOST_TEST(server->stats().requests == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
