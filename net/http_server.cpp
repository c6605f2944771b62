#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "net/address.h"
#include "net/internal/connection.h"
#include "net/internal/socket.h"
#include "net/internal/tls_server.h"

namespace attestd::net {

using namespace detail;

namespace {

// Connections beyond a limit are answered by at most this many threads at a time; beyond
// that they are closed at once.
constexpr std::size_t kMaxRejecting = 16;
// How often the accept thread wakes to join finished connection threads.
constexpr int kReapIntervalMs = 1000;
// A connection thread's stack: what serving a request needs (a 16 KiB read buffer, the
// handler, libcurl and mbedTLS when a handler calls out), with room to spare. Only the
// pages touched count against memory (docs/net.md has the measured cost).
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kConnectionStackBytes = 2048 * 1024;  // ASan's redzones grow every frame
#else
constexpr std::size_t kConnectionStackBytes = 512 * 1024;
#endif
// Descriptors kept for everything but connections (listener, log, devices, MAA).
constexpr std::size_t kReservedDescriptors = 64;
// A connection's own socket, and one more for what its handler may open (attestd's
// proxy opens a socket to the application per request).
constexpr std::size_t kDescriptorsPerConnection = 2;

// The per-peer key: the IPv4 address (also when mapped into IPv6), or the /64 of an IPv6
// address; a peer name that is no address is its own key.
std::string peer_key(const std::string& peer) {
  if (peer.empty() || peer == "unix") return {};
  auto hp = split_host_port(peer);
  if (!hp) return peer;
  in6_addr a{};
  if (::inet_pton(AF_INET6, hp->host.c_str(), &a) != 1) return hp->host;
  char text[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&a)) return ::inet_ntop(AF_INET, a.s6_addr + 12, text, sizeof text) ? text : hp->host;
  std::memset(a.s6_addr + 8, 0, 8);
  ::inet_ntop(AF_INET6, &a, text, sizeof text);
  return std::string(text) + "/64";
}

// Raises the soft RLIMIT_NOFILE towards the hard one as far as `wanted` needs; returns
// how many connections the resulting limit leaves room for.
std::size_t descriptor_capacity(std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
  const rlim_t need = static_cast<rlim_t>(wanted * kDescriptorsPerConnection + kMaxRejecting + kReservedDescriptors);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : std::min(need, rl.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return wanted;
  rlim_t spare = rl.rlim_cur > kMaxRejecting + kReservedDescriptors ? rl.rlim_cur - kMaxRejecting - kReservedDescriptors : 1;
  return std::max<std::size_t>(1, static_cast<std::size_t>(spare / kDescriptorsPerConnection));
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Handler handler, Listener listener, std::shared_ptr<TlsServerContext> tls)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        listener_(std::move(listener)),
        tls_(std::move(tls)),
        context_{options_, handler_, stop_.fd(), stopping_, requests_, timed_out_} {
    capacity_ = descriptor_capacity(options_.max_connections);
  }

  bool stop_signal_ok() const { return stop_.valid(); }
  void start_accepting() { accept_thread_ = std::thread([this] { accept_loop(); }); }

  std::uint16_t port() const { return listener_.port; }
  std::size_t capacity() const { return capacity_; }

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
    s.connections_evicted = evicted_.load();
    s.connections_timed_out = timed_out_.load();
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
    for (auto& s : all) s->join();
  }

 private:
  // One connection: its thread, and what the accept thread needs to know of it. Fields
  // but `finished` are guarded by the server's mu_.
  struct Slot : ConnectionPhases {
    Impl* server = nullptr;
    pthread_t thread{};
    bool started = false;
    bool rejecting = false;
    bool counted = true;  // counts in active_ (an evicted connection stops counting at once)
    std::string peer, key;
    std::string why;  // rejecting: the overload answer's reason
    Fd fd;            // until the thread takes it
    int live_fd = -1; // the connection's descriptor while it is open (for eviction)
    bool idle_now = false;
    bool answered = false;  // a response went out on it (a kept-alive client, not a silent one)
    Clock::time_point idle_since{};
    std::atomic<bool> finished{false};

    void idle(bool after_response) override {
      std::lock_guard<std::mutex> lock(server->mu_);
      idle_now = true;
      answered = answered || after_response;
      idle_since = Clock::now();
    }
    void busy() override {
      std::lock_guard<std::mutex> lock(server->mu_);
      idle_now = false;
    }
    void join() {
      if (started) ::pthread_join(thread, nullptr);
      started = false;
    }
  };

