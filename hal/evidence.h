// Evidence sources: where attestd gets an attestation report bound to data it chooses.
// One interface over /dev/sev-guest, configfs-tsm, the Azure vTPM and snp-sim.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/snp/cert_table.h"

namespace attestd::hal {

using ReportData = std::array<std::uint8_t, 64>;

struct TpmQuote {
  Bytes attest;     // TPMS_ATTEST, marshalled (what the AK signed)
  Bytes signature;  // TPMT_SIGNATURE, marshalled
  Bytes pcr_selection;  // TPML_PCR_SELECTION the quote covers, marshalled
  std::vector<Bytes> pcr_values;  // in selection order
};

struct Evidence {
  std::string source;                         // "sev-guest", "tsm", "azure-vtpm", "sim"
  Bytes report;                               // the SNP ATTESTATION_REPORT, as signed
  std::vector<snp::CertTableEntry> certificates;  // VCEK/VLEK/ASK/ARK if the platform gave any
  // Azure vTPM only: the whole HCL report, its runtime-claims JSON (REPORT_DATA[0:32] is
  // its SHA-256; "user-data" holds the report data asked for), a TPM2 quote by the AK
  // over PCRs whose qualifying data is SHA-256 of the report data, and the firmware's TCG
  // event log that explains those PCRs (absent when the guest exposes none).
  std::optional<Bytes> hcl_report;
  std::optional<std::string> runtime_claims;
  std::optional<TpmQuote> quote;
  std::optional<Bytes> event_log;
};

class EvidenceSource {
 public:
  virtual ~EvidenceSource() = default;
  virtual std::string name() const = 0;
  // Evidence whose report binds `report_data`: directly in REPORT_DATA (sev-guest, tsm,
  // sim) or, on the Azure vTPM, as the HCL runtime claims' "user-data".
  virtual Result<Evidence> get_evidence(const ReportData& report_data) = 0;
};

}  // namespace attestd::hal
