// attestd under load and abuse, end to end on loopback (issue 9): 1,000 concurrent clients
// while silent sockets are held open, a slowloris wave during attestations, the overload
// answer, the attestation gate and the proxy's header rules. Bounded in count and time;
// every client and attacker stops by itself.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "client/lib/agent_session.h"
#include "client/lib/maa_jwks.h"
#include "tests/integration/agent_world.h"

using namespace attestd;
using namespace attestd::test;
using namespace attestd::agent_world;

namespace {

// Sanitized builds (make test-asan) run several times slower: their deadlines stretch.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 4;
#else
constexpr int kSlowdown = 1;
#endif
const int kHandshakeMs = 5000 * kSlowdown;

// A TCP connection from a chosen loopback address that says nothing, or a little at a time.
class RawSocket {
 public:
  RawSocket(std::uint16_t port, const std::string& source) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
          ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool ok() const { return ok_; }
  bool send(std::string_view s) { return ok_ && ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
  // True once the server closed its side (or reset); reads and discards what it sent.
  bool closed_by_server() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) received_.append(buf, static_cast<std::size_t>(n));
    return n <= 0;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_;
  bool ok_ = false;
  std::string received_;
};

// Enough descriptors for a thousand clients and hundreds of attackers in this process.
void raise_descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string loopback(int network, int i) { return "127.0." + std::to_string(network) + "." + std::to_string(1 + i); }

client::SessionOptions session_options(const std::string& source) {
  client::SessionOptions o;
  o.maa_url = *client::normalize_maa_url(world().maa);
  o.timeout_ms = 120000;
  o.source_address = source;
  return o;
}

std::unique_ptr<client::FetchedMaaKeys> maa_keys() {
  net::HttpClientOptions http;
  http.ca_file = world().ca;
  return std::make_unique<client::FetchedMaaKeys>(*client::normalize_maa_url(world().maa), http);
}

// Twenty verified, fresh attestations one after another, while something else goes on.
void attest_twenty_times(std::uint16_t port) {
  auto keys = maa_keys();
  int ok = 0;
  std::string first_error;
  for (int i = 0; i < 20; ++i) {
    auto s = client::AgentSession::establish({"127.0.0.1", port, "/"}, *keys, session_options(""));
    if (s) ++ok;
    else if (first_error.empty()) first_error = s.error().describe();
  }
  BOOST_TEST(ok == 20, first_error);
}

// Attackers: `count` silent TCP sockets from `addresses` loopback addresses, each reopened
// as soon as the agent closes it, until `stop`.
class SilentSockets {
 public:
  SilentSockets(std::uint16_t port, int count, int addresses) {
    thread_ = std::thread([=, this] {
      std::vector<std::unique_ptr<RawSocket>> held;
      for (int i = 0; i < count; ++i) held.push_back(std::make_unique<RawSocket>(port, loopback(2, i % addresses)));
      while (!stop_.load()) {
        for (int i = 0; i < count; ++i) {
          if (!held[i]->ok() || held[i]->closed_by_server()) {
            held[i] = std::make_unique<RawSocket>(port, loopback(2, i % addresses));
            reopened_.fetch_add(1);
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~SilentSockets() {
    stop_ = true;
    thread_.join();
  }
  int reopened() const { return reopened_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> reopened_{0};
  std::thread thread_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(integration_agent_load)

BOOST_AUTO_TEST_CASE(a_thousand_concurrent_clients_are_each_attested_while_300_silent_sockets_are_held) {
  raise_descriptor_limit();
  Agent agent("thousand", {"--batch-window-ms", "200", "--handshake-timeout-ms", std::to_string(kHandshakeMs),
                           "--header-timeout-ms", std::to_string(kHandshakeMs)});
  // 30 per address from 10 addresses: under the per-peer limit, so every one is admitted
  // and held until the handshake deadline closes it; the attacker then opens it again.
  auto attack_started = std::chrono::steady_clock::now();
  SilentSockets attackers(agent.port, 300, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto keys = maa_keys();
  constexpr int kClients = 1000;
  std::atomic<int> verified{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  std::latch go(kClients);
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      go.arrive_and_wait();  // all at once
      auto s = client::AgentSession::establish({"127.0.0.1", agent.port, "/"}, *keys,
                                               session_options(loopback(1, i % 20)));  // 50 per address
      if (s) {
        verified.fetch_add(1);
      } else {
        std::lock_guard<std::mutex> lock(failures_mu);
        failures.push_back(s.error().describe());
      }
    });
  }
  for (auto& t : clients) t.join();
  BOOST_TEST(verified.load() == kClients, (failures.empty() ? std::string() : failures.front())
                                               << " (" << failures.size() << " failures)");
  // Every silent socket was cut by the handshake deadline at least once meanwhile.
  std::this_thread::sleep_until(attack_started + std::chrono::milliseconds(kHandshakeMs + 2500));
  BOOST_TEST(attackers.reopened() >= 300, attackers.reopened() << " silent sockets were closed by the agent");
}

BOOST_AUTO_TEST_CASE(a_slowloris_wave_of_trickled_handshakes_is_cut_off_while_attestations_go_on) {
  raise_descriptor_limit();
  Agent agent("slowloris", {"--handshake-timeout-ms", std::to_string(kHandshakeMs)});
  constexpr int kSlow = 200;
  std::vector<double> cut_after(kSlow, -1);  // seconds from the wave's start, -1: never cut
  // 200 connections from 4 addresses, each announcing a 512-byte handshake record and then
  // trickling it a byte every 200 ms: a handshake that would take 100 s.
  std::thread wave([&] {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<RawSocket>> slow;
    for (int i = 0; i < kSlow; ++i) {
      slow.push_back(std::make_unique<RawSocket>(agent.port, loopback(3, i % 4)));
      slow.back()->send(std::string_view("\x16\x03\x01\x02\x00", 5));
    }
    auto until = start + std::chrono::milliseconds(kHandshakeMs + 7000);
    int open = kSlow;
    while (open > 0 && std::chrono::steady_clock::now() < until) {
      for (int i = 0; i < kSlow; ++i) {
        if (cut_after[i] >= 0) continue;
        if (slow[i]->closed_by_server() || !slow[i]->send(std::string_view("\x01", 1))) {
          cut_after[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          --open;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  attest_twenty_times(agent.port);
  wave.join();
  int cut = 0;
  double earliest = 1e9;
  for (double t : cut_after) {
    if (t >= 0) ++cut, earliest = std::min(earliest, t);
  }
  BOOST_TEST(cut == kSlow, cut << " of " << kSlow << " slow connections were cut off");
  // ... by the handshake deadline, not by a refusal at once.
  BOOST_TEST(earliest >= kHandshakeMs / 1000.0 - 0.5, "the first was cut after " << earliest << " s");
}

BOOST_AUTO_TEST_CASE(a_slowloris_wave_of_trickled_headers_is_cut_at_the_header_deadline_while_attestations_go_on) {
  const int header_ms = 2000 * kSlowdown;
  Agent agent("slowloris-header", {"--header-timeout-ms", std::to_string(header_ms)});
  // 100 attested-TLS connections from 4 addresses, each trickling header fields every
  // 300 ms without ever ending the header (tests/integration/slowloris.py).
  auto wave = std::async(std::launch::async, [&] {
    return run("/usr/bin/python3 " + src_dir() + "/tests/integration/slowloris.py " + std::to_string(agent.port) +
               " 100 4 300 " + std::to_string(header_ms / 1000 + 8));
  });
  attest_twenty_times(agent.port);
  RunResult r = wave.get();
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto result = parse_json(r.out, "slowloris.py");
  BOOST_REQUIRE(result.ok());
  int cut_by_deadline = 0;
  for (Json::ArrayIndex i = 0; i < (*result)["cut_after_s"].size(); ++i) {
    const Json::Value& t = (*result)["cut_after_s"][i];
    bool in_time = t.isNumeric() && t.asDouble() >= header_ms / 1000.0 - 0.3 && t.asDouble() < header_ms / 1000.0 + 3;
    bool answered = (*result)["status"][i].asString() == "HTTP/1.1 408 Request Timeout";
    cut_by_deadline += in_time && answered;
  }
  BOOST_TEST(cut_by_deadline == 100, cut_by_deadline << " of 100 were answered 408 at the header deadline: " << r.out);
}

BOOST_AUTO_TEST_CASE(at_its_limit_with_every_connection_busy_the_agent_is_overloaded_and_attest_says_so) {
  Agent agent("overloaded", {"--max-connections", "2"});
  // Two connections in their TLS handshake are busy, not idle: nothing to evict.
  RawSocket a(agent.port, "127.0.4.1"), b(agent.port, "127.0.4.2");
  BOOST_REQUIRE(a.ok() && b.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 62, c.err);
  BOOST_TEST(c.err.find("AgentOverloaded: the agent is overloaded: attestd is overloaded: the agent serves 2 "
                        "connections, all busy (it asks to retry after \"1\" s)") != std::string::npos,
             c.err);
  BOOST_TEST(c.err.find("MaaUnavailable") == std::string::npos, c.err);
}

BOOST_AUTO_TEST_CASE(the_application_answers_only_on_a_connection_that_asked_for_attestation) {
  Agent agent("gate");
  auto c = net::AttestedConnection::open("127.0.0.1", agent.port, 5000);
  BOOST_REQUIRE(c.ok());
  auto before = (*c)->request("POST", "/generate", {{"Content-Type", "text/plain"}}, "x", 5000);
  BOOST_REQUIRE(before.ok());
  BOOST_TEST(before->status == 428);
  BOOST_TEST(before->body.find("AttestationRequired") != std::string::npos, before->body);
  BOOST_TEST(before->body.find("POST /attestation") != std::string::npos, before->body);
  Json::Value nonce(Json::objectValue);
  nonce["nonce"] = crypto::base64url_encode(*crypto::random_bytes(32));
  auto att = (*c)->request("POST", "/attestation", {{"Content-Type", "application/json"}}, json_compact(nonce), 30000);
  BOOST_REQUIRE(att.ok());
  BOOST_TEST(att->status == 200);
  auto after = (*c)->request("POST", "/generate", {{"Content-Type", "text/plain"}}, "x", 5000);
  BOOST_REQUIRE(after.ok());
  BOOST_TEST(after->status == 200);
  BOOST_TEST(after->body == "generated for x");
  // Another connection starts closed again; the gate can be turned off.
  auto other = net::AttestedConnection::open("127.0.0.1", agent.port, 5000);
  BOOST_REQUIRE(other.ok());
  BOOST_TEST((*other)->request("POST", "/generate", {}, "x", 5000)->status == 428);
  Agent open_agent("gate-off", {"--require-attestation", "off"});
  auto direct = net::AttestedConnection::open("127.0.0.1", open_agent.port, 5000);
  BOOST_REQUIRE(direct.ok());
  BOOST_TEST((*direct)->request("POST", "/generate", {}, "x", 5000)->status == 200);
}

BOOST_AUTO_TEST_CASE(the_application_receives_exactly_the_end_to_end_fields_and_attestds_forwarding_fields) {
  Agent agent("headers", {"--require-attestation", "off"});
  auto c = net::AttestedConnection::open("127.0.0.1", agent.port, 5000, "127.0.5.9");
  BOOST_REQUIRE(c.ok());
  auto r = (*c)->request("GET", "/headers",
                         {{"Connection", "keep-alive, X-Secret"},
                          {"X-Secret", "hop"},
                          {"Keep-Alive", "timeout=5"},
                          {"TE", "trailers"},
                          {"Upgrade", "h2c"},
                          {"Proxy-Authorization", "Basic eA=="},
                          {"X-Forwarded-For", "6.6.6.6"},
                          {"Forwarded", "for=6.6.6.6"},
                          {"X-Real-IP", "6.6.6.6"},
                          {"X-Request-Id", "42"},
                          {"Authorization", "Bearer t"}},
                         "", 5000);
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r->status == 200);
  auto fields = parse_json(r->body, "headers");
  BOOST_REQUIRE(fields.ok());
  std::map<std::string, std::vector<std::string>> got;
  for (const auto& f : *fields) got[ascii_lower(f[0].asString())].push_back(f[1].asString());
  for (std::string hop : {"x-secret", "keep-alive", "te", "upgrade", "proxy-authorization", "x-real-ip"}) {
    BOOST_TEST(got.count(hop) == 0u, hop << " reached the application");
  }
  BOOST_TEST(got["x-forwarded-for"] == std::vector<std::string>{"127.0.5.9"});
  BOOST_TEST(got["forwarded"] == std::vector<std::string>{"for=\"127.0.5.9\";proto=https"});
  BOOST_TEST(got["x-forwarded-proto"] == std::vector<std::string>{"https"});
  BOOST_TEST(got["x-request-id"] == std::vector<std::string>{"42"});
  BOOST_TEST(got["authorization"] == std::vector<std::string>{"Bearer t"});
}

BOOST_AUTO_TEST_SUITE_END()
