#include "net/http.h"

#include "core/json.h"

namespace attestd::net {

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@".
bool is_pchar(char c) { return is_alnum(c) || in(c, "-._~!$&'()*+,;=:@"); }

}  // namespace

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_alnum(c) && !in(c, "!#$%&'*+-.^_`|~")) return false;
  }
  return true;
}

bool is_origin_form(std::string_view t) {
  if (t.empty() || t.front() != '/') return false;
  // "?" starts the query, where "?" and "/" may appear too: every byte is a pchar, "/" or "?".
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '%') {
      if (i + 2 >= t.size() || !is_hex(t[i + 1]) || !is_hex(t[i + 2])) return false;
      i += 2;
    } else if (!is_pchar(c) && c != '/' && c != '?') {
      return false;
    }
  }
  return true;
}

bool is_field_value(std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

HttpResponse HttpResponse::json(int status, const Json::Value& value) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = json_compact(value);
  return r;
}

HttpResponse HttpResponse::text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace attestd::net
