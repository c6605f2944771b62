#include "net/internal/stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace attestd::net::detail {

namespace {

// How long, and how much, a closing connection keeps reading what the peer still sends.
constexpr int kLingerMs = 500;
constexpr std::size_t kLingerBytes = 256 * 1024;

class PlainStream final : public Stream {
 public:
  using Stream::Stream;

  Io handshake(Deadline, int) override { return Io::Ok; }

  ReadResult read_some(char* buf, std::size_t cap, Deadline deadline, int stop_fd) override {
    for (;;) {
      ssize_t n = ::recv(fd(), buf, cap, MSG_DONTWAIT);
      if (n > 0) return {Io::Ok, static_cast<std::size_t>(n)};
      if (n == 0) return {Io::Eof, 0};
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return {Io::Error, 0};
      switch (wait_fd(fd(), POLLIN, deadline, stop_fd)) {
        case Wait::Ready: break;
        case Wait::Timeout: return {Io::Timeout, 0};
        case Wait::Stopped: return {Io::Stopped, 0};
        case Wait::Error: return {Io::Error, 0};
      }
    }
  }

  Io write_all(std::string_view data, Deadline deadline) override {
    while (!data.empty()) {
      ssize_t n = ::send(fd(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Io::Error;
      Wait w = wait_fd(fd(), POLLOUT, deadline);
      if (w == Wait::Timeout) return Io::Timeout;
      if (w != Wait::Ready) return Io::Error;
    }
    return Io::Ok;
  }
};

}  // namespace

void Stream::close_gracefully(bool drain) {
  if (!fd_.valid() || closed_) return;
  closed_ = true;
  Deadline until = after_ms(kLingerMs);
  send_close_notify(until);
  ::shutdown(fd(), SHUT_WR);
  char buf[4096];
  std::size_t drained = 0;
  while (drain && drained < kLingerBytes && wait_fd(fd(), POLLIN, until) == Wait::Ready) {
    ssize_t n = ::recv(fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      drained += static_cast<std::size_t>(n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
      break;
    }
  }
  // The descriptor itself is closed with the stream: its owner may still refer to it by
  // number (the server's eviction), so the number must not be reused before the owner says.
}

std::unique_ptr<Stream> plain_stream(Fd fd) { return std::make_unique<PlainStream>(std::move(fd)); }

}  // namespace attestd::net::detail
