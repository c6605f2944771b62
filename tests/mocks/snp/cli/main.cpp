// snp-sim: make a test AMD identity (keys and a KDS-like certificate chain) and sign
// SEV-SNP attestation reports with it. For tests and demos only: its chain is not AMD's.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/args.h"
#include "core/bytes.h"
#include "core/error.h"
#include "core/file.h"
#include "crypto/base64.h"
#include "tests/mocks/snp/cli/frontends.h"
#include "tests/mocks/snp/cli/paravisor_service.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {
namespace {

constexpr const char* kUsage =
    "usage: snp-sim keygen --out DIR [--product Milan|Genoa|Turin] [--seed S]\n"
    "                      [--tcb bl=3,tee=0,snp=8,ucode=115[,fmc=1]] [--chip-id HEX]\n"
    "       snp-sim report --keys DIR --out FILE [--version 2|3|5] [--policy 0xHEX] [--debug]\n"
    "                      [--measurement HEX] [--host-data HEX] [--report-data HEX]\n"
    "                      [--vmpl N] [--guest-svn N] [--vlek] [--reported-tcb bl=..,...]\n"
    "       snp-sim serve --keys DIR [--sev-guest NAME] [--tsm DIR] [--ready-file FILE]\n"
    "                      [--policy 0xHEX] [--debug] [--measurement HEX] [--host-data HEX]\n"
    "                      [--version N] [--guest-svn N] [--vlek] [--reported-tcb bl=..,...]\n"
    "                      [--id-block B64 --id-auth B64 [--author-key-enabled on|off]]\n"
    "       snp-sim paravisor --keys DIR [--tpm /dev/tpmrm0] [--ready-file FILE] [--report-ms MS]\n"
    "                      [--policy 0xHEX] [--debug] [--measurement HEX] [--host-data HEX]\n"
    "                      [--version N] [--guest-svn N] [--vlek] [--reported-tcb bl=..,...]\n"
    "\n"
    "keygen writes a TEST-ONLY ARK/ASK/ASVK/VCEK/VLEK chain and keys (deterministic for a\n"
    "seed) to DIR; report writes a 1184-byte SNP attestation report signed by DIR's VCEK\n"
    "(or VLEK with --vlek). --tcb and --reported-tcb change the named SVNs of the default\n"
    "(--reported-tcb: of the identity's TCB; a different one makes a TcbMismatch).\n"
    "--measurement is 48 bytes, --host-data 32, --report-data up to 64 (zero-padded),\n"
    "--chip-id 64 bytes (Turin: 8 or 64).\n"
    "--id-block and --id-auth launch the guest with an ID block, as QEMU's sev-snp-guest\n"
    "object passes it (attest measure --id-key signs one): it is checked as the firmware\n"
    "does (the ID key's signature, with --author-key-enabled on the author key's, LD =\n"
    "--measurement, POLICY = --policy); a failed check refuses the launch, naming it (exit:\n"
    "that error's code). Every report then carries the block's FAMILY_ID, IMAGE_ID,\n"
    "GUEST_SVN and key digests.\n"
    "serve is a guest's firmware (root): a CUSE device /dev/NAME with the sev-guest ioctls\n"
    "and/or a FUSE file system with configfs-tsm's layout mounted at DIR (as\n"
    "/sys/kernel/config/tsm), signing every report with DIR's keys and the fields given;\n"
    "it runs until SIGTERM.\n"
    "paravisor is Azure's paravisor for a guest with a real TPM (root): it provisions the AK\n"
    "at 0x81000003 and the HCL report at NV 0x01400001 (an SNP report signed with DIR's keys\n"
    "and the fields given) and republishes it whenever NV 0x01400002 (user data) changes,\n"
    "until SIGTERM. Exit 0 on success, 2 on a bad command line.\n"
    "\n"
    "  --out DIR|FILE        keygen: the identity's folder; report: the report file\n"
    "  --product NAME        keygen: Milan (default), Genoa or Turin\n"
    "  --seed S              keygen: derive the identity's keys from S (deterministic)\n"
    "  --tcb LIST            keygen: the identity's TCB, e.g. bl=3,tee=0,snp=8,ucode=115\n"
    "                        (Turin adds fmc=N)\n"
    "  --chip-id HEX         keygen: CHIP_ID, 64 bytes (Turin: 8 or 64)\n"
    "  --keys DIR            the identity keygen wrote, whose VCEK (or VLEK) signs\n"
    "  --version N           the report version, 2, 3 or 5 (default: Milan and Genoa 3,\n"
    "                        Turin 5)\n"
    "  --policy 0xHEX        the guest POLICY (default 0x30000)\n"
    "  --debug               set the POLICY's DEBUG bit (19)\n"
    "  --measurement HEX     MEASUREMENT, 48 bytes\n"
    "  --host-data HEX       HOST_DATA, 32 bytes\n"
    "  --report-data HEX     report: REPORT_DATA, up to 64 bytes (zero-padded)\n"
    "  --vmpl N              report: the VMPL the report was requested at\n"
    "  --guest-svn N         GUEST_SVN (not with --id-block: the block sets it)\n"
    "  --id-block B64        the ID block (0x60 bytes, base64), as QEMU's id-block=\n"
    "  --id-auth B64         its ID_AUTH_INFO (0x1000 bytes, base64), as QEMU's id-auth=\n"
    "  --author-key-enabled on|off  whether the author key signed the ID key (default\n"
    "                        off, as QEMU's author-key-enabled)\n"
    "  --reported-tcb LIST   REPORTED_TCB: these SVNs replace the identity's\n"
    "  --vlek                sign with the VLEK instead of the VCEK\n"
    "  --sev-guest NAME      serve: the CUSE device /dev/NAME\n"
    "  --tsm DIR             serve: where to mount the configfs-tsm file system\n"
    "  --tpm PATH            paravisor: the guest's TPM (default /dev/tpmrm0)\n"
    "  --ready-file FILE     serve, paravisor: written once serving\n"
    "  --report-ms MS        paravisor: each fresh report takes MS ms, one at a time, as\n"
    "                        Azure's does (default 0; docs/performance.md)\n";

// The options of each command: those that take a value, and bare flags.
struct CommandOptions {
  std::vector<std::string> with_value;
  std::vector<std::string> bare;
};

// The report fields every command that signs reports takes.
const std::vector<std::string> kReportOptions = {"--version", "--policy", "--measurement", "--host-data",
                                                 "--guest-svn", "--reported-tcb", "--id-block", "--id-auth",
                                                 "--author-key-enabled"};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::map<std::string, CommandOptions>& command_options() {
  static const std::map<std::string, CommandOptions> options = {
      {"keygen", {{"--out", "--product", "--seed", "--tcb", "--chip-id"}, {}}},
      {"report", {plus(kReportOptions, {"--keys", "--out", "--report-data", "--vmpl"}), {"--debug", "--vlek"}}},
      {"serve", {plus(kReportOptions, {"--keys", "--sev-guest", "--tsm", "--ready-file"}), {"--debug", "--vlek"}}},
      {"paravisor", {plus(kReportOptions, {"--keys", "--tpm", "--ready-file", "--report-ms"}), {"--debug", "--vlek"}}},
  };
  return options;
}

Error usage_error(std::string message) { return Error(ErrorCode::Usage, std::move(message)); }

// --name value pairs and bare --flags, checked against what the command accepts.
struct Args {
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;

