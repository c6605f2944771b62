// The world of attestd's end-to-end tests on the host: maa-emu over HTTPS, snp-sim keys, a
// small application, attestd processes and simulated Azure CVMs (tests/integration/*).
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <latch>
#include <thread>

#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/random.h"
#include "net/http_server.h"
#include "net/tls_client.h"
#include "tests/mocks/azure/paravisor.h"
#include "tests/mocks/azure/firmware.h"
#include "tests/mocks/azure/swtpm.h"
#include "tests/mocks/snp/sim.h"
#include "tests/process.h"

namespace attestd::agent_world {

using namespace attestd::test;

inline const std::string kGood = std::string(96, 'a');   // the measurement maa-emu knows
inline const std::string kOther = std::string(96, 'b');  // one it does not

struct World {
  std::string dir, ca, maa, admin, keys;
  std::unique_ptr<BackgroundProcess> maa_emu;
  std::unique_ptr<net::HttpServer> app;

  World() {
    dir = tmp_dir() + "/agent-world." + std::to_string(::getpid());
    run("rm -rf " + dir + " && mkdir -p " + dir);
    keys = dir + "/sim";
    RunResult keygen = run(bin_dir() + "/snp-sim keygen --out " + keys + " --product Milan --seed agent-tests");
    BOOST_REQUIRE_MESSAGE(keygen.exit_code == 0, keygen.err);
    ca = dir + "/maa-ca.pem";
    maa_emu = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{bin_dir() + "/maa-emu", "--listen", "127.0.0.1:0", "--ca-out", ca, "--port-file",
                                 dir + "/maa.ports", "--admin-listen", "127.0.0.1:0", "--trust-sim-root",
                                 keys + "/ca_bundle.pem", "--known-measurement", kGood, "--seed", "agent-tests"},
        dir + "/maa-emu.log");
    std::string ports = wait_for_file(dir + "/maa.ports");
    BOOST_REQUIRE_MESSAGE(!ports.empty(), "maa-emu did not start");
    maa = "https://localhost:" + ports.substr(0, ports.find(' '));
    std::string admin_port = ports.substr(ports.find(' ') + 1);
    admin_port.pop_back();
    admin = "http://127.0.0.1:" + admin_port;
    auto server = net::HttpServer::start(net::ServerOptions{}, [](const net::HttpRequest& r) {
      if (r.path == "/generate" && r.method == "POST") {
        return net::HttpResponse::text(200, "generated for " + r.body);
      }
      if (r.path == "/headers") {  // what the application received, for the proxy's rules
        Json::Value fields(Json::arrayValue);
        for (const auto& [name, value] : r.headers) {
          Json::Value f(Json::arrayValue);
          f.append(name);
          f.append(value);
          fields.append(f);
        }
        return net::HttpResponse::json(200, fields);
      }
      return net::HttpResponse::text(404, "no such page");
    });
    BOOST_REQUIRE(server.ok());
    app = std::move(server).value();
  }
  ~World() { maa_emu->stop(); }

  std::string client_flags() const { return " --maa " + maa + " --ca-file " + ca; }
};

inline World& world() {
  static World w;
  return w;
}

// One attestd process, stopped by its PID at the end of the test.
struct Agent {
  std::unique_ptr<BackgroundProcess> process;
  std::string url, log;
  std::uint16_t port = 0;

  explicit Agent(const std::string& name, const std::vector<std::string>& extra = {},
                 const std::string& measurement = kGood, std::vector<std::string> evidence = {}) {
    World& w = world();
    log = w.dir + "/attestd-" + name + ".log";
    std::string port_file = w.dir + "/attestd-" + name + ".port";
    std::remove(port_file.c_str());
    if (evidence.empty()) evidence = {"--evidence", "sim", "--sim-keys", w.keys, "--sim-measurement", measurement};
    std::vector<std::string> argv{bin_dir() + "/attestd", "--listen", "127.0.0.1:0", "--maa-url", w.maa,
                                  "--maa-ca-file", w.ca, "--upstream",
                                  "http://127.0.0.1:" + std::to_string(w.app->port()), "--port-file", port_file};
    argv.insert(argv.end(), evidence.begin(), evidence.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<BackgroundProcess>(argv, log);
    std::string p = wait_for_file(port_file);
    BOOST_REQUIRE_MESSAGE(!p.empty(), "attestd did not start: " << *read_text_file(log));
    port = static_cast<std::uint16_t>(std::stoi(p));
    url = "https://127.0.0.1:" + p.substr(0, p.size() - 1);
  }
  ~Agent() {
    int status = process->stop();
    BOOST_TEST(status == 0, "attestd exited " << status << " on SIGTERM");
  }
};

// The genuine event logs of the sim UKI booted under OVMF + swtpm (tests/data/boot/README.md).
inline std::string boot_log(const std::string& name) {
  return std::string(std::getenv("ATTESTD_SRC")) + "/tests/data/boot/" + name;
}
inline const char* const kSecureBootLog = "eventlog-sb-on.bin";
inline const char* const kNoSecureBootLog = "eventlog-sb-off.bin";

// A simulated Azure CVM: swtpm with an AK and an HCL report, and the paravisor that
// regenerates the report when user data is written — all made with the world's sim keys,
// for the measurement maa-emu knows. It "boots": the firmware's genuine event log
// (tests/data/boot) is extended into swtpm's PCRs and served to attestd as its event log.
struct AzureCvm {
  snpsim::SimIdentity identity;
  azuresim::test::Swtpm swtpm;
  std::unique_ptr<azuresim::Paravisor> paravisor;
  std::string event_log;  // the log attestd reads (a copy in the world's folder)

