// libFuzzer target: parse_cert_table is total; an accepted table survives a
// serialize/parse round trip unchanged (the bytes may differ: padding, blob order).
#include <cstddef>
#include <cstdint>

#include "hal/snp/cert_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = attestd::snp::parse_cert_table(attestd::ByteView(data, size));
  if (!entries) return 0;
  auto again = attestd::snp::parse_cert_table(attestd::snp::serialize_cert_table(*entries));
  if (!again || *again != *entries) __builtin_trap();
  return 0;
}
