// An HTTP/1.1 server (optionally over TLS): one accept thread, one thread per connection.
// docs/net.md describes the limits, timeouts and TLS choices.
#pragma once

#include <cstddef>
#include <cstdint>
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
  std::size_t max_connections = 256;         // beyond: 503 and close
  int read_timeout_ms = 10000;   // a started request (and the TLS handshake) must arrive within
  int idle_timeout_ms = 30000;   // a kept-alive connection may wait this long for the next request
  int write_timeout_ms = 10000;  // a response must be written within
};

// Counters since start(), e.g. for metrics and tests.
struct ServerStats {
  std::uint64_t connections_accepted = 0;  // every accepted connection, rejected ones included
  std::uint64_t connections_rejected = 0;  // answered 503 (or dropped) at max_connections
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
