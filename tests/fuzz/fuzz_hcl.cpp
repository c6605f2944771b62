// libFuzzer target: parse_hcl_report is total; the embedded SNP report of an accepted
// HCL report serialises back to its bytes, and the binding check never crashes.
#include <cstddef>
#include <cstdint>

#include "hal/snp/hcl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto hcl = attestd::snp::parse_hcl_report(attestd::ByteView(data, size));
  if (!hcl) return 0;
  if (attestd::snp::serialize_report(hcl->snp_report) != hcl->snp_report_bytes) {
    __builtin_trap();
  }
  (void)attestd::snp::check_runtime_binding(*hcl);
  return 0;
}
