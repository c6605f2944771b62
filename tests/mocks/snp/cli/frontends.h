// snp-sim's device front-ends for a guest (docs/snp-sim.md): a CUSE character device with
// the /dev/sev-guest ioctl ABI and a FUSE file system with configfs-tsm's layout, both
// answered by the same simulated firmware, so that attestd inside the sim guest image
// takes exactly the code paths it takes on an SEV-SNP guest.
#pragma once

#include <string>

#include "core/error.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

struct FrontendOptions {
  std::string cuse_name;   // e.g. "sev-guest": /dev/sev-guest; empty: no CUSE device
  std::string tsm_mount;   // e.g. /sys/kernel/config/tsm; empty: no configfs-tsm
  std::string ready_file;  // written once both serve (the CUSE device node exists); empty: none
};

// Serves until SIGTERM, SIGINT or SIGHUP, then unmounts and ends the process (exit 0);
// a front-end that stops on its own (its mount or device gone) ends it with exit 1.
// Returns only when a front-end cannot start (DeviceError naming it; nothing is left
// mounted) or for a Usage error.
Status serve_frontends(const SimIdentity& identity, const ReportRequest& base, const FrontendOptions& options);

}  // namespace attestd::snpsim
