// attestd's configuration: a JSON file (docs/agent.md), overridden by command-line flags.
#pragma once

#include <string>
#include <vector>

#include "core/args.h"
#include "core/error.h"
#include "hal/azure_vtpm.h"

namespace attestd::agent {

struct AgentConfig {
  std::string listen = "0.0.0.0:8443";  // attested TLS
  std::string unix_socket;              // optional plain HTTP for applications inside the VM
  std::string evidence = "auto";        // auto | sev-guest | tsm | azure-vtpm | sim
  unsigned vmpl = 0;
  std::string tpm = "/dev/tpmrm0";  // azure-vtpm: a TPM device, or "tcp:HOST:PORT" (swtpm)
  // azure-vtpm: the firmware's TCG event log, sent with every quote ("" for none).
  std::string event_log = hal::kEventLogPath;
  // MAA's protocol: sevsnpvm | azureguest | auto (azureguest on the azure-vtpm source,
  // sevsnpvm on every other).
  std::string maa_protocol = "auto";
  // azureguest: the OS reported to MAA (os-release(5) NAME and VERSION_ID).
  std::string os_release = "/etc/os-release";
  // sim only (tests): the snp-sim identity folder, and the guest it pretends to be.
  std::string sim_keys;
  std::string sim_policy = "0x30000";
  std::string sim_measurement;  // 96 hex digits; empty: zero
  // sim only: each report takes at least this long, one at a time, as a device would
  // (docs/performance.md has what real sources take); 0: at once.
  int sim_report_ms = 0;
  std::string maa_url;          // required
  bool maa_allow_plain_http = false;  // http:// maa_url on a loopback address (an emulator)
  std::string maa_ca_file;
  std::vector<std::string> maa_resolve;  // "host:port:addr"
  int maa_timeout_ms = 20000;
  int batch_window_ms = 5;
  // When a batch closes (agent/batcher.h): adaptive (its window passed and the evidence
  // source is free) | timer (its window passed).
  std::string batch_close = "adaptive";
  std::string upstream;  // the application, "http://127.0.0.1:PORT"
  std::string vcek_file, kds_url, thim_url, kds_cache_dir;
  // Tests only: also trust this snp-sim ASK/ARK bundle for VCEKs (AMD's roots always).
  std::string trust_sim_root;
  // Revocation of the agent's own VCEK chain before it serves evidence (hal/kds_crl.h):
  // require | best-effort | off.
  std::string crl = "off";
  // Connection limits of the attested-TLS listener (docs/net.md, docs/agent.md).
  std::size_t max_connections = 2048;
  int max_connections_per_peer = 64;  // 0: none
  int handshake_timeout_ms = 5000;
  int header_timeout_ms = 5000;
  int idle_timeout_ms = 15000;
  // Proxied requests need a POST /attestation answered on the same connection first (428).
  bool require_attestation = true;
  std::string log_level = "info";  // debug | info | warn | error
};

// Strict: unknown keys and wrong types are MalformedConfig errors naming the key.
Result<AgentConfig> parse_config(std::string_view json);
Result<AgentConfig> load_config(const std::string& path);

// The command-line flags (docs/agent.md) that override the file.
const std::vector<cli::OptionSpec>& config_flags();
Status apply_flags(const cli::Args& args, AgentConfig& config);
// Checks that the configuration can run (maa_url given, values in range, sim complete).
Status validate(const AgentConfig& config);

}  // namespace attestd::agent
