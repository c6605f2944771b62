// libFuzzer target: UefiVariableStore::parse is total; every live variable it returns can
// be found again by its vendor and name.
#include <cstddef>
#include <cstdint>

#include "boot/uefi_vars.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto store = attestd::boot::UefiVariableStore::parse(attestd::ByteView(data, size));
  if (!store) return 0;
  for (const auto& v : store->variables()) {
    if (store->find(v.vendor, v.name) == nullptr) __builtin_trap();
  }
  return 0;
}
