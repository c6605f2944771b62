// The UEFI variables of an OVMF VARS flash file (PI spec vol. 3 §3.2.1 firmware volume;
// edk2 MdeModulePkg/Include/Guid/VariableFormat.h authenticated variable store): what
// the firmware will find at boot, and so what it measures into PCR 7.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boot/uefi_types.h"
#include "core/bytes.h"
#include "core/error.h"

namespace attestd::boot {

inline constexpr std::size_t kMaxVarsFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxVariables = 4096;

struct UefiVariable {
  EfiGuid vendor{};
  std::string name;  // UTF-8
  std::uint32_t attributes = 0;
  Bytes data;
};

class UefiVariableStore {
 public:
  // The live variables (State VAR_ADDED, or VAR_ADDED in delete transition) in store
  // order. MalformedInput naming the offset and field: no "_FVH" firmware volume, not the
  // authenticated variable store, a header or a variable outside the store, a name
  // without its NUL, more than kMaxVariables variables.
  static Result<UefiVariableStore> parse(ByteView file);

  const std::vector<UefiVariable>& variables() const { return variables_; }
  const UefiVariable* find(const EfiGuid& vendor, std::string_view name) const;

 private:
  std::vector<UefiVariable> variables_;
};

}  // namespace attestd::boot
