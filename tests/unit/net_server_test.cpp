// The HTTP server as clients meet it: round trips, limits, timeouts, concurrency, stop().
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "tests/process.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::net;
using namespace attestd::net_test;

namespace {

Result<HttpResult> get(const std::string& url) { return http_request("GET", url, {}, "", HttpClientOptions{}); }

ServerOptions with_timeouts(int read_ms, int idle_ms) {
  ServerOptions o;
  o.read_timeout_ms = read_ms;
  o.idle_timeout_ms = idle_ms;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(net_server)

BOOST_AUTO_TEST_CASE(an_ephemeral_server_reports_its_bound_port_and_url) {
  auto server = start_server(ServerOptions{}, echo);
  BOOST_TEST(server->port() != 0);
  BOOST_TEST(server->url() == "http://127.0.0.1:" + std::to_string(server->port()));
}

BOOST_AUTO_TEST_CASE(plain_http_get_and_post_round_trip) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    HttpResponse resp = HttpResponse::text(201, r.method + " " + r.path + " q=" + r.query_param("q").value_or("-") +
                                                    " ct=" + r.header("content-type").value_or("-") + " " + r.body);
    resp.headers.emplace_back("X-Peer-Is-Loopback", r.peer.rfind("127.0.0.1:", 0) == 0 ? "yes" : "no");
    return resp;
  });
  auto g = get(server->url() + "/a%20b?q=x+y%21");
  BOOST_REQUIRE_MESSAGE(g.ok(), test::why(g));
  BOOST_TEST(g->status == 201);
  BOOST_TEST(g->body == "GET /a b q=x y! ct=- ");
  BOOST_TEST(g->header("X-Peer-Is-Loopback").value_or("") == "yes");
  BOOST_TEST(g->header("content-type").value_or("") == "text/plain; charset=utf-8");

  auto p = http_request("POST", server->url() + "/attest", {{"Content-Type", "application/json"}}, "{\"a\":1}",
                        HttpClientOptions{});
  BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
  BOOST_TEST(p->status == 201);
  BOOST_TEST(p->body == "POST /attest q=- ct=application/json {\"a\":1}");
}

BOOST_AUTO_TEST_CASE(json_responses_carry_their_content_type_and_compact_body) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) {
    Json::Value v;
    v["token"] = "abc";
    return HttpResponse::json(200, v);
  });
  auto r = get(server->url() + "/");
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->header("content-type").value_or("") == "application/json");
  BOOST_TEST(r->body == "{\"token\":\"abc\"}");
}

