// attest verify-token: an MAA token, checked as BlindBox's client should have.
#include <unistd.h>

#include <iostream>

#include "core/args.h"
#include "client/cli/commands.h"
#include "client/cli/maa_keys.h"
#include "client/cli/output.h"
#include "client/cli/policy_flags.h"
#include "client/cli/vm_view.h"
#include "client/lib/maa_claims.h"
#include "client/lib/offline_checks.h"
#include "client/lib/maa_token.h"
#include "core/file.h"
#include "core/json.h"

namespace attestd::cli {

namespace {

constexpr const char* kHelp = R"(usage: attest verify-token TOKEN --maa URL [--jwks FILE] [--ca-file PEM] [--policy FILE]
                           [one-off checks, below] [--nonce STR] [--runtime-data FILE] [--at RFC3339] [--json]

Verifies a Microsoft Azure Attestation token (TOKEN is the token, a file holding it, or
- for standard input; a file or standard input may hold MAA's answer {"token": "..."}):
RS256 by a key of the MAA instance named by --maa (which is also the only accepted
issuer), its lifetime, then its SEV-SNP claims against the policy.
Both token shapes are understood: SevSnpVm (claims at the top level) and Azure guest
attestation (claims under x-ms-isolation-tee). An Azure guest (azurevm) token's VM
claims are checked too: every claim MAA always emits present (MissingClaim), no boot,
kernel or hypervisor debugging (DebugMode), secure boot (SecureBootDisabled), no test or
flight signing (TestSigningEnabled, FlightSigningEnabled), the policy's os_type
(OsTypeMismatch); and shown (secure boot, debugging, signing, OS, attested PCRs).

  --maa URL            the MAA instance, e.g. https://sharedweu.weu.attest.azure.net
  --allow-plain-http-maa
                       accept http://127.x.x.x:PORT or http://[::1]:PORT for --maa (a
                       local emulator); plain http to any other host is always refused
  --jwks FILE          that instance's keys from a file (a JWK Set); otherwise they are
                       fetched from URL/certs over HTTPS
  --ca-file PEM        CA bundle for fetching the keys (default: the system's)
  --policy FILE        JSON policy (docs/policy.md); default: not debuggable, no
                       migration agent, x-ms-compliance-status azure-compliant-cvm
  --nonce STR          the nonce sent with the attestation request (the "nonce" claim)
  --runtime-data FILE  JSON that x-ms-runtime must equal
  --at TIME            verify as of this RFC 3339 time instead of now
  --json               machine-readable result on stdout
)";

// A compact JWS is at most crypto::kMaxJwsSize; allow a little trailing whitespace.
constexpr std::size_t kMaxTokenInput = crypto::kMaxJwsSize + 1024;

// The token in what a user hands over (`what` names it in errors): the compact JWS
// itself, or the {"token": "..."} JSON that MAA's attest endpoints (and so curl) answer;
// surrounding whitespace is dropped. JSON without a "token" string is MalformedToken.
Result<std::string> token_from_text(std::string_view text, const std::string& what) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  if (text.empty() || text.front() != '{') return std::string(text);
  auto doc = parse_json(text, what);
  if (!doc) return Error(ErrorCode::MalformedToken, doc.error().message());
  if (!doc->isObject() || !(*doc)["token"].isString()) {
    return Error(ErrorCode::MalformedToken, what + ": JSON without a \"token\" string (expected MAA's answer, "
                                                   "{\"token\": \"eyJ...\"}, or the token itself)");
  }
  return (*doc)["token"].asString();
}

Result<std::string> read_token(const std::string& arg) {
  std::string text;
  std::string what = arg;
  if (arg == "-") {
    what = "standard input";
    auto t = read_text_stdin(kMaxTokenInput);
    if (!t) return t.error();
    text = *t;
  } else if (::access(arg.c_str(), F_OK) != 0 && arg.find('.') != std::string::npos &&
             arg.find('/') == std::string::npos) {
    text = arg;  // no such file, and shaped like a JWS (dots, no slash): the token itself
  } else {
    auto t = read_text_file(arg, kMaxTokenInput);
    if (!t) return t.error();
    text = *t;
  }
  return token_from_text(text, what);
}

void print_summary(const client::VerifiedToken& t, const client::SnpTokenClaims& snp, const std::string& policy) {
  const verify::GuestFacts& f = snp.facts;
  const Json::Value& tee = *snp.tee;
  auto row = print_row;
  std::cout << "OK: token verified and policy satisfied\n";
  row("issuer", t.issuer());
  row("signing key", t.kid());
  row("valid", (t.not_before() ? format_rfc3339(*t.not_before()) : std::string("?")) + " to " +
                   format_rfc3339(t.expires_at()));
  row("token shape", snp.shape == client::TokenShape::SevSnpVm ? "SevSnpVm (claims at the top level)"
                                                                : "Azure guest (claims under x-ms-isolation-tee)");
  row("policy", policy);
  row("compliance", tee["x-ms-compliance-status"].isString() ? tee["x-ms-compliance-status"].asString() : "(none)");
  row("debuggable", f.debug_allowed ? "yes" : "no");
  row("migration agent", f.migrate_ma_allowed ? "allowed" : "no");
  row("smt allowed", f.smt_allowed ? "yes" : "no");
  row("vmpl", std::to_string(f.vmpl));
  row("measurement", hex_encode(f.measurement));
  row("host data", hex_encode(f.host_data));
  row("report data", hex_encode(f.report_data));
  row("tcb (reported)", "bl=" + std::to_string(f.reported_tcb.bootloader) + " tee=" + std::to_string(f.reported_tcb.tee) +
                            " snp=" + std::to_string(f.reported_tcb.snp) + " ucode=" +
                            std::to_string(f.reported_tcb.microcode));
  row("guest svn", std::to_string(f.guest_svn));
  if (snp.vm) print_vm_rows(*snp.vm);
  if (tee.isMember("x-ms-runtime")) row("runtime data", json_compact(tee["x-ms-runtime"]).substr(0, 120));
  if (t.claims().isMember("nonce")) row("nonce", t.claims()["nonce"].asString());
}

}  // namespace

