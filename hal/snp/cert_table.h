// The certificate table an extended guest request returns beside the report (GHCB spec
// 56421, "SNP Extended Guest Request", and SEV-SNP ABI spec 56860): entries of
// {GUID[16], u32 offset, u32 length}, little-endian, ended by an all-zero entry; offsets
// count from the start of the buffer, and the blobs (DER certificates) follow the table.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::snp {

// A GUID in RFC 4122 byte order: its bytes are the hex digits of its string, in order.
using Guid = std::array<std::uint8_t, 16>;

// "63da758d-e664-4564-adc5-f4b93be8accd" (lowercase).
std::string guid_to_string(const Guid& guid);
// The 36-character form, either case; anything else is MalformedInput.
Result<Guid> guid_from_string(std::string_view text);

extern const Guid kVcekGuid;  // 63da758d-e664-4564-adc5-f4b93be8accd
extern const Guid kVlekGuid;  // a8074bc2-a25a-483e-aae6-39c045a0b8a1
extern const Guid kAskGuid;   // 4ab7b379-bbac-4fe4-a02f-05aef327c782 (ASK, and ASVK)
extern const Guid kArkGuid;   // c0b406a4-a803-4952-9743-3fb6014cd0ae

inline constexpr std::size_t kMaxCertTableEntries = 64;

struct CertTableEntry {
  Guid guid{};
  Bytes data;

  bool operator==(const CertTableEntry&) const = default;
};

// MalformedCertTable when: no all-zero terminator within the buffer, more than
// kMaxCertTableEntries entries, an entry with the all-zero GUID that is not the
// terminator, an entry whose blob is empty, lies outside the buffer or overlaps the table
// (terminator included), or a GUID that appears twice. Bytes after the table and the
// blobs (the kernel hands over whole pages) are ignored.
Result<std::vector<CertTableEntry>> parse_cert_table(ByteView buf);

// The table and its terminator, then the blobs in entry order.
Bytes serialize_cert_table(const std::vector<CertTableEntry>& entries);

// The entry with that GUID, or nullptr.
const CertTableEntry* find_cert(const std::vector<CertTableEntry>& entries, const Guid& guid);

}  // namespace attestd::snp