BOOST_AUTO_TEST_CASE(head_gets_the_length_of_the_body_but_no_body) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) { return HttpResponse::text(200, "12345"); });
  RawClient c = RawClient::tcp(server->port());
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 200 OK");
  BOOST_TEST(resp.find("Content-Length: 5\r\n") != std::string::npos);
  BOOST_TEST(resp.substr(resp.size() - 4) == "\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_two_requests_on_one_connection) {
  auto server = start_server(ServerOptions{}, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first = c.read_response(2000);
  c.send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  std::string second = c.read_response(2000);
  BOOST_TEST(status_line(first) == "HTTP/1.1 200 OK");
  BOOST_TEST(first.substr(first.size() - 9) == "GET /one ");
  BOOST_TEST(second.substr(second.size() - 13) == "POST /two abc");
  BOOST_TEST(server->stats().connections_accepted == 1u);
  BOOST_TEST(server->stats().requests == 2u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  auto server = start_server(ServerOptions{}, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string both = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  std::size_t one = both.find("GET /1 "), two = both.find("GET /2 ");
  BOOST_TEST((one != std::string::npos && two != std::string::npos && one < two));
  BOOST_TEST(both.find("Connection: close\r\n") > one);
}

BOOST_AUTO_TEST_CASE(http_1_0_without_keep_alive_is_closed_after_the_response) {
  auto server = start_server(ServerOptions{}, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET /old HTTP/1.0\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.0 200 OK");
}

BOOST_AUTO_TEST_CASE(a_malformed_request_is_a_400_and_the_connection_closes) {
  auto server = start_server(ServerOptions{}, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost x\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 400 Bad Request");
  BOOST_TEST(resp.find("Connection: close\r\n") != std::string::npos);
  BOOST_TEST(server->stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(a_target_that_is_not_a_path_is_a_400) {
  auto server = start_server(ServerOptions{}, echo);
  for (const char* target : {"/bad%zzescape", "/nul%00byte", "relative"}) {
    RawClient c = RawClient::tcp(server->port());
    c.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(status_line(c.read_until_close(2000)) == "HTTP/1.1 400 Bad Request", target);
  }
}

BOOST_AUTO_TEST_CASE(an_ambiguous_body_length_is_a_400_not_a_smuggled_request) {
  auto server = start_server(ServerOptions{}, echo);
  for (const char* framing : {"Transfer-Encoding: gzip\r\n", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                              "Content-Length: 5\r\nContent-Length: 6\r\n"}) {
    RawClient c = RawClient::tcp(server->port());
    c.send(std::string("POST / HTTP/1.1\r\nHost: x\r\n") + framing + "\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string resp = c.read_until_close(2000);
    BOOST_TEST(status_line(resp) == "HTTP/1.1 400 Bad Request", framing);
    BOOST_TEST(resp.find("/smuggled") == std::string::npos);
  }
  BOOST_TEST(server->stats().requests == 0u);
}

// Found by fuzz_http_request: Beast takes "5, 5" (RFC 9110 §8.6 lets a recipient do so),
// and the handlers and the proxy saw a Content-Length that is no number.
BOOST_AUTO_TEST_CASE(a_content_length_that_is_not_one_decimal_number_is_a_400) {
  auto server = start_server(ServerOptions{}, echo);
  for (const char* length : {"Content-Length: 5, 5\r\n", "Content-Length: 5\r\nContent-Length: 5\r\n"}) {
    RawClient c = RawClient::tcp(server->port());
    c.send(std::string("POST / HTTP/1.1\r\nHost: x\r\n") + length + "\r\nhello");
    std::string resp = c.read_until_close(2000);
    BOOST_TEST(status_line(resp) == "HTTP/1.1 400 Bad Request", length);
    BOOST_TEST(resp.find("Content-Length is not one decimal number") != std::string::npos, length);
  }
  BOOST_TEST(server->stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(a_header_over_the_limit_is_a_431) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  auto server = start_server(o, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 431 Request Header Fields Too Large");
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_a_413_before_it_is_read) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  auto server = start_server(o, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
  bool closed = false;
  std::string resp = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 413 Payload Too Large");
}

BOOST_AUTO_TEST_CASE(a_chunked_body_over_the_limit_is_a_413) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  auto server = start_server(o, echo);
  RawClient c = RawClient::tcp(server->port());
  std::string chunk(800, 'x');
  c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n");
  BOOST_TEST(status_line(c.read_until_close(2000)) == "HTTP/1.1 413 Payload Too Large");
}

BOOST_AUTO_TEST_CASE(a_slow_client_with_half_a_request_is_cut_off_after_the_read_timeout) {
  auto server = start_server(with_timeouts(300, 5000), echo);
  RawClient c = RawClient::tcp(server->port());
  auto t0 = std::chrono::steady_clock::now();
  c.send("GET / HTTP/1.1\r\nHo");
  bool closed = false;
  std::string resp = c.read_until_close(3000, &closed);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 408 Request Timeout");
  BOOST_TEST(ms >= 250);
  BOOST_TEST(ms < 1500);
}

BOOST_AUTO_TEST_CASE(an_idle_kept_alive_connection_is_closed_after_the_idle_timeout) {
  auto server = start_server(with_timeouts(5000, 200), echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(c.read_response(2000)) == "HTTP/1.1 200 OK");
  bool closed = false;
  std::string rest = c.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(rest == "");
}

BOOST_AUTO_TEST_CASE(a_handler_that_throws_is_a_500_and_the_server_lives_on) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) -> HttpResponse {
    if (r.path == "/throw") throw std::runtime_error("boom");
    if (r.path == "/throw-int") throw 42;
    return HttpResponse::text(200, "fine");
  });
  auto a = get(server->url() + "/throw");
  auto b = get(server->url() + "/throw-int");
  auto c = get(server->url() + "/ok");
  BOOST_REQUIRE(a.ok() && b.ok() && c.ok());
  BOOST_TEST(a->status == 500);
  BOOST_TEST(a->body == "internal error\n");
  BOOST_TEST(b->status == 500);
  BOOST_TEST(c->status == 200);
}

BOOST_AUTO_TEST_CASE(a_response_with_a_line_break_in_a_header_is_a_500_not_a_split_response) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest&) {
    HttpResponse r = HttpResponse::text(200, "x");
    r.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: b");
    return r;
  });
  auto r = get(server->url() + "/");
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->status == 500);
  BOOST_TEST(!r->header("set-cookie").has_value());
}

BOOST_AUTO_TEST_CASE(a_client_that_leaves_during_a_large_response_does_not_kill_the_process) {
  // The client's FIN then RST makes the server's next send fail with EPIPE, which
  // raises SIGPIPE unless the server prevents it; its default action ends the process.
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    return HttpResponse::text(200, r.path == "/big" ? std::string(8 << 20, 'x') : "alive");
  });
  for (int i = 0; i < 3; ++i) {
    RawClient c = RawClient::tcp(server->port());
    c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    c.shutdown_write();
    c.read_response(50);  // a little of it, then leave with the rest unread
  }
  auto r = get(server->url() + "/after");
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->body == "alive");
}

