// Private to net/: what one server connection does, from its first byte to close.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "net/http_server.h"
#include "net/internal/stream.h"

namespace attestd::net::detail {

// Shared by the connections of one server; outlives them.
struct ConnectionContext {
  const ServerOptions& options;
  const Handler& handler;
  int stop_fd;                        // readable once the server stops
  const std::atomic<bool>& stopping;  // the same, for checks between requests
  std::atomic<std::uint64_t>& requests;
  std::atomic<std::uint64_t>& timed_out;
};

// What a connection tells its server as it goes: whether it is idle (waiting for a
// request, so it may be evicted to make room) or busy with one.
class ConnectionPhases {
 public:
  virtual ~ConnectionPhases() = default;
  // `after_response`: a response was sent on the connection (it is kept alive).
  virtual void idle(bool after_response) = 0;
  virtual void busy() = 0;
};

// Handshake (TLS), then requests until the peer closes, a request asks to close, a
// timeout, an error, or the server stops. Never throws.
void serve_connection(Stream& stream, const std::string& peer, ConnectionState& state, ConnectionPhases& phases,
                      const ConnectionContext& ctx);
// A connection beyond a limit: the overload answer (`why`) and close.
void reject_connection(Stream& stream, const std::string& why, const ConnectionContext& ctx);

}  // namespace attestd::net::detail
