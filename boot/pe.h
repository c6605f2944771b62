// A bounded PE/COFF reader (Microsoft PE Format): the section table, and the
// Authenticode image digest that UEFI firmware measures into PCR 4 and that a Secure
// Boot signature signs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::boot {

inline constexpr std::size_t kMaxPeImageBytes = 512 * 1024 * 1024;
inline constexpr std::size_t kMaxPeSections = 96;  // the PE format's own limit

struct PeSection {
  std::string name;  // up to 8 characters, NUL padding removed
  std::uint32_t virtual_address = 0;
  std::uint32_t virtual_size = 0;
  std::uint32_t raw_offset = 0;  // PointerToRawData
  std::uint32_t raw_size = 0;    // SizeOfRawData
};

class PeImage {
 public:
  // MalformedInput naming the field: no "MZ" or "PE\0\0" signature, an optional header
  // that is neither PE32 nor PE32+, more than kMaxPeSections sections, headers, a section
  // or the certificate table outside the file, a VirtualSize over kMaxPeImageBytes.
  static Result<PeImage> parse(Bytes file);

  const std::vector<PeSection>& sections() const { return sections_; }
  const PeSection* find_section(std::string_view name) const;
  // The section as the loader maps it: VirtualSize bytes, raw data then zeros.
  Bytes section_contents(const PeSection& section) const;
  // The Authenticode SHA-256 digest (PE Format, "Calculating the PE Image Hash").
  Bytes authenticode_sha256() const;
  // The certificate table (WIN_CERTIFICATE records), empty when the image is unsigned.
  ByteView certificate_table() const;
  const Bytes& bytes() const { return file_; }

 private:
  PeImage() = default;
  Bytes file_;
  std::vector<PeSection> sections_;
  std::size_t checksum_offset_ = 0;
  std::optional<std::size_t> cert_dir_offset_;  // the certificate-table directory entry
  std::size_t size_of_headers_ = 0;
  std::uint32_t cert_offset_ = 0, cert_size_ = 0;
};

}  // namespace attestd::boot