BOOST_AUTO_TEST_CASE(sixty_four_concurrent_clients_are_all_answered) {
  std::atomic<int> inside{0}, most{0};
  auto server = start_server(ServerOptions{}, [&](const HttpRequest& r) {
    int now = ++inside;
    for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    --inside;
    return HttpResponse::text(200, r.path);
  });
  std::vector<std::future<Result<HttpResult>>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] { return get(server->url() + "/" + std::to_string(i)); }));
  }
  int answered = 0;
  for (int i = 0; i < 64; ++i) {
    auto r = calls[i].get();
    if (r.ok() && r->status == 200 && r->body == "/" + std::to_string(i)) ++answered;
  }
  BOOST_TEST(answered == 64);
  BOOST_TEST(most.load() > 1);  // they overlapped
  BOOST_TEST(server->stats().requests == 64u);
}

BOOST_AUTO_TEST_CASE(at_the_limit_the_idlest_kept_alive_connection_makes_room) {
  ServerOptions o;
  o.max_connections = 2;
  auto server = start_server(o, echo);
  RawClient oldest = RawClient::tcp(server->port());
  oldest.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(oldest.read_response(2000)) == "HTTP/1.1 200 OK");  // now kept alive
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RawClient newer = RawClient::tcp(server->port());
  newer.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(newer.read_response(2000)) == "HTTP/1.1 200 OK");
  RawClient extra = RawClient::tcp(server->port());
  extra.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(extra.read_response(2000)) == "HTTP/1.1 200 OK");  // served, not refused
  bool closed = false;
  oldest.read_until_close(2000, &closed);
  BOOST_TEST(closed);  // the one idle longest made room
  newer.send("GET /4 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(newer.read_response(2000)) == "HTTP/1.1 200 OK");
  BOOST_TEST(server->stats().connections_evicted == 1u);
  BOOST_TEST(server->stats().connections_rejected == 0u);
}

BOOST_AUTO_TEST_CASE(at_the_limit_with_every_connection_busy_a_new_one_gets_the_overload_answer) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions o;
  o.max_connections = 1;
  o.overload_response = [](const std::string& why) {
    HttpResponse r = HttpResponse::text(503, "overloaded: " + why);
    r.headers.emplace_back("Retry-After", "2");
    return r;
  };
  auto server = start_server(o, [&](const HttpRequest& r) {
    if (r.path == "/slow") {
      entered.set_value();
      released.wait();
    }
    return echo(r);
  });
  RawClient busy = RawClient::tcp(server->port());
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.get_future().wait();
  RawClient extra = RawClient::tcp(server->port());
  extra.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string resp = extra.read_until_close(2000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 503 Service Unavailable");
  BOOST_TEST(resp.find("Retry-After: 2") != std::string::npos, resp);
  BOOST_TEST(resp.find("overloaded: the agent serves 1 connections, all busy") != std::string::npos, resp);
  BOOST_TEST(server->stats().connections_rejected == 1u);
  release.set_value();
  BOOST_TEST(status_line(busy.read_response(2000)) == "HTTP/1.1 200 OK");  // the busy one finished
}

BOOST_AUTO_TEST_CASE(at_the_limit_a_connection_that_never_asked_goes_before_a_kept_alive_client) {
  ServerOptions o;
  o.max_connections = 2;
  auto server = start_server(o, echo);
  RawClient client = RawClient::tcp(server->port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(client.read_response(2000)) == "HTTP/1.1 200 OK");  // idle longest, but a client
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RawClient silent = RawClient::tcp(server->port());  // connected, never asks
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RawClient extra = RawClient::tcp(server->port());
  extra.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(extra.read_response(2000)) == "HTTP/1.1 200 OK");
  bool closed = false;
  silent.read_until_close(2000, &closed);
  BOOST_TEST(closed);  // the silent one made room
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(client.read_response(2000)) == "HTTP/1.1 200 OK");
}

