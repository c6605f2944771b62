// make bench: the agent. Starts snp-sim keygen (once), maa-emu and one attestd per batch
// window as child processes on 127.0.0.1, drives clients over attested TLS from threads,
// and prints one JSON object (tests/bench/bench.py prints the table):
//   - per window (0, then attestd's default) and per number of clients (1, 10, 100): fresh
//     attestations per second and p50/p99 latency of POST /attestation on a connection each
//     client opened beforehand, with the MAA calls the run caused (attestd's /healthz and
//     maa-emu's /stats, before and after);
//   - per window, a new connection + attestation for one client;
//   - attestd's VmRSS and VmHWM after its runs; the static binaries' sizes.
// Every child is stopped by its PID on every path: RAII on return and exceptions, and a
// signal handler (SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV) that kills them before dying.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "client/lib/agent_session.h"
#include "client/lib/maa_jwks.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/random.h"
#include "net/http_client.h"
#include "net/tls_client.h"
#include "tests/bench/bench.h"
#include "tests/process.h"
#include "tests/support.h"

namespace attestd::bench {
namespace {

using Clock = std::chrono::steady_clock;
using test::BackgroundProcess;

const std::string kMeasurement = std::string(96, 'a');  // the measurement maa-emu vouches for

// The children alive right now, for the signal handler.
constexpr int kMaxChildren = 8;
std::atomic<pid_t> g_children[kMaxChildren];

void kill_children_and_die(int sig) {
  for (auto& c : g_children) {
    pid_t pid = c.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS}) ::signal(sig, kill_children_and_die);
}

// A BackgroundProcess the signal handler knows about; stopped (SIGTERM, then SIGKILL) on
// destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log)
      : process_(std::make_unique<BackgroundProcess>(argv, log)) {
    for (auto& c : g_children) {
      pid_t none = 0;
      if (process_->pid() > 0 && c.compare_exchange_strong(none, process_->pid())) {
        slot_ = &c;
        break;
      }
    }
  }
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return process_->pid(); }
  bool running() { return process_->running(); }
  int stop() {
    int status = process_->stop();
    if (slot_) slot_->store(0);
    slot_ = nullptr;
    return status;
  }

 private:
  std::unique_ptr<BackgroundProcess> process_;
  std::atomic<pid_t>* slot_ = nullptr;
};

struct Failure {
  std::string message;
};

std::string read_log(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return "";
  return text->size() > 2000 ? text->substr(text->size() - 2000) : *text;
}

// Waits for the port file of `child`; fails early when the child exits.
std::string wait_for_ports(Child& child, const std::string& file, const std::string& log, const std::string& name) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    auto text = read_text_file(file);
    if (text && !text->empty() && text->back() == '\n') return text->substr(0, text->size() - 1);
    if (!child.running()) throw Failure{name + " exited at start: " + read_log(log)};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw Failure{name + " did not start within 30 s: " + read_log(log)};
}

std::string post_body() {
  Json::Value req(Json::objectValue);
  req["nonce"] = crypto::base64url_encode(*crypto::random_bytes(32));
  return json_compact(req);
}

const net::HeaderList kJson = {{"Content-Type", "application/json"}};

// GET /healthz of the agent on a connection of its own (no attestation).
Json::Value agent_health(std::uint16_t port) {
  auto conn = net::AttestedConnection::open("127.0.0.1", port, 10000);
  if (!conn) throw Failure{"healthz: " + conn.error().describe()};
  auto r = (*conn)->request("GET", "/healthz", {}, "", 10000);
  if (!r || r->status != 200) throw Failure{"healthz: " + (r ? "HTTP " + std::to_string(r->status) : r.error().describe())};
  auto h = parse_json(r->body, "healthz");
  if (!h) throw Failure{"healthz: " + h.error().describe()};
  return *h;
}

// maa-emu's admin GET /stats (plain HTTP on loopback).
Json::Value maa_stats(const std::string& admin) {
  net::HttpClientOptions o;
  o.total_timeout_ms = 10000;
  auto r = net::http_request("GET", admin + "/stats", {}, "", o);
  if (!r || r->status != 200) throw Failure{"maa-emu /stats: " + (r ? "HTTP " + std::to_string(r->status) : r.error().describe())};
  auto s = parse_json(r->body, "stats");
  if (!s) throw Failure{"maa-emu /stats: " + s.error().describe()};
  return *s;
}

