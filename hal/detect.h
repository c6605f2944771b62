// Choosing the evidence source: by name, or "auto" by probing the platform in a fixed
// order (docs/hal.md): configfs-tsm, then /dev/sev-guest, then the Azure vTPM. snp-sim is
// never probed: it is used only when asked for by name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hal/evidence.h"
#include "hal/sev_guest.h"
#include "hal/tsm.h"

namespace attestd::hal {

using SourceFactory = std::function<Result<std::unique_ptr<EvidenceSource>>()>;

struct SourceOptions {
  std::uint32_t vmpl = 0;  // sev-guest VMPL / tsm privlevel
  bool extended = true;    // sev-guest: ask for the host's certificates too
  std::string tsm_root = kTsmReportRoot;
  std::shared_ptr<TsmFilesystem> tsm_fs = std::make_shared<TsmFilesystem>();
  std::string sev_guest_path = "/dev/sev-guest";
  std::string tpm_path = "/dev/tpmrm0";
  // The Azure vTPM source, supplied by whoever links it. It answers NoEvidenceSource when
  // the TPM has no HCL report (NV 0x01400001 undefined), so that "auto" goes on.
  SourceFactory azure_vtpm;
  // snp-sim in process, supplied by the agent (hal/ does not depend on tests/mocks).
  SourceFactory sim;
};

// kind: "auto", "sev-guest", "tsm", "azure-vtpm" or "sim" (else Usage). NoEvidenceSource
// when the named source (or, for auto, every probed one) is not present, listing what was
// tried; other errors (a device present that cannot be opened) as they come.
Result<std::unique_ptr<EvidenceSource>> open_evidence_source(const std::string& kind, const SourceOptions& options);

}  // namespace attestd::hal
