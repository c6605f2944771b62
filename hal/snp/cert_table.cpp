#include "hal/snp/cert_table.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>

namespace attestd::snp {

static_assert(std::endian::native == std::endian::little,
              "table entries are little-endian and copied in and out with memcpy");

const Guid kVcekGuid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                        0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
const Guid kVlekGuid = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                        0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
const Guid kAskGuid = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                       0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
const Guid kArkGuid = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                       0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

namespace {

#pragma pack(push, 1)
struct EntryLayout {
  Guid guid{};
  std::uint32_t offset;
  std::uint32_t length;
};
#pragma pack(pop)
static_assert(sizeof(EntryLayout) == 24);
static_assert(offsetof(EntryLayout, guid) == 0);
static_assert(offsetof(EntryLayout, offset) == 16);
static_assert(offsetof(EntryLayout, length) == 20);

constexpr std::size_t kEntrySize = sizeof(EntryLayout);
// Where the dashes of the 36-character form are.
constexpr std::size_t kDashes[] = {8, 13, 18, 23};

Error malformed(std::string what) {
  return Error(ErrorCode::MalformedCertTable, std::move(what));
}

std::string describe_entry(std::size_t index, const Guid& guid) {
  return "entry " + std::to_string(index) + " (" + guid_to_string(guid) + ")";
}

// The entries before the all-zero terminator (the table ends right after it).
Result<std::vector<EntryLayout>> read_entries(ByteView buf) {
  std::vector<EntryLayout> entries;
  for (std::size_t pos = 0;; pos += kEntrySize) {
    if (buf.size() - pos < kEntrySize) {
      return malformed("no terminator: the table runs past the end of the " +
                       std::to_string(buf.size()) + "-byte buffer after " +
                       std::to_string(entries.size()) + " entries");
    }
    ByteView bytes = buf.subspan(pos, kEntrySize);
    if (all_zero(bytes)) return entries;
    if (entries.size() == kMaxCertTableEntries) {
      return malformed("more than " + std::to_string(kMaxCertTableEntries) + " entries");
    }
    EntryLayout e;
    std::memcpy(&e, bytes.data(), kEntrySize);
    entries.push_back(e);
  }
}

Status check_entry(const EntryLayout& e, std::size_t index, std::size_t table_end,
                   std::size_t buf_size) {
  if (e.guid == Guid{}) {
    return malformed("entry " + std::to_string(index) +
                     " has the all-zero GUID but is not the terminator");
  }
  if (e.length == 0) return malformed(describe_entry(index, e.guid) + " has length 0");
  std::uint64_t end = std::uint64_t{e.offset} + e.length;  // cannot overflow 64 bits
  if (end > buf_size) {
    return malformed(describe_entry(index, e.guid) + " spans [" + std::to_string(e.offset) +
                     ", " + std::to_string(end) + "), beyond the " + std::to_string(buf_size) +
                     "-byte buffer");
  }
  if (e.offset < table_end) {
    return malformed(describe_entry(index, e.guid) + " starts at " + std::to_string(e.offset) +
                     ", inside the table (which ends at " + std::to_string(table_end) + ")");
  }
  return ok_status();
}

}  // namespace

std::string guid_to_string(const Guid& guid) {
  std::string hex = hex_encode(guid);
  for (std::size_t dash : kDashes) hex.insert(dash, 1, '-');
  return hex;
}

Result<Guid> guid_from_string(std::string_view text) {
  constexpr std::size_t kLength = 36;
  auto bad = [](const std::string& why) {
    return Error(ErrorCode::MalformedInput,
                 "GUID " + why + " (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
  };
  if (text.size() != kLength) return bad("has " + std::to_string(text.size()) + " characters");
  std::string digits;
  std::size_t from = 0;
  for (std::size_t dash : kDashes) {
    if (text[dash] != '-') return bad("lacks the dash at " + std::to_string(dash));
    digits += text.substr(from, dash - from);
    from = dash + 1;
  }
  digits += text.substr(from);
  auto bytes = hex_decode(digits);  // rejects any further dash or non-hex character
  if (!bytes) return bad("has a non-hex character");
  Guid guid{};
  std::copy(bytes->begin(), bytes->end(), guid.begin());
  return guid;
}

Result<std::vector<CertTableEntry>> parse_cert_table(ByteView buf) {
  auto raw = read_entries(buf);
  if (!raw) return raw.error();
  const std::size_t table_end = (raw->size() + 1) * kEntrySize;

  std::vector<CertTableEntry> out;
  out.reserve(raw->size());
  for (std::size_t i = 0; i < raw->size(); ++i) {
    const EntryLayout& e = (*raw)[i];
    if (Status s = check_entry(e, i, table_end, buf.size()); !s) return s.error();
    if (const CertTableEntry* seen = find_cert(out, e.guid)) {
      return malformed(describe_entry(i, e.guid) + " repeats the GUID of entry " +
                       std::to_string(seen - out.data()));
    }
    ByteView blob = buf.subspan(e.offset, e.length);
    out.push_back({.guid = e.guid, .data = to_bytes(blob)});
  }
  return out;
}

Bytes serialize_cert_table(const std::vector<CertTableEntry>& entries) {
  const std::size_t table_size = (entries.size() + 1) * kEntrySize;
  std::size_t total = table_size;
  for (const auto& e : entries) total += e.data.size();

  Bytes out(total, 0);  // the terminator is already there
  std::size_t cursor = table_size;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    // Offsets and lengths are u32 in the ABI; tables are a few KiB of certificates.
    EntryLayout raw{.guid = e.guid, .offset = static_cast<std::uint32_t>(cursor),
                    .length = static_cast<std::uint32_t>(e.data.size())};
    std::memcpy(out.data() + i * kEntrySize, &raw, kEntrySize);
    if (!e.data.empty()) std::memcpy(out.data() + cursor, e.data.data(), e.data.size());
    cursor += e.data.size();
  }
  return out;
}

const CertTableEntry* find_cert(const std::vector<CertTableEntry>& entries, const Guid& guid) {
  for (const auto& e : entries) {
    if (e.guid == guid) return &e;
  }
  return nullptr;
}

}  // namespace attestd::snp