struct Counters {
  std::uint64_t maa_requests = 0, batches = 0, nonces = 0, maa_emu_attests = 0;
};

Counters counters(std::uint16_t port, const std::string& admin) {
  Json::Value h = agent_health(port);
  Json::Value s = maa_stats(admin);
  return {h["maa_requests"].asUInt64(), h["batches"].asUInt64(), h["nonces"].asUInt64(),
          s["attest_requests"].asUInt64()};
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct Outcome {
  std::vector<double> latencies_ms;  // of successful attestations
  std::size_t errors = 0;
  std::string first_error;
  double seconds = 0;
};

Json::Value summarise(Outcome& o, const Counters& before, const Counters& after) {
  std::sort(o.latencies_ms.begin(), o.latencies_ms.end());
  Json::Value r(Json::objectValue);
  r["attestations"] = Json::UInt64(o.latencies_ms.size());
  r["errors"] = Json::UInt64(o.errors);
  if (!o.first_error.empty()) r["first_error"] = o.first_error;
  r["seconds"] = o.seconds;
  r["per_s"] = o.seconds > 0 ? static_cast<double>(o.latencies_ms.size()) / o.seconds : 0.0;
  r["p50_ms"] = percentile(o.latencies_ms, 50);
  r["p99_ms"] = percentile(o.latencies_ms, 99);
  r["max_ms"] = o.latencies_ms.empty() ? 0.0 : o.latencies_ms.back();
  r["maa_requests"] = Json::UInt64(after.maa_requests - before.maa_requests);
  r["batches"] = Json::UInt64(after.batches - before.batches);
  r["nonces"] = Json::UInt64(after.nonces - before.nonces);
  r["maa_emu_attest_requests"] = Json::UInt64(after.maa_emu_attests - before.maa_emu_attests);
  return r;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// `clients` threads, each with its own attested connection opened first (not timed); then
// all start together and POST /attestation back to back until `seconds` have passed or
// `max_requests` (per client) are done.
Json::Value run_open(std::uint16_t port, const std::string& admin, int clients, double seconds, std::size_t max_requests) {
  std::vector<std::unique_ptr<net::AttestedConnection>> conns(clients);
  for (int i = 0; i < clients; ++i) {
    auto c = net::AttestedConnection::open("127.0.0.1", port, 10000);
    if (!c) throw Failure{"connection " + std::to_string(i) + ": " + c.error().describe()};
    conns[i] = std::move(c).value();
  }
  // One attestation each, untimed: the server's threads for these connections are warm.
  for (auto& c : conns) {
    auto r = c->request("POST", "/attestation", kJson, post_body(), 20000);
    if (!r || r->status != 200) throw Failure{"warm-up attestation: " + (r ? r->body : r.error().describe())};
  }
  Counters before = counters(port, admin);
  std::vector<Outcome> per_client(clients);
  std::latch ready(clients + 1);
  std::atomic<bool> go{false};
  Clock::time_point deadline;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      Outcome& o = per_client[i];
      for (std::size_t n = 0; n < max_requests && Clock::now() < deadline; ++n) {
        std::string body = post_body();
        auto t0 = Clock::now();
        auto r = conns[i]->request("POST", "/attestation", kJson, body, 20000);
        double ms = ms_since(t0);
        if (r && r->status == 200 && r->body.find("\"token\"") != std::string::npos) {
          o.latencies_ms.push_back(ms);
          continue;
        }
        ++o.errors;
        if (o.first_error.empty()) o.first_error = r ? "HTTP " + std::to_string(r->status) + " " + r->body : r.error().describe();
        if (!r) break;  // the connection is unusable
      }
    });
  }
  ready.arrive_and_wait();
  auto start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Counters after = counters(port, admin);
  Outcome all;
  all.seconds = elapsed;
  for (auto& o : per_client) {
    all.latencies_ms.insert(all.latencies_ms.end(), o.latencies_ms.begin(), o.latencies_ms.end());
    all.errors += o.errors;
    if (all.first_error.empty()) all.first_error = o.first_error;
  }
  Json::Value r = summarise(all, before, after);
  r["clients"] = clients;
  return r;
}

