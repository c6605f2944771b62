// HTTP requests and responses as plain data, shared by the server and its handlers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <json/value.h>

#include "core/text.h"

namespace attestd::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What handlers remember about one connection: it lives as long as the connection, and the
// requests of a connection are handled one at a time, on its thread.
struct ConnectionState {
  std::uint64_t id = 0;              // unique within a server
  bool attestation_answered = false;  // a POST /attestation got its answer on this connection
};

struct HttpRequest {
  std::string method;
  std::string target;  // as sent, e.g. "/attest/SevSnpVm?api-version=2022-08-01"
  std::string path;    // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  HeaderList headers;                                      // in order, names as sent
  std::string body;
  std::string peer;  // "ip:port" ("[v6]:port"), or "unix" for a unix socket
  bool tls = false;
  // The connection's state; null when a request is handled outside a server (tests).
  ConnectionState* connection = nullptr;

  // The first header of that name, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
  // The first query parameter of that (exact) name.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  // Status 0 (kDropConnection): close the connection without answering, as a crashed or
  // cut-off server would (fault-injection in test servers).
  static constexpr int kDropConnection = 0;
  int status = 200;  // 200..599, or kDropConnection
  HeaderList headers;
  std::string body;
  bool close = false;  // close the connection after sending

  // Content-Type: application/json, the value serialised compactly.
  static HttpResponse json(int status, const Json::Value& value);
  // Content-Type: text/plain; charset=utf-8
  static HttpResponse text(int status, std::string body);
};

// Runs on the connection's thread; may be called concurrently for different connections.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// RFC 9110 §5.6.2 token (1*tchar): what a method and a field name must be.
bool is_token(std::string_view s);
// RFC 9112 §3.2.1 origin-form: absolute-path [ "?" query ], every byte a pchar, "/" or
// "?" (query), percent-escapes complete. No CR, LF, space, "#" or anything non-ASCII.
bool is_origin_form(std::string_view target);
// RFC 9110 §5.5 field-value: no CR, LF or NUL (what could end the field or confuse a peer).
bool is_field_value(std::string_view value);

// Case-insensitive comparison, from core/text.h.
using ::attestd::iequals;

}  // namespace attestd::net
