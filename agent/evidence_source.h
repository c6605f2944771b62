// How attestd selects and configures its evidence source (config keys evidence, vmpl, tpm,
// event_log, sim_keys, sim_policy, sim_measurement; docs/agent.md), in one place for the
// agent and for the guest-side commands of `attest` (report, derive-key), which run in the
// same guest and take the same option names.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "hal/azure_vtpm.h"
#include "hal/detect.h"
#include "hal/sev_guest.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::agent {

struct EvidenceSettings {
  std::string evidence = "auto";  // auto | sev-guest | tsm | azure-vtpm | sim
  unsigned vmpl = 0;              // sev-guest VMPL, tsm privlevel, the sim's VMPL
  std::string tpm = "/dev/tpmrm0";  // azure-vtpm: a TPM device, or "tcp:HOST:PORT" (swtpm)
  std::string event_log = hal::kEventLogPath;
  bool tpm_encryption_key = false;  // azure-vtpm: also a TPM encryption key (MAA AzureGuest)
  std::string sim_keys;             // sim: the snp-sim identity folder
  std::string sim_policy = "0x30000";
  std::string sim_measurement;  // 96 hex digits; empty: zero
  int sim_report_ms = 0;        // the latency model: each sim report takes this long
  // Where the platform's interfaces are (tests point them elsewhere).
  std::string sev_guest_path = "/dev/sev-guest";
  std::string tsm_root = hal::kTsmReportRoot;
};

// An opened source; with `evidence` sim, the identity it signs with too.
struct OpenedSource {
  std::unique_ptr<snpsim::SimIdentity> sim;  // first: the source refers to it
  std::unique_ptr<hal::EvidenceSource> source;
};

// NoEvidenceSource or the source's own error when it cannot be opened; MalformedConfig
// naming the key for a bad tpm, sim_policy or sim_measurement.
Result<OpenedSource> open_evidence_source(const EvidenceSettings& settings);

// /dev/sev-guest itself, or with `evidence` sim snp-sim's simulated one (the device its
// CUSE front-end serves), for requests other than reports (SNP_GET_DERIVED_KEY).
// configfs-tsm and the Azure vTPM have no such requests: Usage saying so when named,
// NoEvidenceSource when auto finds no /dev/sev-guest.
struct OpenedDevice {
  std::unique_ptr<snpsim::SimIdentity> sim;  // first: the device refers to it
  std::unique_ptr<hal::SevGuestDevice> device;
  std::string name;  // "sev-guest" or "sim"
};
Result<OpenedDevice> open_sev_guest_device(const EvidenceSettings& settings, const std::string& what);

}  // namespace attestd::agent