// One client: a new TCP + TLS connection, POST /attestation, close; again and again.
Json::Value run_connect(std::uint16_t port, const std::string& admin, double seconds, std::size_t max_requests) {
  Counters before = counters(port, admin);
  Outcome o;
  std::vector<double> handshakes_ms;
  auto start = Clock::now();
  for (std::size_t n = 0; n < max_requests && ms_since(start) < seconds * 1000; ++n) {
    std::string body = post_body();
    auto t0 = Clock::now();
    auto c = net::AttestedConnection::open("127.0.0.1", port, 10000);
    if (!c) {
      ++o.errors;
      if (o.first_error.empty()) o.first_error = c.error().describe();
      continue;
    }
    handshakes_ms.push_back(ms_since(t0));
    auto r = (*c)->request("POST", "/attestation", kJson, body, 20000);
    c->reset();  // closing is part of the cost a one-shot client pays
    double ms = ms_since(t0);
    if (r && r->status == 200 && r->body.find("\"token\"") != std::string::npos) {
      o.latencies_ms.push_back(ms);
    } else {
      ++o.errors;
      if (o.first_error.empty()) o.first_error = r ? "HTTP " + std::to_string(r->status) + " " + r->body : r.error().describe();
    }
  }
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Counters after = counters(port, admin);
  Json::Value r = summarise(o, before, after);
  r["clients"] = 1;
  std::sort(handshakes_ms.begin(), handshakes_ms.end());
  r["connect_p50_ms"] = percentile(handshakes_ms, 50);  // TCP + TLS handshake alone
  return r;
}

// VmRSS and VmHWM of `pid`, in KiB.
Json::Value memory_of(pid_t pid) {
  Json::Value m(Json::objectValue);
  auto status = read_text_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return m;
  for (const char* key : {"VmRSS", "VmHWM"}) {
    std::size_t at = status->find(std::string(key) + ":");
    if (at == std::string::npos) continue;
    m[std::string(key) + "_kib"] = Json::UInt64(std::strtoull(status->c_str() + at + std::strlen(key) + 1, nullptr, 10));
  }
  return m;
}

