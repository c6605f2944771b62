// snp-sim as an evidence source, in process: what `--evidence sim` uses. Reports are
// signed by the identity's VCEK (or VLEK) and come with the host's certificate table, as
// an extended report from /dev/sev-guest would. Never chosen by auto-detection.
#pragma once

#include "hal/evidence.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

class SimEvidenceSource : public hal::EvidenceSource {
 public:
  // `identity` must outlive the source; `base` supplies every field but REPORT_DATA.
  SimEvidenceSource(const SimIdentity& identity, ReportRequest base = {});
  std::string name() const override { return "sim"; }
  Result<hal::Evidence> get_evidence(const hal::ReportData& report_data) override;

 private:
  const SimIdentity& identity_;
  ReportRequest base_;
};

}  // namespace attestd::snpsim
