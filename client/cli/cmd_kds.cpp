// The commands snpguest users expect: attest fetch ca|vcek|crl (AMD KDS, or a local one),
// attest export-certs (an extended report's certificate table to files) and
// attest verify-chain (a certificate chain alone, without a report).
#include <filesystem>
#include <iostream>
#include <sstream>

#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/lib/evidence_files.h"
#include "core/file.h"
#include "crypto/crl.h"
#include "hal/kds_crl.h"
#include "hal/snp/cert_table.h"
#include "hal/snp/report.h"
#include "hal/vcek_sources.h"
#include "verify/chain.h"
#include "verify/revocation.h"

namespace attestd::cli {

namespace {

constexpr const char* kFetchHelp = R"(usage: attest fetch ca PRODUCT --out DIR [--vlek] [--kds-url URL] [--trust-sim-root PEM]
       attest fetch vcek REPORT --out DIR [--product P] [--kds-url URL] [--cache DIR]
                         [--at RFC3339] [--trust-sim-root PEM]
       attest fetch crl PRODUCT --out DIR [--vlek] [--kds-url URL] [--cache DIR]
                        [--at RFC3339] [--trust-sim-root PEM]

Fetches from AMD KDS and keeps only what checks out against the pinned roots:
  ca    the product's CA chain (/vcek/v1/P/cert_chain; --vlek: /vlek/v1/P/cert_chain),
        which must be the pinned one: writes ark.pem and ask.pem (asvk.pem)
  vcek  the VCEK of a report (product, CHIP_ID, REPORTED_TCB), checked like
        verify-report checks it: writes vcek.der
  crl   the product's revocation list, signed by the pinned ARK and current: writes crl.der

  --out DIR             where the files go (created if needed)
  --kds-url URL         the KDS (default https://kdsintf.amd.com)
  --cache DIR           the KDS disk cache (VCEKs; CRLs until their nextUpdate)
  --product P           Milan, Genoa or Turin, for reports that do not name it (v2)
  --vlek                the VLEK chain's CA or CRL instead of the VCEK's
  --at TIME             check validity as of this RFC 3339 time instead of now
  --trust-sim-root PEM  also trust this ASK/ARK(/ASVK) bundle (snp-sim test roots)
)";

constexpr const char* kExportHelp = R"(usage: attest export-certs CERT_TABLE --out DIR

Writes each certificate of an extended report's certificate table (SNP_GET_EXT_REPORT's
certificate buffer, configfs-tsm's auxblob) to DIR, named by its GUID as snpguest names
them: vcek.der, vlek.der, ask.der, ark.der, and <guid>.der for any other entry. Prints
one line per file.

  --out DIR  where the files go (created if needed)
)";

constexpr const char* kVerifyChainHelp = R"(usage: attest verify-chain --certs FILE [--certs FILE ...] [--at RFC3339]
                          [--crl FILE] [--trust-sim-root PEM] [--json]

Verifies a certificate chain without a report: the VCEK (or VLEK) of the files by the
ASK (ASVK), the ASK by the ARK, the ARK pinned for the VCEK's product (AMD's are compiled
in), every certificate's role and validity at --at; any ASK/ARK supplied must be the
pinned chain's. With --crl, also the ARK's revocation list (verify-report --crl).

  --certs FILE          certificates: PEM (one or more), DER, or a certificate table
  --at TIME             verify as of this RFC 3339 time instead of now
  --crl FILE            the ARK's CRL (DER or PEM) to check the chain against
  --trust-sim-root PEM  also trust this ASK/ARK(/ASVK) bundle (snp-sim test roots)
  --json                machine-readable result on stdout
)";

Status write_out(const std::string& dir, const std::string& name, ByteView data, std::vector<std::string>& written) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = dir + "/" + name;
  if (Status s = write_file(path, data); !s) return s;
  written.push_back(path);
  return ok_status();
}

Result<UnixTime> at_of(const Args& args) {
  auto at = args.value("at");
  if (!at) return now_unix();
  auto t = parse_rfc3339(*at);
  if (!t) return Error(ErrorCode::Usage, "--at: " + t.error().message());
  return *t;
}

Status add_sim_roots(const Args& args, verify::RootStore& store) {
  for (const auto& path : args.values("trust-sim-root")) {
    auto chain = client::load_product_chain(path, "trusted by --trust-sim-root " + path);
    if (!chain) return chain.error();
    store.add(std::move(chain).value());
  }
  return ok_status();
}

Result<snp::Product> product_arg(const std::string& name) {
  auto p = snp::product_from_name(name);
  if (!p) return Error(ErrorCode::Usage, "product '" + name + "': expected Milan, Genoa or Turin");
  return *p;
}

// The chain of `product` to fetch for: the one trusted last, so that --trust-sim-root's
// chain is the one a test's local KDS is checked against, else AMD's.
Result<const verify::ProductChain*> pinned(const verify::RootStore& store, snp::Product product) {
  auto chains = store.for_product(product);
  if (chains.empty()) {
    return Error(ErrorCode::UntrustedChain, "no trusted root for " + std::string(snp::product_name(product)));
  }
  return chains.back();
}

