#include "boot/device_path.h"

#include <algorithm>

#include "boot/le_cursor.h"
#include "boot/uefi_types.h"
#include "core/text.h"

namespace attestd::boot {

namespace {
constexpr std::uint8_t kMediaType = 0x04;
constexpr std::uint8_t kMediaFilePath = 0x04;
constexpr std::uint8_t kMediaPiwgFvFile = 0x06;
constexpr std::uint8_t kMediaVendor = 0x03;
constexpr std::uint8_t kEndType = 0x7F;
constexpr std::size_t kMaxNodes = 64;
}  // namespace

std::string render_device_path(ByteView path) {
  std::string file, fv_file, vendor, types;
  std::size_t off = 0;
  for (std::size_t n = 0; off < path.size(); ++n) {
    if (n == kMaxNodes) return "malformed device path: more than " + std::to_string(kMaxNodes) + " nodes";
    if (!within(path.size(), off, 4)) return "malformed device path: a truncated node at offset " + std::to_string(off);
    std::uint8_t type = path[off], subtype = path[off + 1];
    std::uint16_t len = le16_at(path, off + 2);
    if (len < 4 || !within(path.size(), off, len)) {
      return "malformed device path: node length " + std::to_string(len) + " at offset " + std::to_string(off);
    }
    ByteView body = path.subspan(off + 4, len - 4u);
    off += len;
    if (type == kEndType) break;
    if (type == kMediaType && subtype == kMediaFilePath) {
      std::string part = utf16le_to_utf8(body, true);
      if (!file.empty() && file.back() != '\\' && (part.empty() || part.front() != '\\')) file += '\\';
      file += part;
    } else if (type == kMediaType && subtype == kMediaPiwgFvFile && body.size() == 16) {
      EfiGuid g{};
      std::copy(body.begin(), body.end(), g.begin());
      fv_file = "FvFile(" + guid_to_string(g) + ")";
    } else if (type == kMediaType && subtype == kMediaVendor && body.size() >= 16) {
      EfiGuid g{};
      std::copy_n(body.begin(), 16, g.begin());
      vendor = "VenMedia(" + guid_to_string(g) + ")";
    }
    if (!types.empty()) types += ", ";
    types += std::to_string(type) + "/" + std::to_string(subtype);
  }
  if (!file.empty()) return terminal_safe(file);
  if (!fv_file.empty()) return fv_file;
  if (!vendor.empty()) return vendor;
  return types.empty() ? "empty device path" : "device path " + types;
}

}  // namespace attestd::boot
