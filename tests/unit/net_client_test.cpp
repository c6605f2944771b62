// The libcurl client: what counts as a result, what as a NetworkError.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "net/http_client.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::net;
using namespace attestd::net_test;

BOOST_AUTO_TEST_SUITE(net_client)

BOOST_AUTO_TEST_CASE(any_http_status_is_a_result_with_lowercased_header_names) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) {
    HttpResponse r = HttpResponse::text(404, "{\"error\":{\"code\":\"NotFound\"}}");
    r.headers.emplace_back("X-Ms-Request-Id", "abc");
    return r;
  });
  auto r = http_request("GET", server->url() + "/nothing", {}, "", HttpClientOptions{});
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->status == 404);
  BOOST_TEST(r->body == "{\"error\":{\"code\":\"NotFound\"}}");
  bool found = false;
  for (const auto& [k, v] : r->headers) found = found || (k == "x-ms-request-id" && v == "abc");
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(request_headers_and_methods_reach_the_server) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    return HttpResponse::text(200, r.method + " " + r.header("x-api-key").value_or("-") + " " +
                                       r.header("expect").value_or("no-expect") + " " + r.body);
  });
  auto put = http_request("PUT", server->url() + "/", {{"X-Api-Key", "k1"}}, "data", HttpClientOptions{});
  BOOST_REQUIRE_MESSAGE(put.ok(), test::why(put));
  BOOST_TEST(put->body == "PUT k1 no-expect data");
  auto del = http_request("DELETE", server->url() + "/", {}, "", HttpClientOptions{});
  BOOST_REQUIRE_MESSAGE(del.ok(), test::why(del));
  BOOST_TEST(del->body == "DELETE - no-expect ");
}

BOOST_AUTO_TEST_CASE(a_redirect_is_returned_not_followed) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    if (r.path == "/elsewhere") return HttpResponse::text(200, "followed");
    HttpResponse resp = HttpResponse::text(302, "");
    resp.headers.emplace_back("Location", "/elsewhere");
    return resp;
  });
  auto r = http_request("GET", server->url() + "/", {}, "", HttpClientOptions{});
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->status == 302);
  BOOST_TEST(r->header("location").value_or("") == "/elsewhere");
  BOOST_TEST(server->stats().requests == 1u);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_a_network_error_naming_the_url) {
  std::string port;
  {
    auto server = start_server(ServerOptions{}, echo);
    port = std::to_string(server->port());
  }
  std::string url = "http://127.0.0.1:" + port + "/gone";
  auto r = http_request("GET", url, {}, "", HttpClientOptions{});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "NetworkError");
  std::string expected = "GET " + url + ": Could not connect to server: Failed to connect to 127.0.0.1 port " + port + " after ";
  BOOST_TEST(r.error().message().rfind(expected, 0) == 0u, r.error().message());
}

BOOST_AUTO_TEST_CASE(a_response_larger_than_the_limit_is_a_network_error) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) { return HttpResponse::text(200, std::string(5000, 'x')); });
  HttpClientOptions o;
  o.max_response_bytes = 4096;
  auto r = http_request("GET", server->url() + "/big", {}, "", o);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() == "NetworkError: GET " + server->url() + "/big: response body larger than 4096 bytes");
  o.max_response_bytes = 5000;
  BOOST_TEST(http_request("GET", server->url() + "/big", {}, "", o).ok());
}

BOOST_AUTO_TEST_CASE(a_slow_server_is_a_timeout) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return HttpResponse::text(200, "late");
  });
  HttpClientOptions o;
  o.total_timeout_ms = 150;
  auto r = http_request("GET", server->url() + "/", {}, "", o);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "NetworkError");
  BOOST_TEST(r.error().message().rfind("GET " + server->url() + "/: Timeout was reached: Operation timed out after ", 0) == 0u, r.error().message());
}

BOOST_AUTO_TEST_CASE(only_http_and_https_urls_are_fetched) {
  auto r = http_request("GET", "file:///etc/passwd", {}, "", HttpClientOptions{});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "NetworkError");
  BOOST_TEST(r.error().message() == "GET file:///etc/passwd: Unsupported protocol: Protocol \"file\" not supported");
}

BOOST_AUTO_TEST_CASE(a_header_with_a_line_break_is_refused_before_sending) {
  auto r = http_request("GET", "http://127.0.0.1:1/", {{"X-A", "b\r\nX-Injected: c"}}, "", HttpClientOptions{});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() == "MalformedInput: HTTP header \"X-A\" is malformed");
}

BOOST_AUTO_TEST_SUITE_END()
