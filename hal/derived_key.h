// Keys the AMD-SP derives for the guest: SNP_GET_DERIVED_KEY on /dev/sev-guest, the
// firmware's MSG_KEY_REQ/MSG_KEY_RSP (SEV-SNP ABI spec 56860, "MSG_KEY_REQ"; Linux's
// include/uapi/linux/sev-guest.h, struct snp_derived_key_req). Only /dev/sev-guest offers
// it: configfs-tsm and the Azure vTPM have no such request. The request is checked before
// it is sent (a firmware error can cost the guest its VMPCK).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "hal/sev_guest.h"

namespace attestd::hal {

enum class RootKey { Vcek, Vmrk };

// GUEST_FIELD_SELECT: what of the guest the firmware mixes into the key.
namespace guest_field {
inline constexpr std::uint64_t kPolicy = 1u << 0;
inline constexpr std::uint64_t kImageId = 1u << 1;
inline constexpr std::uint64_t kFamilyId = 1u << 2;
inline constexpr std::uint64_t kMeasurement = 1u << 3;
inline constexpr std::uint64_t kGuestSvn = 1u << 4;
inline constexpr std::uint64_t kTcbVersion = 1u << 5;
inline constexpr std::uint64_t kAll = (1u << 6) - 1;  // message version 1
}  // namespace guest_field

struct DerivedKeyRequest {
  RootKey root = RootKey::Vcek;
  std::uint64_t fields = 0;     // guest_field bits
  std::uint32_t vmpl = 0;       // 0-3, at least the guest's own VMPL
  std::uint32_t guest_svn = 0;  // at most the launch's GUEST_SVN
  std::uint64_t tcb_version = 0;  // a TCB_VERSION at most the committed TCB
};

using DerivedKey = std::array<std::uint8_t, uapi::kDerivedKeySize>;

// "policy,image-id,family-id,measurement,svn,tcb" (any subset, any order; "" is none) ->
// guest_field bits; Usage naming an unknown or repeated name.
Result<std::uint64_t> parse_guest_fields(std::string_view list);
// The inverse, in bit order ("none" for 0).
std::string guest_fields_name(std::uint64_t fields);
// "vcek" or "vmrk"; else Usage.
Result<RootKey> parse_root_key(std::string_view name);

// Usage for a VMPL above 3 or field bits beyond message version 1's, before any ioctl;
// DeviceError for a failed ioctl, or a MSG_KEY_RSP status other than 0 (named: INVALID_PARAM
// is what the firmware answers for a VMPL below the guest's, a guest SVN above the launch's
// or a TCB above the committed one).
Result<DerivedKey> get_derived_key(SevGuestDevice& device, const DerivedKeyRequest& request,
                                   const SevGuestOptions& options = {});

}  // namespace attestd::hal
