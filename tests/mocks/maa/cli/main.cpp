// maa-emu: the Microsoft Azure Attestation emulator as a server (docs/maa-emu.md).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/args.h"
#include "client/lib/evidence_files.h"
#include "core/file.h"
#include "core/signals.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "net/address.h"
#include "net/http_server.h"
#include "tests/mocks/maa/emulator.h"
#include "verify/roots.h"

using namespace attestd;

namespace {

constexpr const char* kUsage = R"(usage: maa-emu [--listen HOST:PORT] [--hostname NAME ...] [--base-url URL]
               [--tls-cert PEM --tls-key PEM | --ca-out FILE] [--plain-http]
               [--admin-listen 127.0.0.1:PORT] [--trust-sim-root PEM ...]
               [--known-measurement HEX ...] [--known-measurements FILE]
               [--keys N] [--seed S] [--token-lifetime SECONDS] [--port-file FILE]
               [--service-time-ms MS] [--max-connections-per-peer N]

A Microsoft Azure Attestation emulator for tests: POST /attest/SevSnpVm,
POST /attest/AzureGuest, GET /certs,
GET /.well-known/openid-configuration, over HTTPS. Without --tls-cert it makes a test CA
and a server certificate for the --hostname names (default: localhost) and writes the
CA to --ca-out. Runs until SIGTERM or SIGINT.

  --listen HOST:PORT        where to serve (default 127.0.0.1:0, an ephemeral port)
  --hostname NAME           a name in the server certificate (repeatable; default
                            localhost); the first is the instance URL's host
  --base-url URL            the instance URL in tokens (iss, jku); default
                            https://FIRST-HOSTNAME:PORT
  --tls-cert PEM            serve this certificate chain (with --tls-key) instead of a
                            fresh test CA's
  --tls-key PEM             the private key of --tls-cert
  --ca-out FILE             write the fresh test CA (for curl --cacert, attest --ca-file)
  --plain-http              serve plain HTTP instead of HTTPS (tests only)
  --admin-listen ADDR       faults and key rotation (a numeric loopback address only)
  --trust-sim-root PEM      also accept reports chaining to this snp-sim ASK/ARK bundle
  --known-measurement HEX   a launch measurement Azure vouches for (compliance)
  --known-measurements FILE one such measurement per line
  --keys N                  signing keys published at /certs (default 2, first active)
  --seed S                  derive the signing keys from S (default: random)
  --token-lifetime SECONDS  how long a token is valid, 1 to 31622400 (default 8 hours)
  --port-file FILE          write "PORT ADMIN_PORT" once listening
  --service-time-ms MS      every attest request takes at least MS ms, 0 to 60000
                            (default 0), as MAA's round trip would (docs/performance.md)
  --max-connections-per-peer N  connections served at once from one address, 0 to 65536
                            (default 64; 0: no limit, for an agent making many calls)
)";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "maa-emu: %s\nrun 'maa-emu --help' for its options\n", message.c_str());
  return 2;
}

const std::vector<cli::OptionSpec> kOptions = {
    {"listen", true},      {"hostname", true, true},       {"base-url", true},
    {"tls-cert", true},    {"tls-key", true},              {"ca-out", true},
    {"plain-http"},        {"admin-listen", true},         {"trust-sim-root", true, true},
    {"known-measurement", true, true}, {"known-measurements", true}, {"keys", true},
    {"seed", true},        {"token-lifetime", true},       {"port-file", true},
    {"service-time-ms", true}, {"max-connections-per-peer", true}};

int fail(const Error& e) {
  std::fprintf(stderr, "maa-emu: %s\n", e.describe().c_str());
  return exit_code(e.code());
}

// The admin port changes what the emulator answers: loopback only, judged by the
// address itself (numeric, never resolved), not by how its text begins.
bool loopback(const std::string& listen) {
  auto host_port = net::split_host_port(listen);
  return host_port && net::is_loopback_ip(host_port->host);
}

