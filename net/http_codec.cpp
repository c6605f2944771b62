#include "net/internal/http_codec.h"

#include <iterator>
#include <optional>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/bytes.h"

namespace attestd::net::detail {

namespace http = boost::beast::http;
using boost::beast::error_code;

struct RequestParser::Impl {
  http::request_parser<http::string_body> parser;
  // How many fields the header section had: fields after these are a chunked body's
  // trailer section, which Beast adds to the same container.
  std::optional<std::size_t> header_fields;
};

namespace {

constexpr std::size_t kShortestChunkedEnd = 5;

// At most one Content-Length field, all digits.
bool one_decimal_length(const http::request<http::string_body>& m) {
  if (m.count(http::field::content_length) > 1) return false;
  auto it = m.find(http::field::content_length);
  if (it == m.end()) return true;
  std::string_view v(it->value().data(), it->value().size());
  return !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

RequestParser::RequestParser(std::size_t max_header_bytes, std::size_t max_body_bytes)
    : impl_(std::make_unique<Impl>()) {
  impl_->parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_header_bytes, UINT32_MAX)));
  impl_->parser.body_limit(max_body_bytes);
  // One element (the header, a chunk header, a chunk) per put(), so that the header's
  // field count is known before any trailer field arrives.
  impl_->parser.eager(false);
}

RequestParser::~RequestParser() = default;

RequestParser::State RequestParser::feed(std::string& buf) {
  auto& p = impl_->parser;
  std::size_t used = 0;
  while (used < buf.size() && !p.is_done()) {
    // Boost.Beast 1.74 asserts (and aborts the process) when a final chunk seen before
    // is resumed with fewer than 5 bytes (boostorg/beast#2861). No chunked body can end
    // in fewer pending bytes ("0\r\n\r\n" is the shortest end), so wait for more.
    if (p.is_header_done() && p.chunked() && buf.size() - used < kShortestChunkedEnd) break;
    error_code ec;
    std::size_t n = p.put(boost::asio::const_buffer(buf.data() + used, buf.size() - used), ec);
    used += n;
    if (p.is_header_done() && !impl_->header_fields) {
      impl_->header_fields = static_cast<std::size_t>(std::distance(p.get().begin(), p.get().end()));
    }
    if (ec == http::error::need_more) break;
    if (ec) {
      buf.erase(0, used);
      failure_reason_ = ec.message();
      failure_status_ = ec == http::error::header_limit ? 431 : ec == http::error::body_limit ? 413 : 400;
      return State::Failed;
    }
    if (n == 0) break;
  }
  buf.erase(0, used);
  // RFC 9112 6.3: a request whose Transfer-Encoding does not end in chunked has no
  // knowable length. Beast would read it as bodiless, leaving the body to be parsed as
  // the next request (a smuggling vector behind a proxy): refuse it.
  if (p.is_header_done() && !p.chunked() && p.get().count(http::field::transfer_encoding) > 0) {
    failure_reason_ = "Transfer-Encoding without chunked";
    failure_status_ = 400;
    return State::Failed;
  }
  // RFC 9110 §8.6 lets a recipient take "5, 5" or the field twice as one length; we do
  // not: handlers and the proxy behind them see one decimal number or nothing.
  if (p.is_header_done() && !one_decimal_length(p.get())) {
    failure_reason_ = "Content-Length is not one decimal number";
    failure_status_ = 400;
    return State::Failed;
  }
  return p.is_done() ? State::Done : State::NeedMore;
}

bool RequestParser::header_done() const { return impl_->parser.is_header_done(); }

bool RequestParser::expects_continue() const {
  const auto& p = impl_->parser;
  if (!p.is_header_done() || p.is_done()) return false;
  auto it = p.get().find(http::field::expect);
  return it != p.get().end() && iequals(std::string_view(it->value().data(), it->value().size()), "100-continue");
}

