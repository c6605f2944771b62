// attest connect / attest request: the BlindBox user's experience, with every check made.
#include <algorithm>
#include <iostream>
#include <map>

#include "client/cli/commands.h"
#include "client/cli/policy_flags.h"
#include "client/cli/maa_keys.h"
#include "client/cli/output.h"
#include "client/cli/vm_view.h"
#include "client/lib/agent_session.h"
#include "core/json.h"
#include "core/text.h"
#include "crypto/sha.h"

namespace attestd::cli {

namespace {

constexpr const char* kConnectHelp = R"(usage: attest connect https://HOST:PORT --maa URL [--jwks FILE] [--ca-file PEM]
                      [--policy FILE] [one-off checks, below] [--timeout SECONDS]
                      [--allow-plain-http-maa] [--json]

Connects to an attestd agent over attested TLS, sends a fresh nonce, and verifies the
answer: the MAA token (pinned instance, RS256, issuer, lifetime), the guest (SEV-SNP, not
debuggable, compliant, the policy), that x-ms-runtime is the agent's runtime data, that
our nonce is in its Merkle tree (NonceMismatch) and that the TLS key of this connection
is the attested key (ChannelBindingMismatch). On a vTPM (Azure-style CVM; the policy's
runtime_binding "vtpm-user-data"), also the measured boot: the TPM quote by the attested
key (QuoteInvalid), over this batch (NonceMismatch), the event log replayed to its PCRs
(EventLogMismatch), Secure Boot (SecureBootDisabled) and the policy's pcrs (PcrMismatch);
it warns when the policy pins no PCR. An Azure guest (azurevm) token's VM claims are
checked as attest verify-token does, and its client payload must carry this batch's
report data (NonceMismatch). Prints the verified claims, with the VM claims (secure
boot, debugging, signing, OS, attested PCRs) of an azurevm token.

  --maa URL               the MAA instance you trust (required), e.g.
                          https://sharedweu.weu.attest.azure.net
  --jwks FILE             that instance's keys from a file (a JWK Set); otherwise they
                          are fetched from URL/certs over HTTPS
  --ca-file PEM           CA bundle for fetching the keys (default: the system's)
  --policy FILE           JSON policy (docs/policy.md); default: not debuggable, no
                          migration agent, x-ms-compliance-status azure-compliant-cvm
  --timeout SECONDS       for each network step, 1 to 3600 (default 30)
  --allow-plain-http-maa  accept --maa http://127.x.x.x:PORT or http://[::1]:PORT (a local
                          emulator); plain http to any other host is always refused
  --json                  machine-readable result on stdout
)";

constexpr const char* kRequestHelp = R"(usage: attest request https://HOST:PORT/PATH --maa URL [-X METHOD] [-d DATA]
                      [-H 'Name: value' ...] [--jwks FILE] [--ca-file PEM] [--policy FILE]
                      [one-off checks, below] [--timeout SECONDS] [--allow-plain-http-maa]

Attests the agent exactly as `attest connect` does, then sends the request over that
same TLS connection and prints the application's answer (body on stdout; status on
stderr). Nothing is sent to the application unless every check passed.

  -X, --request METHOD    the HTTP method (default GET, or POST with -d)
  -d, --data DATA         the request body (Content-Type application/json unless -H
                          gives one)
  -H, --header 'K: V'     a request header (repeatable)
  --maa URL               the MAA instance you trust (required)
  --jwks FILE             that instance's keys from a file (a JWK Set); otherwise they
                          are fetched from URL/certs over HTTPS
  --ca-file PEM           CA bundle for fetching the keys (default: the system's)
  --policy FILE           JSON policy (docs/policy.md), as for `attest connect`
  --timeout SECONDS       for each network step, 1 to 3600 (default 30)
  --allow-plain-http-maa  accept a loopback http:// --maa (a local emulator)
)";

constexpr std::uint64_t kMaxTimeoutSeconds = 3600;

