// Reading evidence the way users hand it to the CLI: report files and certificate files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "hal/snp/hcl.h"
#include "hal/snp/report.h"
#include "verify/roots.h"

namespace attestd::client {

// The largest report or certificate file read (an HCL report and a certificate chain are
// a few KiB).
inline constexpr std::size_t kMaxEvidenceFile = 1024 * 1024;

// An SNP report, either bare (1184 bytes) or inside an Azure HCL report.
struct ReportFile {
  Bytes report_bytes;                 // the SNP report as signed
  snp::AttestationReport report;
  std::optional<snp::HclReport> hcl;  // when the file was an HCL report
};

// Recognises an HCL report by its "HCLA" magic, anything else must be an SNP report.
Result<ReportFile> parse_report_file(ByteView bytes);
Result<ReportFile> load_report_file(const std::string& path);

// Certificates from PEM (one or more), DER (one), or an SNP extended-report
// certificate table (VCEK/VLEK/ASK/ARK entries).
Result<std::vector<crypto::Certificate>> parse_certificates(ByteView bytes);
Result<std::vector<crypto::Certificate>> load_certificates(const std::string& path);

// A revocation list file (--crl FILE): CrlUnavailable when it cannot be read, CrlInvalid
// when it is not one DER or PEM CRL; messages name the file.
Result<crypto::RevocationList> load_crl(const std::string& path);

// An ASK/ARK(/ASVK) bundle from a file, as a chain to trust besides AMD's (snp-sim's
// ca_bundle.pem); `origin` says who chose to trust it, for messages.
Result<verify::ProductChain> load_product_chain(const std::string& path, const std::string& origin);

}  // namespace attestd::client