// User + system CPU seconds `pid` has used so far (/proc/PID/stat fields 14 and 15).
double cpu_seconds(pid_t pid) {
  auto stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  std::size_t at = stat->rfind(')');  // the command name may hold spaces
  if (at == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::size_t pos = at + 2;
  while (pos < stat->size()) {
    std::size_t end = stat->find(' ', pos);
    if (end == std::string::npos) end = stat->size();
    fields.push_back(stat->substr(pos, end - pos));
    pos = end + 1;
  }
  if (fields.size() < 13) return 0;  // fields[0] is field 3 (state)
  double ticks = std::strtod(fields[11].c_str(), nullptr) + std::strtod(fields[12].c_str(), nullptr);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The window attestd logged at start ("started ... window_ms=N").
int logged_window(const std::string& log) {
  std::string text = read_log(log);
  std::size_t at = text.find("window_ms=");
  return at == std::string::npos ? -1 : std::atoi(text.c_str() + at + 10);
}

Json::Value static_sizes() {
  Json::Value out(Json::objectValue);
  for (const char* name : {"attestd", "attest"}) {
    std::string path = test::src_dir() + "/build/static/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) out[name] = Json::UInt64(st.st_size);
    else out[name] = Json::nullValue;
  }
  return out;
}

// The run's JSON to stdout and to `out_json` (unless "-"); then its scratch folder goes.
int publish(const Json::Value& out, const std::string& out_json, const std::string& dir) {
  const std::string text = json_compact(out) + "\n";
  if (out_json != "-") {
    if (Status s = write_file(out_json, as_bytes(text)); !s) throw Failure{s.error().describe()};
  }
  std::cout << text << std::flush;
  std::filesystem::remove_all(dir);
  return 0;
}

int run(const std::string& out_json, double seconds) {
  namespace fs = std::filesystem;
  const std::string bin = test::bin_dir();
  for (const char* p : {"snp-sim", "maa-emu", "attestd"}) {
    if (!fs::exists(bin + "/" + p)) throw Failure{bin + "/" + p + " is not built (make)"};
  }
  const std::string dir = test::tmp_dir() + "/bench-agent." + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);

  auto keygen = test::run(bin + "/snp-sim keygen --out " + dir + "/sim --product Milan --seed agent-bench");
  if (keygen.exit_code != 0) throw Failure{"snp-sim keygen: " + keygen.err};

  const std::string ca = dir + "/maa-ca.pem", maa_log = dir + "/maa-emu.log";
  Child maa({bin + "/maa-emu", "--listen", "127.0.0.1:0", "--ca-out", ca, "--port-file", dir + "/maa.ports",
             "--admin-listen", "127.0.0.1:0", "--trust-sim-root", dir + "/sim/ca_bundle.pem", "--known-measurement",
             kMeasurement, "--seed", "agent-bench"},
            maa_log);
  std::string ports = wait_for_ports(maa, dir + "/maa.ports", maa_log, "maa-emu");
  const std::string maa_port = ports.substr(0, ports.find(' '));
  const std::string admin = "http://127.0.0.1:" + ports.substr(ports.find(' ') + 1);

  Json::Value out(Json::objectValue);
  out["seconds_per_run"] = seconds;
  out["cores"] = std::thread::hardware_concurrency();
  out["windows"] = Json::Value(Json::arrayValue);
  // Window 0 (one MAA call per attestation), then whatever attestd's default is.
  for (const std::string window : {"0", ""}) {
    const std::string name = window.empty() ? "default" : "w" + window;
    const std::string log = dir + "/attestd-" + name + ".log", port_file = dir + "/attestd-" + name + ".port";
    std::vector<std::string> argv{bin + "/attestd", "--listen", "127.0.0.1:0", "--evidence", "sim", "--sim-keys",
                                  dir + "/sim", "--sim-measurement", kMeasurement, "--maa-url",
                                  "https://localhost:" + maa_port, "--maa-ca-file", ca, "--maa-resolve",
                                  "localhost:" + maa_port + ":127.0.0.1", "--port-file", port_file,
                                  // every client is 127.0.0.1: the per-peer limit (64) would refuse the 65th;
                                  // connections are opened beforehand and wait for their first request
                                  "--max-connections-per-peer", "0", "--header-timeout-ms", "600000",
                                  "--idle-timeout-ms", "600000"};
    if (!window.empty()) argv.insert(argv.end(), {"--batch-window-ms", window});
    Child agent(argv, log);
    const auto port = static_cast<std::uint16_t>(std::stoi(wait_for_ports(agent, port_file, log, "attestd")));

    const double maa_cpu_before = cpu_seconds(maa.pid());
    Json::Value w(Json::objectValue);
    w["window_ms"] = logged_window(log);
    w["default"] = window.empty();
    w["runs"] = Json::Value(Json::arrayValue);
    for (int clients : {1, 10, 100}) {
      std::cerr << "bench agent: window " << w["window_ms"].asInt() << " ms, " << clients << " clients\n";
      w["runs"].append(run_open(port, admin, clients, seconds, 20000));
    }
    std::cerr << "bench agent: window " << w["window_ms"].asInt() << " ms, new connection each time\n";
    w["connect"] = run_connect(port, admin, seconds, 20000);
    w["memory"] = memory_of(agent.pid());
    // Over every run of this window, warm-ups and counters included.
    w["attestd_cpu_s"] = cpu_seconds(agent.pid());
    w["maa_emu_cpu_s"] = cpu_seconds(maa.pid()) - maa_cpu_before;
    int status = agent.stop();
    w["exit_status"] = status;
    if (status != 0) throw Failure{"attestd exited " + std::to_string(status) + " on SIGTERM: " + read_log(log)};
    out["windows"].append(w);
  }
  int maa_status = maa.stop();
  if (maa_status != 0) throw Failure{"maa-emu exited " + std::to_string(maa_status) + " on SIGTERM: " + read_log(maa_log)};
  out["static_bytes"] = static_sizes();
  return publish(out, out_json, dir);
}


// ---- The "as deployed" table (docs/performance.md) ----
// The latency model on: snp-sim's reports take evidence_ms each, one at a time (attestd's
// --sim-report-ms), and maa-emu answers after maa_ms (--service-time-ms). Per pair of
// latencies and per mode (per-connection: window 0, one report and one MAA call per
// client; timer: a 5 ms window on a fixed timer; adaptive: a 5 ms window that stays open
// while the source is busy), one attestd; per number of clients, a closed loop of fresh
// attestations on connections opened beforehand, each answer verified as a relying party
// does (client::check_agent_answer), until the row's time has passed; then the requests
// in flight finish and count.

struct Mode {
  const char* name;
  int window_ms;
  const char* close;
};
const Mode kModes[] = {{"per-connection", 0, "timer"}, {"timer", 5, "timer"}, {"adaptive", 5, "adaptive"}};

struct DeployedPlan {
  std::vector<int> maa_ms;
  std::map<int, std::vector<int>> evidence_ms;  // per MAA latency
  std::vector<int> clients;
  double min_seconds = 1.0;
  // Per-connection attestation queues every client behind one report at a time, and a
  // fixed timer queues up to one batch per client behind it: such a row runs only when
  // one round (clients × evidence) fits in this many seconds.
  double queue_round_s = 10.0, timer_round_s = 100.0;
};

// BENCH_DEPLOYED=quick: a subset for development; anything else (or unset): evidence swept
// at MAA 50 ms, and MAA 250 ms at evidence 1 ms and 1 s (the whole cross product would take
// twice as long on 2 cores).
DeployedPlan deployed_plan() {
  const char* which = std::getenv("BENCH_DEPLOYED");
  if (which && std::string(which) == "quick") return {{50}, {{50, {1, 1000}}}, {1, 100}};
  return {{50, 250}, {{50, {1, 100, 1000, 3000}}, {250, {1, 1000}}}, {1, 10, 100, 1000}};
}

// 1,000 clients hold 1,000 descriptors here and 1,000 more in attestd (which inherits this
// limit): the soft limit goes up to the hard one.
void raise_descriptor_limit(std::size_t needed) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? needed : std::min<rlim_t>(lim.rlim_max, needed);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
    throw Failure{"RLIMIT_NOFILE is " + std::to_string(lim.rlim_cur) + " (hard limit too): " + std::to_string(needed) +
                  " descriptors are needed for the deployed table"};
  }
}

