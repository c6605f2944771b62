// attest measure: the expected SEV-SNP launch measurement (docs/measurement.md).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <json/value.h>

#include "client/cli/commands.h"
#include "client/cli/measure_id_block.h"
#include "client/cli/output.h"
#include "client/lib/measure.h"
#include "core/args.h"
#include "core/file.h"
#include "core/json.h"
#include "core/text.h"

namespace attestd::cli {

namespace {

constexpr const char* kHelp = R"(usage: attest measure --ovmf FILE --vcpus N --vcpu-type TYPE
                      [--kernel FILE [--initrd FILE] [--append CMDLINE]]
                      [--vmm-type QEMU|ec2|gce] [--guest-features HEX]
                      [--ovmf-hash HEX] [ID block options] [--json]
       attest measure --launch-digest HEX --id-key PEM [ID block options] [--json]
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

With --id-key, also signs the ID block for that measurement, as QEMU's sev-snp-guest
object takes it (id-block=, id-auth= base64, author-key-enabled=on), and prints it
with the SNP digests of the ID and author keys, which reports then carry
(docs/measurement.md, "ID block"):

  --id-key PEM           the ECDSA P-384 private key that signs the ID block
  --author-key PEM       the ECDSA P-384 private key that signs the ID key
                         (author-key-enabled=on); none: no author key
  --family-id HEX        FAMILY_ID, 32 hex digits (default zero)
  --image-id HEX         IMAGE_ID, 32 hex digits (default zero)
  --guest-svn N          GUEST_SVN (default 0)
  --policy HEX           the guest POLICY the guest is launched with (default
                         0x30000); the firmware refuses a launch with another
  --launch-digest HEX    sign the ID block for this measurement (96 hex digits)
                         instead of computing one from --ovmf

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

// --launch-digest: the ID block for a measurement computed elsewhere.
template <typename Fail>
int measure_id_block_only(const Args& args, const std::string& digest_hex,
                          IdBlockRequest& request, Fail fail) {
  for (const char* measured : {"ovmf", "kernel", "initrd", "append", "vcpus", "vcpu-type", "vmm-type",
                               "guest-features", "ovmf-hash"}) {
    if (args.value(measured)) {
      return fail(usage(std::string("--") + measured + " is not used with --launch-digest (the measurement is given)"));
    }
  }
  auto digest = hex_decode(digest_hex);
  if (!digest || digest->size() != client::kLaunchDigestSize) {
    return fail(usage("--launch-digest: expected 96 hex digits (a SHA-384 digest), got '" + digest_hex + "'"));
  }
  std::copy(digest->begin(), digest->end(), request.block.launch_digest.begin());
  auto signed_block = sign_requested(request);
  if (!signed_block) return fail(signed_block.error());
  if (!args.flag("json")) {
    std::cout << hex_encode(*digest) << "\n" << id_block_text(*signed_block) << std::flush;
    return 0;
  }
  Json::Value v(Json::objectValue);
  v["ok"] = true;
  v["measurement"] = hex_encode(*digest);
  v["id_block"] = id_block_json(request, *signed_block);
  print_json(v);
  return 0;
}

}  // namespace

int cmd_measure(const std::vector<std::string>& argv) {
  Args args;
  std::vector<OptionSpec> specs = {{"ovmf", true},
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
                                 {"json"}};
  specs.insert(specs.end(), id_block_options().begin(), id_block_options().end());
  if (auto done = parse_command(kCommand, argv, kHelp, specs, 0, 0, args)) return *done;
  const bool json = args.flag("json");
  auto fail = [&](const Error& e) { return report_error(kCommand, e, json); };
  if (args.value("uki")) {
    for (const auto& o : id_block_options()) {
      if (args.value(o.name)) return fail(usage("--" + o.name + " is not used with --uki (an ID block signs a launch measurement)"));
    }
    return cmd_measure_boot(args);
  }
  for (const char* uki_only : {"vars", "secure-boot", "efi-path", "pcrs-out", "policy-out"}) {
    if (args.value(uki_only)) return fail(usage(std::string("--") + uki_only + " is only used with --uki FILE"));
  }

  auto id_request = id_block_request(args);
  if (!id_request) return fail(id_request.error());
  if (auto digest = args.value("launch-digest")) return measure_id_block_only(args, *digest, **id_request, fail);

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

  std::optional<client::SignedIdBlock> signed_block;
  if (*id_request) {
    std::copy(digest->begin(), digest->end(), (*id_request)->block.launch_digest.begin());
    auto s = sign_requested(**id_request);
    if (!s) return fail(s.error());
    signed_block = std::move(s).value();
  }

  if (!json) {
    std::cout << hex_encode(*digest) << std::endl;
    if (signed_block) std::cout << id_block_text(*signed_block) << std::flush;
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
  v["vcpu_signature"] = hex_number(params.vcpu_sig, 8);
  v["vmm_type"] = std::string(client::vmm_type_name(params.vmm));
  v["guest_features"] = hex_number(params.guest_features, 0);
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
  v["id_block"] = signed_block ? id_block_json(**id_request, *signed_block) : Json::Value(Json::nullValue);
  print_json(v);
  return 0;
}

}  // namespace attestd::cli