  static void* thread_main(void* arg) {
    Slot* s = static_cast<Slot*>(arg);
    s->server->run(*s);
    return nullptr;
  }

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
      admit(std::move(conn));
    }
  }

  // The connection to evict, or null: of the idle ones, one that never sent a request
  // before one that did (a client between its attestation and its next request is
  // spared while silent connections remain), and the one idle longest. Under mu_.
  Slot* idlest() {
    Slot* best = nullptr;
    for (auto& s : slots_) {
      if (s->rejecting || !s->counted || !s->idle_now || s->live_fd < 0) continue;
      if (!best || (!s->answered && best->answered) ||
          (s->answered == best->answered && s->idle_since < best->idle_since)) {
        best = s.get();
      }
    }
    return best;
  }

  void admit(Fd conn) {
    std::string peer = peer_name(conn.get());
    std::string key = listener_.is_unix ? std::string() : peer_key(peer);
    std::lock_guard<std::mutex> lock(mu_);
    std::string why;
    if (!key.empty() && options_.max_connections_per_peer > 0 && per_peer_[key] >= options_.max_connections_per_peer) {
      why = "too many connections from " + key + " (at most " + std::to_string(options_.max_connections_per_peer) +
            " at once)";
    } else if (active_ >= capacity_) {
      if (Slot* victim = idlest()) {
        // Make room: the idle connection ends (its thread sees the shutdown) and stops
        // counting now, so the new one is served.
        ::shutdown(victim->live_fd, SHUT_RDWR);
        victim->counted = false;
        --active_;
        evicted_.fetch_add(1);
      } else {
        why = "the agent serves " + std::to_string(capacity_) + " connections, all busy";
      }
    }
    bool over = !why.empty();
    if (over) {
      rejected_.fetch_add(1);
      if (rejecting_ >= kMaxRejecting) return;  // closes conn
    }
    auto slot = std::make_unique<Slot>();
    Slot* s = slot.get();
    s->server = this;
    s->rejecting = over;
    s->peer = std::move(peer);
    s->key = over ? std::string() : key;
    s->why = std::move(why);
    s->live_fd = conn.get();
    s->fd = std::move(conn);
    pthread_attr_t attr;
    ::pthread_attr_init(&attr);
    ::pthread_attr_setstacksize(&attr, kConnectionStackBytes);
    int rc = ::pthread_create(&s->thread, &attr, &Impl::thread_main, s);
    ::pthread_attr_destroy(&attr);
    if (rc != 0) return;  // no thread: the connection is closed with its slot
    s->started = true;
    ++(over ? rejecting_ : active_);
    if (!s->key.empty()) ++per_peer_[s->key];
    slots_.push_back(std::move(slot));
  }

  void run(Slot& slot) {
    Fd fd;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fd = std::move(slot.fd);
    }
    std::unique_ptr<Stream> stream = tls_ ? tls_->accept(std::move(fd)) : plain_stream(std::move(fd));
    try {
      if (stream) {
        if (slot.rejecting) {
          reject_connection(*stream, slot.why, context_);
        } else {
          ConnectionState state;
          state.id = next_id_.fetch_add(1) + 1;
          serve_connection(*stream, slot.peer, state, slot, context_);
        }
      }
    } catch (...) {
      // Nothing escapes a connection's thread (the process would end).
    }
    {
      // The descriptor is closed below: from here on nobody may shut it down.
      std::lock_guard<std::mutex> lock(mu_);
      slot.live_fd = -1;
    }
    stream.reset();
    std::lock_guard<std::mutex> lock(mu_);
    if (slot.rejecting) {
      --rejecting_;
    } else {
      if (slot.counted) --active_;
      if (!slot.key.empty()) {
        auto it = per_peer_.find(slot.key);
        if (it != per_peer_.end() && --it->second == 0) per_peer_.erase(it);
      }
    }
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
    for (auto& s : done) s->join();
  }

  ServerOptions options_;
  Handler handler_;
  Listener listener_;
  std::shared_ptr<TlsServerContext> tls_;
  StopSignal stop_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> accepted_{0}, rejected_{0}, evicted_{0}, timed_out_{0}, requests_{0}, next_id_{0};
  ConnectionContext context_;
  std::size_t capacity_ = 0;

  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::list<std::unique_ptr<Slot>> slots_;        // guarded by mu_
  std::size_t active_ = 0, rejecting_ = 0;        // guarded by mu_
  std::map<std::string, std::size_t> per_peer_;   // guarded by mu_

  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(ServerOptions options, Handler handler) {
  if (!handler) return Error(ErrorCode::Internal, "HttpServer: no handler");
  if (options.max_connections == 0 || options.max_header_bytes == 0 || options.read_timeout_ms <= 0 ||
      options.idle_timeout_ms <= 0 || options.write_timeout_ms <= 0 || options.handshake_timeout_ms <= 0 ||
      options.header_timeout_ms <= 0) {
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
std::size_t HttpServer::capacity() const { return impl_->capacity(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace attestd::net