void print_written(const std::vector<std::string>& written) {
  for (const auto& path : written) std::cout << path << "\n";
}

int fetch_ca(const Args& args, const hal::VcekSourceOptions& o, const verify::RootStore& store, bool vlek) {
  auto fail = [&](const Error& e) { return report_error("fetch ca", e, false); };
  auto product = product_arg(args.positional()[1]);
  if (!product) return fail(product.error());
  const std::string url = o.kds_base + (vlek ? "/vlek/v1/" : "/vcek/v1/") +
                          std::string(snp::product_name(*product)) + "/cert_chain";
  auto body = hal::kds_get(url, o);
  if (!body) return fail(body.error());
  auto certs = crypto::Certificate::parse_all(*body);
  if (!certs) return fail(certs.error().with_context(url));
  auto chain = pinned(store, *product);
  if (!chain) return fail(chain.error());
  std::vector<std::string> written;
  bool have_ark = false, have_issuer = false;
  for (const auto& cert : *certs) {
    if (Status s = verify::check_supplied_ca(cert, **chain, o.at); !s) return fail(s.error().with_context(url));
  }
  for (const auto& cert : *certs) {
    const bool is_ark = cert.is_self_issued();
    const char* name = is_ark ? "ark.pem" : (vlek ? "asvk.pem" : "ask.pem");
    if (Status s = write_out(args.value("out").value(), name, as_bytes(cert.pem()), written); !s) return fail(s.error());
    (is_ark ? have_ark : have_issuer) = true;
  }
  if (!have_ark || !have_issuer) {
    return fail(Error(ErrorCode::MissingCertificate, url + " did not serve both the " + (vlek ? "ASVK" : "ASK") +
                                                         " and the ARK"));
  }
  print_written(written);
  return 0;
}

int fetch_vcek(const Args& args, hal::VcekSourceOptions o) {
  auto fail = [&](const Error& e) { return report_error("fetch vcek", e, false); };
  auto file = read_file(args.positional()[1], client::kMaxEvidenceFile);
  if (!file) return fail(file.error());
  auto report = snp::parse_report(*file);
  if (!report) return fail(report.error());
  snp::Product product = snp::Product::Unknown;
  if (auto p = args.value("product")) {
    auto parsed = product_arg(*p);
    if (!parsed) return fail(parsed.error());
    product = *parsed;
  }
  o.use_certificate_table = false;
  auto chain = hal::find_vcek(hal::vcek_query(*report, product), {}, o);
  if (!chain) return fail(chain.error());
  std::vector<std::string> written;
  if (Status s = write_out(args.value("out").value(), "vcek.der", chain->vcek.der(), written); !s) {
    return fail(s.error());
  }
  print_written(written);
  return 0;
}

int fetch_crl(const Args& args, const hal::VcekSourceOptions& o, const verify::RootStore& store, bool vlek) {
  auto fail = [&](const Error& e) { return report_error("fetch crl", e, false); };
  auto product = product_arg(args.positional()[1]);
  if (!product) return fail(product.error());
  auto chain = pinned(store, *product);
  if (!chain) return fail(chain.error());
  auto crl = hal::fetch_crl(*product, vlek ? verify::KeyKind::Vlek : verify::KeyKind::Vcek, (*chain)->ark, o);
  if (!crl) return fail(crl.error());
  std::vector<std::string> written;
  if (Status s = write_out(args.value("out").value(), "crl.der", crl->der(), written); !s) return fail(s.error());
  print_written(written);
  return 0;
}

}  // namespace

int cmd_fetch(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("fetch", argv, kFetchHelp,
                                {{"out", true}, {"kds-url", true}, {"cache", true}, {"product", true}, {"vlek"},
                                 {"at", true}, {"trust-sim-root", true, true}},
                                2, 2, args)) {
    return *done;
  }
  const std::string what = args.positional()[0];
  auto fail = [&](const Error& e) { return report_error("fetch", e, false); };
  if (what != "ca" && what != "vcek" && what != "crl") {
    return fail(Error(ErrorCode::Usage, "fetch '" + what + "': expected ca, vcek or crl"));
  }
  if (!args.value("out")) return fail(Error(ErrorCode::Usage, "--out DIR is required"));
  auto at = at_of(args);
  if (!at) return fail(at.error());
  verify::RootStore store = verify::RootStore::amd();
  if (Status s = add_sim_roots(args, store); !s) return fail(s.error());
  hal::VcekSourceOptions o;
  o.kds_base = args.value("kds-url").value_or(hal::kAmdKdsBase);
  o.cache_dir = args.value("cache").value_or("");
  o.roots = &store;
  o.at = *at;
  const bool vlek = args.flag("vlek");
  if (what == "ca") return fetch_ca(args, o, store, vlek);
  if (what == "vcek") return fetch_vcek(args, o);
  return fetch_crl(args, o, store, vlek);
}

