#include "net/internal/socket.h"

#include "net/address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace attestd::net::detail {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

Error net_error(const std::string& what, int err) {
  return Error(ErrorCode::NetworkError, what + ": " + std::strerror(err));
}

std::string numeric_host(const sockaddr* sa, socklen_t len, std::uint16_t* port) {
  char host[NI_MAXHOST] = {0};
  char serv[NI_MAXSERV] = {0};
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  if (port) *port = static_cast<std::uint16_t>(std::strtoul(serv, nullptr, 10));
  return host;
}

}  // namespace

Result<Listener> listen_tcp(std::string_view address, int backlog) {
  const std::string where = "listen on " + std::string(address);
  auto host_port = split_host_port(address);
  if (!host_port) return Error(ErrorCode::NetworkError, where + ": expected host:port or [ipv6]:port");
  const std::string& host = host_port->host;
  const std::string port = std::to_string(host_port->port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Error(ErrorCode::NetworkError, where + ": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);

  Fd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return net_error(where, errno);
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (res->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) return net_error(where + ": bind", errno);
  if (::listen(fd.get(), backlog) != 0) return net_error(where + ": listen", errno);

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    return net_error(where + ": getsockname", errno);
  }
  Listener l;
  l.host = numeric_host(reinterpret_cast<sockaddr*>(&bound), len, &l.port);
  l.fd = std::move(fd);
  return l;
}

Result<Listener> listen_unix(const std::string& path, int backlog) {
  const std::string where = "listen on unix socket " + path;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    return Error(ErrorCode::NetworkError, where + ": path empty or longer than " +
                                              std::to_string(sizeof sa.sun_path - 1) + " bytes");
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error(ErrorCode::NetworkError, where + ": exists and is not a socket");
    ::unlink(path.c_str());  // a stale socket of an earlier run
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return net_error(where, errno);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return net_error(where + ": bind", errno);
  if (::listen(fd.get(), backlog) != 0) return net_error(where + ": listen", errno);
  Listener l;
  l.fd = std::move(fd);
  l.is_unix = true;
  l.unix_path = path;
  return l;
}

std::string peer_name(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return "?";
  if (sa.ss_family == AF_UNIX) return "unix";
  std::uint16_t port = 0;
  std::string host = numeric_host(reinterpret_cast<sockaddr*>(&sa), len, &port);
  if (sa.ss_family == AF_INET6) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

Wait wait_fd(int fd, short events, Deadline deadline, int stop_fd) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    int n = ::poll(p, stop_fd >= 0 ? 2 : 1, left > 60000 ? 60000 : static_cast<int>(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::Error;
    }
    if (stop_fd >= 0 && (p[1].revents & POLLIN)) return Wait::Stopped;
    if (p[0].revents != 0) return Wait::Ready;  // errors and hang-ups show when the I/O is tried
    if (n == 0 && Clock::now() >= deadline) return Wait::Timeout;
  }
}

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

void StopSignal::raise() {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

}  // namespace attestd::net::detail
