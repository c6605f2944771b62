// snp-sim paravisor: Azure's paravisor for a guest whose TPM is real (swtpm behind QEMU's
// TPM device), so that attestd in the UEFI sim guest finds what it finds on an Azure CVM:
// the AK at 0x81000003 and the HCL report in NV 0x01400001, regenerated whenever user
// data is written to NV 0x01400002 (tests/mocks/azure/paravisor.h does the work).
#pragma once

#include <string>

#include "core/error.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

struct ParavisorServiceOptions {
  std::string tpm_path = "/dev/tpmrm0";  // the kernel's resource-managed TPM device
  std::string ready_file;                // written once provisioned; empty: none
  int report_ms = 0;                     // how long each fresh report takes (ParavisorOptions::report_time)
};

// Provisions the vTPM, then republishes the HCL report on every user-data change until
// SIGTERM, SIGINT or SIGHUP (then returns ok). An error if the TPM cannot be provisioned.
Status serve_paravisor(const SimIdentity& identity, const ReportRequest& base, const ParavisorServiceOptions& options);

}  // namespace attestd::snpsim