  explicit AzureCvm(const std::string& name, const std::string& log = kSecureBootLog, std::uint32_t vmpl = 0)
      : identity(load(world().keys)), swtpm(name), event_log(world().dir + "/" + name + "-eventlog.bin") {
    auto bytes = read_file(boot_log(log));
    BOOST_REQUIRE_MESSAGE(bytes.ok(), test::why(bytes));
    BOOST_REQUIRE(write_file(event_log, *bytes).ok());
    measure_boot();
    azuresim::ParavisorOptions o;
    o.identity = &identity;
    auto m = *hex_decode(kGood);
    std::copy(m.begin(), m.end(), o.report.measurement.begin());
    o.report.vmpl = vmpl;
    auto p = azuresim::Paravisor::provision(swtpm.transport(), o);
    BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
    paravisor = std::move(p).value();
    paravisor->start();
  }
  // The firmware's measurements of this boot, into a TPM that was just (re)started.
  void measure_boot() {
    auto bytes = read_file(event_log);
    BOOST_REQUIRE(bytes.ok());
    auto parsed = boot::parse_event_log(*bytes);
    BOOST_REQUIRE_MESSAGE(parsed.ok(), test::why(parsed));
    hal::tpm::Tpm tpm(swtpm.transport());
    BOOST_REQUIRE(tpm.startup().ok());
    Status s = azuresim::measure_boot(tpm, *parsed);
    BOOST_REQUIRE_MESSAGE(s.ok(), test::why(s));
  }
  // attestd's flags for this CVM's vTPM.
  std::vector<std::string> evidence_flags() const {
    return {"--evidence", "azure-vtpm", "--tpm", "tcp:127.0.0.1:" + std::to_string(swtpm.port()),
            "--event-log", event_log,
            "--vcek-file", world().keys + "/vcek.pem", "--trust-sim-root", world().keys + "/ca_bundle.pem"};
  }

 private:
  static snpsim::SimIdentity load(const std::string& keys) {
    auto id = snpsim::load_identity(keys);
    if (!id) throw std::runtime_error(id.error().describe());
    return std::move(id).value();
  }
};

// The relying party's policy for an agent on an Azure vTPM (docs/policy.md, runtime_binding).
inline std::string vtpm_policy() {
  std::string path = world().dir + "/vtpm-policy.json";
  if (!read_text_file(path)) {
    BOOST_REQUIRE(write_file(path, as_bytes(R"({"runtime_binding": "vtpm-user-data"})")).ok());
  }
  return path;
}

// A TLS identity that is not the agent's, for relays.
inline net::TlsIdentity relay_identity() {
  auto key = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  crypto::CertificateSpec spec;
  spec.subject = "CN=attestd";
  spec.serial = {2};
  spec.not_before = now_unix() - 60;
  spec.not_after = now_unix() + 3600;
  spec.hash = crypto::HashAlg::Sha256;
  return net::TlsIdentity{{*crypto::issue_certificate(spec, key.public_key(), key, nullptr)}, key};
}

inline RunResult connect(const std::string& url, const std::string& extra = "") {
  return run(attest() + " connect " + url + world().client_flags() + " " + extra);
}

// maa-emu's faults, set through its admin endpoint for as long as this lives, then cleared
// (also when a test stops early), so no fault outlives its test.
struct MaaFault {
  explicit MaaFault(const std::string& json) {
    RunResult set = run("curl -sS --max-time 5 -X POST --data '" + json + "' " + world().admin + "/faults");
    BOOST_REQUIRE_MESSAGE(set.exit_code == 0 && set.out.find("\"error\"") == std::string::npos, set.out + set.err);
  }
  ~MaaFault() { clear(); }
  void clear() {
    if (!cleared) cleared = run("curl -sS --max-time 5 -X DELETE " + world().admin + "/faults").exit_code == 0;
  }
  bool cleared = false;
};

// One fault of MAA's, end to end: `attest connect` to a real attestd fails within 10 s
// with `exit_code` and a message holding `error`, and accepts no token; once the fault is
// cleared, the next attestation succeeds with the same agent.
inline void fault_then_recovery(const std::string& name, const std::string& fault, int exit_code, const std::string& error) {
  Agent agent(name);
  MaaFault injected(fault);
  auto started = std::chrono::steady_clock::now();
  RunResult failed = connect(agent.url);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST(failed.exit_code == exit_code, failed.err);
  BOOST_TEST(failed.err.find(error) != std::string::npos, failed.err);
  BOOST_TEST(failed.out.find("is an attested SEV-SNP VM") == std::string::npos, failed.out);
  BOOST_TEST(seconds < 10.0);
  injected.clear();
  RunResult recovered = connect(agent.url);
  BOOST_TEST(recovered.exit_code == 0, recovered.err);
  BOOST_TEST(recovered.out.find("is an attested SEV-SNP VM") != std::string::npos);
}

}  // namespace attestd::agent_world