  const std::string* value(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
  bool flag(const std::string& name) const { return flags.count(name) != 0; }
};

Result<Args> parse_args(const std::string& command, const std::vector<std::string>& argv) {
  const auto& [with_value, bare] = command_options().at(command);
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (contains(bare, a)) {
      args.flags[a] = true;
    } else if (contains(with_value, a)) {
      if (i + 1 >= argv.size()) return usage_error(a + " needs a value");
      if (args.values.count(a)) return usage_error(a + " given twice");
      args.values[a] = argv[++i];
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  return args;
}

// Decimal, or hex with 0x.
Result<std::uint64_t> parse_uint(const std::string& name, std::string_view text,
                                 std::uint64_t max) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > max) {
    return usage_error(name + ": '" + std::string(text) + "' is not a number from 0 to " +
                       std::to_string(max));
  }
  return v;
}

// "bl=3,tee=0,snp=8,ucode=115[,fmc=1]": the named SVNs replace those of `base`.
Result<snp::TcbVersion> parse_tcb(const std::string& name, std::string_view spec,
                                  snp::Product product, snp::TcbVersion base) {
  while (!spec.empty()) {
    std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return usage_error(name + ": '" + std::string(item) + "' is not key=value");
    }
    std::string_view key = item.substr(0, eq);
    auto v = parse_uint(name + " " + std::string(key), item.substr(eq + 1), 255);
    if (!v) return v.error();
    // Milan and Genoa have no FMC SVN: a TCB value could not carry it.
    std::uint8_t* fmc = product == snp::Product::Turin ? &base.fmc : nullptr;
    const std::pair<std::string_view, std::uint8_t*> svns[] = {
        {"bl", &base.bootloader}, {"tee", &base.tee}, {"snp", &base.snp},
        {"ucode", &base.microcode}, {"fmc", fmc}};
    auto it = std::find_if(std::begin(svns), std::end(svns),
                           [&](const auto& s) { return s.first == key; });
    if (it == std::end(svns)) {
      return usage_error(name + ": unknown component '" + std::string(key) +
                         "' (bl, tee, snp, ucode, fmc)");
    }
    if (it->second == nullptr) return usage_error(name + ": fmc exists on Turin only");
    *it->second = static_cast<std::uint8_t>(*v);
  }
  return base;
}