BOOST_AUTO_TEST_CASE(a_kept_alive_request_has_its_whole_header_timeout_late_in_the_idle_window) {
  ServerOptions o;
  o.idle_timeout_ms = 600;
  o.header_timeout_ms = 2000;
  auto server = start_server(o, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(c.read_response(2000)) == "HTTP/1.1 200 OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // late in the idle window
  c.send("GET / HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // past the idle deadline, within the header's
  c.send("Host: x\r\n\r\n");
  BOOST_TEST(status_line(c.read_response(2000)) == "HTTP/1.1 200 OK");
}

BOOST_AUTO_TEST_CASE(one_peer_cannot_take_more_than_its_share_of_connections) {
  ServerOptions o;
  o.max_connections_per_peer = 2;
  auto server = start_server(o, echo);
  RawClient a = RawClient::tcp(server->port(), "127.0.0.7");
  RawClient b = RawClient::tcp(server->port(), "127.0.0.7");
  a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(a.read_response(2000)) == "HTTP/1.1 200 OK");
  BOOST_TEST(status_line(b.read_response(2000)) == "HTTP/1.1 200 OK");
  RawClient third = RawClient::tcp(server->port(), "127.0.0.7");
  third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string resp = third.read_until_close(2000);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 503 Service Unavailable");
  BOOST_TEST(resp.find("too many connections from 127.0.0.7 (at most 2 at once)") != std::string::npos, resp);
  RawClient other = RawClient::tcp(server->port(), "127.0.0.8");  // another peer is served
  other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(other.read_response(2000)) == "HTTP/1.1 200 OK");
  a.shutdown_write();  // a leaves: 127.0.0.7 has room again
  a.read_until_close(2000);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawClient again = RawClient::tcp(server->port(), "127.0.0.7");
  again.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(again.read_response(2000)) == "HTTP/1.1 200 OK");
}

BOOST_AUTO_TEST_CASE(a_silent_tls_connection_is_closed_at_the_handshake_deadline) {
  ServerOptions o = tls_options();
  o.handshake_timeout_ms = 300;
  auto server = start_server(o, echo);
  RawClient silent = RawClient::tcp(server->port());
  auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  silent.read_until_close(3000, &closed);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(closed);
  BOOST_TEST(ms >= 250);
  BOOST_TEST(ms < 1500);
  BOOST_TEST(server->stats().connections_timed_out == 1u);
}

BOOST_AUTO_TEST_CASE(a_header_trickled_byte_by_byte_is_cut_off_at_the_header_deadline) {
  ServerOptions o;
  o.header_timeout_ms = 400;  // the whole request would have 10 s
  auto server = start_server(o, echo);
  RawClient slow = RawClient::tcp(server->port());
  auto t0 = std::chrono::steady_clock::now();
  std::string resp;
  for (int i = 0; i < 30; ++i) {
    try {
      slow.send(i == 0 ? "GET / HTTP/1.1\r\n" : "X-Slow: 1\r\n");
    } catch (const std::exception&) {
      break;  // the server closed the connection
    }
    resp += slow.read_until_close(100);
    if (!resp.empty()) break;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(status_line(resp) == "HTTP/1.1 408 Request Timeout");
  BOOST_TEST(resp.find("header timeout") != std::string::npos, resp);
  BOOST_TEST(ms < 1500);
}

BOOST_AUTO_TEST_CASE(a_connection_that_sends_nothing_is_closed_at_the_header_deadline) {
  ServerOptions o;
  o.header_timeout_ms = 300;
  auto server = start_server(o, echo);
  RawClient silent = RawClient::tcp(server->port());
  bool closed = false;
  auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(silent.read_until_close(3000, &closed) == "");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(closed);
  BOOST_TEST(ms < 1500);
}

BOOST_AUTO_TEST_CASE(trailer_fields_of_a_chunked_body_are_not_merged_into_the_header) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    std::string names;
    for (const auto& [k, v] : r.headers) names += k + ";";
    return HttpResponse::text(200, names + "|" + r.body);
  });
  RawClient c = RawClient::tcp(server->port());
  c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Injected\r\n\r\n"
         "3\r\nabc\r\n0\r\nX-Injected: 1\r\nAuthorization: forged\r\n\r\n");
  std::string resp = c.read_response(2000);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 200 OK");
  BOOST_TEST(resp.find("Host;Transfer-Encoding;Trailer;|abc") != std::string::npos, resp);
  BOOST_TEST(resp.find("X-Injected;") == std::string::npos, resp);
  BOOST_TEST(resp.find("Authorization") == std::string::npos, resp);
}