struct DeployedCounters {
  std::uint64_t maa_requests = 0, evidence_requests = 0, batches = 0, nonces = 0, largest_batch = 0;
};

DeployedCounters deployed_counters(std::uint16_t port) {
  Json::Value h = agent_health(port);
  return {h["maa_requests"].asUInt64(), h["evidence_requests"].asUInt64(), h["batches"].asUInt64(),
          h["nonces"].asUInt64(), h["largest_batch"].asUInt64()};
}

// CPU time so far: attestd's, maa-emu's and this process's (the clients), in seconds, and
// the machine's busy and total jiffies (/proc/stat), with the wall clock.
struct CpuSample {
  double wall_s = 0, ours_s = 0;
  unsigned long long machine_busy = 0, machine_total = 0;
};

CpuSample cpu_sample(pid_t agent, pid_t maa) {
  CpuSample c;
  c.wall_s = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  c.ours_s = cpu_seconds(agent) + cpu_seconds(maa) + static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
             static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  auto stat = read_text_file("/proc/stat");
  if (stat && stat->rfind("cpu ", 0) == 0) {
    std::istringstream in(stat->substr(4, stat->find('\n') - 4));
    unsigned long long v = 0;
    for (int i = 0; i < 8 && (in >> v); ++i) {
      c.machine_total += v;
      if (i != 3 && i != 4) c.machine_busy += v;  // idle and iowait are not busy
    }
  }
  return c;
}

// One verified, fresh attestation on `conn`: the time it took, or why it failed.
Result<double> verified_attestation(net::AttestedConnection& conn, client::MaaKeySource& keys,
                                    const client::SessionOptions& options) {
  Bytes nonce = *crypto::random_bytes(32);
  Json::Value req(Json::objectValue);
  req["nonce"] = crypto::base64url_encode(nonce);
  auto t0 = Clock::now();
  auto r = conn.request("POST", "/attestation", kJson, json_compact(req), 300000);
  if (!r) return r.error();
  if (r->status != 200) return Error(ErrorCode::MaaUnavailable, "HTTP " + std::to_string(r->status) + " " + r->body);
  auto body = parse_json(r->body, "attestation answer");
  if (!body) return body.error();
  auto checked = client::check_agent_answer(*body, nonce, conn.server_key(), keys, options);
  if (!checked) return checked.error();
  return ms_since(t0);
}

