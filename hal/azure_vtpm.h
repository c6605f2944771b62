// The Azure vTPM evidence source (SEV-SNP confidential VMs with a paravisor): the HCL
// report in NV 0x01400001, report data bound through NV 0x01400002 ("user-data" in the
// runtime claims), a TPM2 quote by the AK at 0x81000003. docs/tpm.md has the flow.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "hal/evidence.h"
#include "hal/snp/hcl.h"
#include "hal/tpm/quote.h"
#include "hal/tpm/tpm.h"

namespace attestd::hal {

inline constexpr std::uint32_t kAzureHclReportIndex = 0x01400001;
inline constexpr std::uint32_t kAzureUserDataIndex = 0x01400002;
inline constexpr std::uint32_t kAzureAkHandle = 0x81000003;
// Where Azure provisions the AK's certificate (what Microsoft's client sends as AikCert).
inline constexpr std::uint32_t kAzureAkCertIndex = 0x01C101D0;

// Where Linux exposes the firmware's TCG event log (securityfs, mounted by the guest's init).
inline constexpr const char* kEventLogPath = "/sys/kernel/security/tpm0/binary_bios_measurements";

// The PCRs the quote covers (SHA-256 bank): 0-7 (firmware, its configuration, the boot
// applications in 4, Secure Boot policy in 7), 9 (the Linux EFI stub's initrd and command
// line), 11 (systemd-stub's UKI sections), 12 (systemd-stub's command line override and
// credentials). docs/measured-boot.md.
inline const std::vector<unsigned> kQuotedPcrs = {0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12};

struct AzureVtpmOptions {
  std::uint32_t hcl_report_index = kAzureHclReportIndex;
  std::uint32_t user_data_index = kAzureUserDataIndex;
  std::uint32_t ak_handle = kAzureAkHandle;
  tpm::PcrSelection pcrs{tpm::kAlgSha256, kQuotedPcrs};
  // The TCG event log sent with every quote; a missing file means no log (the client then
  // refuses the boot as unexplained). Read whole each time, at most kMaxEventLogBytes.
  std::string event_log_path = kEventLogPath;
  std::size_t nv_chunk = 1024;
  // MAA's AzureGuest protocol: also create an RSA-2048 encryption key in the TPM, certify
  // it by the AK, and read the AK's public area and certificate (Evidence::tpm_keys).
  bool encryption_key = false;
  std::uint32_t ak_cert_index = kAzureAkCertIndex;
  // How long to wait for the paravisor to regenerate the report (seconds on Azure).
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds timeout{15000};
};

class AzureVtpmSource : public EvidenceSource {
 public:
  explicit AzureVtpmSource(std::shared_ptr<tpm::TpmTransport> transport, AzureVtpmOptions options = {});

  std::string name() const override { return "azure-vtpm"; }
  // Writes report_data to the user-data index (defining it if absent), waits for an HCL
  // report whose runtime claims carry it as "user-data" and bind to REPORT_DATA, then
  // quotes the PCRs with SHA-256(report_data) as qualifying data, reads their values and
  // the event log. With options.encryption_key, also Evidence::tpm_keys: the AK's
  // TPM2B_PUBLIC, its certificate from NV ak_cert_index when that index exists, and an
  // encryption key (CreatePrimary under the null hierarchy from
  // tpm::encryption_key_template, authPolicy = PolicyPCR of the quoted PCRs' values read
  // here) certified by the AK with empty qualifying data; every transient handle is
  // flushed. DeviceError for TPM failures, for a paravisor that does not answer within
  // the timeout, and for an event log that cannot be read or is too large. Serialised.
  Result<Evidence> get_evidence(const ReportData& report_data) override;
  // Re-creates the encryption key from the evidence's quoted selection and values,
  // satisfies its PolicyPCR in a policy session and TPM2_RSA_Decrypt (RSAES) `ciphertext`.
  // DeviceError when the key differs from evidence.tpm_keys->enc_key_public (the TPM was
  // reset) or a PCR changed since (naming it); MalformedInput for evidence without a
  // quote or tpm_keys. Serialised with get_evidence.
  Result<Bytes> decrypt_with_encryption_key(const Evidence& evidence, ByteView ciphertext) override;

  // The current HCL report, as read (no user data written).
  Result<snp::HclReport> read_hcl_report();

 private:
  tpm::Tpm tpm_;
  AzureVtpmOptions options_;
  std::mutex mu_;
};

// How often get_evidence reads the quote, the PCR values and the log again when they
// disagree (boot_evidence_consistent) before sending what it has.
inline constexpr int kConsistentReadAttempts = 3;

// Whether a quote, the values read after it and the log read after them agree: the values
// hash to the quote's pcrDigest (SHA-256 bank) and the log replays to each of them.
bool boot_evidence_consistent(ByteView attest, const tpm::PcrSelection& selection, const std::vector<Bytes>& values,
                              const std::optional<Bytes>& event_log);

// The TCG event log at `path` (securityfs reports no size: read to the end, at most
// boot::kMaxEventLogBytes). nullopt when there is no such file (no TPM log exposed);
// DeviceError when it cannot be read or is larger.
Result<std::optional<Bytes>> read_event_log(const std::string& path);

// The qualifying data of the quote in azure-vtpm evidence: SHA-256 of the report data.
Bytes quote_qualifying_data(const ReportData& report_data);

// The attestation key the paravisor published in the runtime claims: the RSA JWK with
// kid "HCLAkPub" under "keys". MalformedInput when absent or not an RSA key.
Result<crypto::PublicKey> hcl_ak_public_key(std::string_view runtime_claims);

// The runtime claims' "user-data" (hex, either case), decoded. MalformedInput if absent.
Result<Bytes> hcl_user_data(std::string_view runtime_claims);

// Checks azure-vtpm evidence against the report data it should bind, without the SNP
// chain (verify::verify_report does that): the HCL report parses and binds its runtime
// claims (check_runtime_binding), the report is the HCL's, "user-data" is report_data
// (ReportDataMismatch), and the quote verifies with HCLAkPub over
// quote_qualifying_data(report_data) (verify_quote). Returns the parsed HCL report.
Result<snp::HclReport> check_azure_evidence(const Evidence& evidence, const ReportData& report_data);

}  // namespace attestd::hal
