// UEFI data types that boot measurements carry: EFI_GUID, UCS-2/UTF-16 names, and the
// UEFI_VARIABLE_DATA record (TCG PC Client PFP §10.2.6) that logs a variable.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::boot {

// An EFI_GUID as stored in memory: Data1-3 little-endian, Data4 as bytes.
using EfiGuid = std::array<std::uint8_t, 16>;

// "8be4df61-93ca-11d2-aa0d-00e098032b8c": the registry form of the GUID.
std::string guid_to_string(const EfiGuid& guid);
// The in-memory bytes of a registry-form GUID; a constant in the source, so it must parse.
EfiGuid guid_from_string(std::string_view registry_form);

inline const EfiGuid kEfiGlobalVariable = guid_from_string("8be4df61-93ca-11d2-aa0d-00e098032b8c");
inline const EfiGuid kEfiImageSecurityDatabase = guid_from_string("d719b2cb-3d3a-4596-a3bc-dad00e67656f");
inline const EfiGuid kEfiCertX509 = guid_from_string("a5c059a1-94e4-4aa7-87b5-ab155c2bf072");

// UTF-16LE to UTF-8: unpaired surrogates become U+FFFD; a trailing odd byte is ignored.
// Decoding stops at the first NUL code unit when `stop_at_nul`.
std::string utf16le_to_utf8(ByteView utf16, bool stop_at_nul = false);
// ASCII (the names of UEFI variables and UKI sections) as UTF-16LE, without a NUL.
Bytes ascii_to_utf16le(std::string_view ascii);

// UEFI_VARIABLE_DATA: VariableName (GUID), UnicodeNameLength (CHAR16s, no NUL),
// VariableDataLength, UnicodeName, VariableData.
struct VariableData {
  EfiGuid vendor{};
  std::string name;  // UTF-8
  Bytes data;
};

// MalformedInput naming the field for a record that is truncated or has bytes left over.
Result<VariableData> parse_variable_data(ByteView record);
// The record as the firmware logs it (names are ASCII here: SecureBoot, PK, db, ...).
Bytes encode_variable_data(const EfiGuid& vendor, std::string_view ascii_name, ByteView data);

// One signature of a Secure Boot database: its list's SignatureType and its
// EFI_SIGNATURE_DATA (the 16-byte SignatureOwner GUID, then the certificate or hash),
// pointing into the value parsed.
struct Signature {
  EfiGuid type;
  ByteView data;
};

// The signatures in a Secure Boot database's value (db, dbx, KEK, PK), in order: a sequence
// of EFI_SIGNATURE_LIST (UEFI 2.10 §32.4.1), each SignatureType, SignatureListSize,
// SignatureHeaderSize, SignatureSize, a header and whole signatures of SignatureSize
// bytes (at least the 16-byte owner GUID). MalformedInput naming the list's offset and the
// field when the lists do not tile the data exactly. An empty value has none.
Result<std::vector<Signature>> parse_signatures(ByteView value);

}  // namespace attestd::boot
