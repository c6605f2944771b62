#include "net/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>

#include "net/internal/connection.h"
#include "net/internal/socket.h"
#include "net/internal/tls_server.h"

namespace attestd::net {

using namespace detail;

namespace {

// Connections beyond max_connections are answered 503 by at most this many threads at
// a time; beyond that they are closed at once.
constexpr std::size_t kMaxRejecting = 16;
// How often the accept thread wakes to join finished connection threads.
constexpr int kReapIntervalMs = 1000;

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Handler handler, Listener listener, std::shared_ptr<TlsServerContext> tls)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        listener_(std::move(listener)),
        tls_(std::move(tls)),
        context_{options_, handler_, stop_.fd(), stopping_, requests_} {}

  bool stop_signal_ok() const { return stop_.valid(); }
  void start_accepting() { accept_thread_ = std::thread([this] { accept_loop(); }); }

  std::uint16_t port() const { return listener_.port; }

  std::string url() const {
    if (listener_.is_unix) return "unix:" + listener_.unix_path;
    std::string host = listener_.host;
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(listener_.port);
  }

  ServerStats stats() const {
    ServerStats s;
    s.connections_accepted = accepted_.load();
    s.connections_rejected = rejected_.load();
    s.requests = requests_.load();
    std::lock_guard<std::mutex> lock(mu_);
    s.active_connections = active_;
    return s;
  }

  void stop() {
    std::lock_guard<std::mutex> once(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    stop_.raise();
    if (accept_thread_.joinable()) accept_thread_.join();
    listener_.fd.reset();  // new connections are refused from here on
    if (listener_.is_unix) ::unlink(listener_.unix_path.c_str());
    std::list<std::unique_ptr<Slot>> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all.swap(slots_);
    }
    for (auto& s : all) s->thread.join();
  }

 private:
  struct Slot {
    std::thread thread;
    bool rejecting = false;
    std::atomic<bool> finished{false};
  };

  void accept_loop() {
    for (;;) {
      Wait w = wait_fd(listener_.fd.get(), POLLIN, after_ms(kReapIntervalMs), stop_.fd());
      if (w == Wait::Stopped) return;
      join_finished();
      if (w != Wait::Ready) continue;
      int fd = ::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors or memory: back off instead of spinning on the ready socket.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        continue;
      }
      Fd conn(fd);
      accepted_.fetch_add(1);
      if (!listener_.is_unix) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      spawn(std::move(conn));
    }
  }

  void spawn(Fd conn) {
    std::lock_guard<std::mutex> lock(mu_);
    bool over = active_ >= options_.max_connections;
    if (over) {
      rejected_.fetch_add(1);
      if (rejecting_ >= kMaxRejecting) return;  // closes conn
    }
    auto slot = std::make_unique<Slot>();
    Slot* s = slot.get();
    s->rejecting = over;
    try {
      s->thread = std::thread([this, s, fd = std::move(conn)]() mutable { run(*s, std::move(fd)); });
    } catch (const std::system_error&) {
      return;  // no thread: the connection is closed (conn was moved into nothing started)
    }
    ++(over ? rejecting_ : active_);
    slots_.push_back(std::move(slot));
  }

  void run(Slot& slot, Fd fd) {
    std::string peer = peer_name(fd.get());
    std::unique_ptr<Stream> stream = tls_ ? tls_->accept(std::move(fd)) : plain_stream(std::move(fd));
    try {
      if (stream) {
        if (slot.rejecting) {
          reject_connection(*stream, context_);
        } else {
          serve_connection(*stream, peer, context_);
        }
      }
    } catch (...) {
      // Nothing escapes a connection's thread (std::terminate would end the process).
    }
    stream.reset();
    std::lock_guard<std::mutex> lock(mu_);
    --(slot.rejecting ? rejecting_ : active_);
    slot.finished = true;
  }

  void join_finished() {
    std::list<std::unique_ptr<Slot>> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = slots_.begin(); it != slots_.end();) {
        auto next = std::next(it);
        if ((*it)->finished) done.splice(done.end(), slots_, it);
        it = next;
      }
    }
    for (auto& s : done) s->thread.join();
  }

  ServerOptions options_;
  Handler handler_;
  Listener listener_;
  std::shared_ptr<TlsServerContext> tls_;
  StopSignal stop_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> accepted_{0}, rejected_{0}, requests_{0};
  ConnectionContext context_;

  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::list<std::unique_ptr<Slot>> slots_;  // guarded by mu_
  std::size_t active_ = 0, rejecting_ = 0;  // guarded by mu_

  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(ServerOptions options, Handler handler) {
  if (!handler) return Error(ErrorCode::Internal, "HttpServer: no handler");
  if (options.max_connections == 0 || options.max_header_bytes == 0 || options.read_timeout_ms <= 0 ||
      options.idle_timeout_ms <= 0 || options.write_timeout_ms <= 0) {
    return Error(ErrorCode::Internal, "HttpServer: limits and timeouts must be positive");
  }
  std::shared_ptr<TlsServerContext> tls;
  if (options.tls) {
    auto ctx = TlsServerContext::create(*options.tls);
    if (!ctx) return ctx.error();
    tls = std::move(ctx).value();
  }
  auto listener = options.unix_socket.empty() ? listen_tcp(options.listen, SOMAXCONN)
                                              : listen_unix(options.unix_socket, SOMAXCONN);
  if (!listener) return listener.error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), std::move(listener).value(), std::move(tls));
  if (!impl->stop_signal_ok()) return Error(ErrorCode::NetworkError, std::string("eventfd: ") + std::strerror(errno));
  try {
    impl->start_accepting();
  } catch (const std::system_error& e) {
    return Error(ErrorCode::NetworkError, std::string("HttpServer: cannot start the accept thread: ") + e.what());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::url() const { return impl_->url(); }
ServerStats HttpServer::stats() const { return impl_->stats(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace attestd::net
