// attestd: the guest agent (docs/agent.md).
#include <atomic>
#include <cstdio>
#include <memory>

#include "agent/config.h"
#include "agent/evidence_source.h"
#include "agent/log.h"
#include "agent/service.h"
#include "client/lib/evidence_files.h"
#include "core/file.h"
#include "core/signals.h"
#include "tests/mocks/snp/sim.h"

using namespace attestd;
using namespace attestd::agent;

namespace {

constexpr const char* kUsage = R"(usage: attestd [--config /etc/attestd/config.json] [flags]

The attestation agent of an SEV-SNP confidential VM. Serves attested TLS on --listen:
POST /attestation {"nonce"} answers {"token", "runtime", "proof"}; GET /attestation the
latest token; GET /healthz; anything else is proxied to --upstream. Every key of the
config file (docs/agent.md) is also a flag, e.g. --maa-url, --evidence, --batch-window-ms,
--upstream, --unix-socket, --listen. --port-file FILE receives the bound port.
Stops gracefully on SIGTERM or SIGINT.
)";

int fail(const Error& e) {
  log_event(LogLevel::Error, "fatal", e.describe());
  return exit_code(e.code());
}

EvidenceSettings evidence_settings(const AgentConfig& c) {
  EvidenceSettings s;
  s.evidence = c.evidence;
  s.vmpl = c.vmpl;
  s.tpm = c.tpm;
  s.event_log = c.event_log;
  // AzureGuest needs a TPM encryption key for MAA's sealed answer; auto picks it there.
  s.tpm_encryption_key = c.maa_protocol != "sevsnpvm";
  s.sim_keys = c.sim_keys;
  s.sim_policy = c.sim_policy;
  s.sim_measurement = c.sim_measurement;
  s.sim_report_ms = c.sim_report_ms;
  return s;
}

MaaProtocol resolve_protocol(const AgentConfig& c, const hal::EvidenceSource& source) {
  if (c.maa_protocol == "azureguest") return MaaProtocol::AzureGuest;
  if (c.maa_protocol == "sevsnpvm") return MaaProtocol::SevSnpVm;
  return source.name() == "azure-vtpm" ? MaaProtocol::AzureGuest : MaaProtocol::SevSnpVm;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  if (cli::Args::wants_help(argv_list)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::vector<cli::OptionSpec> flags = config_flags();
  flags.push_back({"port-file", true});
  auto args = cli::Args::parse(argv_list, flags, 0, 0);
  if (!args) {
    std::fprintf(stderr, "attestd: %s\n\n%s", args.error().describe().c_str(), kUsage);
    return 2;
  }
  AgentConfig config;
  if (auto path = args->value("config")) {
    auto loaded = load_config(*path);
    if (!loaded) return fail(loaded.error());
    config = std::move(loaded).value();
  }
  if (Status s = apply_flags(*args, config); !s) return fail(s.error());
  if (Status s = validate(config); !s) return fail(s.error());
  LogLevel level = LogLevel::Info;
  parse_log_level(config.log_level, level);
  set_log_level(level);

  StopSignals stop_signals;  // before any thread starts

  auto tls = make_tls_identity();
  if (!tls) return fail(tls.error());
  verify::RootStore roots = verify::RootStore::amd();
  if (!config.trust_sim_root.empty()) {
    auto chain = client::load_product_chain(config.trust_sim_root, "trust_sim_root " + config.trust_sim_root);
    if (!chain) return fail(chain.error());
    roots.add(std::move(chain).value());
  }
  auto opened = open_evidence_source(evidence_settings(config));
  if (!opened) return fail(opened.error());
  // The simulated VCEK's chain is trusted only when the agent signs with it itself.
  if (opened->sim) roots.add(snpsim::sim_product_chain(*opened->sim));

  ServiceParts parts;
  parts.evidence = std::move(opened->source);
  parts.vcek.roots = &roots;
  parts.vcek.file = config.vcek_file;
  if (!config.kds_url.empty()) parts.vcek.kds_base = config.kds_url;
  parts.vcek.thim_url = config.thim_url;
  parts.vcek.cache_dir = config.kds_cache_dir;
  parts.crl = *hal::parse_crl_mode(config.crl);  // validate() checked it
  parts.maa.protocol = resolve_protocol(config, *parts.evidence);
  if (parts.maa.protocol == MaaProtocol::AzureGuest) {
    if (parts.evidence->name() != "azure-vtpm") {
      return fail(Error(ErrorCode::MalformedConfig, "maa_protocol azureguest needs the azure-vtpm evidence source, and "
                                                    "this guest has " + parts.evidence->name()));
    }
    auto os = read_os_release(config.os_release);
    if (!os) return fail(os.error().with_context("os_release"));
    parts.os = std::move(os).value();
  }
  parts.maa.base_url = config.maa_url;
  parts.maa.ca_file = config.maa_ca_file;
  parts.maa.resolve = config.maa_resolve;
  parts.maa.total_timeout_ms = config.maa_timeout_ms;
  parts.maa.log = [](const std::string& line) { log_event(LogLevel::Warn, "maa", line); };
  parts.batch.window_ms = config.batch_window_ms;
  parts.batch.close = *parse_batch_close(config.batch_close);  // validated
  parts.upstream = config.upstream;
  parts.require_attestation = config.require_attestation;
  AgentService service(std::move(parts), tls->key.public_key());
  auto handler = [&service](const net::HttpRequest& r) { return service.handle(r); };

  net::ServerOptions options;
  options.listen = config.listen;
  options.tls = *tls;
  options.max_connections = config.max_connections;
  options.max_connections_per_peer = static_cast<std::size_t>(config.max_connections_per_peer);
  options.handshake_timeout_ms = config.handshake_timeout_ms;
  options.header_timeout_ms = config.header_timeout_ms;
  options.idle_timeout_ms = config.idle_timeout_ms;
  options.overload_response = overload_response;
  auto server = net::HttpServer::start(options, handler);
  if (!server) return fail(server.error());
  std::unique_ptr<net::HttpServer> local;
  if (!config.unix_socket.empty()) {
    net::ServerOptions local_options;
    local_options.unix_socket = config.unix_socket;
    auto l = net::HttpServer::start(local_options, handler);
    if (!l) return fail(l.error());
    local = std::move(l).value();
  }
  log_event(LogLevel::Info, "started",
            "listen=" + (*server)->url() + " evidence=" + service.evidence_name() + " maa=" + config.maa_url +
                " maa_protocol=" + std::string(maa_protocol_name(service.maa_protocol())) +
                " window_ms=" + std::to_string(config.batch_window_ms) + " batch_close=" + config.batch_close +
                (config.sim_report_ms ? " sim_report_ms=" + std::to_string(config.sim_report_ms) : "") +
                " max_connections=" + std::to_string((*server)->capacity()) +
                (config.upstream.empty() ? "" : " upstream=" + config.upstream) +
                (local ? " unix=" + config.unix_socket : ""));
  if (auto port_file = args->value("port-file")) {
    if (Status s = write_file(*port_file, as_bytes(std::to_string((*server)->port()) + "\n")); !s) return fail(s.error());
  }
  int sig = stop_signals.wait();
  log_event(LogLevel::Info, "stopping", sig == SIGTERM ? "signal=SIGTERM" : "signal=SIGINT");
  if (local) local->stop();
  (*server)->stop();
  log_event(LogLevel::Info, "stopped");
  return 0;
}
