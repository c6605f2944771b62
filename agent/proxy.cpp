#include "agent/proxy.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace attestd::agent {

namespace {

// Hop-by-hop (RFC 9110 §7.6.1, and the ones older proxies use): never passed on, either way.
constexpr std::string_view kHopByHop[] = {"connection", "keep-alive", "proxy-connection", "te", "transfer-encoding",
                                          "upgrade", "trailer", "proxy-authorization", "proxy-authenticate"};

constexpr std::string_view kNotSentUpstream[] = {
    // Framing, made anew for the upstream request.
    "host", "content-length", "expect",
    // Who the client is, and how it came: said by attestd, never by the client (and every
    // X-Forwarded-* field, by prefix below).
    "x-real-ip", "forwarded", "x-client-ip", "true-client-ip"};

template <std::size_t N>
bool listed(const std::string_view (&names)[N], const std::string& lower) {
  return std::find(std::begin(names), std::end(names), lower) != std::end(names);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The field names listed by every Connection field (comma-separated, RFC 9110 §7.6.1).
std::vector<std::string> connection_options(const net::HeaderList& headers) {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    if (!net::iequals(name, "connection")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      if (!item.empty()) out.push_back(ascii_lower(item));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return out;
}

}  // namespace

net::HeaderList upstream_headers(const net::HttpRequest& r) {
  const std::vector<std::string> named = connection_options(r.headers);
  net::HeaderList out;
  for (const auto& [name, value] : r.headers) {
    std::string lower = ascii_lower(name);
    if (listed(kHopByHop, lower) || listed(kNotSentUpstream, lower)) continue;
    if (lower.rfind("x-forwarded-", 0) == 0) continue;
    if (std::find(named.begin(), named.end(), lower) != named.end()) continue;
    out.emplace_back(name, value);
  }
  const std::string proto = r.tls ? "https" : "http";
  if (r.peer != "unix" && !r.peer.empty()) {
    std::string address = r.peer.substr(0, r.peer.rfind(':'));  // "1.2.3.4" or "[v6]"
    std::string bare = address.size() > 1 && address.front() == '[' ? address.substr(1, address.size() - 2) : address;
    out.emplace_back("X-Forwarded-For", bare);
    out.emplace_back("X-Forwarded-Proto", proto);
    out.emplace_back("Forwarded", "for=\"" + address + "\";proto=" + proto);
  } else {
    out.emplace_back("X-Forwarded-Proto", proto);
  }
  return out;
}

net::HeaderList downstream_headers(const net::HeaderList& answer) {
  const std::vector<std::string> named = connection_options(answer);
  net::HeaderList out;
  for (const auto& [name, value] : answer) {
    std::string lower = ascii_lower(name);
    if (listed(kHopByHop, lower) || lower == "content-length") continue;
    if (std::find(named.begin(), named.end(), lower) != named.end()) continue;
    out.emplace_back(name, value);
  }
  return out;
}

}  // namespace attestd::agent