bool RequestParser::keep_alive() const { return impl_->parser.get().keep_alive(); }
unsigned RequestParser::version() const { return impl_->parser.get().version() == 10 ? 10 : 11; }

bool RequestParser::take(HttpRequest& out, std::string& why) {
  http::request<http::string_body> msg = impl_->parser.release();
  out.method = std::string(msg.method_string());
  out.target = std::string(msg.target());
  if (!parse_target(out.target, out.path, out.query)) {
    why = "bad request target";
    return false;
  }
  // The header section only: trailer fields (after a chunked body) are dropped, never
  // merged into the header a handler or an upstream sees (docs/net.md).
  out.headers.clear();
  std::size_t limit = impl_->header_fields.value_or(0);
  for (const auto& f : msg) {
    if (out.headers.size() == limit) break;
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  out.body = std::move(msg.body());
  return true;
}

namespace {

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      auto byte = hex_decode(in.substr(i + 1, 2));
      if (!byte || byte->front() == 0) return false;  // a bad escape, or an encoded NUL
      out.push_back(static_cast<char>(byte->front()));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool valid_field(const std::string& name, const std::string& value) { return is_token(name) && is_field_value(value); }

// Framing is ours: the handler's Content-Length, Transfer-Encoding and Connection are not sent.
bool framing_field(const std::string& name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

template <class Body>
std::string serialize(http::response<Body>& res) {
  http::response_serializer<Body> sr{res};
  std::string out;
  error_code ec;
  while (!ec && !sr.is_done()) {
    sr.next(ec, [&](error_code& ec2, const auto& buffers) {
      ec2 = {};
      std::size_t n = 0;
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      sr.consume(n);
    });
  }
  return out;
}

bool well_formed(const HttpResponse& r) {
  if (r.status < 200 || r.status > 599) return false;
  for (const auto& [k, v] : r.headers) {
    if (!valid_field(k, v)) return false;
  }
  return true;
}

HttpResponse invalid_response() { return HttpResponse::text(500, "internal error: invalid response\n"); }

std::string serialize_checked(const HttpResponse& response, unsigned version, bool keep_alive, bool head) {
  if (!well_formed(response)) return serialize_checked(invalid_response(), version, keep_alive, head);
  bool no_body = response.status == 204 || response.status == 304;
  auto fill = [&](auto& res) {
    res.result(static_cast<unsigned>(response.status));
    res.version(version);
    for (const auto& [k, v] : response.headers) {
      if (!framing_field(k)) res.insert(k, v);
    }
  };
  if (head || no_body) {
    http::response<http::empty_body> res;
    fill(res);
    if (!no_body) res.content_length(response.body.size());
    res.keep_alive(keep_alive);
    return serialize(res);
  }
  http::response<http::string_body> res;
  fill(res);
  res.body() = response.body;
  res.prepare_payload();
  res.keep_alive(keep_alive);
  return serialize(res);
}

}  // namespace

bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query) {
  if (target.empty() || target.front() != '/') return false;
  std::size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (std::size_t hash = raw_query.find('#'); hash != std::string_view::npos) raw_query = raw_query.substr(0, hash);
  if (!percent_decode(raw_path, false, path)) return false;
  query.clear();
  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view item = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string k, v;
    if (!percent_decode(item.substr(0, eq), true, k)) return false;
    if (eq != std::string_view::npos && !percent_decode(item.substr(eq + 1), true, v)) return false;
    query.emplace_back(std::move(k), std::move(v));
  }
  return true;
}

std::string serialize_response(const HttpResponse& response, unsigned version, bool keep_alive, bool head) {
  try {
    return serialize_checked(response, version, keep_alive, head);
  } catch (...) {
    // Beast refuses, by throwing, fields longer than 64 KiB and the like.
    return serialize_checked(invalid_response(), version, keep_alive, head);
  }
}

std::string serialize_continue() {
  http::response<http::empty_body> res{http::status::continue_, 11};
  return serialize(res);
}

}  // namespace attestd::net::detail
