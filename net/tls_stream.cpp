#include "net/internal/tls_stream.h"

#include <mbedtls/net_sockets.h>
#include <mbedtls/x509_crt.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "crypto/internal/pk.h"

namespace attestd::net::detail {

const int kTlsCipherSuites[] = {
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

namespace {

// BIO callbacks over a socket used without blocking: "would block" becomes WANT_*,
// and the stream waits with poll() under its deadline.
int bio_send(void* ctx, const unsigned char* buf, std::size_t len) {
  int fd = *static_cast<int*>(ctx);
  for (;;) {
    ssize_t n = ::send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int bio_recv(void* ctx, unsigned char* buf, std::size_t len) {
  int fd = *static_cast<int*>(ctx);
  for (;;) {
    ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

Io wait_for(int fd, int ret, Deadline deadline, int stop_fd) {
  short events = ret == MBEDTLS_ERR_SSL_WANT_WRITE ? POLLOUT : POLLIN;
  switch (wait_fd(fd, events, deadline, stop_fd)) {
    case Wait::Ready: return Io::Ok;
    case Wait::Timeout: return Io::Timeout;
    case Wait::Stopped: return Io::Stopped;
    case Wait::Error: break;
  }
  return Io::Error;
}

bool would_block(int ret) { return ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE; }

}  // namespace

TlsStream::TlsStream(Fd fd, const mbedtls_ssl_config* conf) : Stream(std::move(fd)), raw_fd_(fd_.get()) {
  mbedtls_ssl_init(&ssl_);
  ok_ = mbedtls_ssl_setup(&ssl_, conf) == 0;
  mbedtls_ssl_set_bio(&ssl_, &raw_fd_, bio_send, bio_recv, nullptr);
}

TlsStream::~TlsStream() { mbedtls_ssl_free(&ssl_); }

void TlsStream::set_hostname(const std::string& host) { ok_ = ok_ && mbedtls_ssl_set_hostname(&ssl_, host.c_str()) == 0; }

Io TlsStream::handshake(Deadline deadline, int stop_fd) {
  for (;;) {
    int ret = mbedtls_ssl_handshake(&ssl_);
    if (ret == 0) return Io::Ok;
    if (!would_block(ret)) return Io::Error;
    if (Io w = wait_for(fd(), ret, deadline, stop_fd); w != Io::Ok) return w;
  }
}

ReadResult TlsStream::read_some(char* buf, std::size_t cap, Deadline deadline, int stop_fd) {
  for (;;) {
    int ret = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buf), cap);
    if (ret > 0) return {Io::Ok, static_cast<std::size_t>(ret)};
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return {Io::Eof, 0};
    // TLS 1.3: a NewSessionTicket arrives after the handshake; nothing to read yet.
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
    if (!would_block(ret)) return {Io::Error, 0};
    if (Io w = wait_for(fd(), ret, deadline, stop_fd); w != Io::Ok) return {w, 0};
  }
}

Io TlsStream::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    // After WANT_*, mbedTLS must be called again with the same arguments.
    int ret = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    if (ret > 0) {
      data.remove_prefix(static_cast<std::size_t>(ret));
      continue;
    }
    if (!would_block(ret)) return Io::Error;
    if (Io w = wait_for(fd(), ret, deadline, -1); w != Io::Ok) return w;
  }
  return Io::Ok;
}

std::optional<crypto::PublicKey> TlsStream::peer_public_key() const {
  const mbedtls_x509_crt* cert = mbedtls_ssl_get_peer_cert(&ssl_);
  if (cert == nullptr) return std::nullopt;
  auto key = crypto::detail::public_from_pk(cert->pk);
  if (!key) return std::nullopt;
  return std::move(key).value();
}

void TlsStream::send_close_notify(Deadline deadline) {
  for (;;) {
    int ret = mbedtls_ssl_close_notify(&ssl_);
    if (!would_block(ret) || wait_for(fd(), ret, deadline, -1) != Io::Ok) return;
  }
}

}  // namespace attestd::net::detail
