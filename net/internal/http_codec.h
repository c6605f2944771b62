// Private to net/: HTTP/1.1 messages on the wire, by Boost.Beast's parser and serializer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "net/http.h"

namespace attestd::net::detail {

// One request, fed bytes as they arrive. A new parser per request.
class RequestParser {
 public:
  enum class State { NeedMore, Done, Failed };

  RequestParser(std::size_t max_header_bytes, std::size_t max_body_bytes);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses from the front of `buf` and erases what the parser used; bytes of a next
  // (pipelined) request stay in `buf`.
  State feed(std::string& buf);
  // The request line and header fields are complete (the body may follow).
  bool header_done() const;
  // The header is complete and asks for "100 Continue" before the body.
  bool expects_continue() const;
  // After Failed: 400, 413 or 431, and why.
  int failure_status() const { return failure_status_; }
  const std::string& failure_reason() const { return failure_reason_; }

  // After Done. Fails (400) when the target is not origin-form or badly encoded.
  bool take(HttpRequest& out, std::string& why);
  bool keep_alive() const;
  unsigned version() const;  // 10 or 11

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int failure_status_ = 0;
  std::string failure_reason_;
};

// The bytes of a response. `head` sends the header only (Content-Length of the body).
// A response the handler built wrongly (status outside 200..599, a CR or LF in a
// header) is replaced by a 500.
std::string serialize_response(const HttpResponse& response, unsigned version, bool keep_alive, bool head);
// "HTTP/1.1 100 Continue".
std::string serialize_continue();

// Splits an origin-form target into a percent-decoded path and query parameters
// ('+' is a space in the query). False for a bad escape or an encoded NUL.
bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

}  // namespace attestd::net::detail
