// libFuzzer: the agent's HTTP/1.1 request parser, driven as net/connection.cpp drives it:
// bytes arrive in pieces, several requests may share one read (pipelining), a new parser
// per request, take() after Done. The first input byte picks how the rest is cut into
// reads; the rest is what a client sent. Every request that comes out must be one the
// handlers (and the proxy behind them) can trust: checked field by field below.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"
#include "net/http_server.h"
#include "agent/proxy.h"
#include "net/internal/http_codec.h"

namespace {

using attestd::net::HttpRequest;
using attestd::net::detail::RequestParser;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

bool is_decimal(std::string_view s) {
  return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool has_any(std::string_view s, std::string_view chars) { return s.find_first_of(chars) != std::string_view::npos; }

// What a parsed request promises (RFC 9110 §5.1, §9.1; RFC 9112 §3.2, §6.3).
void check_request(const HttpRequest& r, std::size_t max_body) {
  require(is_token(r.method));
  require(!r.target.empty() && r.target.front() == '/');
  require(!has_any(r.target, std::string_view(" \r\n\t\0", 5)));
  require(!r.path.empty() && r.path.front() == '/');
  require(r.path.find('\0') == std::string::npos);
  for (const auto& [k, v] : r.query) require(k.find('\0') == std::string::npos && v.find('\0') == std::string::npos);
  require(r.body.size() <= max_body);
  std::optional<unsigned long long> content_length;
  bool chunked = false;
  for (const auto& [name, value] : r.headers) {
    require(is_token(name));
    require(!has_any(value, std::string_view("\r\n\0", 3)));
    if (attestd::iequals(name, "Content-Length")) {
      // One length, or the same length repeated: never two framings of one body.
      require(is_decimal(value));
      require(!content_length || *content_length == std::stoull(value));
      content_length = std::stoull(value);
    }
    if (attestd::iequals(name, "Transfer-Encoding")) chunked = true;
  }
  if (!chunked && content_length) require(*content_length == r.body.size());
  if (!chunked && !content_length) require(r.body.empty());
}

// What the proxy may send upstream for `r` from `peer_ip` (RFC 9110 §7.6.1, §7.6.2; issue 9
// finding 4): fields a handler can trust, no hop-by-hop field, none that the client's
// Connection header names, and the real peer as the only X-Forwarded-For.
void check_upstream(const HttpRequest& r, const attestd::net::HeaderList& upstream,
                                     std::string_view peer_ip) {
  std::vector<std::string> named;  // connection options: comma-separated tokens
  for (const auto& [name, value] : r.headers) {
    if (!attestd::iequals(name, "Connection")) continue;
    std::size_t at = 0;
    while (at <= value.size()) {
      std::size_t comma = std::min(value.find(',', at), value.size());
      std::string_view option = std::string_view(value).substr(at, comma - at);
      while (!option.empty() && (option.front() == ' ' || option.front() == '\t')) option.remove_prefix(1);
      while (!option.empty() && (option.back() == ' ' || option.back() == '\t')) option.remove_suffix(1);
      if (!option.empty()) named.emplace_back(option);
      at = comma + 1;
    }
  }
  for (const auto& [name, value] : upstream) {
    require(is_token(name));
    require(!has_any(value, std::string_view("\r\n\0", 3)));
    for (std::string_view hop : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
                                 "Trailer", "Content-Length"}) {
      require(!attestd::iequals(name, hop));
    }
    for (const auto& option : named) require(!attestd::iequals(name, option));
    if (attestd::iequals(name, "X-Forwarded-For")) require(value == peer_ip);
    if (attestd::iequals(name, "Forwarded")) require(value == "for=\"" + std::string(peer_ip) + "\";proto=https");
    require(!attestd::iequals(name, "X-Real-IP") && !attestd::iequals(name, "X-Forwarded-Host"));
  }
}

// The proxy's header rewriting (agent::upstream_headers) on every request the parser takes.
void proxy_hook(HttpRequest r) {
  r.peer = "192.0.2.7:40000";
  r.tls = true;
  check_upstream(r, attestd::agent::upstream_headers(r), "192.0.2.7");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // Reads of 1..16 bytes, or everything at once (0): small reads cross every boundary of
  // the request line, fields, chunk sizes and bodies.
  const std::size_t read_size = data[0] % 17 == 0 ? size : data[0] % 17;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  attestd::net::ServerOptions limits;
  limits.max_header_bytes = 2048;  // small, so that fuzzed inputs reach the limits
  limits.max_body_bytes = 1024;

  std::string buf;
  std::size_t sent = 0;
  for (int requests = 0; requests < 64; ++requests) {
    RequestParser parser(limits.max_header_bytes, limits.max_body_bytes);
    RequestParser::State state = buf.empty() ? RequestParser::State::NeedMore : parser.feed(buf);
    while (state == RequestParser::State::NeedMore && sent < wire.size()) {
      std::size_t n = std::min(read_size, wire.size() - sent);
      buf.append(wire.substr(sent, n));
      sent += n;
      state = parser.feed(buf);
    }
    if (state == RequestParser::State::NeedMore) return 0;  // the client stopped mid-request
    if (state == RequestParser::State::Failed) {
      int s = parser.failure_status();
      require(s == 400 || s == 413 || s == 431);
      require(!parser.failure_reason().empty());
      return 0;  // the connection closes after the error
    }
    require(parser.version() == 10 || parser.version() == 11);
    (void)parser.keep_alive();
    HttpRequest request;
    std::string why;
    if (!parser.take(request, why)) {
      require(!why.empty());
      return 0;
    }
    check_request(request, limits.max_body_bytes);
    proxy_hook(request);
  }
  return 0;
}
