// What a correct boot of a signed UKI under OVMF measures (issue 10): the events and
// final values of PCR 4 (boot applications), PCR 7 (Secure Boot policy) and PCR 11
// (systemd-stub's UKI sections), computed from the UKI and the firmware's VARS file.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "boot/event_log.h"
#include "boot/pe.h"
#include "boot/uefi_vars.h"
#include "core/error.h"

namespace attestd::boot {

// Where OVMF finds the UKI when it boots the disk as removable media.
inline constexpr const char* kDefaultEfiPath = "\\EFI\\BOOT\\BOOTX64.EFI";

// systemd 252 stub.c: the UKI sections it measures into PCR 11, in this order (its
// unified_sections table; .pcrsig is not measured).
inline const std::vector<std::string>& measured_uki_sections() {
  static const std::vector<std::string> kSections = {".linux", ".osrel", ".cmdline", ".initrd",
                                                     ".splash", ".dtb", ".pcrpkey"};
  return kSections;
}

struct BootInputs {
  const PeImage* uki = nullptr;
  const UefiVariableStore* vars = nullptr;
  bool secure_boot = true;
  std::string efi_path = kDefaultEfiPath;
};

// The vendor media device path systemd 252's stub gives the kernel it loads from .linux.
inline constexpr const char* kStubKernelDevicePath = "VenMedia(55c5d1f8-04cd-46b5-8a20-e56cbb3052d0)";

// PCR 4: OVMF's "Calling EFI Application from Boot Option", the separator, and the UKI's
// Authenticode digest as EV_EFI_BOOT_SERVICES_APPLICATION (edk2 Tcg2Dxe, DxeTpm2MeasureBootLib).
// With Secure Boot off the stub loads the kernel (.linux) through the firmware's LoadImage
// without its security override, so the firmware measures the kernel's Authenticode digest
// too (seen in the real Secure-Boot-off log); with it on, the override skips that.
// MalformedInput when Secure Boot is off and .linux is not a PE image.
Result<std::vector<ExpectedEvent>> expected_pcr4(const PeImage& uki, const std::string& efi_path, bool secure_boot);

// PCR 7: SecureBoot, PK, KEK, db, dbx (and dbt when present) as EV_EFI_VARIABLE_DRIVER_CONFIG,
// the separator, and with Secure Boot on the db entry that verified the UKI as
// EV_EFI_VARIABLE_AUTHORITY (edk2 Tcg2Dxe MeasureSecureBootPolicy, DxeImageVerificationLib).
// MalformedInput when db holds no certificate of the UKI's signature while Secure Boot is on.
Result<std::vector<ExpectedEvent>> expected_pcr7(const PeImage& uki, const UefiVariableStore& vars, bool secure_boot);

// PCR 11: for each measured section present, an EV_IPL of its NUL-terminated name and one
// of its contents (VirtualSize bytes as loaded), both described by the section name.
std::vector<ExpectedEvent> expected_pcr11(const PeImage& uki);

// The value a PCR reaches from zero by extending these events' digests.
Bytes replay_expected(const std::vector<ExpectedEvent>& events);

struct ExpectedBoot {
  std::map<unsigned, std::vector<ExpectedEvent>> events;  // PCRs 4, 7, 11
  std::map<unsigned, Bytes> pcrs;
};
Result<ExpectedBoot> expected_boot(const BootInputs& inputs);

}  // namespace attestd::boot
