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
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

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
                                  "localhost:" + maa_port + ":127.0.0.1", "--port-file", port_file};
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
  const std::string text = json_compact(out) + "\n";
  if (out_json != "-") {
    if (Status s = write_file(out_json, as_bytes(text)); !s) throw Failure{s.error().describe()};
  }
  std::cout << text << std::flush;
  fs::remove_all(dir);
  return 0;
}

}  // namespace

// attestd-bench agent OUT_JSON [SECONDS]: the JSON goes to stdout and to OUT_JSON (unless "-").
int bench_agent(int argc, char** argv) {
  install_handlers();
  const std::string out = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  try {
    return run(out, seconds);
  } catch (const Failure& f) {
    std::cerr << "bench agent: " << f.message << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench agent: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace attestd::bench