// A test CA and a server certificate for `names`, both ECDSA P-256.
Result<net::TlsIdentity> make_tls_identity(const std::vector<std::string>& names, const std::string& ca_out) {
  auto ca_key = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  if (!ca_key) return ca_key.error();
  UnixTime now = now_unix();
  crypto::CertificateSpec ca;
  ca.subject = "CN=maa-emu test CA,O=attestd maa-emu (TEST ONLY)";
  ca.serial = {0x01};
  ca.not_before = now - 3600;
  ca.not_after = now + 30 * 86400;
  ca.is_ca = true;
  ca.max_path_len = 0;
  ca.key_usage = 0x04 | 0x02;
  ca.hash = crypto::HashAlg::Sha256;
  auto ca_cert = crypto::issue_certificate(ca, ca_key->public_key(), *ca_key, nullptr);
  if (!ca_cert) return ca_cert.error();
  auto key = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  if (!key) return key.error();
  crypto::CertificateSpec leaf;
  leaf.subject = "CN=" + names.front() + ",O=attestd maa-emu (TEST ONLY)";
  leaf.serial = {0x02};
  leaf.not_before = now - 3600;
  leaf.not_after = now + 30 * 86400;
  leaf.key_usage = 0x80;
  leaf.dns_names = names;
  leaf.hash = crypto::HashAlg::Sha256;
  auto cert = crypto::issue_certificate(leaf, key->public_key(), *ca_key, &*ca_cert);
  if (!cert) return cert.error();
  if (!ca_out.empty()) {
    if (Status s = write_file(ca_out, as_bytes(ca_cert->pem())); !s) return s.error();
  }
  return net::TlsIdentity{{*cert, *ca_cert}, *key};
}

