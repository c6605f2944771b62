#include "boot/uefi_types.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "boot/le_cursor.h"

namespace attestd::boot {

namespace {

// Byte positions of the registry form's hex pairs in the in-memory GUID.
constexpr std::array<int, 16> kMemoryOrder = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string guid_to_string(const EfiGuid& guid) {
  std::string hex;
  for (int i : kMemoryOrder) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", guid[static_cast<std::size_t>(i)]);
    hex += buf;
  }
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

EfiGuid guid_from_string(std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (c != '-') hex += c;
  }
  auto bytes = hex_decode(hex);
  if (!bytes || bytes->size() != 16) throw std::logic_error("not a GUID: " + std::string(s));
  EfiGuid g{};
  for (std::size_t i = 0; i < 16; ++i) g[static_cast<std::size_t>(kMemoryOrder[i])] = (*bytes)[i];
  return g;
}

std::string utf16le_to_utf8(ByteView utf16, bool stop_at_nul) {
  std::string out;
  for (std::size_t i = 0; i + 1 < utf16.size(); i += 2) {
    std::uint32_t unit = le16_at(utf16, i);
    if (unit == 0 && stop_at_nul) break;
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < utf16.size()) {
      std::uint32_t low = le16_at(utf16, i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    append_utf8(out, unit >= 0xD800 && unit <= 0xDFFF ? 0xFFFD : unit);
  }
  return out;
}

Bytes ascii_to_utf16le(std::string_view ascii) {
  Bytes out;
  out.reserve(ascii.size() * 2);
  for (char c : ascii) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  return out;
}

Result<VariableData> parse_variable_data(ByteView record) {
  LeCursor in(record);
  VariableData v;
  auto guid = in.bytes(16, "UEFI_VARIABLE_DATA VariableName");
  if (!guid) return guid.error();
  std::copy(guid->begin(), guid->end(), v.vendor.begin());
  auto name_len = in.u64("UEFI_VARIABLE_DATA UnicodeNameLength");
  if (!name_len) return name_len.error();
  auto data_len = in.u64("UEFI_VARIABLE_DATA VariableDataLength");
  if (!data_len) return data_len.error();
  if (*name_len > in.remaining() / 2) {
    return Error(ErrorCode::MalformedInput, "UEFI_VARIABLE_DATA UnicodeNameLength " + std::to_string(*name_len) +
                                                " CHAR16 exceeds the " + std::to_string(in.remaining()) +
                                                " bytes left");
  }
  auto name = in.bytes(*name_len * 2, "UEFI_VARIABLE_DATA UnicodeName");
  if (!name) return name.error();
  v.name = utf16le_to_utf8(*name);
  auto data = in.bytes(*data_len, "UEFI_VARIABLE_DATA VariableData");
  if (!data) return data.error();
  v.data = to_bytes(*data);
  if (!in.at_end()) {
    return Error(ErrorCode::MalformedInput,
                 "UEFI_VARIABLE_DATA: " + std::to_string(in.remaining()) + " bytes after VariableData");
  }
  return v;
}

Result<std::vector<Signature>> parse_signatures(ByteView value) {
  LeCursor in(value);
  std::vector<Signature> out;
  while (!in.at_end()) {
    const std::size_t at = in.offset();
    auto bad = [&](const std::string& why) {
      return Error(ErrorCode::MalformedInput, "EFI_SIGNATURE_LIST at offset " + std::to_string(at) + ": " + why);
    };
    auto type = in.bytes(16, "EFI_SIGNATURE_LIST SignatureType");
    if (!type) return type.error();
    auto list_size = in.u32("EFI_SIGNATURE_LIST SignatureListSize");
    if (!list_size) return list_size.error();
    auto header_size = in.u32("EFI_SIGNATURE_LIST SignatureHeaderSize");
    if (!header_size) return header_size.error();
    auto sig_size = in.u32("EFI_SIGNATURE_LIST SignatureSize");
    if (!sig_size) return sig_size.error();
    constexpr std::uint64_t kFixed = 28;
    if (*list_size < kFixed || *list_size - kFixed > in.remaining()) {
      return bad("SignatureListSize " + std::to_string(*list_size) + " does not fit the " +
                 std::to_string(in.remaining() + kFixed) + " bytes left");
    }
    const std::uint64_t body = *list_size - kFixed;
    if (*header_size > body) return bad("SignatureHeaderSize " + std::to_string(*header_size) + " exceeds the list");
    if (*sig_size < 16) return bad("SignatureSize " + std::to_string(*sig_size) + " is below the 16-byte owner GUID");
    if ((body - *header_size) % *sig_size != 0) {
      return bad("the signatures do not fill the list in whole SignatureSize (" + std::to_string(*sig_size) +
                 ") pieces");
    }
    auto header = in.bytes(*header_size, "EFI_SIGNATURE_LIST SignatureHeader");
    if (!header) return header.error();
    EfiGuid signature_type{};
    std::copy_n(type->begin(), signature_type.size(), signature_type.begin());
    for (std::uint64_t n = (body - *header_size) / *sig_size; n > 0; --n) {
      auto data = in.bytes(*sig_size, "EFI_SIGNATURE_DATA");
      if (!data) return data.error();
      out.push_back(Signature{signature_type, *data});
    }
  }
  return out;
}

Bytes encode_variable_data(const EfiGuid& vendor, std::string_view ascii_name, ByteView data) {
  Bytes out(vendor.begin(), vendor.end());
  auto put64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put64(ascii_name.size());
  put64(data.size());
  Bytes name = ascii_to_utf16le(ascii_name);
  out.insert(out.end(), name.begin(), name.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace attestd::boot
