// The commands that run inside a guest, as snpguest's report and key do: attest report
// (a report from any evidence source, bound to chosen data) and attest derive-key
// (SNP_GET_DERIVED_KEY). The source is selected and configured as attestd does it
// (agent/evidence_source.h), with the same option names.
#include <iostream>

#include "agent/evidence_source.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "core/file.h"
#include "crypto/random.h"
#include "hal/derived_key.h"
#include "hal/snp/report.h"

namespace attestd::cli {

namespace {

constexpr const char* kReportHelp = R"(usage: attest report --out FILE (--data HEX | --data-file FILE | --random)
                     [--evidence auto|sev-guest|tsm|azure-vtpm|sim] [--vmpl N]
                     [--certs-out DIR] [source options]

Inside an SEV-SNP guest: gets an attestation report bound to 64 bytes of REPORT_DATA
from the evidence source attestd would use (docs/hal.md), and writes it (1184 bytes) to
FILE. Prints the source, the VMPL, the report data and the files written. On the Azure
vTPM the paravisor's report binds the data through its runtime claims ("user-data"):
REPORT_DATA is then SHA-256 of those claims.

  --out FILE              where the report goes
  --data HEX              the REPORT_DATA, 64 bytes (128 hex digits)
  --data-file FILE        the REPORT_DATA, a file of exactly 64 bytes
  --random                64 random bytes as REPORT_DATA
  --evidence SOURCE       auto (default; configfs-tsm, /dev/sev-guest, then the Azure
                          vTPM), sev-guest, tsm, azure-vtpm or sim (snp-sim, tests)
  --vmpl N                the VMPL to ask for, 0-3 (default 0; the Azure vTPM's report is
                          VMPL 0, from the paravisor, and cannot be asked for at another)
  --certs-out DIR         also write the certificates the host supplied (vcek.der,
                          ask.der, ark.der, ...), as attest export-certs names them
source options (attestd's keys of the same names, docs/agent.md):
  --tpm DEV|tcp:HOST:PORT azure-vtpm: the TPM (default /dev/tpmrm0)
  --event-log FILE        azure-vtpm: the TCG event log
  --sim-keys DIR          sim: the snp-sim identity (snp-sim keygen)
  --sim-policy 0xHEX      sim: the guest POLICY (default 0x30000)
  --sim-measurement HEX   sim: the MEASUREMENT, 48 bytes
  --sev-guest-device PATH sev-guest: the device (default /dev/sev-guest)
  --tsm-root DIR          tsm: the report directory (default /sys/kernel/config/tsm/report)
)";

constexpr const char* kDeriveKeyHelp = R"(usage: attest derive-key --root vcek|vmrk [--fields LIST] [--guest-svn N] [--tcb HEX]
                         [--vmpl N] [--out FILE] [--evidence auto|sev-guest|sim]
                         [source options]

Inside an SEV-SNP guest: asks the AMD-SP for a key derived from a root key and the
selected fields of this guest (SNP_GET_DERIVED_KEY, the firmware's MSG_KEY_REQ), and
prints it in hex, or writes its 32 bytes to --out (mode 0600). Only /dev/sev-guest offers
this: configfs-tsm and the Azure vTPM do not. The firmware refuses a VMPL below the
guest's own, a guest SVN above the launch's and a TCB above the committed one.

  --root KEY              vcek (the chip's key, as of --tcb) or vmrk (the VM root key)
  --fields LIST           what of the guest to mix in, comma-separated: policy, image-id,
                          family-id, measurement, svn, tcb (default: none)
  --guest-svn N           the guest SVN to mix in (default 0)
  --tcb HEX               the TCB_VERSION to mix in, a 64-bit hex value (default 0)
  --vmpl N                the VMPL to mix in, 0-3 (default 0)
  --out FILE              write the key there (mode 0600) instead of printing it
  --evidence SOURCE       auto (default) or sev-guest: /dev/sev-guest; sim: snp-sim's
                          simulated /dev/sev-guest (tests)
source options (attestd's keys of the same names, docs/agent.md):
  --sim-keys DIR          sim: the snp-sim identity (snp-sim keygen)
  --sim-policy 0xHEX      sim: the guest POLICY (default 0x30000)
  --sim-measurement HEX   sim: the MEASUREMENT, 48 bytes
  --sev-guest-device PATH sev-guest: the device (default /dev/sev-guest)
)";

const std::vector<OptionSpec>& sim_flags() {
  static const std::vector<OptionSpec> flags = {
      {"evidence", true}, {"sim-keys", true}, {"sim-policy", true}, {"sim-measurement", true},
      {"sev-guest-device", true}};
  return flags;
}

std::vector<OptionSpec> with(std::vector<OptionSpec> specs) {
  specs.insert(specs.end(), sim_flags().begin(), sim_flags().end());
  return specs;
}

agent::EvidenceSettings settings_of(const Args& args) {
  agent::EvidenceSettings s;
  if (auto v = args.value("evidence")) s.evidence = *v;
  if (auto v = args.value("tpm")) s.tpm = *v;
  if (auto v = args.value("event-log")) s.event_log = *v;
  if (auto v = args.value("sim-keys")) s.sim_keys = *v;
  if (auto v = args.value("sim-policy")) s.sim_policy = *v;
  if (auto v = args.value("sim-measurement")) s.sim_measurement = *v;
  if (auto v = args.value("sev-guest-device")) s.sev_guest_path = *v;
  if (auto v = args.value("tsm-root")) s.tsm_root = *v;
  return s;
}

// The 64 bytes of REPORT_DATA, from exactly one of --data, --data-file and --random.
Result<hal::ReportData> report_data_of(const Args& args) {
  int given = args.value("data").has_value() + args.value("data-file").has_value() + args.flag("random");
  if (given != 1) return Error(ErrorCode::Usage, "give exactly one of --data HEX, --data-file FILE and --random");
  Bytes bytes;
  if (auto hex = args.value("data")) {
    auto decoded = hex_decode(*hex);
    if (!decoded) return Error(ErrorCode::Usage, "--data: not hex: " + decoded.error().message());
    bytes = std::move(decoded).value();
    if (bytes.size() != 64) {
      return Error(ErrorCode::Usage, "--data: " + std::to_string(bytes.size()) + " bytes; REPORT_DATA is 64 (128 hex digits)");
    }
  } else if (auto path = args.value("data-file")) {
    auto file = read_file(*path, 64);
    if (!file) return file.error();
    bytes = std::move(file).value();
    if (bytes.size() != 64) {
      return Error(ErrorCode::Usage, "--data-file " + *path + ": " + std::to_string(bytes.size()) +
                                         " bytes; REPORT_DATA is exactly 64");
    }
  } else {
    auto random = crypto::random_bytes(64);
    if (!random) return random.error();
    bytes = std::move(random).value();
  }
  hal::ReportData data;
  std::copy(bytes.begin(), bytes.end(), data.begin());
  return data;
}

// The shared code names attestd's config keys ("sim_policy: ..."); here they are flags.
Error as_flag_error(const Error& e) {
  std::size_t colon = e.message().find(':');
  if (e.code() != ErrorCode::MalformedConfig || colon == std::string::npos) return e;
  std::string key = e.message().substr(0, colon);
  for (char& c : key) {
    if (c == '_') c = '-';
  }
  return Error(ErrorCode::Usage, "--" + key + e.message().substr(colon));
}

Error azure_vmpl_error(unsigned vmpl) {
  return Error(ErrorCode::Usage, "--vmpl " + std::to_string(vmpl) +
                                     ": the Azure vTPM's report is VMPL 0, made by the paravisor; it cannot be asked "
                                     "for at another VMPL");
}

}  // namespace

int cmd_report(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("report", argv, kReportHelp,
                                with({{"out", true}, {"data", true}, {"data-file", true}, {"random"}, {"vmpl", true},
                                      {"certs-out", true}, {"tpm", true}, {"event-log", true}, {"tsm-root", true}}),
                                0, 0, args)) {
    return *done;
  }
  auto fail = [](const Error& e) { return report_error("report", e, false); };
  auto out = args.value("out");
  if (!out) return fail(Error(ErrorCode::Usage, "--out FILE is required"));
  auto vmpl = args.integer("vmpl", 0, 3);
  if (!vmpl) return fail(vmpl.error());
  auto data = report_data_of(args);
  if (!data) return fail(data.error());
  agent::EvidenceSettings settings = settings_of(args);
  settings.vmpl = static_cast<unsigned>(vmpl->value_or(0));
  // Refused before the TPM is touched when the source is named; after "auto" chose it.
  if (settings.evidence == "azure-vtpm" && settings.vmpl != 0) return fail(azure_vmpl_error(settings.vmpl));
  auto opened = agent::open_evidence_source(settings);
  if (!opened) return fail(as_flag_error(opened.error()));
  const std::string source = opened->source->name();
  if (source == "azure-vtpm" && settings.vmpl != 0) return fail(azure_vmpl_error(settings.vmpl));

  auto evidence = opened->source->get_evidence(*data);
  if (!evidence) return fail(evidence.error());
  auto parsed = snp::parse_report(evidence->report);
  if (!parsed) return fail(parsed.error().with_context(source + " report"));
  if (parsed->vmpl != settings.vmpl) {
    return fail(Error(ErrorCode::DeviceError, source + " answered with a VMPL " + std::to_string(parsed->vmpl) +
                                                  " report for VMPL " + std::to_string(settings.vmpl)));
  }
  if (Status s = hal::check_binding(*evidence, *data); !s) return fail(s.error());
  if (Status s = write_file(*out, evidence->report); !s) return fail(s.error());
  std::vector<std::string> certs;
  if (auto dir = args.value("certs-out")) {
    auto written = write_certificates(evidence->certificates, *dir);
    if (!written) return fail(written.error());
    certs = std::move(written).value();
  }
  print_row("source", source);
  print_row("vmpl", std::to_string(parsed->vmpl));
  print_row("report data", hex_encode(*data));
  if (source == "azure-vtpm") print_row("REPORT_DATA", hex_encode(parsed->report_data) + " (SHA-256 of the runtime claims)");
  print_row("report", *out + " (" + std::to_string(evidence->report.size()) + " bytes)");
  if (args.value("certs-out")) {
    if (certs.empty()) print_row("certificates", "none: the host supplied no certificates");
    for (const auto& path : certs) print_row("certificate", path);
  }
  return 0;
}

int cmd_derive_key(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("derive-key", argv, kDeriveKeyHelp,
                                with({{"root", true}, {"fields", true}, {"guest-svn", true}, {"tcb", true},
                                      {"vmpl", true}, {"out", true}}),
                                0, 0, args)) {
    return *done;
  }
  auto fail = [](const Error& e) { return report_error("derive-key", e, false); };
  hal::DerivedKeyRequest request;
  auto root = args.value("root");
  if (!root) return fail(Error(ErrorCode::Usage, "--root vcek|vmrk is required"));
  auto root_key = hal::parse_root_key(*root);
  if (!root_key) return fail(root_key.error());
  request.root = *root_key;
  auto fields = hal::parse_guest_fields(args.value("fields").value_or(""));
  if (!fields) return fail(fields.error());
  request.fields = *fields;
  auto vmpl = args.integer("vmpl", 0, 3);
  if (!vmpl) return fail(vmpl.error());
  request.vmpl = static_cast<std::uint32_t>(vmpl->value_or(0));
  auto svn = args.integer("guest-svn", 0, 0xFFFFFFFFu);
  if (!svn) return fail(svn.error());
  request.guest_svn = static_cast<std::uint32_t>(svn->value_or(0));
  if (auto tcb = args.value("tcb")) {
    // Hexadecimal always, with or without 0x/0X: TCB_VERSION is printed so (attest show).
    bool prefixed = tcb->size() > 2 && (*tcb)[0] == '0' && ((*tcb)[1] == 'x' || (*tcb)[1] == 'X');
    auto value = parse_flag_integer("--tcb", "0x" + tcb->substr(prefixed ? 2 : 0), 0, ~std::uint64_t{0},
                                    IntegerBase::DecimalOrHex);
    if (!value) return fail(Error(ErrorCode::Usage, "--tcb: '" + *tcb + "' is not a 64-bit hex TCB_VERSION"));
    request.tcb_version = *value;
  }

  auto opened = agent::open_sev_guest_device(settings_of(args), "a derived key");
  if (!opened) return fail(as_flag_error(opened.error()));
  auto key = hal::get_derived_key(*opened->device, request);
  if (!key) return fail(key.error());
  if (auto out = args.value("out")) {
    if (Status s = write_file(*out, *key, 0600); !s) return fail(s.error());
    print_row("source", opened->name);
    print_row("root", *root);
    print_row("fields", hal::guest_fields_name(request.fields));
    print_row("key", *out + " (32 bytes, mode 0600)");
  } else {
    std::cout << hex_encode(*key) << "\n";
  }
  return 0;
}

}  // namespace attestd::cli