Result<std::vector<Bytes>> measurements(const cli::Args& args) {
  std::vector<std::string> hexes = args.values("known-measurement");
  if (auto file = args.value("known-measurements")) {
    auto text = read_text_file(*file);
    if (!text) return text.error();
    std::size_t pos = 0;
    while (pos < text->size()) {
      std::size_t end = text->find('\n', pos);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(pos, end - pos);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') hexes.push_back(line);
      pos = end + 1;
    }
  }
  return maaemu::parse_measurements(hexes);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  if (cli::Args::wants_help(argv_list)) {
    std::fputs(cli::option_list_requested() ? cli::option_list(kOptions).c_str() : kUsage, stdout);
    return 0;
  }
  auto args = cli::Args::parse(argv_list, kOptions, 0, 0);
  if (!args) return usage_error(args.error().message());
  std::vector<std::string> names = args->values("hostname");
  if (names.empty()) names.push_back("localhost");
  const bool plain = args->flag("plain-http");
  if (plain && (args->value("tls-cert") || args->value("ca-out"))) {
    return usage_error("--plain-http takes no --tls-cert or --ca-out");
  }
  if (args->value("tls-cert").has_value() != args->value("tls-key").has_value()) {
    return usage_error("--tls-cert and --tls-key go together");
  }
  if (auto admin = args->value("admin-listen"); admin && !loopback(*admin)) {
    return usage_error("--admin-listen '" + *admin + "': must be a numeric loopback address (127.0.0.0/8 or [::1]) and port");
  }
  auto key_count = args->integer("keys", 1, 16);
  if (!key_count) return usage_error(key_count.error().message());
  auto known = measurements(*args);
  if (!known) return usage_error(known.error().message());

  maaemu::EmulatorConfig config;
  config.known_measurements = std::move(known).value();
  auto lifetime = args->integer("token-lifetime", 1, 366 * 86400);
  if (!lifetime) return usage_error(lifetime.error().message());
  if (*lifetime) config.token_lifetime_seconds = static_cast<std::int64_t>(**lifetime);
  auto service_time = args->integer("service-time-ms", 0, 60000);
  if (!service_time) return usage_error(service_time.error().message());
  if (*service_time) config.service_time_ms = static_cast<int>(**service_time);
  for (const auto& path : args->values("trust-sim-root")) {
    auto chain = client::load_product_chain(path, "snp-sim (" + path + ")");
    if (!chain) return fail(chain.error());
    config.roots.add(std::move(chain).value());
  }

  net::ServerOptions options;
  options.listen = args->value("listen").value_or("127.0.0.1:0");
  auto per_peer = args->integer("max-connections-per-peer", 0, 65536);
  if (!per_peer) return usage_error(per_peer.error().message());
  if (*per_peer) options.max_connections_per_peer = static_cast<std::size_t>(**per_peer);
  options.max_body_bytes = std::max(config.max_request_bytes, config.max_azureguest_request_bytes);
  if (!plain) {
    if (auto cert_path = args->value("tls-cert")) {
      auto chain = client::load_certificates(*cert_path);
      if (!chain) return fail(chain.error());
      auto key_text = read_text_file(*args->value("tls-key"));
      if (!key_text) return fail(key_text.error());
      auto key = crypto::PrivateKey::from_pem(*key_text);
      if (!key) return fail(key.error().with_context(*args->value("tls-key")));
      options.tls = net::TlsIdentity{*chain, *key};
    } else {
      auto identity = make_tls_identity(names, args->value("ca-out").value_or(""));
      if (!identity) return fail(identity.error());
      options.tls = std::move(identity).value();
    }
  }

  // Signals are taken synchronously below; block them before any thread starts.
  StopSignals stop_signals;  // before any thread starts

  // The emulator needs its URL, which needs the port: bind first, then serve.
  // Published to the server's threads once built; it outlives the servers (stopped below).
  std::unique_ptr<maaemu::Emulator> owner;
  std::atomic<maaemu::Emulator*> emulator{nullptr};
  auto log_and_handle = [&emulator](const net::HttpRequest& r) {
    maaemu::Emulator* emu = emulator.load();
    net::HttpResponse resp = emu ? emu->handle(r) : maaemu::cloud_error(503, "ServiceUnavailable", "starting");
    std::fprintf(stderr, "maa-emu: %s %s %d %s\n", r.method.c_str(), r.target.c_str(), resp.status, r.peer.c_str());
    return resp;
  };
  auto server = net::HttpServer::start(options, log_and_handle);
  if (!server) return fail(server.error());
  std::string scheme = plain ? "http" : "https";
  config.base_url = args->value("base-url").value_or(scheme + "://" + names.front() + ":" + std::to_string((*server)->port()));
  const std::string base_url = config.base_url;
  auto keys = maaemu::SigningKeys::generate(config.base_url, static_cast<int>(key_count->value_or(2)),
                                            args->value("seed").value_or(""));
  if (!keys) return fail(keys.error());
  owner = std::make_unique<maaemu::Emulator>(std::move(config), std::move(keys).value());
  emulator.store(owner.get());

  std::unique_ptr<net::HttpServer> admin;
  if (auto admin_listen = args->value("admin-listen")) {
    net::ServerOptions admin_options;
    admin_options.listen = *admin_listen;
    auto a = net::HttpServer::start(admin_options,
                                    [&emulator](const net::HttpRequest& r) { return emulator.load()->handle_admin(r); });
    if (!a) return fail(a.error());
    admin = std::move(a).value();
  }
  // The instance URL, not the listening address: the certificate names the host (localhost),
  // so https://127.0.0.1:PORT would fail its hostname check, and tokens name this issuer.
  std::fprintf(stderr, "maa-emu: serving %s at %s (listening on %s; admin: %s)\n", owner->keys().active().kid.c_str(),
               base_url.c_str(), (*server)->url().c_str(), admin ? admin->url().c_str() : "off");
  if (auto port_file = args->value("port-file")) {
    std::string ports = std::to_string((*server)->port()) + " " + (admin ? std::to_string(admin->port()) : "0") + "\n";
    if (Status s = write_file(*port_file, as_bytes(ports)); !s) return fail(s.error());
  }
  int sig = stop_signals.wait();
  std::fprintf(stderr, "maa-emu: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  if (admin) admin->stop();
  (*server)->stop();
  return 0;
}
