#include "net/internal/tls_server.h"

#include "net/internal/tls_stream.h"

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
  mbedtls_ssl_conf_ciphersuites(conf, kTlsCipherSuites);
  mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);  // no client certificates
#if defined(MBEDTLS_SSL_RENEGOTIATION)  // compiled out of the pinned build (scripts/mbedtls-config.h)
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
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
