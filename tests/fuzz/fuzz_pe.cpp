// libFuzzer target: PeImage::parse is total; for an accepted image the Authenticode digest,
// the signature's certificates and every section's contents stay inside the file.
#include <cstddef>
#include <cstdint>

#include "boot/authenticode.h"
#include "boot/pe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto image = attestd::boot::PeImage::parse(attestd::Bytes(data, data + size));
  if (!image) return 0;
  if (image->authenticode_sha256().size() != 32) __builtin_trap();
  (void)attestd::boot::signature_certificates(*image);
  for (const auto& s : image->sections()) {
    if (s.virtual_size <= 1024 * 1024 && image->section_contents(s).size() != s.virtual_size) __builtin_trap();
  }
  return 0;
}
