#include "net/tls_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "crypto/internal/mbedtls_error.h"
#include "core/text.h"
#include "crypto/internal/rng.h"
#include "net/internal/tls_stream.h"

namespace attestd::net {

namespace http = boost::beast::http;
using detail::Deadline;
using detail::Io;

namespace {

Error net_error(const std::string& where, const std::string& what) {
  return Error(ErrorCode::NetworkError, where + ": " + what);
}

// One client configuration for the process: no CA (attested TLS), our cipher policy.
const mbedtls_ssl_config* client_config() {
  static mbedtls_ssl_config conf;
  static bool ok = [] {
    crypto::detail::ensure_psa();
    mbedtls_ssl_config_init(&conf);
    if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
      return false;
    }
    mbedtls_ssl_conf_rng(&conf, crypto::detail::rng, nullptr);
    mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(&conf, detail::kTlsCipherSuites);
    // The certificate is self-signed by design: what vouches for its key is the
    // attestation that binds it, checked by the caller before trusting the channel.
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
#if defined(MBEDTLS_SSL_RENEGOTIATION)  // compiled out of the pinned build (scripts/mbedtls-config.h)
    mbedtls_ssl_conf_renegotiation(&conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    return true;
  }();
  return ok ? &conf : nullptr;
}

// Binds `fd` to the numeric local address `source` (any port), for addresses of its family.
bool bind_source(int fd, int family, const std::string& source) {
  sockaddr_storage ss{};
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &a->sin_addr) != 1) return false;
    return ::bind(fd, reinterpret_cast<sockaddr*>(a), sizeof *a) == 0;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  if (::inet_pton(AF_INET6, source.c_str(), &a->sin6_addr) != 1) return false;
  return ::bind(fd, reinterpret_cast<sockaddr*>(a), sizeof *a) == 0;
}

// A non-blocking TCP connection to host:port within the deadline, from `source` if given.
Result<detail::Fd> connect_tcp(const std::string& host, std::uint16_t port, Deadline deadline,
                               const std::string& source) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return net_error(where, std::string("cannot resolve: ") + ::gai_strerror(rc));
  }
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    detail::Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!fd.valid()) {
      last = std::strerror(errno);
      continue;
    }
    if (!source.empty() && !bind_source(fd.get(), a->ai_family, source)) {
      last = "cannot bind the source address " + source + ": " + std::strerror(errno);
      continue;
    }
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    if (detail::wait_fd(fd.get(), POLLOUT, deadline) != detail::Wait::Ready) {
      last = "connection timed out";
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::strerror(err);
      continue;
    }
    // Requests are small and answered at once: do not let Nagle hold them back.
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  return net_error(where, "cannot connect: " + last);
}

const char* io_text(Io io) {
  switch (io) {
    case Io::Ok: return "ok";
    case Io::Eof: return "the server closed the connection";
    case Io::Timeout: return "timed out";
    case Io::Stopped: return "stopped";
    case Io::Error: return "TLS or socket error";
  }
  return "?";
}

}  // namespace

struct AttestedConnection::Impl {
  std::string host;
  std::uint16_t port = 0;
  std::unique_ptr<detail::TlsStream> stream;
  crypto::PublicKey key{nullptr};
  std::string buffered;  // bytes read past the previous response
  bool broken = false;
};

AttestedConnection::AttestedConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AttestedConnection::~AttestedConnection() {
  if (impl_ && impl_->stream && !impl_->broken) impl_->stream->close_gracefully(false);
}

Result<std::unique_ptr<AttestedConnection>> AttestedConnection::open(const std::string& host, std::uint16_t port,
                                                                     int timeout_ms, const std::string& source) {
  const std::string where = host + ":" + std::to_string(port);
  const mbedtls_ssl_config* conf = client_config();
  if (!conf) return net_error(where, "cannot configure TLS");
  Deadline deadline = detail::after_ms(timeout_ms);
  auto fd = connect_tcp(host, port, deadline, source);
  if (!fd) return fd.error();
  auto impl = std::make_unique<Impl>();
  impl->host = host;
  impl->port = port;
  impl->stream = std::make_unique<detail::TlsStream>(std::move(fd).value(), conf);
  impl->stream->set_hostname(host);
  if (!impl->stream->ok()) return net_error(where, "cannot start a TLS session");
  if (Io io = impl->stream->handshake(deadline, -1); io != Io::Ok) {
    return net_error(where, std::string("TLS handshake failed: ") + io_text(io));
  }
  auto key = impl->stream->peer_public_key();
  if (!key) return net_error(where, "the server sent no certificate");
  impl->key = std::move(*key);
  return std::unique_ptr<AttestedConnection>(new AttestedConnection(std::move(impl)));
}

