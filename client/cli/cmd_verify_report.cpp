// attest verify-report: signature, chain to AMD's roots, KDS extensions, then policy.
#include <iostream>
#include <sstream>

#include "core/args.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/lib/evidence_files.h"
#include "client/lib/offline_checks.h"
#include "client/lib/report_view.h"
#include "core/file.h"
#include "core/json.h"
#include "client/cli/policy_flags.h"
#include "crypto/crl.h"
#include "hal/kds_crl.h"
#include "verify/policy.h"
#include "verify/report_verifier.h"
#include "verify/revocation.h"

namespace attestd::cli {

namespace {

constexpr const char* kHelp = R"(usage: attest verify-report REPORT --certs FILE [--certs FILE ...]
                            [--policy FILE] [--measurement HEX ...] [--host-data HEX]
                            [--cce-policy FILE] [--report-data HEX] [--id-key-digest HEX ...]
                            [--author-key-digest HEX ...] [--at RFC3339]
                            [--trust-sim-root PEM] [--crl FILE|fetch [--kds-url URL]] [--json]

Verifies an SEV-SNP report (or the report inside an Azure HCL report, whose runtime
claims must then be bound by REPORT_DATA): the VCEK/VLEK certificate chain up to AMD's
pinned root of the product, the report signature, REPORTED_TCB and CHIP_ID against the
certificate, then the policy. Exits 0 only when everything holds; otherwise with the
exit code of the first failure (attest errors lists them).

  --certs FILE          VCEK or VLEK, optionally with ASK/ASVK/ARK: PEM (one or more),
                        DER, or an extended-report certificate table; repeatable
  --policy FILE         JSON policy (docs/policy.md); default: reject debuggable guests
@POLICY_FLAGS@  --at TIME             verify as of this RFC 3339 time instead of now
  --crl FILE|fetch      also check revocation: the ARK's CRL (DER or PEM) from FILE, or
                        fetched from KDS; it must be signed by the chain's ARK and current
                        at --at, and revoke neither the ASK/ASVK nor the VCEK/VLEK
  --kds-url URL         KDS to fetch the CRL from (default https://kdsintf.amd.com)
  --trust-sim-root PEM  also trust this ASK/ARK(/ASVK) bundle (snp-sim test roots);
                        never trusted unless named here
  --json                machine-readable result on stdout
)";

// --crl FILE|fetch against the verified chain: what was found, or CrlInvalid,
// CrlUnavailable, CertificateRevoked.
Result<std::string> check_revocation(const std::string& source, const std::optional<std::string>& kds_url,
                                     const verify::VerifiedReport& v, UnixTime at) {
  Result<crypto::RevocationList> crl = Error(ErrorCode::CrlUnavailable, "none");
  std::string origin;
  if (source == "fetch") {
    hal::VcekSourceOptions o;
    if (kds_url) o.kds_base = *kds_url;
    o.at = at;
    crl = hal::fetch_crl(v.product(), v.signing_key(), v.chain().ark, o);
    origin = "KDS";
  } else {
    crl = client::load_crl(source);
    origin = source;
  }
  if (!crl) return crl.error();
  if (Status s = verify::check_revocation(*crl, v.chain(), v.signing_certificate(), v.signing_key(), at); !s) {
    return s.error();
  }
  return "not revoked (CRL from " + origin + ", valid until " + format_rfc3339(crl->next_update()) + ")";
}

std::string help_text() {
  std::string h = kHelp;
  h.replace(h.find("@POLICY_FLAGS@"), 14, policy_options_help(Evidence::Report));
  return h;
}

}  // namespace

int cmd_verify_report(const std::vector<std::string>& argv) {
  Args command_args;
  std::vector<OptionSpec> specs = {{"certs", true, true}, {"at", true},   {"trust-sim-root", true, true},
                                   {"crl", true},          {"kds-url", true}, {"json"}};
  for (OptionSpec& o : policy_option_specs(Evidence::Report)) specs.push_back(std::move(o));
  static const std::string help = help_text();
  if (auto done = parse_command("verify-report", argv, help.c_str(), specs, 1, 1, command_args)) {
    return *done;
  }
  const Args* args = &command_args;
  const bool json = args->flag("json");
  auto fail = [&](const Error& e) { return report_error("verify-report", e, json); };

  if (args->values("certs").empty()) {
    return fail(Error(ErrorCode::Usage, "--certs is required (the VCEK or VLEK, and optionally ASK/ARK)"));
  }
  verify::VerifyOptions options;
  if (auto at = args->value("at")) {
    auto t = parse_rfc3339(*at);
    if (!t) return fail(Error(ErrorCode::Usage, "--at: " + t.error().message()));
    options.at = *t;
  }
  verify::RootStore store = verify::RootStore::amd();
  for (const auto& path : args->values("trust-sim-root")) {
    auto chain = client::load_product_chain(path, "trusted by --trust-sim-root " + path);
    if (!chain) return fail(chain.error());
    store.add(std::move(chain).value());
  }
  options.roots = &store;

  auto chosen = policy_from_args(*args, Evidence::Report, "default (no debug, no migration agent)");
  if (!chosen) return fail(chosen.error());
  const verify::Policy& policy = chosen->policy;
  const std::string& policy_name = chosen->name;

  auto file = read_file(args->positional()[0], client::kMaxEvidenceFile);
  if (!file) return fail(file.error());
  std::vector<crypto::Certificate> certs;
  for (const auto& path : args->values("certs")) {
    auto c = client::load_certificates(path);
    if (!c) return fail(c.error());
    certs.insert(certs.end(), c->begin(), c->end());
  }

  auto checked = client::check_report_file(*file, args->positional()[0], certs, policy, options);
  if (!checked) return fail(checked.error());

  const auto& v = checked->verified;
  const auto& leaf = v.signing_certificate();
  std::string revocation = "not checked (no --crl)";
  if (auto crl_arg = args->value("crl")) {
    auto checked_crl = check_revocation(*crl_arg, args->value("kds-url"), v, options.at);
    if (!checked_crl) return fail(checked_crl.error());
    revocation = *checked_crl;
  }
  if (json) {
    Json::Value out = client::checked_report_json(*checked, options.at);
    out["ok"] = true;
    out["policy"] = policy_name;
    out["revocation"] = revocation;
    print_json(out);
    return 0;
  }
  std::ostringstream text;
  text << "OK: report verified and policy satisfied\n"
            << "  product               " << snp::product_name(v.product()) << "\n"
            << "  signed by             " << verify::key_kind_name(v.signing_key()) << " (valid "
            << format_rfc3339(leaf.not_before()) << " to " << format_rfc3339(leaf.not_after()) << ")\n"
            << "  chain                 " << v.chain().ask.subject_common_name() << " <- "
            << v.chain().ark.subject_common_name() << " (" << v.chain().origin << ")\n"
            << "  verified at           " << format_rfc3339(options.at) << "\n"
            << "  policy                " << policy_name << "\n"
            << "  revocation            " << revocation << "\n";
  if (checked->hcl) text << "  runtime claims        bound by REPORT_DATA (Azure HCL report)\n";
  text << "\n" << client::report_table(v.report(), v.product());
  print_block(std::cout, text.str());
  return 0;
}

}  // namespace attestd::cli
