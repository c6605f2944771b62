// EFI device paths (UEFI 2.10 §10.3) as they appear in image-load events: rendered for
// people, never trusted for anything.
#pragma once

#include <string>

#include "core/bytes.h"

namespace attestd::boot {

// The file the path names: its file-path nodes joined ("\EFI\BOOT\BOOTX64.EFI"); else a
// firmware-volume file ("FvFile(GUID)"); else a vendor media node ("VenMedia(GUID)", e.g.
// the kernel systemd-stub loads from memory); else the node types ("device path 2/1, 3/1").
// Bounded and total: a malformed path renders as "malformed device path: ...".
std::string render_device_path(ByteView path);

}  // namespace attestd::boot
