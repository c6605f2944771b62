// snp-sim as an evidence source, in process: what `--evidence sim` uses. Reports are
// signed by the identity's VCEK (or VLEK) and come with the host's certificate table, as
// an extended report from /dev/sev-guest would. Never chosen by auto-detection.
//
// The latency model (docs/performance.md): reports are made one at a time, as the kernel
// serializes /dev/sev-guest requests to the one AMD-SP channel, and each takes at least
// `report_time` (0: as long as signing takes).
#pragma once

#include <chrono>
#include <mutex>

#include "hal/evidence.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

class SimEvidenceSource : public hal::EvidenceSource {
 public:
  // `identity` must outlive the source; `base` supplies every field but REPORT_DATA.
  SimEvidenceSource(const SimIdentity& identity, ReportRequest base = {},
                    std::chrono::milliseconds report_time = std::chrono::milliseconds(0));
  std::string name() const override { return "sim"; }
  Result<hal::Evidence> get_evidence(const hal::ReportData& report_data) override;

 private:
  const SimIdentity& identity_;
  ReportRequest base_;
  std::chrono::milliseconds report_time_;
  std::mutex mu_;  // one report at a time
};

}  // namespace attestd::snpsim
