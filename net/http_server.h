// An HTTP/1.1 server (optionally over TLS): one accept thread, one thread per connection.
// docs/net.md describes the limits, timeouts and TLS choices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "net/http.h"

namespace attestd::net {

struct TlsIdentity {
  std::vector<crypto::Certificate> chain;  // leaf first, then its issuers
  crypto::PrivateKey key;                  // the leaf's key
};

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // "host:port", "[v6]:port"; port 0 = ephemeral
  std::string unix_socket;             // when set, listen on this path instead
  std::optional<TlsIdentity> tls;      // TLS 1.2/1.3 when set, plain HTTP otherwise
  std::size_t max_header_bytes = 16 * 1024;  // request line + fields; beyond: 431
  std::size_t max_body_bytes = 1024 * 1024;  // beyond: 413
  // Connections served at once. At the limit, a new connection takes the place of the
  // connection that has been idle longest (kept alive between requests, or past its
  // handshake without a request yet); when none is idle, it gets the overload answer.
  // Sized from the measured cost of a connection (docs/net.md); lowered at start to what
  // RLIMIT_NOFILE allows (capacity() tells).
  std::size_t max_connections = kDefaultMaxConnections;
  // Connections from one address (IPv4), or one /64 (IPv6), at once; beyond: the overload
  // answer. 0: no per-peer limit (unix sockets have none).
  std::size_t max_connections_per_peer = 64;
  int handshake_timeout_ms = 5000;  // from accept to the end of the TLS handshake
  int header_timeout_ms = 5000;     // a request line and header must arrive within, from its first byte
                                    // (the first request: from the end of the handshake)
  int read_timeout_ms = 10000;      // a whole request (header and body) must arrive within, from its first byte
  int idle_timeout_ms = 15000;      // a kept-alive connection may wait this long for the next request
  int write_timeout_ms = 10000;     // a response must be written within
  // The answer to a connection beyond a limit (status 503 is usual; a Retry-After helps
  // clients). Given why ("the agent serves N connections", ...). Default: 503 text.
  std::function<HttpResponse(const std::string& why)> overload_response;

  static constexpr std::size_t kDefaultMaxConnections = 2048;
};

// Counters since start(), e.g. for metrics and tests.
struct ServerStats {
  std::uint64_t connections_accepted = 0;  // every accepted connection, rejected ones included
  std::uint64_t connections_rejected = 0;  // answered with the overload answer (or dropped) at a limit
  std::uint64_t connections_evicted = 0;   // idle connections closed to make room for a new one
  std::uint64_t connections_timed_out = 0; // closed for a handshake, header, request or idle deadline
  std::uint64_t requests = 0;              // requests handed to the handler
  std::size_t active_connections = 0;      // being served now
};

class HttpServer {
 public:
  // Binds, listens and starts accepting. NetworkError names the address and errno text;
  // CryptoError when the TLS identity is unusable (key does not match the leaf, ...).
  static Result<std::unique_ptr<HttpServer>> start(ServerOptions options, Handler handler);

  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound TCP port (0 for a unix socket).
  std::uint16_t port() const;
  // "https://127.0.0.1:PORT", "http://[::1]:PORT" (a wildcard address becomes loopback),
  // or "unix:PATH" for a unix socket.
  std::string url() const;
  ServerStats stats() const;
  // max_connections, as lowered to what the descriptor limit allows.
  std::size_t capacity() const;

  // Stops accepting, closes idle connections, lets requests in flight finish (each is
  // bounded by the read and write timeouts plus its handler), joins every thread.
  // Idempotent. Must not be called from a handler.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attestd::net