std::vector<OptionSpec> common_specs() {
  std::vector<OptionSpec> specs = {{"maa", true}, {"jwks", true}, {"ca-file", true}, {"timeout", true},
                                   {"allow-plain-http-maa"}};
  for (OptionSpec& o : policy_option_specs(Evidence::Token)) specs.push_back(std::move(o));
  return specs;
}
const std::vector<OptionSpec> kCommon = common_specs();

// A command's help with the one-off policy checks appended.
const char* with_policy_flags(const char* help) {
  static std::map<const char*, std::string> texts;
  auto [it, fresh] = texts.try_emplace(help, help);
  if (fresh) it->second += std::string("\n") + policy_options_help(Evidence::Token);
  return it->second.c_str();
}

struct Setup {
  client::AgentEndpoint endpoint;
  client::SessionOptions options;
  std::unique_ptr<client::MaaKeySource> keys;
};

Result<Setup> setup(const Args& args) {
  Setup s;
  auto endpoint = client::parse_agent_url(args.positional()[0]);
  if (!endpoint) return endpoint.error();
  s.endpoint = std::move(endpoint).value();
  if (!args.value("maa")) return Error(ErrorCode::Usage, "--maa is required: the MAA instance you trust");
  auto maa = client::normalize_maa_url(*args.value("maa"), args.flag("allow-plain-http-maa")
                                                               ? client::PlainHttp::LoopbackAllowed
                                                               : client::PlainHttp::Refused);
  if (!maa) return maa.error();
  s.options.maa_url = *maa;
  auto chosen = policy_from_args(args, Evidence::Token, "default");
  if (!chosen) return chosen.error();
  s.options.policy = std::move(chosen->policy);
  auto timeout = args.integer("timeout", 1, kMaxTimeoutSeconds);
  if (!timeout) return timeout.error();
  if (*timeout) s.options.timeout_ms = static_cast<int>(**timeout * 1000);
  auto keys = make_maa_keys(*maa, args.value("jwks"), args.value("ca-file").value_or(""));
  if (!keys) return keys.error();
  s.keys = std::move(keys).value();
  return s;
}

void print_session(const client::AgentSession& session, const client::AgentEndpoint& endpoint) {
  const verify::GuestFacts& f = session.claims().facts;
  auto row = print_row;
  print_line(std::cout, "OK: " + endpoint.host + ":" + std::to_string(endpoint.port) + " is an attested SEV-SNP VM");
  row("issuer", session.token().issuer());
  row("token valid until", format_rfc3339(session.token().expires_at()));
  const Json::Value& tee = *session.claims().tee;
  row("compliance", tee["x-ms-compliance-status"].isString() ? tee["x-ms-compliance-status"].asString() : "(none required)");
  row("debuggable", f.debug_allowed ? "yes" : "no");
  row("vmpl", std::to_string(f.vmpl));
  row("measurement", hex_encode(f.measurement));
  row("host data", hex_encode(f.host_data));
  row("tcb (reported)", "bl=" + std::to_string(f.reported_tcb.bootloader) + " tee=" +
                            std::to_string(f.reported_tcb.tee) + " snp=" + std::to_string(f.reported_tcb.snp) +
                            " ucode=" + std::to_string(f.reported_tcb.microcode));
  if (const auto& vm = session.claims().vm) print_vm_rows(*vm);
  row("freshness", "our nonce is leaf " + std::to_string(session.proof().index) + " of " +
                       std::to_string(session.proof().count) + " under root " +
                       hex_encode(session.runtime().merkle_root).substr(0, 16) + "…");
  row("channel", "this TLS connection's key is the attested key (" +
                     hex_encode(crypto::sha256(session.runtime().tls_key.spki_der())).substr(0, 16) + "…)");
  if (const auto& boot = session.boot()) {
    std::string quoted;
    for (const auto& [pcr, value] : boot->pcrs) quoted += (quoted.empty() ? "" : ",") + std::to_string(pcr);
    row("measured boot", "a quote of PCRs " + quoted + " by the attested vTPM key, over this batch; " +
                             std::to_string(boot->log.events.size()) + " logged events replay to it");
    row("secure boot", !boot->secure_boot ? "unknown (the event log has no SecureBoot measurement)"
                       : *boot->secure_boot ? "on"
                                            : "off");
    for (unsigned pcr : {4u, 7u, 11u}) {
      auto v = boot->pcrs.find(pcr);
      if (v != boot->pcrs.end()) row("pcr " + std::to_string(pcr), hex_encode(v->second));
    }
  }
}

