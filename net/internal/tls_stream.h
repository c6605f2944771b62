// Private to net/: a TLS stream (mbedTLS) over a non-blocking socket, for both ends.
#pragma once

#include <mbedtls/ssl.h>

#include <memory>
#include <optional>

#include "crypto/keys.h"
#include "net/internal/stream.h"

namespace attestd::net::detail {

// Forward secrecy and AEAD only; TLS 1.3 suites first. Null-terminated.
extern const int kTlsCipherSuites[];

class TlsStream final : public Stream {
 public:
  TlsStream(Fd fd, const mbedtls_ssl_config* conf);
  ~TlsStream() override;
  bool ok() const { return ok_; }
  // For clients: the name to send as SNI (does not verify it).
  void set_hostname(const std::string& host);
  Io handshake(Deadline deadline, int stop_fd) override;
  ReadResult read_some(char* buf, std::size_t cap, Deadline deadline, int stop_fd) override;
  Io write_all(std::string_view data, Deadline deadline) override;
  // After the handshake: the peer's certificate's public key, if it sent one.
  std::optional<crypto::PublicKey> peer_public_key() const;

 protected:
  void send_close_notify(Deadline deadline) override;

 private:
  int raw_fd_;
  mbedtls_ssl_context ssl_;
  bool ok_ = false;
};

}  // namespace attestd::net::detail
