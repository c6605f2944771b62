// What the application behind attestd receives (agent::upstream_headers), and what the client
// receives of its answer (agent::downstream_headers), header by header.
#include <boost/test/unit_test.hpp>

#include "agent/proxy.h"

using namespace attestd;

namespace {

net::HttpRequest request_from(const std::string& peer, net::HeaderList headers, bool tls = true) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/generate";
  r.peer = peer;
  r.tls = tls;
  r.headers = std::move(headers);
  return r;
}

std::vector<std::string> values(const net::HeaderList& h, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : h) {
    if (net::iequals(k, name)) out.push_back(v);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_proxy)

BOOST_AUTO_TEST_CASE(end_to_end_fields_reach_the_application_in_order) {
  auto h = agent::upstream_headers(request_from(
      "192.0.2.7:5000", {{"Content-Type", "application/json"}, {"Accept", "*/*"}, {"X-Request-Id", "42"},
                         {"Authorization", "Bearer t"}, {"Cookie", "a=b"}, {"Accept", "text/plain"}}));
  net::HeaderList want = {{"Content-Type", "application/json"}, {"Accept", "*/*"},    {"X-Request-Id", "42"},
                          {"Authorization", "Bearer t"},         {"Cookie", "a=b"},   {"Accept", "text/plain"},
                          {"X-Forwarded-For", "192.0.2.7"},      {"X-Forwarded-Proto", "https"},
                          {"Forwarded", "for=\"192.0.2.7\";proto=https"}};
  BOOST_TEST((h == want));
}

BOOST_AUTO_TEST_CASE(each_hop_by_hop_field_stays_on_the_clients_hop) {
  for (std::string name : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
                           "Trailer", "Proxy-Authorization", "Proxy-Authenticate", "Host", "Content-Length",
                           "Expect", "connection", "KEEP-ALIVE"}) {
    auto h = agent::upstream_headers(request_from("192.0.2.7:5000", {{name, "x"}, {"X-Kept", "1"}}));
    BOOST_TEST(values(h, name).empty(), name);
    BOOST_TEST(values(h, "X-Kept").size() == 1u, name);
  }
}

BOOST_AUTO_TEST_CASE(fields_that_connection_names_are_not_forwarded) {
  auto h = agent::upstream_headers(request_from(
      "192.0.2.7:5000", {{"Connection", "keep-alive, X-Secret ,x-other"}, {"Connection", "X-Third"},
                         {"X-Secret", "s"}, {"x-OTHER", "o"}, {"X-Third", "t"}, {"X-Kept", "k"}}));
  BOOST_TEST(values(h, "X-Secret").empty());
  BOOST_TEST(values(h, "X-Other").empty());
  BOOST_TEST(values(h, "X-Third").empty());
  BOOST_TEST(values(h, "X-Kept") == std::vector<std::string>{"k"});
}

BOOST_AUTO_TEST_CASE(the_clients_own_forwarding_fields_are_replaced_by_attestds) {
  auto h = agent::upstream_headers(request_from(
      "192.0.2.7:5000", {{"X-Forwarded-For", "6.6.6.6"}, {"Forwarded", "for=6.6.6.6"}, {"X-Real-IP", "6.6.6.6"},
                         {"X-Forwarded-Proto", "http"}, {"X-Forwarded-Host", "evil"}, {"X-Forwarded-Port", "1"},
                         {"X-Forwarded-Prefix", "/admin"}, {"X-Client-IP", "6.6.6.6"}, {"True-Client-IP", "6.6.6.6"}}));
  BOOST_TEST(values(h, "X-Forwarded-For") == std::vector<std::string>{"192.0.2.7"});
  BOOST_TEST(values(h, "Forwarded") == std::vector<std::string>{"for=\"192.0.2.7\";proto=https"});
  BOOST_TEST(values(h, "X-Forwarded-Proto") == std::vector<std::string>{"https"});
  BOOST_TEST(values(h, "X-Real-IP").empty());
  for (std::string name : {"X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Client-IP", "True-Client-IP"}) {
    BOOST_TEST(values(h, name).empty(), name);
  }
}

BOOST_AUTO_TEST_CASE(an_ipv6_peer_is_written_bare_and_bracketed_as_each_field_wants) {
  auto h = agent::upstream_headers(request_from("[2001:db8::1]:443", {}));
  BOOST_TEST(values(h, "X-Forwarded-For") == std::vector<std::string>{"2001:db8::1"});
  BOOST_TEST(values(h, "Forwarded") == std::vector<std::string>{"for=\"[2001:db8::1]\";proto=https"});
}

BOOST_AUTO_TEST_CASE(the_unix_socket_names_no_address) {
  auto h = agent::upstream_headers(request_from("unix", {{"X-Forwarded-For", "6.6.6.6"}}, false));
  BOOST_TEST(values(h, "X-Forwarded-For").empty());
  BOOST_TEST(values(h, "Forwarded").empty());
  BOOST_TEST(values(h, "X-Forwarded-Proto") == std::vector<std::string>{"http"});
}

BOOST_AUTO_TEST_CASE(the_applications_end_to_end_answer_fields_reach_the_client_in_order) {
  // What a web application answers with: cookies (each its own field), a compressed body's
  // encoding, validators, a challenge. Dropping Content-Encoding would hand the client a
  // compressed body it cannot read; dropping Set-Cookie would break its sessions.
  net::HeaderList answer = {{"content-type", "text/html"},     {"set-cookie", "a=1; Path=/"},
                            {"content-encoding", "gzip"},      {"set-cookie", "b=2; HttpOnly"},
                            {"etag", "\"v1\""},               {"www-authenticate", "Bearer"},
                            {"vary", "Accept-Encoding"},       {"x-request-id", "42"},
                            {"content-disposition", "inline"}, {"location", "/next"}};
  BOOST_TEST((agent::downstream_headers(answer) == answer));
}

BOOST_AUTO_TEST_CASE(the_answers_hop_by_hop_and_framing_fields_stay_upstream) {
  for (std::string name : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
                           "Trailer", "Proxy-Authorization", "Proxy-Authenticate", "Content-Length", "connection",
                           "KEEP-ALIVE"}) {
    auto h = agent::downstream_headers({{name, "x"}, {"X-Kept", "1"}});
    BOOST_TEST(values(h, name).empty(), name);
    BOOST_TEST(values(h, "X-Kept").size() == 1u, name);
  }
  auto h = agent::downstream_headers(
      {{"connection", "close, X-Internal"}, {"x-internal", "secret"}, {"set-cookie", "c=3"}});
  BOOST_TEST(values(h, "X-Internal").empty());
  BOOST_TEST(values(h, "Set-Cookie") == std::vector<std::string>{"c=3"});
}

BOOST_AUTO_TEST_SUITE_END()