const crypto::PublicKey& AttestedConnection::server_key() const { return impl_->key; }
const std::string& AttestedConnection::host() const { return impl_->host; }
std::uint16_t AttestedConnection::port() const { return impl_->port; }

void AttestedConnection::abandon() { impl_->broken = true; }

bool AttestedConnection::usable() {
  if (impl_->broken) return false;
  // Bytes left over from the previous response, or any now: the server spoke unasked.
  if (impl_->buffered.empty()) {
    char byte;
    detail::ReadResult r = impl_->stream->read_some(&byte, 1, detail::Clock::now(), -1);
    if (r.status == Io::Timeout) return true;  // nothing to read: still open
  }
  impl_->broken = true;
  return false;
}

Result<HttpResult> AttestedConnection::request(const std::string& method, const std::string& target,
                                               const HeaderList& headers, const std::string& body, int timeout_ms,
                                               std::size_t max_response_bytes) {
  // Everything that goes on the request line or into a field is checked first: a CR, LF or
  // space there would add fields or smuggle a second request onto the attested channel.
  if (!is_token(method)) {
    return Error(ErrorCode::MalformedInput,
                 "the request method " + printable_quoted(method) + " is not an HTTP token (RFC 9110 5.6.2)");
  }
  if (!is_origin_form(target)) {
    return Error(ErrorCode::MalformedInput, "the request target " + printable_quoted(target) +
                                                " is not an origin-form path and query (RFC 9112 3.2.1)");
  }
  for (const auto& [name, value] : headers) {
    if (!is_token(name)) {
      return Error(ErrorCode::MalformedInput, "the header name " + printable_quoted(name) + " is not an HTTP token");
    }
    if (!is_field_value(value)) {
      return Error(ErrorCode::MalformedInput, "the value of header " + name + " contains CR, LF or NUL");
    }
  }
  const std::string where = method + " https://" + impl_->host + ":" + std::to_string(impl_->port) + target;
  if (impl_->broken) return net_error(where, "the connection failed earlier");
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::user_agent, "attest/0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  std::ostringstream wire;
  wire << req;

  Deadline deadline = detail::after_ms(timeout_ms);
  if (Io io = impl_->stream->write_all(wire.str(), deadline); io != Io::Ok) {
    impl_->broken = true;
    return net_error(where, std::string("sending failed: ") + io_text(io));
  }
  http::response_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(max_response_bytes);
  parser.eager(true);
  if (method == "HEAD") parser.skip(true);
  std::string& buf = impl_->buffered;
  char chunk[16384];
  for (;;) {
    if (!buf.empty()) {
      boost::beast::error_code ec;
      std::size_t used = parser.put(boost::asio::const_buffer(buf.data(), buf.size()), ec);
      buf.erase(0, used);
      if (ec && ec != http::error::need_more) {
        impl_->broken = true;
        return net_error(where, "malformed response: " + ec.message());
      }
      if (parser.is_done()) break;
      if (used > 0 && !ec) continue;
    }
    detail::ReadResult r = impl_->stream->read_some(chunk, sizeof chunk, deadline, -1);
    if (r.status == Io::Eof) {
      impl_->broken = true;
      // A body delimited by the end of the connection ends here; Beast asserts that some
      // of the answer came first (a server that closes at once, a guest that resets).
      if (parser.got_some()) {
        boost::beast::error_code ec;
        parser.put_eof(ec);
        if (!ec && parser.is_done()) break;
      }
      return net_error(where, "the server closed the connection before answering");
    }
    if (r.status != Io::Ok) {
      impl_->broken = true;
      return net_error(where, std::string("receiving failed: ") + io_text(r.status));
    }
    buf.append(chunk, r.n);
  }
  auto& res = parser.get();
  HttpResult out;
  out.status = static_cast<long>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(ascii_lower(std::string_view(field.name_string().data(), field.name_string().size())),
                             std::string(field.value()));
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) impl_->broken = true;
  return out;
}

}  // namespace attestd::net
