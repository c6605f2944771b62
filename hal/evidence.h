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

// The vTPM's attestation key and an RSA encryption key it certified, for MAA's AzureGuest
// protocol (docs/tpm.md): MAA encrypts its answer to the encryption key, which the TPM
// created (TPM2_CreatePrimary under the null hierarchy, decrypt-only, usable only while the
// quoted PCRs keep their values: PolicyPCR) and the AK certified (TPM2_Certify).
struct TpmKeys {
  Bytes ak_public;                  // TPM2B_PUBLIC of the AK, marshalled
  std::optional<Bytes> ak_cert;     // the AK's X.509 certificate (DER), when one is provisioned
  Bytes enc_key_public;             // TPM2B_PUBLIC of the encryption key, marshalled
  Bytes enc_key_certify_info;       // TPMS_ATTEST of TPM2_Certify over it, by the AK
  Bytes enc_key_certify_signature;  // TPMT_SIGNATURE of that attest, marshalled
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
  // Azure vTPM with the AzureGuest protocol only (AzureVtpmOptions::encryption_key).
  std::optional<TpmKeys> tpm_keys;
};

class EvidenceSource {
 public:
  virtual ~EvidenceSource() = default;
  virtual std::string name() const = 0;
  // Evidence whose report binds `report_data`: directly in REPORT_DATA (sev-guest, tsm,
  // sim) or, on the Azure vTPM, as the HCL runtime claims' "user-data".
  virtual Result<Evidence> get_evidence(const ReportData& report_data) = 0;
  // Decrypts `ciphertext` (RSAES-PKCS1-v1_5) with the encryption key of `evidence`'s
  // tpm_keys, inside the TPM, while the PCRs still hold the values that evidence quoted.
  // Sources without a TPM: DeviceError saying so.
  virtual Result<Bytes> decrypt_with_encryption_key(const Evidence& evidence, ByteView ciphertext);
};

// Whether `evidence` binds `report_data` as get_evidence promises: in REPORT_DATA itself
// (sev-guest, tsm, sim) or, from the Azure vTPM, as the HCL runtime claims' user-data,
// quoted by the AK (check_azure_evidence). A source that answered for other data is
// ReportDataMismatch naming both values; a report that does not parse, MalformedReport.
Status check_binding(const Evidence& evidence, const ReportData& report_data);

}  // namespace attestd::hal