// On the vTPM path the SNP measurement is the paravisor's firmware: only pinned PCRs say
// which code booted.
void warn_if_code_unpinned(const client::AgentSession& session, const verify::Policy& policy, const char* command) {
  if (!session.boot() || !policy.pcrs.empty()) return;
  print_line(std::cerr, std::string("attest ") + command +
                            ": warning: the policy pins no PCR, so the guest's code is not checked: on a vTPM "
                            "(Azure) the SNP measurement covers only the paravisor and firmware. Pin PCRs 4, 7 "
                            "and 11 (attest measure --uki; docs/measured-boot.md).");
}

}  // namespace

int cmd_connect(const std::vector<std::string>& argv) {
  std::vector<OptionSpec> specs = kCommon;
  specs.push_back({"json"});
  Args args;
  if (auto done = parse_command("connect", argv, with_policy_flags(kConnectHelp), specs, 1, 1, args)) return *done;
  const bool json = args.flag("json");
  auto s = setup(args);
  if (!s) return report_error("connect", s.error(), json);
  auto session = client::AgentSession::establish(s->endpoint, *s->keys, s->options);
  if (!session) return report_error("connect", session.error(), json);
  warn_if_code_unpinned(*session, s->options.policy, "connect");
  if (json) {
    Json::Value out = client::session_json(*session, s->endpoint);
    out["ok"] = true;
    print_json(out);
  } else {
    print_session(*session, s->endpoint);
  }
  return 0;
}

int cmd_request(const std::vector<std::string>& argv) {
  std::vector<OptionSpec> specs = kCommon;
  specs.push_back({"request", true, false, 'X'});
  specs.push_back({"data", true, false, 'd'});
  specs.push_back({"header", true, true, 'H'});
  Args args;
  if (auto done = parse_command("request", argv, with_policy_flags(kRequestHelp), specs, 1, 1, args)) return *done;
  auto s = setup(args);
  if (!s) return report_error("request", s.error(), false);
  net::HeaderList headers;
  for (const auto& h : args.values("header")) {
    std::size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return report_error("request", Error(ErrorCode::Usage, "-H '" + h + "' is not 'Name: value'"), false);
    }
    std::string value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers.emplace_back(h.substr(0, colon), value);
  }
  std::string data = args.value("data").value_or("");
  std::string method = args.value("request").value_or(data.empty() ? "GET" : "POST");
  bool has_type = std::any_of(headers.begin(), headers.end(),
                              [](const auto& h) { return iequals(h.first, "content-type"); });
  if (!data.empty() && !has_type) headers.emplace_back("Content-Type", "application/json");
  auto session = client::AgentSession::establish(s->endpoint, *s->keys, s->options);
  if (!session) return report_error("request", session.error(), false);
  warn_if_code_unpinned(*session, s->options.policy, "request");
  auto answer = session->request(method, s->endpoint.target, headers, data);
  if (!answer) return report_error("request", answer.error(), false);
  print_line(std::cerr, "attest request: attested; " + method + " " + s->endpoint.target + " -> HTTP " +
                           std::to_string(answer->status));
  print_payload(answer->body);
  return answer->status >= 200 && answer->status < 300 ? 0 : exit_code(ErrorCode::NetworkError);
}

}  // namespace attestd::cli