// `clients` threads on the first `clients` connections, each attesting back to back until
// `warm_s + measure_s` have passed (checked before each request); the requests in flight
// then finish. Only requests started after `warm_s` are measured. The rate: with no warm-up
// (per-connection rows), the attestations over the whole run, drain included; after a
// warm-up (batching rows, whose first round may split), by Little's law: N clients
// attesting back to back complete N / (their mean time per attestation) a second. The MAA
// calls and reports per 1,000 count from the end of the warm-up; the CPU figures cover
// the whole row.
Json::Value run_deployed_row(std::uint16_t port, pid_t agent_pid, pid_t maa_pid,
                             std::vector<std::unique_ptr<net::AttestedConnection>>& conns, int clients, double warm_s,
                             double measure_s, client::MaaKeySource& keys, const client::SessionOptions& options) {
  DeployedCounters before = deployed_counters(port);
  std::vector<Outcome> per_client(clients);
  std::vector<std::size_t> all_done(clients, 0), done_after_warm(clients, 0);
  std::latch ready(clients + 1);
  std::atomic<bool> go{false};
  Clock::time_point measured_from, deadline;
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      Outcome& o = per_client[i];
      for (auto t = Clock::now(); t < deadline; t = Clock::now()) {
        auto ms = verified_attestation(*conns[i], keys, options);
        if (ms) {
          ++all_done[i];
          if (Clock::now() >= measured_from) ++done_after_warm[i];
          if (t >= measured_from) o.latencies_ms.push_back(*ms);
          continue;
        }
        ++o.errors;
        if (o.first_error.empty()) o.first_error = ms.error().describe();
        if (ms.error().code() == ErrorCode::NetworkError) break;  // the connection is unusable
      }
    });
  }
  ready.arrive_and_wait();
  auto start = Clock::now();
  auto after = [&](double s) { return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  measured_from = after(warm_s);
  deadline = after(warm_s + measure_s);
  const CpuSample cpu_before = cpu_sample(agent_pid, maa_pid);
  go.store(true, std::memory_order_release);
  DeployedCounters at_warm = before;
  if (warm_s > 0) {
    std::this_thread::sleep_until(measured_from);
    at_warm = deployed_counters(port);
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const CpuSample cpu_after = cpu_sample(agent_pid, maa_pid);
  Outcome all;
  std::size_t done = 0, counted = 0;
  for (int i = 0; i < clients; ++i) {
    const Outcome& o = per_client[i];
    done += all_done[i];
    counted += warm_s > 0 ? done_after_warm[i] : all_done[i];
    all.latencies_ms.insert(all.latencies_ms.end(), o.latencies_ms.begin(), o.latencies_ms.end());
    all.errors += o.errors;
    if (all.first_error.empty()) all.first_error = o.first_error;
  }
  double rate = 0;
  if (warm_s == 0) {
    rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  } else if (!all.latencies_ms.empty()) {
    double sum_ms = 0;
    for (double ms : all.latencies_ms) sum_ms += ms;
    rate = clients * 1000.0 * static_cast<double>(all.latencies_ms.size()) / sum_ms;
  }
  DeployedCounters later = deployed_counters(port);
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  Json::Value r(Json::objectValue);
  r["clients"] = clients;
  r["attestations"] = Json::UInt64(done);
  r["measured"] = Json::UInt64(all.latencies_ms.size());
  r["errors"] = Json::UInt64(all.errors);
  if (!all.first_error.empty()) r["first_error"] = all.first_error;
  r["seconds"] = elapsed;
  r["per_s"] = rate;
  r["p50_ms"] = percentile(all.latencies_ms, 50);
  r["p99_ms"] = percentile(all.latencies_ms, 99);
  r["maa_requests"] = Json::UInt64(later.maa_requests - at_warm.maa_requests);
  r["evidence_requests"] = Json::UInt64(later.evidence_requests - at_warm.evidence_requests);
  r["batches"] = Json::UInt64(later.batches - at_warm.batches);
  r["counted"] = Json::UInt64(counted);
  const double per_1000 = counted ? 1000.0 / static_cast<double>(counted) : 0.0;
  r["maa_per_1000"] = per_1000 * static_cast<double>(later.maa_requests - at_warm.maa_requests);
  r["evidence_per_1000"] = per_1000 * static_cast<double>(later.evidence_requests - at_warm.evidence_requests);
  // What limits the row: the share of the machine's cores that were busy, and how much of
  // that was this run's (attestd, maa-emu and the clients in this process).
  const double cores = std::max(1u, std::thread::hardware_concurrency());
  const double wall = cpu_after.wall_s - cpu_before.wall_s;
  r["cpu_ours"] = wall > 0 ? (cpu_after.ours_s - cpu_before.ours_s) / (wall * cores) : 0.0;
  const double total = static_cast<double>(cpu_after.machine_total - cpu_before.machine_total);
  r["cpu_machine"] = total > 0 ? static_cast<double>(cpu_after.machine_busy - cpu_before.machine_busy) / total : 0.0;
  return r;
}

// One attestd with this mode and evidence latency; its rows for every number of clients.
Json::Value run_deployed_agent(const std::string& dir, const std::string& maa_port, pid_t maa_pid, const std::string& ca,
                               const Mode& mode, int evidence_ms, int maa_ms, const DeployedPlan& plan) {
  const std::string bin = test::bin_dir();
  const std::string name = std::string(mode.name) + "-e" + std::to_string(evidence_ms) + "-m" + std::to_string(maa_ms);
  const std::string log = dir + "/attestd-" + name + ".log", port_file = dir + "/attestd-" + name + ".port";
  Child agent({bin + "/attestd", "--listen", "127.0.0.1:0", "--evidence", "sim", "--sim-keys", dir + "/sim",
               "--sim-measurement", kMeasurement, "--sim-report-ms", std::to_string(evidence_ms), "--maa-url",
               "https://localhost:" + maa_port, "--maa-ca-file", ca, "--maa-resolve",
               "localhost:" + maa_port + ":127.0.0.1", "--port-file", port_file, "--batch-window-ms",
               std::to_string(mode.window_ms), "--batch-close", mode.close, "--max-connections", "4096",
               "--max-connections-per-peer", "0", "--header-timeout-ms", "600000", "--idle-timeout-ms", "600000",
               "--log-level", "warn"},
              log);
  const auto port = static_cast<std::uint16_t>(std::stoi(wait_for_ports(agent, port_file, log, "attestd")));

  client::SessionOptions options;
  options.maa_url = *client::normalize_maa_url("https://localhost:" + maa_port);
  net::HttpClientOptions http;
  http.ca_file = ca;
  client::FetchedMaaKeys keys(options.maa_url, http);

  // Which rows run: per-connection ones only while one round of them fits the bound.
  std::vector<int> runnable;
  Json::Value rows(Json::arrayValue);
  for (int clients : plan.clients) {
    const double round_s = clients * evidence_ms / 1000.0;
    const bool per_connection = mode.window_ms == 0, timer = std::string(mode.close) == "timer";
    // Per-connection, each client holds a report and an MAA call of its own: beyond 100
    // clients the emulator's verifications alone saturate 2 cores and the row takes minutes.
    if (clients > 1 && ((per_connection && (round_s > plan.queue_round_s || clients > 100)) ||
                        (timer && round_s > plan.timer_round_s))) {
      Json::Value r(Json::objectValue);
      r["clients"] = clients;
      r["skipped"] = per_connection ? (clients > 100 ? std::string("over 100 clients, one MAA call each, take minutes")
                                                     : "one round of " + std::to_string(clients) + " clients would take " +
                                                           std::to_string(clients * evidence_ms / 1000) +
                                                           " s (reports one at a time)")
                                    : "on a fixed timer up to " + std::to_string(clients) +
                                          " batches could queue for the source, " +
                                          std::to_string(clients * evidence_ms / 1000) + " s";
      rows.append(r);
      continue;
    }
    runnable.push_back(clients);
  }
  const int most = runnable.empty() ? 0 : *std::max_element(runnable.begin(), runnable.end());
  std::vector<std::unique_ptr<net::AttestedConnection>> conns(most);
  for (int i = 0; i < most; ++i) {
    auto c = net::AttestedConnection::open("127.0.0.1", port, 10000);
    if (!c) throw Failure{"connection " + std::to_string(i) + ": " + c.error().describe()};
    conns[i] = std::move(c).value();
  }
  // One attestation first, untimed: the VCEK chain, MAA's keys and the code paths are warm.
  if (most > 0) {
    if (auto warm = verified_attestation(*conns[0], keys, options); !warm) {
      throw Failure{"warm-up attestation (" + name + "): " + warm.error().describe() + "; log: " + read_log(log)};
    }
  }
  // A batch round takes evidence + MAA: batching rows warm up for one round, then measure
  // what starts within the next half round (at least min_seconds).
  const double cycle_s = (evidence_ms + maa_ms) / 1000.0;
  const double warm_s = mode.window_ms == 0 ? 0.0 : cycle_s;
  const double measure_s = mode.window_ms == 0 ? plan.min_seconds : std::max(plan.min_seconds, 0.5 * cycle_s);
  Json::Value measured(Json::arrayValue);
  for (int clients : runnable) {
    std::cerr << "bench deployed: " << mode.name << ", evidence " << evidence_ms << " ms, MAA " << maa_ms << " ms, "
              << clients << " clients\n";
    measured.append(run_deployed_row(port, agent.pid(), maa_pid, conns, clients, warm_s, measure_s, keys, options));
  }
  conns.clear();
  int status = agent.stop();
  if (status != 0) throw Failure{"attestd exited " + std::to_string(status) + " on SIGTERM: " + read_log(log)};
  for (auto& r : measured) rows.append(r);
  Json::Value out(Json::objectValue);
  out["mode"] = mode.name;
  out["window_ms"] = mode.window_ms;
  out["batch_close"] = mode.close;
  out["evidence_ms"] = evidence_ms;
  out["maa_ms"] = maa_ms;
  out["warm_seconds"] = warm_s;
  out["measure_seconds"] = measure_s;
  out["rows"] = rows;
  return out;
}

int run_deployed(const std::string& out_json) {
  namespace fs = std::filesystem;
  const std::string bin = test::bin_dir();
  for (const char* p : {"snp-sim", "maa-emu", "attestd"}) {
    if (!fs::exists(bin + "/" + p)) throw Failure{bin + "/" + p + " is not built (make)"};
  }
  const DeployedPlan plan = deployed_plan();
  const int most_clients = *std::max_element(plan.clients.begin(), plan.clients.end());
  raise_descriptor_limit(2 * static_cast<std::size_t>(most_clients) + 256);
  const std::string dir = test::tmp_dir() + "/bench-deployed." + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto keygen = test::run(bin + "/snp-sim keygen --out " + dir + "/sim --product Milan --seed agent-bench");
  if (keygen.exit_code != 0) throw Failure{"snp-sim keygen: " + keygen.err};

  Json::Value out(Json::objectValue);
  out["cores"] = std::thread::hardware_concurrency();
  out["quick"] = plan.clients.size() < 4;
  out["groups"] = Json::Value(Json::arrayValue);
  for (int maa_ms : plan.maa_ms) {
    const std::string tag = "m" + std::to_string(maa_ms);
    const std::string ca = dir + "/maa-ca-" + tag + ".pem", maa_log = dir + "/maa-emu-" + tag + ".log";
    Child maa({bin + "/maa-emu", "--listen", "127.0.0.1:0", "--ca-out", ca, "--port-file", dir + "/maa-" + tag + ".ports",
               "--admin-listen", "127.0.0.1:0", "--trust-sim-root", dir + "/sim/ca_bundle.pem", "--known-measurement",
               kMeasurement, "--seed", "agent-bench", "--service-time-ms", std::to_string(maa_ms),
               // per-connection rows hold hundreds of MAA calls at once, all from 127.0.0.1
               "--max-connections-per-peer", "0"},
              maa_log);
    std::string ports = wait_for_ports(maa, dir + "/maa-" + tag + ".ports", maa_log, "maa-emu");
    const std::string maa_port = ports.substr(0, ports.find(' '));
    for (int evidence_ms : plan.evidence_ms.at(maa_ms)) {
      for (const Mode& mode : kModes) {
        out["groups"].append(run_deployed_agent(dir, maa_port, maa.pid(), ca, mode, evidence_ms, maa_ms, plan));
      }
    }
    int maa_status = maa.stop();
    if (maa_status != 0) throw Failure{"maa-emu exited " + std::to_string(maa_status) + ": " + read_log(maa_log)};
  }
  return publish(out, out_json, dir);
}

// Runs `body` with the signal handlers installed; a failure is one line on stderr, exit 1.
int report_failures(const std::string& what, const std::function<int()>& body) {
  install_handlers();
  try {
    return body();
  } catch (const Failure& f) {
    std::cerr << "bench " << what << ": " << f.message << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench " << what << ": " << e.what() << "\n";
  }
  return 1;
}

}  // namespace

// attestd-bench agent OUT_JSON [SECONDS]: the JSON goes to stdout and to OUT_JSON (unless "-").
int bench_agent(int argc, char** argv) {
  const std::string out = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  return report_failures("agent", [&] { return run(out, seconds); });
}

// attestd-bench deployed OUT_JSON: the "as deployed" table's JSON (BENCH_DEPLOYED=quick: a subset).
int bench_deployed(int /*argc*/, char** argv) {
  return report_failures("deployed", [&] { return run_deployed(argv[1]); });
}

}  // namespace attestd::bench
