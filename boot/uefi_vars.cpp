#include "boot/uefi_vars.h"

#include <algorithm>
#include <cstring>

#include "boot/le_cursor.h"

namespace attestd::boot {

namespace {

const EfiGuid kSystemNvDataFv = guid_from_string("fff12b8d-7696-4c8b-a985-2747075b4f50");
const EfiGuid kAuthenticatedVariableStore = guid_from_string("aaf32c78-947b-439a-a180-2e144ec37792");

// EFI_FIRMWARE_VOLUME_HEADER fields.
constexpr std::size_t kFvGuidOffset = 16, kFvLengthOffset = 32, kFvSignatureOffset = 40, kFvHeaderLengthOffset = 48;
// VARIABLE_STORE_HEADER: Signature (GUID), Size, Format, State, reserved.
constexpr std::size_t kStoreHeaderSize = 28;
constexpr std::uint8_t kStoreFormatted = 0x5A, kStoreHealthy = 0xFE;
// AUTHENTICATED_VARIABLE_HEADER: StartId, State, Reserved, Attributes, MonotonicCount,
// TimeStamp (EFI_TIME), PubKeyIndex, NameSize, DataSize, VendorGuid.
constexpr std::size_t kVariableHeaderSize = 60;
constexpr std::uint16_t kVariableStartId = 0x55AA;
constexpr std::uint8_t kVarAdded = 0x3F;
constexpr std::uint8_t kVarAddedInDeleteTransition = 0x3E;  // VAR_ADDED & VAR_IN_DELETED_TRANSITION

std::size_t align4(std::size_t v) { return (v + 3) & ~std::size_t{3}; }

Error malformed(std::size_t offset, const std::string& what) {
  return Error(ErrorCode::MalformedInput, "UEFI variable store at offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

Result<UefiVariableStore> UefiVariableStore::parse(ByteView file) {
  if (file.size() > kMaxVarsFileBytes) {
    return Error(ErrorCode::MalformedInput, "UEFI variable file: " + std::to_string(file.size()) + " bytes, over the limit");
  }
  if (file.size() < 56 || std::memcmp(&file[kFvSignatureOffset], "_FVH", 4) != 0) {
    return malformed(0, "no firmware volume (\"_FVH\" signature)");
  }
  if (!std::equal(kSystemNvDataFv.begin(), kSystemNvDataFv.end(), file.begin() + kFvGuidOffset)) {
    return malformed(kFvGuidOffset, "the firmware volume is not EFI_SYSTEM_NV_DATA_FV");
  }
  std::uint64_t fv_length = le64_at(file, kFvLengthOffset);
  if (fv_length > file.size()) return malformed(kFvLengthOffset, "FvLength " + std::to_string(fv_length) + " is beyond the file");
  std::size_t store = le16_at(file, kFvHeaderLengthOffset);
  if (!within(fv_length, store, kStoreHeaderSize)) return malformed(kFvHeaderLengthOffset, "no variable store header in the volume");
  if (!std::equal(kAuthenticatedVariableStore.begin(), kAuthenticatedVariableStore.end(), file.begin() + store)) {
    return malformed(store, "not an authenticated variable store");
  }
  std::uint32_t store_size = le32_at(file, store + 16);
  if (!within(fv_length, store, store_size) || store_size < kStoreHeaderSize) {
    return malformed(store + 16, "store Size " + std::to_string(store_size) + " is outside the volume");
  }
  if (file[store + 20] != kStoreFormatted || file[store + 21] != kStoreHealthy) {
    return malformed(store + 20, "the store is not formatted and healthy");
  }
  const std::size_t end = store + store_size;
  UefiVariableStore out;
  std::vector<bool> in_transition;
  std::size_t off = align4(store + kStoreHeaderSize);
  while (within(end, off, kVariableHeaderSize) && le16_at(file, off) == kVariableStartId) {
    if (out.variables_.size() == kMaxVariables) return malformed(off, "more than " + std::to_string(kMaxVariables) + " variables");
    std::uint8_t state = file[off + 2];
    std::uint32_t name_size = le32_at(file, off + 36);
    std::uint32_t data_size = le32_at(file, off + 40);
    std::size_t name_at = off + kVariableHeaderSize;
    if (!within(end, name_at, name_size) || !within(end, name_at + name_size, data_size)) {
      return malformed(off, "NameSize " + std::to_string(name_size) + " and DataSize " + std::to_string(data_size) +
                                " run past the store");
    }
    if (state == kVarAdded || state == kVarAddedInDeleteTransition) {
      ByteView name = file.subspan(name_at, name_size);
      if (name_size < 2 || name_size % 2 || name[name_size - 1] != 0 || name[name_size - 2] != 0) {
        return malformed(off, "the variable name is not a NUL-terminated UTF-16 string");
      }
      UefiVariable v;
      std::copy_n(file.begin() + off + 44, 16, v.vendor.begin());
      v.name = utf16le_to_utf8(name, true);
      v.attributes = le32_at(file, off + 4);
      v.data = to_bytes(file.subspan(name_at + name_size, data_size));
      in_transition.push_back(state == kVarAddedInDeleteTransition);
      out.variables_.push_back(std::move(v));
    }
    off = align4(name_at + name_size + data_size);
  }
  // A copy in delete transition counts only when its replacement never became VAR_ADDED.
  std::vector<UefiVariable> live;
  for (std::size_t i = 0; i < out.variables_.size(); ++i) {
    const UefiVariable& v = out.variables_[i];
    bool replaced = in_transition[i] && std::any_of(out.variables_.begin(), out.variables_.end(), [&](const UefiVariable& w) {
                      return &w != &v && w.vendor == v.vendor && w.name == v.name && !in_transition[&w - out.variables_.data()];
                    });
    if (!replaced) live.push_back(v);
  }
  out.variables_ = std::move(live);
  return out;
}

const UefiVariable* UefiVariableStore::find(const EfiGuid& vendor, std::string_view name) const {
  for (const auto& v : variables_) {
    if (v.vendor == vendor && v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace attestd::boot