// Exactly N bytes of hex, or (pad) up to N bytes, zero-padded on the right.
template <std::size_t N>
Result<std::array<std::uint8_t, N>> parse_hex(const std::string& name, const std::string& text,
                                              bool pad) {
  auto bytes = hex_decode(text);
  if (!bytes) return usage_error(name + ": not hex (" + bytes.error().message() + ")");
  if (bytes->size() > N || (!pad && bytes->size() != N)) {
    return usage_error(name + ": " + std::to_string(bytes->size()) + " bytes, expected " +
                       (pad ? "at most " : "") + std::to_string(N));
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Status keygen(const std::vector<std::string>& argv) {
  auto args = parse_args("keygen", argv);
  if (!args) return args.error();
  const std::string* out = args->value("--out");
  if (!out) return usage_error("keygen needs --out DIR");
  SimOptions options;
  if (const std::string* p = args->value("--product")) {
    auto product = snp::product_from_name(*p);
    if (!product || *p != snp::product_name(*product)) {
      return usage_error("--product: '" + *p + "' is not Milan, Genoa or Turin");
    }
    options.product = *product;
  }
  if (const std::string* s = args->value("--seed")) options.seed = *s;
  if (const std::string* t = args->value("--tcb")) {
    auto tcb = parse_tcb("--tcb", *t, options.product, default_tcb(options.product));
    if (!tcb) return tcb.error();
    options.tcb = *tcb;
  }
  if (const std::string* c = args->value("--chip-id")) {
    auto id = hex_decode(*c);
    bool turin_short = options.product == snp::Product::Turin && id && id->size() == 8;
    if (!id || (id->size() != 64 && !turin_short)) {
      return usage_error("--chip-id: expected 64 bytes of hex" +
                         std::string(options.product == snp::Product::Turin ? " (or 8)" : ""));
    }
    id->resize(64);
    options.chip_id = *id;
  }
  auto identity = make_identity(options);
  if (!identity) return identity.error();
  if (Status s = save_identity(*identity, *out); !s) return s;
  std::printf("snp-sim: %s test identity (TEST ONLY, not AMD's) written to %s\n",
              std::string(snp::product_name(identity->product)).c_str(), out->c_str());
  return ok_status();
}

// Everything but --reported-tcb, which needs the identity (signer).
Result<ReportRequest> report_request(const Args& args) {
  ReportRequest req;
  auto number = [&](const char* name, std::uint64_t max, auto& field) -> Status {
    if (const std::string* v = args.value(name)) {
      auto n = parse_uint(name, *v, max);
      if (!n) return n.error();
      field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
    }
    return ok_status();
  };
  for (Status s : {number("--version", 0xFFFFFFFF, req.version),
                   number("--policy", ~std::uint64_t{0}, req.policy),
                   number("--vmpl", 0xFFFFFFFF, req.vmpl),
                   number("--guest-svn", 0xFFFFFFFF, req.guest_svn)}) {
    if (!s) return s.error();
  }
  if (req.version == 0 && args.value("--version")) {
    return usage_error("--version: 0 is not a version");
  }
  if (args.flag("--debug")) req.policy |= std::uint64_t{1} << 19;
  req.use_vlek = args.flag("--vlek");
  if (const std::string* v = args.value("--measurement")) {
    auto m = parse_hex<48>("--measurement", *v, false);
    if (!m) return m.error();
    req.measurement = *m;
  }
  if (const std::string* v = args.value("--host-data")) {
    auto h = parse_hex<32>("--host-data", *v, false);
    if (!h) return h.error();
    req.host_data = *h;
  }
  if (const std::string* v = args.value("--report-data")) {
    auto d = parse_hex<64>("--report-data", *v, true);
    if (!d) return d.error();
    req.report_data = *d;
  }
  return req;
}

// --id-block, --id-auth and --author-key-enabled (nullopt without --id-block).
Result<std::optional<IdBlockInput>> id_block_input(const Args& args) {
  const std::string* block = args.value("--id-block");
  const std::string* auth = args.value("--id-auth");
  const std::string* author = args.value("--author-key-enabled");
  if (!block && !auth && !author) return std::optional<IdBlockInput>();
  if (!block || !auth) return usage_error("--id-block and --id-auth go together (and --author-key-enabled with them)");
  if (args.value("--guest-svn")) return usage_error("--guest-svn: the ID block sets GUEST_SVN; give one or the other");
  IdBlockInput input;
  auto b = crypto::base64_decode(*block);
  if (!b) return usage_error("--id-block: not base64 (" + b.error().message() + ")");
  auto a = crypto::base64_decode(*auth);
  if (!a) return usage_error("--id-auth: not base64 (" + a.error().message() + ")");
  input.id_block = std::move(b).value();
  input.id_auth = std::move(a).value();
  if (author) {
    if (*author != "on" && *author != "off") {
      return usage_error("--author-key-enabled: '" + *author + "' is not on or off");
    }
    input.author_key_enabled = *author == "on";
  }
  return std::optional<IdBlockInput>(std::move(input));
}

// The identity in `keys` and the report fields of the command line: what report and serve
// sign with. The fields are checked first, so a bad one is named before any file is read.
struct Signer {
  SimIdentity identity;
  ReportRequest request;
};

Result<Signer> signer(const Args& args, const std::string& keys) {
  auto req = report_request(args);
  if (!req) return req.error();
  auto identity = load_identity(keys);
  if (!identity) return identity.error();
  if (const std::string* t = args.value("--reported-tcb")) {
    auto tcb = parse_tcb("--reported-tcb", *t, identity->product, identity->tcb);
    if (!tcb) return tcb.error();
    req->reported_tcb = *tcb;
  }
  if (auto id_block = id_block_input(args); !id_block) {
    return id_block.error();
  } else if (*id_block) {
    if (Status s = launch_with_id_block(*req, **id_block); !s) return s.error();
  }
  return Signer{std::move(identity).value(), *req};
}

Status report(const std::vector<std::string>& argv) {
  auto args = parse_args("report", argv);
  if (!args) return args.error();
  const std::string* keys = args->value("--keys");
  const std::string* out = args->value("--out");
  if (!keys) return usage_error("report needs --keys DIR");
  if (!out) return usage_error("report needs --out FILE");
  auto sig = signer(*args, *keys);
  if (!sig) return sig.error();
  auto bytes = make_report(sig->identity, sig->request);
  if (!bytes) return bytes.error();
  return write_file(*out, *bytes);
}

// The firmware of a sim guest: every report it signs carries these fields, REPORT_DATA
// and VMPL come from each request.
Status serve(const std::vector<std::string>& argv) {
  auto args = parse_args("serve", argv);
  if (!args) return args.error();
  const std::string* keys = args->value("--keys");
  if (!keys) return usage_error("serve needs --keys DIR");
  auto sig = signer(*args, *keys);
  if (!sig) return sig.error();
  // A request the firmware would refuse to sign is refused now, not at the first ioctl.
  if (auto probe = make_report(sig->identity, sig->request); !probe) return probe.error();
  FrontendOptions options;
  if (const std::string* v = args->value("--sev-guest")) options.cuse_name = *v;
  if (const std::string* v = args->value("--tsm")) options.tsm_mount = *v;
  if (const std::string* v = args->value("--ready-file")) options.ready_file = *v;
  return serve_frontends(sig->identity, sig->request, options);
}

// Azure's paravisor against the guest's TPM: the SNP report fields as for serve.
Status paravisor(const std::vector<std::string>& argv) {
  auto args = parse_args("paravisor", argv);
  if (!args) return args.error();
  const std::string* keys = args->value("--keys");
  if (!keys) return usage_error("paravisor needs --keys DIR");
  ParavisorServiceOptions options;
  if (const std::string* v = args->value("--report-ms")) {
    auto ms = parse_uint("--report-ms", *v, 60000);
    if (!ms) return ms.error();
    options.report_ms = static_cast<int>(*ms);
  }
  auto sig = signer(*args, *keys);
  if (!sig) return sig.error();
  if (auto probe = make_report(sig->identity, sig->request); !probe) return probe.error();
  if (const std::string* v = args->value("--tpm")) options.tpm_path = *v;
  if (const std::string* v = args->value("--ready-file")) options.ready_file = *v;
  return serve_paravisor(sig->identity, sig->request, options);
}

int run(const std::vector<std::string>& argv) {
  if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Status s;
  if (argv.empty()) {
    std::fputs(kUsage, stderr);  // no command: what the commands are is the answer
    return 2;
  } else {
    std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (cli::Args::wants_help(rest)) {
      auto options = command_options().find(argv[0]);
      if (cli::option_list_requested() && options != command_options().end()) {
        for (const auto& list : {options->second.with_value, options->second.bare}) {
          for (const auto& o : list) std::printf("%s\n", o.c_str());
        }
      } else {
        std::fputs(kUsage, stdout);
      }
      return 0;
    }
    if (argv[0] == "keygen") s = keygen(rest);
    else if (argv[0] == "report") s = report(rest);
    else if (argv[0] == "serve") s = serve(rest);
    else if (argv[0] == "paravisor") s = paravisor(rest);
    else s = usage_error("unknown command '" + argv[0] + "'");
  }
  if (s) return 0;
  std::fprintf(stderr, "snp-sim: %s\n", s.error().describe().c_str());
  if (s.error().code() == ErrorCode::Usage) std::fputs("run 'snp-sim --help' for the commands and options\n", stderr);
  return exit_code(s.error().code());
}

}  // namespace
}  // namespace attestd::snpsim

int main(int argc, char** argv) {
  return attestd::snpsim::run(std::vector<std::string>(argv + 1, argv + argc));
}
