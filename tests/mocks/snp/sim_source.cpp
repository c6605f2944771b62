#include "tests/mocks/snp/sim_source.h"

#include "tests/mocks/snp/sev_guest_device.h"

namespace attestd::snpsim {

SimEvidenceSource::SimEvidenceSource(const SimIdentity& identity, ReportRequest base)
    : identity_(identity), base_(base) {}

Result<hal::Evidence> SimEvidenceSource::get_evidence(const hal::ReportData& report_data) {
  ReportRequest request = base_;
  request.report_data = report_data;
  auto report = make_report(identity_, request);
  if (!report) return report.error().with_context("sim");
  hal::Evidence evidence;
  evidence.source = name();
  evidence.report = std::move(report).value();
  evidence.certificates = host_certificates(identity_, request.use_vlek);
  return evidence;
}

}  // namespace attestd::snpsim
