// libFuzzer target: parse_report is total, and serialize_report inverts it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hal/snp/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attestd::ByteView input(data, size);
  auto report = attestd::snp::parse_report(input);
  if (!report) return 0;
  attestd::Bytes again = attestd::snp::serialize_report(*report);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) __builtin_trap();
  (void)attestd::snp::report_product(*report);
  return 0;
}
