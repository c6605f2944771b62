#include "hal/evidence.h"

#include "hal/azure_vtpm.h"
#include "hal/snp/report.h"

namespace attestd::hal {

Result<Bytes> EvidenceSource::decrypt_with_encryption_key(const Evidence&, ByteView) {
  return Error(ErrorCode::DeviceError, "the " + name() + " evidence source has no TPM to decrypt with");
}

Status check_binding(const Evidence& evidence, const ReportData& report_data) {
  if (evidence.source == "azure-vtpm") {
    auto hcl = check_azure_evidence(evidence, report_data);
    if (!hcl) return hcl.error();
    return {};
  }
  auto report = snp::parse_report(evidence.report);
  if (!report) return report.error().with_context(evidence.source + " report");
  if (report->report_data != report_data) {
    return Error(ErrorCode::ReportDataMismatch, "the " + evidence.source + " report's REPORT_DATA is " +
                                                    hex_encode(report->report_data) + ", but " +
                                                    hex_encode(report_data) + " was asked for");
  }
  return {};
}

}  // namespace attestd::hal
