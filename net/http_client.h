// HTTP(S) requests over libcurl (mbedTLS backend). docs/net.md describes the choices.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace attestd::net {

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle to trust; empty = the system's (Debian's bundle)
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 15000;
  std::size_t max_response_bytes = 4 * 1024 * 1024;  // of the body
  // CURLOPT_RESOLVE entries "host:port:addr": reach a loopback server under a name its
  // certificate carries.
  std::vector<std::string> resolve;
};

struct HttpResult {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  std::string body;
  // The first header of that name (any case).
  std::optional<std::string> header(std::string_view name) const;
};

// One request on a new connection; TLS 1.2 or 1.3 with the peer verified (certificate
// and host name). Only http and https; redirects are not followed. Any HTTP status is a
// result (the caller judges it); transport failures (refused, DNS, TLS verification,
// timeout, a body over max_response_bytes) are NetworkError naming the URL and curl's
// reason; a header with CR or LF in it is MalformedInput. Thread-safe.
Result<HttpResult> http_request(const std::string& method, const std::string& url,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body, const HttpClientOptions& options);

}  // namespace attestd::net
