// Private to net/: file descriptors, listening sockets and waiting on them with deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace attestd::net::detail {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline after_ms(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

struct Listener {
  Fd fd;
  bool is_unix = false;
  std::string unix_path;
  std::string host;  // numeric, as bound ("127.0.0.1", "::1", "0.0.0.0")
  std::uint16_t port = 0;
};

// "host:port" or "[v6]:port"; the host may be a name (first address wins).
Result<Listener> listen_tcp(std::string_view address, int backlog);
// Replaces a stale socket file at `path`; refuses to replace anything else.
Result<Listener> listen_unix(const std::string& path, int backlog);

// "ip:port" / "[v6]:port" of a connected TCP socket's peer, "unix" for a unix socket.
std::string peer_name(int fd);

enum class Wait { Ready, Timeout, Stopped, Error };
// Waits until `fd` has one of `events` (POLLIN, POLLOUT), the deadline passes, or
// `stop_fd` (if >= 0) becomes readable.
Wait wait_fd(int fd, short events, Deadline deadline, int stop_fd = -1);

// An eventfd that, once signalled, stays readable: every waiter on it wakes.
class StopSignal {
 public:
  StopSignal();
  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  void raise();

 private:
  Fd fd_;
};

}  // namespace attestd::net::detail
