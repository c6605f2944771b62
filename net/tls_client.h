// Attested TLS, the client's side: one TLS connection whose server certificate is not
// checked against any CA. The caller learns the server's public key and decides whether
// to trust it (attest connect trusts it only when an attestation binds that very key),
// then sends its requests over that same connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/keys.h"
#include "net/http.h"
#include "net/http_client.h"

namespace attestd::net {

class AttestedConnection {
 public:
  // TCP + TLS 1.2/1.3 handshake to host:port within `timeout_ms`, from the numeric local
  // address `source` when given. NetworkError naming the address and the step that failed.
  static Result<std::unique_ptr<AttestedConnection>> open(const std::string& host, std::uint16_t port,
                                                          int timeout_ms = 10000, const std::string& source = {});
  ~AttestedConnection();
  AttestedConnection(const AttestedConnection&) = delete;
  AttestedConnection& operator=(const AttestedConnection&) = delete;

  // The public key of the certificate the server presented in this connection's handshake.
  const crypto::PublicKey& server_key() const;
  const std::string& host() const;
  std::uint16_t port() const;

  // Whether a request may still be sent on this connection: it has not failed or been
  // closed by either side, and the server has sent nothing unasked (a server that closes
  // an idle keep-alive connection, or answers before a request, ends it). Checks the
  // socket without waiting; a connection found closed is unusable from then on.
  bool usable();

  // Gives the connection up without a TLS close: only this process's descriptor is closed
  // (at destruction). For a forked child holding a copy of its parent's connection, which
  // the parent still uses: a close_notify from the child would end it for the parent.
  void abandon();

  // One HTTP/1.1 request on this connection (keep-alive). The response is parsed by
  // Boost.Beast's parser, bounded by `max_response_bytes`. NetworkError when the
  // connection fails or closes; the connection is unusable afterwards.
  Result<HttpResult> request(const std::string& method, const std::string& target, const HeaderList& headers,
                             const std::string& body, int timeout_ms = 30000,
                             std::size_t max_response_bytes = 16 * 1024 * 1024);

  struct Impl;

 private:
  explicit AttestedConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attestd::net
