#include "net/internal/connection.h"

#include <algorithm>
#include <exception>

#include "net/internal/http_codec.h"

namespace attestd::net::detail {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// A rejected connection gets at most this long for its handshake and its 503.
constexpr int kRejectTimeoutMs = 1000;

void send_error_and_close(Stream& stream, int status, const std::string& reason, const ConnectionContext& ctx) {
  HttpResponse r = HttpResponse::text(status, reason + "\n");
  if (stream.write_all(serialize_response(r, 11, false, false), after_ms(ctx.options.write_timeout_ms)) == Io::Ok) {
    stream.close_gracefully(true);
  }
}

HttpResponse call_handler(const Handler& handler, const HttpRequest& request) {
  try {
    return handler(request);
  } catch (...) {
    // A handler's failure is the server's 500, never the process's end.
    return HttpResponse::text(500, "internal error\n");
  }
}

bool asks_to_close(const HttpResponse& r) {
  if (r.close) return true;
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [](const auto& h) { return iequals(h.first, "Connection") && iequals(h.second, "close"); });
}

enum class ReadEnd { Request, Closed, Abandoned };

// Reads one request into `parser`. `buf` carries bytes already received (pipelining).
// Until its first byte, the request is awaited until `wait_until` (a raised stop ends the
// wait); the header must then be complete by `wait_until` for the connection's `first`
// request, else within header_timeout_ms of its first byte; the whole request within
// read_timeout_ms of its first byte.
ReadEnd read_request(Stream& stream, RequestParser& parser, std::string& buf, Deadline wait_until, bool first,
                     ConnectionPhases& phases, const ConnectionContext& ctx) {
  const ServerOptions& o = ctx.options;
  bool started = false;
  Deadline header_by{}, request_by{};
  auto start = [&] {
    started = true;
    phases.busy();
    // The first request's header is due header_timeout_ms after the handshake
    // (wait_until, which is sooner than that from any later byte); a later one's from its
    // own first byte.
    header_by = first ? wait_until : after_ms(o.header_timeout_ms);
    request_by = after_ms(o.read_timeout_ms);
  };
  RequestParser::State state = RequestParser::State::NeedMore;
  if (!buf.empty()) {
    start();
    state = parser.feed(buf);
  }
  bool continue_sent = false;
  char chunk[kReadChunk];
  while (state == RequestParser::State::NeedMore) {
    if (!continue_sent && parser.expects_continue()) {
      continue_sent = true;
      if (stream.write_all(serialize_continue(), after_ms(o.write_timeout_ms)) != Io::Ok) {
        return ReadEnd::Abandoned;
      }
    }
    Deadline deadline = !started ? wait_until : parser.header_done() ? request_by : std::min(header_by, request_by);
    // Only a connection between requests gives way to stop(); a started request finishes.
    ReadResult r = stream.read_some(chunk, sizeof chunk, deadline, started ? -1 : ctx.stop_fd);
    if (r.status == Io::Ok) {
      if (!started) start();
      buf.append(chunk, r.n);
      state = parser.feed(buf);
      continue;
    }
    if (r.status == Io::Timeout) ctx.timed_out.fetch_add(1, std::memory_order_relaxed);
    if (!started) return r.status == Io::Error ? ReadEnd::Abandoned : ReadEnd::Closed;
    if (r.status == Io::Timeout) {
      send_error_and_close(stream, 408,
                           parser.header_done() ? "request not received within the read timeout"
                                                : "request header not received within the header timeout",
                           ctx);
    }
    return ReadEnd::Abandoned;
  }
  if (state == RequestParser::State::Failed) {
    send_error_and_close(stream, parser.failure_status(), parser.failure_reason(), ctx);
    return ReadEnd::Abandoned;
  }
  return ReadEnd::Request;
}

}  // namespace

void serve_connection(Stream& stream, const std::string& peer, ConnectionState& state, ConnectionPhases& phases,
                      const ConnectionContext& ctx) {
  const ServerOptions& o = ctx.options;
  if (Io io = stream.handshake(after_ms(o.handshake_timeout_ms), ctx.stop_fd); io != Io::Ok) {
    if (io == Io::Timeout) ctx.timed_out.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The first request's header must arrive within header_timeout_ms of the handshake.
  Deadline wait_until = after_ms(o.header_timeout_ms);
  std::string buf;
  for (bool first = true;; first = false) {
    phases.idle(!first);
    RequestParser parser(o.max_header_bytes, o.max_body_bytes);
    switch (read_request(stream, parser, buf, wait_until, first, phases, ctx)) {
      case ReadEnd::Request: break;
      case ReadEnd::Closed: stream.close_gracefully(false); return;  // nothing unread to protect
      case ReadEnd::Abandoned: return;
    }
    const bool client_keep_alive = parser.keep_alive();
    const unsigned version = parser.version();
    HttpRequest request;
    std::string why;
    if (!parser.take(request, why)) {
      send_error_and_close(stream, 400, why, ctx);
      return;
    }
    request.peer = peer;
    request.tls = o.tls.has_value();
    request.connection = &state;
    ctx.requests.fetch_add(1, std::memory_order_relaxed);
    HttpResponse response = call_handler(ctx.handler, request);
    if (response.status == HttpResponse::kDropConnection) return;  // closed unanswered
    bool keep_alive = client_keep_alive && !asks_to_close(response) && !ctx.stopping.load();
    std::string bytes = serialize_response(response, version, keep_alive, request.method == "HEAD");
    if (stream.write_all(bytes, after_ms(o.write_timeout_ms)) != Io::Ok) return;
    if (!keep_alive) {
      stream.close_gracefully(true);
      return;
    }
    wait_until = after_ms(o.idle_timeout_ms);
  }
}

void reject_connection(Stream& stream, const std::string& why, const ConnectionContext& ctx) {
  int ms = std::min(kRejectTimeoutMs, ctx.options.handshake_timeout_ms);
  if (stream.handshake(after_ms(ms), ctx.stop_fd) != Io::Ok) return;
  HttpResponse r;
  if (ctx.options.overload_response) {
    r = ctx.options.overload_response(why);
  } else {
    r = HttpResponse::text(503, why + "\n");
    r.headers.emplace_back("Retry-After", "1");
  }
  if (stream.write_all(serialize_response(r, 11, false, false), after_ms(ms)) == Io::Ok) stream.close_gracefully(true);
}

}  // namespace attestd::net::detail