int cmd_verify_token(const std::vector<std::string>& argv) {
  Args command_args;
  std::vector<OptionSpec> specs = {{"maa", true}, {"jwks", true}, {"ca-file", true}, {"nonce", true},
                                   {"runtime-data", true}, {"at", true}, {"json"}, {"allow-plain-http-maa"}};
  for (OptionSpec& o : policy_option_specs(Evidence::Token)) specs.push_back(std::move(o));
  static const std::string help = std::string(kHelp) + policy_options_help(Evidence::Token);
  if (auto done = parse_command("verify-token", argv, help.c_str(), specs, 1, 1, command_args)) {
    return *done;
  }
  const Args* args = &command_args;
  const bool json = args->flag("json");
  auto fail = [&](const Error& e) { return report_error("verify-token", e, json); };
  if (!args->value("maa")) return fail(Error(ErrorCode::Usage, "--maa is required: the MAA instance you trust"));
  auto maa = client::normalize_maa_url(*args->value("maa"), args->flag("allow-plain-http-maa")
                                                                ? client::PlainHttp::LoopbackAllowed
                                                                : client::PlainHttp::Refused);
  if (!maa) return fail(maa.error());
  UnixTime at = now_unix();
  if (auto a = args->value("at")) {
    auto t = parse_rfc3339(*a);
    if (!t) return fail(Error(ErrorCode::Usage, "--at: " + t.error().message()));
    at = *t;
  }
  auto chosen = policy_from_args(*args, Evidence::Token, "default (not debuggable, no migration agent, azure-compliant-cvm)");
  if (!chosen) return fail(chosen.error());
  const verify::Policy& policy = chosen->policy;
  const std::string& policy_name = chosen->name;
  client::TokenExpectations expect;
  expect.nonce = args->value("nonce");
  if (auto path = args->value("runtime-data")) {
    auto text = read_text_file(*path, kMaxJsonSize);
    if (!text) return fail(text.error());
    auto doc = parse_json(*text, *path);
    if (!doc) return fail(doc.error());
    expect.runtime_data = std::move(doc).value();
  }
  auto token = read_token(args->positional()[0]);
  if (!token) return fail(token.error());
  auto keys = make_maa_keys(*maa, args->value("jwks"), args->value("ca-file").value_or(""));
  if (!keys) return fail(keys.error());

  auto verified = client::check_token_text(*token, *maa, **keys, at, policy, expect);
  if (!verified) return fail(verified.error());
  auto snp = client::snp_claims(*verified);  // succeeded inside check_token
  if (!snp) return fail(snp.error());
  if (json) {
    Json::Value out(Json::objectValue);
    out["ok"] = true;
    out["issuer"] = verified->issuer();
    out["kid"] = verified->kid();
    out["shape"] = snp->shape == client::TokenShape::SevSnpVm ? "SevSnpVm" : "AzureGuest";
    out["verified_at"] = format_rfc3339(at);
    out["policy"] = policy_name;
    if (snp->vm) out["vm"] = client::vm_facts_json(*snp->vm);
    out["claims"] = verified->claims();
    print_json(out);
  } else {
    print_summary(*verified, *snp, policy_name);
  }
  return 0;
}

}  // namespace attestd::cli
