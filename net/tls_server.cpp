#include "net/internal/tls_server.h"

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/internal/pk.h"
#include "crypto/internal/rng.h"

namespace attestd::net::detail {

namespace {

// Forward secrecy and AEAD only. TLS 1.3 suites first (mbedTLS picks by server order).
const int kCipherSuites[] = {
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

class TlsStream final : public Stream {
 public:
  TlsStream(Fd fd, const mbedtls_ssl_config* conf) : Stream(std::move(fd)), raw_fd_(fd_.get()) {
    mbedtls_ssl_init(&ssl_);
    ok_ = mbedtls_ssl_setup(&ssl_, conf) == 0;
    mbedtls_ssl_set_bio(&ssl_, &raw_fd_, bio_send, bio_recv, nullptr);
  }
  ~TlsStream() override { mbedtls_ssl_free(&ssl_); }

  bool ok() const { return ok_; }

  Io handshake(Deadline deadline, int stop_fd) override {
    for (;;) {
      int ret = mbedtls_ssl_handshake(&ssl_);
      if (ret == 0) return Io::Ok;
      if (!would_block(ret)) return Io::Error;
      if (Io w = wait_for(fd(), ret, deadline, stop_fd); w != Io::Ok) return w;
    }
  }

  ReadResult read_some(char* buf, std::size_t cap, Deadline deadline, int stop_fd) override {
    for (;;) {
      int ret = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buf), cap);
      if (ret > 0) return {Io::Ok, static_cast<std::size_t>(ret)};
      if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return {Io::Eof, 0};
      if (!would_block(ret)) return {Io::Error, 0};
      if (Io w = wait_for(fd(), ret, deadline, stop_fd); w != Io::Ok) return {w, 0};
    }
  }

  Io write_all(std::string_view data, Deadline deadline) override {
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

 protected:
  void send_close_notify(Deadline deadline) override {
    for (;;) {
      int ret = mbedtls_ssl_close_notify(&ssl_);
      if (!would_block(ret) || wait_for(fd(), ret, deadline, -1) != Io::Ok) return;
    }
  }

 private:
  int raw_fd_;
  mbedtls_ssl_context ssl_;
  bool ok_ = false;
};

}  // namespace

struct TlsServerContext::State {
  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;
  std::optional<crypto::PrivateKey> key;  // keeps the mbedtls_pk_context alive

  State() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&chain);
  }
  ~State() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&chain);
  }
};

TlsServerContext::TlsServerContext(std::unique_ptr<State> state) : state_(std::move(state)) {}
TlsServerContext::~TlsServerContext() = default;

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(const TlsIdentity& identity) {
  using crypto::detail::mbedtls_error;
  crypto::detail::ensure_psa();  // TLS 1.3 runs on PSA
  if (identity.chain.empty()) return Error(ErrorCode::CryptoError, "TLS identity: empty certificate chain");
  auto s = std::make_unique<State>();
  for (const auto& cert : identity.chain) {
    if (int ret = mbedtls_x509_crt_parse_der(&s->chain, cert.der().data(), cert.der().size()); ret != 0) {
      return mbedtls_error(ErrorCode::CryptoError, "TLS identity: certificate " + cert.subject(), ret);
    }
  }
  s->key = identity.key;
  mbedtls_pk_context* pk = &s->key->impl().pk;
  if (int ret = mbedtls_pk_check_pair(&s->chain.pk, pk, crypto::detail::rng, nullptr); ret != 0) {
    return mbedtls_error(ErrorCode::CryptoError, "TLS identity: the key does not match " + identity.chain.front().subject(), ret);
  }
  mbedtls_ssl_config* conf = &s->conf;
  if (int ret = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                            MBEDTLS_SSL_PRESET_DEFAULT);
      ret != 0) {
    return mbedtls_error(ErrorCode::CryptoError, "TLS configuration", ret);
  }
  mbedtls_ssl_conf_rng(conf, crypto::detail::rng, nullptr);
  mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_3);
  mbedtls_ssl_conf_ciphersuites(conf, kCipherSuites);
  mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);  // no client certificates
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  if (int ret = mbedtls_ssl_conf_own_cert(conf, &s->chain, pk); ret != 0) {
    return mbedtls_error(ErrorCode::CryptoError, "TLS configuration: own certificate", ret);
  }
  return std::shared_ptr<TlsServerContext>(new TlsServerContext(std::move(s)));
}

std::unique_ptr<Stream> TlsServerContext::accept(Fd fd) const {
  auto stream = std::make_unique<TlsStream>(std::move(fd), &state_->conf);
  if (!stream->ok()) return nullptr;
  return stream;
}

}  // namespace attestd::net::detail