BOOST_AUTO_TEST_CASE(a_handler_remembers_per_connection_state) {
  auto server = start_server(ServerOptions{}, [](const HttpRequest& r) {
    if (!r.connection) return HttpResponse::text(500, "no connection state");
    std::string was = r.connection->attestation_answered ? "set" : "unset";
    if (r.path == "/set") r.connection->attestation_answered = true;
    return HttpResponse::text(200, was);
  });
  RawClient a = RawClient::tcp(server->port());
  a.send("GET /set HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(a.read_response(2000).find("\r\n\r\nunset") != std::string::npos);
  a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(a.read_response(2000).find("\r\n\r\nset") != std::string::npos);
  RawClient b = RawClient::tcp(server->port());  // another connection starts afresh
  b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(b.read_response(2000).find("\r\n\r\nunset") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stop_lets_a_request_in_flight_finish_and_refuses_new_ones) {
  std::promise<void> entered;
  auto server = start_server(ServerOptions{}, [&](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return HttpResponse::text(200, "finished");
  });
  std::string url = server->url() + "/";
  auto call = std::async(std::launch::async, [&] { return get(url); });
  entered.get_future().wait();
  server->stop();
  auto r = call.get();
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->body == "finished");
  BOOST_TEST(r->header("connection").value_or("") == "close");
  auto after = get(url);
  BOOST_REQUIRE(!after.ok());
  BOOST_TEST(error_name(after.error().code()) == "NetworkError");
  server->stop();  // idempotent
}

BOOST_AUTO_TEST_CASE(stop_closes_idle_connections_at_once) {
  auto server = start_server(with_timeouts(5000, 30000), echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(status_line(c.read_response(2000)) == "HTTP/1.1 200 OK");
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  bool closed = false;
  c.read_until_close(1000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(ms < 1500);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_a_network_error_naming_the_address) {
  auto first = start_server(ServerOptions{}, echo);
  ServerOptions o;
  o.listen = "127.0.0.1:" + std::to_string(first->port());
  auto second = HttpServer::start(o, echo);
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST(error_name(second.error().code()) == "NetworkError");
  BOOST_TEST(second.error().message() == "listen on " + o.listen + ": bind: Address already in use");
}

BOOST_AUTO_TEST_CASE(a_listen_address_without_a_port_is_a_network_error) {
  ServerOptions o;
  o.listen = "127.0.0.1";
  auto s = HttpServer::start(o, echo);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().describe() == "NetworkError: listen on 127.0.0.1: expected host:port or [ipv6]:port");
}

BOOST_AUTO_TEST_CASE(a_unix_socket_server_round_trip) {
  ServerOptions o;
  o.unix_socket = test::tmp_dir() + "/net-server.sock";
  auto server = start_server(o, [](const HttpRequest& r) { return HttpResponse::text(200, "peer=" + r.peer); });
  BOOST_TEST(server->port() == 0);
  BOOST_TEST(server->url() == "unix:" + o.unix_socket);
  RawClient c = RawClient::unix_socket(o.unix_socket);
  c.send("GET /local HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  std::string resp = c.read_until_close(2000);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 200 OK");
  BOOST_TEST(resp.substr(resp.size() - 9) == "peer=unix");
  server->stop();
  BOOST_TEST(!std::filesystem::exists(o.unix_socket));
}

BOOST_AUTO_TEST_CASE(a_client_that_expects_100_continue_gets_it_and_its_body_is_read) {
  auto server = start_server(ServerOptions{}, echo);
  RawClient c = RawClient::tcp(server->port());
  c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  BOOST_TEST(c.read_response(2000) == "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("data");
  std::string resp = c.read_response(2000);
  BOOST_TEST(status_line(resp) == "HTTP/1.1 200 OK");
  BOOST_TEST(resp.substr(resp.size() - 13) == "POST /up data");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(net_server_drop)

BOOST_AUTO_TEST_CASE(a_handler_answering_kdropconnection_closes_without_a_response) {
  auto server = net::HttpServer::start(net::ServerOptions{}, [](const net::HttpRequest&) {
    net::HttpResponse r;
    r.status = net::HttpResponse::kDropConnection;
    return r;
  });
  BOOST_REQUIRE(server.ok());
  test::RunResult r = test::run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' " + (*server)->url() + "/x");
  BOOST_TEST(r.exit_code == 52);  // curl: empty reply from server
  BOOST_TEST(r.out == "000");
}

BOOST_AUTO_TEST_SUITE_END()
