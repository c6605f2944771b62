// attest measure: the expected SEV-SNP launch measurement (docs/measurement.md).
#include <cstdio>
#include <iostream>

#include <json/value.h>

#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/lib/measure.h"
#include "core/args.h"
#include "core/file.h"
#include "core/json.h"

namespace attestd::cli {

namespace {

constexpr const char* kHelp = R"(usage: attest measure --ovmf FILE --vcpus N --vcpu-type TYPE
                      [--kernel FILE [--initrd FILE] [--append CMDLINE]]
                      [--vmm-type QEMU|ec2|gce] [--guest-features HEX]
                      [--ovmf-hash HEX] [--json]
       attest measure --uki FILE --vars FILE [--secure-boot on|off]
                      [--efi-path PATH] [--pcrs-out FILE] [--policy-out FILE] [--json]

Computes the SEV-SNP launch measurement (SHA-384, 96 hex digits) the AMD-SP will
report for a guest launched with this OVMF, kernel, initrd, command line and vCPUs.

  --ovmf FILE            the OVMF image (its SEV metadata and reset vector are read
                         from its footer; it is mapped to end at 4 GiB)
  --kernel FILE          measured direct boot: the kernel QEMU loads (-kernel);
                         the OVMF must be an AmdSev build with kernel hashes
  --initrd FILE          the initrd (-initrd); none: SHA-256 of nothing
  --append CMDLINE       the kernel command line (-append); none: ""
  --vcpus N              the number of vCPUs (one VMSA page each), 1..4096
  --vcpu-type TYPE       QEMU's CPU model (EPYC-v4, EPYC-Milan, EPYC-Genoa, ...);
                         required for QEMU, ignored by ec2 and gce
  --vmm-type TYPE        QEMU (default), ec2 or gce: their reset register states differ
  --guest-features HEX   the VMSA's SEV_FEATURES (default 0x1 = SNPActive alone: QEMU
                         >= 9.1 on Linux >= 6.10 (KVM_SEV_INIT2); 0x21 adds DebugSwap,
                         as older SNP host kernels set it)
  --ovmf-hash HEX        start from this precomputed OVMF digest (96 hex digits)
                         instead of hashing the OVMF pages
  --json                 print the inputs and the measurement as a JSON object

With --uki, computes instead the TPM PCRs (SHA-256 bank) that OVMF and systemd-stub
measure when they boot this signed UKI: 4 (boot applications), 7 (Secure Boot policy),
11 (the UKI's sections), and the events that explain each (docs/measured-boot.md).

  --uki FILE             the signed Unified Kernel Image
  --vars FILE            the OVMF VARS file the guest boots with (its PK, KEK, db, dbx)
  --secure-boot on|off   whether the firmware enforces Secure Boot (default on)
  --efi-path PATH        where the firmware loads the UKI from
                         (default \EFI\BOOT\BOOTX64.EFI)
  --pcrs-out FILE        write {"4": "hex", "7": "hex", "11": "hex"}
  --policy-out FILE      write a client policy fragment: pcrs, secure_boot, boot_events
  --json                 print that policy fragment with "ok" and the UKI's digest
)";

const char* kCommand = "measure";

Error usage(const std::string& message) { return Error(ErrorCode::Usage, message); }

std::string hex_u64(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

int cmd_measure(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command(kCommand, argv, kHelp,
                                {{"ovmf", true},
                                 {"kernel", true},
                                 {"initrd", true},
                                 {"append", true},
                                 {"vcpus", true},
                                 {"vcpu-type", true},
                                 {"vmm-type", true},
                                 {"guest-features", true},
                                 {"ovmf-hash", true},
                                 {"uki", true},
                                 {"vars", true},
                                 {"secure-boot", true},
                                 {"efi-path", true},
                                 {"pcrs-out", true},
                                 {"policy-out", true},
                                 {"json"}},
                                0, 0, args)) {
    return *done;
  }
  const bool json = args.flag("json");
  auto fail = [&](const Error& e) { return report_error(kCommand, e, json); };
  if (args.value("uki")) return cmd_measure_boot(args);
  for (const char* uki_only : {"vars", "secure-boot", "efi-path", "pcrs-out", "policy-out"}) {
    if (args.value(uki_only)) return fail(usage(std::string("--") + uki_only + " is only used with --uki FILE"));
  }

  auto ovmf_path = args.value("ovmf");
  if (!ovmf_path) return fail(usage("--ovmf FILE is required"));
  auto vcpus = args.integer("vcpus", 1, client::kMaxVcpus);
  if (!vcpus) return fail(vcpus.error());
  if (!*vcpus) return fail(usage("--vcpus N is required"));

  client::MeasureParams params;
  params.vcpus = static_cast<std::uint32_t>(**vcpus);
  if (auto v = args.value("vmm-type")) {
    auto vmm = client::vmm_type_from_name(*v);
    if (!vmm) return fail(vmm.error().with_context("--vmm-type"));
    params.vmm = *vmm;
  }
  auto vcpu_type = args.value("vcpu-type");
  if (vcpu_type) {
    auto sig = client::vcpu_type_signature(*vcpu_type);
    if (!sig) return fail(sig.error().with_context("--vcpu-type"));
    params.vcpu_sig = *sig;
  } else if (params.vmm == client::VmmType::Qemu) {
    return fail(usage("--vcpu-type TYPE is required for QEMU (e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa)"));
  }
  auto features = args.integer("guest-features", 0, UINT64_MAX, IntegerBase::DecimalOrHex);
  if (!features) return fail(features.error());
  if (*features) params.guest_features = **features;
  if (auto h = args.value("ovmf-hash")) {
    auto bytes = hex_decode(*h);
    if (!bytes || bytes->size() != client::kLaunchDigestSize) {
      return fail(usage("--ovmf-hash: expected 96 hex digits (a SHA-384 digest), got '" + *h + "'"));
    }
    params.ovmf_hash = std::move(bytes).value();
  }
  auto kernel = args.value("kernel");
  auto initrd = args.value("initrd");
  auto append = args.value("append");
  if (!kernel && (initrd || append)) {
    return fail(usage(std::string(initrd ? "--initrd" : "--append") +
                      " is only measured with --kernel (direct boot); give --kernel too"));
  }
  if (kernel) {
    auto hashes = client::kernel_hashes_from_files(*kernel, initrd, append.value_or(""));
    if (!hashes) return fail(hashes.error());
    params.kernel = std::move(hashes).value();
  }

  auto image = read_file(*ovmf_path, client::kMaxOvmfSize);
  if (!image) return fail(image.error().with_context("--ovmf"));
  auto ovmf = client::OvmfImage::parse(std::move(image).value());
  if (!ovmf) return fail(ovmf.error().with_context(*ovmf_path));
  auto digest = client::snp_launch_digest(*ovmf, params);
  if (!digest) return fail(digest.error());

  if (!json) {
    std::cout << hex_encode(*digest) << std::endl;
    return 0;
  }
  Json::Value v(Json::objectValue);
  v["ok"] = true;
  v["measurement"] = hex_encode(*digest);
  v["ovmf"] = *ovmf_path;
  v["ovmf_hash"] = hex_encode(params.ovmf_hash ? *params.ovmf_hash : client::snp_ovmf_hash(*ovmf));
  v["ovmf_hash_given"] = params.ovmf_hash.has_value();
  v["vcpus"] = params.vcpus;
  v["vcpu_type"] = vcpu_type ? Json::Value(*vcpu_type) : Json::Value(Json::nullValue);
  v["vcpu_signature"] = hex_u64(params.vcpu_sig, 8);
  v["vmm_type"] = std::string(client::vmm_type_name(params.vmm));
  v["guest_features"] = hex_u64(params.guest_features, 0);
  if (params.kernel) {
    Json::Value k(Json::objectValue);
    k["kernel"] = *kernel;
    k["kernel_sha256"] = hex_encode(params.kernel->kernel);
    k["initrd"] = initrd ? Json::Value(*initrd) : Json::Value(Json::nullValue);
    k["initrd_sha256"] = hex_encode(params.kernel->initrd);
    k["append"] = append.value_or("");
    k["cmdline_sha256"] = hex_encode(params.kernel->cmdline);
    v["direct_boot"] = k;
  } else {
    v["direct_boot"] = Json::Value(Json::nullValue);
  }
  print_json(v);
  return 0;
}

}  // namespace attestd::cli
