// Helpers shared by the net_* suites: a test PKI, servers on loopback, a raw socket client.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/file.h"
#include "core/time.h"
#include "crypto/x509.h"
#include "net/http_server.h"
#include "tests/support.h"

namespace attestd::net_test {

using namespace attestd::net;

// A CA and a server certificate it issued for localhost, maa.test and 127.0.0.1.
struct TestPki {
  crypto::Certificate ca;
  TlsIdentity server;
  std::string ca_file;  // the CA as PEM, in ATTESTD_TMP
};

inline crypto::Certificate must(Result<crypto::Certificate> r) {
  if (!r) throw std::runtime_error(r.error().describe());
  return std::move(r).value();
}

// subjectAltName with dNSName entries and one iPAddress (127.0.0.1): CertificateSpec
// only writes dNSName, and clients check 127.0.0.1 against an iPAddress entry.
inline Bytes san_with_loopback_ip(const std::vector<std::string>& names) {
  Bytes inner;
  for (const auto& n : names) {
    inner.push_back(0x82);  // [2] dNSName
    inner.push_back(static_cast<std::uint8_t>(n.size()));
    inner.insert(inner.end(), n.begin(), n.end());
  }
  for (std::uint8_t b : {0x87, 0x04, 0x7f, 0x00, 0x00, 0x01}) inner.push_back(b);  // [7] iPAddress
  inner.insert(inner.begin(), {0x30, static_cast<std::uint8_t>(inner.size())});  // SEQUENCE
  return inner;
}

inline TestPki make_pki(const std::string& name) {
  UnixTime now = now_unix();
  auto ca_key = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  crypto::CertificateSpec ca;
  ca.subject = "CN=" + name + " CA,O=attestd tests";
  ca.serial = {1};
  ca.not_before = now - 3600;
  ca.not_after = now + 86400;
  ca.is_ca = true;
  ca.key_usage = 0x04 | 0x02;
  ca.hash = crypto::HashAlg::Sha256;
  crypto::Certificate ca_cert = must(crypto::issue_certificate(ca, ca_key.public_key(), ca_key, nullptr));

  auto key = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  crypto::CertificateSpec leaf;
  leaf.subject = "CN=maa.test,O=attestd tests";
  leaf.serial = {2};
  leaf.not_before = now - 3600;
  leaf.not_after = now + 86400;
  leaf.key_usage = 0x80;
  leaf.hash = crypto::HashAlg::Sha256;
  leaf.extensions.push_back({"2.5.29.17", false, san_with_loopback_ip({"localhost", "maa.test"})});
  crypto::Certificate cert = must(crypto::issue_certificate(leaf, key.public_key(), ca_key, &ca_cert));

  std::filesystem::create_directories(attestd::test::tmp_dir());
  std::string file = attestd::test::tmp_dir() + "/net-" + name + "-ca.pem";
  if (!write_file(file, as_bytes(ca_cert.pem()))) throw std::runtime_error("cannot write " + file);
  return TestPki{ca_cert, TlsIdentity{{cert, ca_cert}, key}, file};
}

// One PKI for the whole test run, and one the clients never trust.
inline const TestPki& pki() {
  static const TestPki p = make_pki("trusted");
  return p;
}
inline const TestPki& stranger_pki() {
  static const TestPki p = make_pki("stranger");
  return p;
}

inline std::unique_ptr<HttpServer> start_server(ServerOptions options, Handler handler) {
  auto s = HttpServer::start(std::move(options), std::move(handler));
  BOOST_REQUIRE_MESSAGE(s.ok(), attestd::test::why(s));
  return std::move(s).value();
}

inline ServerOptions tls_options() {
  ServerOptions o;
  o.tls = pki().server;
  return o;
}

inline HttpResponse echo(const HttpRequest& r) {
  return HttpResponse::text(200, r.method + " " + r.path + " " + r.body);
}

// A client on a raw socket, for what well-behaved clients never send.
class RawClient {
 public:
  // From `source` (any 127.x.y.z is loopback on Linux): a distinct peer to the server.
  static RawClient tcp(std::uint16_t port, const char* source = nullptr) {
    RawClient c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (source) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &from.sin_addr);
      if (::bind(c.fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) throw std::runtime_error("bind failed");
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("connect failed");
    return c;
  }
  static RawClient unix_socket(const std::string& path) {
    RawClient c(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("connect failed");
    return c;
  }
  RawClient(RawClient&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Everything until the server closes; `closed` says whether it did within the time.
  std::string read_until_close(int timeout_ms, bool* closed = nullptr) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool eof = false;
    while (!eof && fill(until, &eof)) {
    }
    if (closed) *closed = eof;
    return std::exchange(buf_, std::string());
  }

  // One response with a Content-Length body (what the server under test always sends).
  std::string read_response(int timeout_ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool eof = false;
    for (;;) {
      std::size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        std::size_t cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(buf_.substr(cl + 16));
        if (buf_.size() >= end + 4 + length) {
          std::string out = buf_.substr(0, end + 4 + length);
          buf_.erase(0, out.size());
          return out;
        }
      }
      if (eof || !fill(until, &eof)) return std::exchange(buf_, std::string());
    }
  }

 private:
  explicit RawClient(int fd) : fd_(fd) {}

  // Reads what is there (waiting until `until`); false on timeout.
  bool fill(std::chrono::steady_clock::time_point until, bool* eof) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      *eof = true;
      return true;
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string buf_;
};

inline std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

}  // namespace attestd::net_test
