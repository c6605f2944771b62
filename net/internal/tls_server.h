// Private to net/: the server side of TLS (mbedTLS), shared by every connection.
#pragma once

#include <memory>

#include "core/error.h"
#include "net/http_server.h"
#include "net/internal/stream.h"

namespace attestd::net::detail {

class TlsServerContext {
 public:
  // Checks the chain parses and the key matches the leaf. CryptoError otherwise.
  static Result<std::shared_ptr<TlsServerContext>> create(const TlsIdentity& identity);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // A server-side TLS stream over an accepted socket; the handshake runs on the
  // stream's handshake(). Null if mbedTLS cannot allocate the session.
  std::unique_ptr<Stream> accept(Fd fd) const;

  struct State;

 private:
  explicit TlsServerContext(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace attestd::net::detail
