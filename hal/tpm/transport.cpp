#include "hal/tpm/transport.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hal/tpm/marshal.h"

namespace attestd::hal::tpm {
namespace {

constexpr std::uint32_t kTpmSendCommand = 8;

Error device_error(const std::string& where, const std::string& what) {
  return Error(ErrorCode::DeviceError, where + ": " + what);
}

std::string errno_text() { return std::strerror(errno); }

// Closes a descriptor when leaving scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until fd is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

Status send_all(int fd, ByteView data, std::chrono::steady_clock::time_point deadline, const std::string& who) {
  std::size_t done = 0;
  while (done < data.size()) {
    if (!wait_ready(fd, POLLOUT, deadline)) return device_error(who, "timed out sending");
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return device_error(who, "send: " + errno_text());
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status recv_exact(int fd, std::uint8_t* out, std::size_t len, std::chrono::steady_clock::time_point deadline,
                  const std::string& who) {
  std::size_t done = 0;
  while (done < len) {
    if (!wait_ready(fd, POLLIN, deadline)) return device_error(who, "timed out waiting for the response");
    ssize_t n = ::recv(fd, out + done, len - done, 0);
    if (n == 0) return device_error(who, "connection closed after " + std::to_string(done) + " of " +
                                             std::to_string(len) + " bytes");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return device_error(who, "recv: " + errno_text());
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Result<int> connect_tcp(const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline,
                        const std::string& who) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    return device_error(who, std::string("resolving host: ") + ::gai_strerror(rc));
  }
  std::string last = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (wait_ready(fd, POLLOUT, deadline)) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::freeaddrinfo(res);
      return fd;
    }
    last = errno_text();
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return device_error(who, "connect: " + last);
}

}  // namespace

DeviceTransport::~DeviceTransport() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Bytes> DeviceTransport::transact(ByteView command) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return device_error(path_, "open: " + errno_text());
  }
  auto result = exchange(command);
  if (!result) {
    // After a failed exchange the device's state is unknown (a command half written, a
    // response unread, a vTPM that went away): the next command opens it afresh.
    ::close(fd_);
    fd_ = -1;
  }
  return result;
}

Result<Bytes> DeviceTransport::exchange(ByteView command) {
  for (;;) {
    ssize_t n = ::write(fd_, command.data(), command.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return device_error(path_, "write: " + errno_text());
    if (static_cast<std::size_t>(n) != command.size()) return device_error(path_, "short write");
    break;
  }
  // The driver hands back the whole response in one read; one byte more than the bound
  // lets us tell an oversized response from one that fits exactly.
  Bytes response(kMaxResponseSize + 1);
  for (;;) {
    ssize_t n = ::read(fd_, response.data(), response.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return device_error(path_, "read: " + errno_text());
    if (static_cast<std::size_t>(n) > kMaxResponseSize) return device_error(path_, "response too large");
    response.resize(static_cast<std::size_t>(n));
    return response;
  }
}

std::string SocketTransport::describe() const { return "TPM socket " + host_ + ":" + std::to_string(port_); }

Result<Bytes> SocketTransport::transact(ByteView command) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string who = describe();
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  auto fd_or = connect_tcp(host_, port_, deadline, who);
  if (!fd_or) return fd_or.error();
  Fd fd{*fd_or};

  Marshaller frame;
  frame.u32(kTpmSendCommand);
  frame.u8(locality_);
  frame.u32(static_cast<std::uint32_t>(command.size()));
  frame.raw(command);
  if (Status s = send_all(fd.fd, frame.bytes(), deadline, who); !s) return s.error();

  std::uint8_t word[4];
  if (Status s = recv_exact(fd.fd, word, 4, deadline, who); !s) return s.error();
  std::uint32_t size = be32(word);
  if (size > kMaxResponseSize) {
    return device_error(who, "response size " + std::to_string(size) + " exceeds " + std::to_string(kMaxResponseSize));
  }
  Bytes response(size);
  if (Status s = recv_exact(fd.fd, response.data(), size, deadline, who); !s) return s.error();
  if (Status s = recv_exact(fd.fd, word, 4, deadline, who); !s) return s.error();
  if (be32(word) != 0) return device_error(who, "simulator did not acknowledge the command");
  return response;
}

}  // namespace attestd::hal::tpm