Result<std::vector<std::string>> write_certificates(const std::vector<snp::CertTableEntry>& table,
                                                    const std::string& dir) {
  std::vector<std::string> written;
  for (const auto& entry : table) {
    std::string name = entry.guid == snp::kVcekGuid   ? "vcek.der"
                       : entry.guid == snp::kVlekGuid ? "vlek.der"
                       : entry.guid == snp::kAskGuid  ? "ask.der"
                       : entry.guid == snp::kArkGuid  ? "ark.der"
                                                      : snp::guid_to_string(entry.guid) + ".der";
    if (Status s = write_out(dir, name, entry.data, written); !s) return s.error();
  }
  return written;
}

int cmd_export_certs(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("export-certs", argv, kExportHelp, {{"out", true}}, 1, 1, args)) return *done;
  auto fail = [&](const Error& e) { return report_error("export-certs", e, false); };
  if (!args.value("out")) return fail(Error(ErrorCode::Usage, "--out DIR is required"));
  auto file = read_file(args.positional()[0], client::kMaxEvidenceFile);
  if (!file) return fail(file.error());
  auto table = snp::parse_cert_table(*file);
  if (!table) return fail(table.error());
  auto written = write_certificates(*table, *args.value("out"));
  if (!written) return fail(written.error());
  print_written(*written);
  return 0;
}

int cmd_verify_chain(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("verify-chain", argv, kVerifyChainHelp,
                                {{"certs", true, true}, {"at", true}, {"crl", true}, {"trust-sim-root", true, true},
                                 {"json"}},
                                0, 0, args)) {
    return *done;
  }
  const bool json = args.flag("json");
  auto fail = [&](const Error& e) { return report_error("verify-chain", e, json); };
  if (args.values("certs").empty()) return fail(Error(ErrorCode::Usage, "--certs is required"));
  auto at = at_of(args);
  if (!at) return fail(at.error());
  verify::RootStore store = verify::RootStore::amd();
  if (Status s = add_sim_roots(args, store); !s) return fail(s.error());

  std::vector<crypto::Certificate> certs;
  for (const auto& path : args.values("certs")) {
    auto c = client::load_certificates(path);
    if (!c) return fail(c.error());
    certs.insert(certs.end(), c->begin(), c->end());
  }
  const crypto::Certificate* leaf = nullptr;
  for (const auto& c : certs) {
    if (verify::signing_key_kind(c)) {
      if (leaf) return fail(Error(ErrorCode::Usage, "more than one VCEK/VLEK given: verify one chain at a time"));
      leaf = &c;
    }
  }
  if (!leaf) return fail(Error(ErrorCode::MissingCertificate, "no VCEK or VLEK among the certificates"));
  auto ext = verify::read_kds_extensions(*leaf);
  if (!ext) return fail(ext.error());
  auto signing = verify::verify_signing_chain(*leaf, ext->kind, ext->product, store, *at);
  if (!signing) return fail(signing.error());
  const verify::ProductChain& chain = *signing->chain;
  for (const auto& c : certs) {
    if (&c == leaf) continue;
    if (Status s = verify::check_supplied_ca(c, chain, *at); !s) return fail(s.error());
  }
  std::string revocation = "not checked (no --crl)";
  if (auto path = args.value("crl")) {
    auto crl = client::load_crl(*path);
    if (!crl) return fail(crl.error());
    if (Status s = verify::check_revocation(*crl, chain, *leaf, ext->kind, *at); !s) return fail(s.error());
    revocation = "not revoked (CRL valid until " + format_rfc3339(crl->next_update()) + ")";
  }
  const crypto::Certificate& issuer = ext->kind == verify::KeyKind::Vcek ? chain.ask : *chain.asvk;
  if (json) {
    Json::Value out(Json::objectValue);
    out["ok"] = true;
    out["product"] = ext->product_name;
    out["signing_key"] = std::string(verify::key_kind_name(ext->kind));
    out["chain"] = leaf->subject_common_name() + " <- " + issuer.subject_common_name() + " <- " +
                   chain.ark.subject_common_name();
    out["root_origin"] = chain.origin;
    out["valid_from"] = format_rfc3339(signing->valid_from);
    out["valid_to"] = format_rfc3339(signing->valid_to);
    out["verified_at"] = format_rfc3339(*at);
    out["revocation"] = revocation;
    print_json(out);
    return 0;
  }
  std::ostringstream text;
  text << "OK: certificate chain verified\n"
       << "  product               " << ext->product_name << "\n"
       << "  chain                 " << verify::key_kind_name(ext->kind) << " '" << leaf->subject_common_name()
       << "' <- " << issuer.subject_common_name() << " <- " << chain.ark.subject_common_name() << " ("
       << chain.origin << ")\n"
       << "  valid                 " << format_rfc3339(signing->valid_from) << " to "
       << format_rfc3339(signing->valid_to) << "\n"
       << "  verified at           " << format_rfc3339(*at) << "\n"
       << "  revocation            " << revocation << "\n";
  print_block(std::cout, text.str());
  return 0;
}

}  // namespace attestd::cli
