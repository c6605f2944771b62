// Private to net/: a connected byte stream (plain socket or TLS) with deadlines.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "net/internal/socket.h"

namespace attestd::net::detail {

enum class Io { Ok, Eof, Timeout, Stopped, Error };

struct ReadResult {
  Io status = Io::Error;
  std::size_t n = 0;
};

class Stream {
 public:
  explicit Stream(Fd fd) : fd_(std::move(fd)) {}
  virtual ~Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int fd() const { return fd_.get(); }

  // TLS: the handshake; plain: nothing. A raised `stop_fd` aborts it.
  virtual Io handshake(Deadline deadline, int stop_fd) = 0;
  // Some bytes (n > 0), Eof when the peer closed, or why not. While nothing has arrived,
  // a raised `stop_fd` (if >= 0) ends the wait.
  virtual ReadResult read_some(char* buf, std::size_t cap, Deadline deadline, int stop_fd) = 0;
  virtual Io write_all(std::string_view data, Deadline deadline) = 0;
  // Closes politely: TLS close_notify, then FIN. With `drain`, then discards what the
  // peer still sends for a short while, so that closing with unread input (which makes
  // the kernel send RST) cannot destroy a response the peer has not read yet. The
  // descriptor is closed when the stream is destroyed.
  void close_gracefully(bool drain);

 protected:
  virtual void send_close_notify(Deadline) {}
  Fd fd_;
  bool closed_ = false;
};

std::unique_ptr<Stream> plain_stream(Fd fd);

}  // namespace attestd::net::detail
