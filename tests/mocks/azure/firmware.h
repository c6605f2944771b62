// What UEFI firmware does for the TPM at boot, for a simulated CVM: every event of a TCG
// event log extended into the TPM's SHA-256 PCR bank, in order, so that the TPM's PCRs are
// what that boot would leave. Replaying a genuine log (tests/data/boot) makes swtpm's PCRs
// those of a real OVMF + systemd-stub boot.
#pragma once

#include "boot/event_log.h"
#include "core/error.h"
#include "hal/tpm/tpm.h"

namespace attestd::azuresim {

// EV_NO_ACTION events are not extended (they never are). A TPM whose PCRs were already
// extended since its last reset ends with other values: call it once per TPM startup.
Status measure_boot(hal::tpm::Tpm& tpm, const boot::EventLog& log);

}  // namespace attestd::azuresim
