#include "tests/mocks/snp/sim_source.h"

#include <thread>

#include "tests/mocks/snp/sev_guest_device.h"

namespace attestd::snpsim {

SimEvidenceSource::SimEvidenceSource(const SimIdentity& identity, ReportRequest base,
                                     std::chrono::milliseconds report_time)
    : identity_(identity), base_(base), report_time_(report_time) {}

Result<hal::Evidence> SimEvidenceSource::get_evidence(const hal::ReportData& report_data) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto ready = std::chrono::steady_clock::now() + report_time_;
  // On every path, the error's too: a device that refuses takes its round trip as well.
  struct Wait {
    std::chrono::steady_clock::time_point until;
    ~Wait() { std::this_thread::sleep_until(until); }
  } wait{ready};
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
