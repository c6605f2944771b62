#include "hal/detect.h"

#include <sys/stat.h>

namespace attestd::hal {

namespace {

using SourceResult = Result<std::unique_ptr<EvidenceSource>>;

bool present(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::unique_ptr<TsmSource> make_tsm(const SourceOptions& o) {
  TsmOptions t;
  t.root = o.tsm_root;
  t.privlevel = o.vmpl;
  t.fs = o.tsm_fs;
  return std::make_unique<TsmSource>(std::move(t));
}

SourceResult open_tsm(const SourceOptions& o) { return std::unique_ptr<EvidenceSource>(make_tsm(o)); }

SourceResult open_sev_guest(const SourceOptions& o) {
  auto device = LinuxSevGuestDevice::open(o.sev_guest_path);
  if (!device) return device.error();
  SevGuestOptions s;
  s.vmpl = o.vmpl;
  s.extended = o.extended;
  return std::unique_ptr<EvidenceSource>(std::make_unique<SevGuestSource>(std::move(device).value(), s));
}

Error absent(const std::string& what) { return Error(ErrorCode::NoEvidenceSource, what); }

SourceResult probe(const SourceOptions& o) {
  std::string tried;
  if (!present(o.tsm_root)) {
    tried += "configfs-tsm (" + o.tsm_root + " absent)";
  } else {
    auto tsm = make_tsm(o);
    Status usable = tsm->probe();
    if (usable) return std::unique_ptr<EvidenceSource>(std::move(tsm));
    tried += "configfs-tsm (" + usable.error().message() + ")";
  }
  if (present(o.sev_guest_path)) return open_sev_guest(o);
  tried += ", sev-guest (" + o.sev_guest_path + " absent)";
  if (!present(o.tpm_path)) {
    tried += ", azure-vtpm (" + o.tpm_path + " absent)";
  } else if (!o.azure_vtpm) {
    tried += ", azure-vtpm (" + o.tpm_path + " present, but no vTPM source is built in)";
  } else {
    auto vtpm = o.azure_vtpm();
    if (vtpm || vtpm.error().code() != ErrorCode::NoEvidenceSource) return vtpm;
    tried += ", azure-vtpm (" + vtpm.error().message() + ")";
  }
  return absent("no evidence source found; tried " + tried + " (sim is used only when asked for)");
}

}  // namespace

SourceResult open_evidence_source(const std::string& kind, const SourceOptions& o) {
  if (kind == "auto") return probe(o);
  if (kind == "tsm") {
    if (!present(o.tsm_root)) return absent("configfs-tsm: " + o.tsm_root + " absent");
    return open_tsm(o);
  }
  if (kind == "sev-guest") {
    if (!present(o.sev_guest_path)) return absent("sev-guest: " + o.sev_guest_path + " absent");
    return open_sev_guest(o);
  }
  if (kind == "azure-vtpm") {
    if (!o.azure_vtpm) return absent("azure-vtpm: no vTPM source is built in");
    return o.azure_vtpm();
  }
  if (kind == "sim") {
    if (!o.sim) return absent("sim: no simulator is configured");
    return o.sim();
  }
  return Error(ErrorCode::Usage, "evidence source '" + kind + "' is not auto, sev-guest, tsm, azure-vtpm or sim");
}

}  // namespace attestd::hal
