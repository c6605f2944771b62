// The Azure HCL (host compatibility layer) report that the paravisor stores in vTPM NV
// index 0x01400001. Microsoft does not publish a specification; the layout follows
// Azure's az-cvm-vtpm (hcl/mod.rs) and is checked against genuine reports:
//   0x000 header: "HCLA", u32 version, u32 report_size, u32 request_type, u32 status,
//         12 reserved bytes
//   0x020 hardware report area, 0x4A0 bytes (the SNP ATTESTATION_REPORT)
//   0x4C0 IGVM request data: u32 data_size, u32 version, u32 report_type (2 = SNP),
//         u32 hash_type (1 SHA-256, 2 SHA-384, 3 SHA-512), u32 variable_data_size
//   0x4D4 variable data: the runtime-claims JSON, whose digest is REPORT_DATA[0:32]
// report_size counts 0x000 up to the end of the variable data; the NV index is larger
// and zero-padded (2600 bytes on the machines the genuine vectors come from).
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/snp/report.h"

namespace attestd::snp {

inline constexpr std::uint32_t kHclReportTypeSnp = 2;

enum class HclHashType : std::uint32_t { Sha256 = 1, Sha384 = 2, Sha512 = 3 };

struct IgvmRequestData {
  std::uint32_t data_size = 0;  // this structure (20 bytes) plus the variable data
  std::uint32_t version = 0;
  std::uint32_t report_type = 0;
  std::uint32_t hash_type = 0;  // an HclHashType value
  std::uint32_t variable_data_size = 0;
};

struct HclReport {
  std::uint32_t version = 0;
  std::uint32_t report_size = 0;
  std::uint32_t request_type = 0;
  std::uint32_t status = 0;
  AttestationReport snp_report;
  Bytes snp_report_bytes;  // the kReportSize bytes at 0x20, as signed
  IgvmRequestData request_data;
  std::string runtime_claims;  // the variable data, verbatim (JSON; not parsed here)
};

// MalformedHclReport, with the inconsistency named, for: a buffer too short for the fixed
// part, a signature other than "HCLA", report_size beyond the buffer or different from
// 0x4C0 + data_size, data_size different from 20 + variable_data_size, variable data
// beyond the buffer, report_type other than 2 (SNP) or an unknown hash_type. Errors of
// the embedded SNP report keep their own code (MalformedReport, ReservedFieldSet, ...).
// The header's version, request_type and status are returned as found, and its reserved
// bytes are not judged: the header is covered by no signature, so nothing can rest on it.
Result<HclReport> parse_hcl_report(ByteView bytes);

// Whether the SNP report binds the runtime claims: REPORT_DATA[0:32] must be the
// SHA-256 of runtime_claims and REPORT_DATA[32:64] zero, else RuntimeDataMismatch.
// Other hash types are MalformedHclReport ("unsupported"): no paravisor uses them.
Status check_runtime_binding(const HclReport& report);

}  // namespace attestd::snp
