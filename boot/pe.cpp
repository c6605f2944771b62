#include "boot/pe.h"

#include <algorithm>
#include <cstring>

#include "boot/le_cursor.h"
#include "crypto/sha.h"

namespace attestd::boot {

namespace {

constexpr std::size_t kLfanewOffset = 0x3C;
constexpr std::size_t kCoffHeaderSize = 20;
constexpr std::size_t kSectionHeaderSize = 40;
constexpr std::uint16_t kPe32Magic = 0x10B, kPe32PlusMagic = 0x20B;
// Offsets inside the optional header (PE Format, "Optional Header Windows-Specific Fields").
constexpr std::size_t kSizeOfHeadersOffset = 60;
constexpr std::size_t kChecksumOffset = 64;
constexpr std::size_t kCertificateDirectory = 4;  // IMAGE_DIRECTORY_ENTRY_SECURITY

Error malformed(const std::string& what) { return Error(ErrorCode::MalformedInput, "PE image: " + what); }

}  // namespace

Result<PeImage> PeImage::parse(Bytes file) {
  ByteView f = file;
  if (f.size() > kMaxPeImageBytes) return malformed(std::to_string(f.size()) + " bytes, over the limit");
  if (f.size() < 0x40 || f[0] != 'M' || f[1] != 'Z') return malformed("no MZ signature");
  std::uint32_t pe = le32_at(f, kLfanewOffset);
  if (!within(f.size(), pe, 4 + kCoffHeaderSize) || std::memcmp(&f[pe], "PE\0\0", 4) != 0) {
    return malformed("no PE signature at e_lfanew " + std::to_string(pe));
  }
  std::size_t coff = pe + 4;
  std::uint16_t nsections = le16_at(f, coff + 2);
  std::uint16_t opt_size = le16_at(f, coff + 16);
  std::size_t opt = coff + kCoffHeaderSize;
  if (nsections > kMaxPeSections) {
    return malformed(std::to_string(nsections) + " sections, over " + std::to_string(kMaxPeSections));
  }
  if (opt_size < 2 || !within(f.size(), opt, opt_size)) return malformed("optional header outside the file");
  std::uint16_t magic = le16_at(f, opt);
  if (magic != kPe32Magic && magic != kPe32PlusMagic) {
    return malformed("optional header magic " + std::to_string(magic) + " is neither PE32 nor PE32+");
  }
  const std::size_t dirs_count_at = magic == kPe32Magic ? 92 : 108;
  if (opt_size < dirs_count_at + 4) return malformed("optional header too short for its data directories");
  std::uint32_t ndirs = le32_at(f, opt + dirs_count_at);
  std::size_t dirs = opt + dirs_count_at + 4;
  if (ndirs > 16 || dirs - opt + std::size_t{ndirs} * 8 > opt_size) {
    return malformed("NumberOfRvaAndSizes " + std::to_string(ndirs) + " does not fit the optional header");
  }
  PeImage image;
  image.checksum_offset_ = opt + kChecksumOffset;
  image.size_of_headers_ = le32_at(f, opt + kSizeOfHeadersOffset);
  std::size_t section_table = opt + opt_size;
  if (!within(f.size(), section_table, std::size_t{nsections} * kSectionHeaderSize)) {
    return malformed("section table outside the file");
  }
  if (image.size_of_headers_ < section_table || image.size_of_headers_ > f.size()) {
    return malformed("SizeOfHeaders " + std::to_string(image.size_of_headers_) + " is outside the file or the headers");
  }
  if (ndirs > kCertificateDirectory) {
    std::size_t entry = dirs + kCertificateDirectory * 8;
    image.cert_dir_offset_ = entry;
    image.cert_offset_ = le32_at(f, entry);
    image.cert_size_ = le32_at(f, entry + 4);
    if (image.cert_size_ && (!within(f.size(), image.cert_offset_, image.cert_size_) ||
                             image.cert_offset_ < image.size_of_headers_)) {
      return malformed("certificate table (offset " + std::to_string(image.cert_offset_) + ", " +
                       std::to_string(image.cert_size_) + " bytes) outside the file");
    }
  }
  for (std::size_t i = 0; i < nsections; ++i) {
    std::size_t h = section_table + i * kSectionHeaderSize;
    PeSection s;
    const char* name = reinterpret_cast<const char*>(&f[h]);
    s.name.assign(name, strnlen(name, 8));
    s.virtual_size = le32_at(f, h + 8);
    s.virtual_address = le32_at(f, h + 12);
    s.raw_size = le32_at(f, h + 16);
    s.raw_offset = le32_at(f, h + 20);
    if (s.virtual_size > kMaxPeImageBytes) {
      return malformed("section " + std::to_string(i) + " VirtualSize " + std::to_string(s.virtual_size) +
                       " is over the image limit");
    }
    if (s.raw_size && !within(f.size(), s.raw_offset, s.raw_size)) {
      return malformed("section " + std::to_string(i) + " raw data (offset " + std::to_string(s.raw_offset) + ", " +
                       std::to_string(s.raw_size) + " bytes) outside the file");
    }
    image.sections_.push_back(std::move(s));
  }
  image.file_ = std::move(file);
  return image;
}

const PeSection* PeImage::find_section(std::string_view name) const {
  for (const auto& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Bytes PeImage::section_contents(const PeSection& s) const {
  Bytes out(s.virtual_size, 0);
  std::size_t n = std::min(s.virtual_size, s.raw_size);
  std::copy_n(file_.begin() + s.raw_offset, n, out.begin());
  return out;
}

ByteView PeImage::certificate_table() const {
  return ByteView(file_).subspan(cert_size_ ? cert_offset_ : 0, cert_size_);
}

Bytes PeImage::authenticode_sha256() const {
  ByteView f = file_;
  crypto::Hasher h(crypto::HashAlg::Sha256);
  // The headers, without the checksum and without the certificate-table directory entry.
  h.update(f.subspan(0, checksum_offset_));
  std::size_t resume = checksum_offset_ + 4;
  if (cert_dir_offset_) {
    h.update(f.subspan(resume, *cert_dir_offset_ - resume));
    resume = *cert_dir_offset_ + 8;
  }
  h.update(f.subspan(resume, size_of_headers_ - resume));
  std::uint64_t hashed = size_of_headers_;
  // The sections in file order.
  std::vector<const PeSection*> ordered;
  for (const auto& s : sections_) {
    if (s.raw_size) ordered.push_back(&s);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const PeSection* a, const PeSection* b) { return a->raw_offset < b->raw_offset; });
  for (const PeSection* s : ordered) {
    h.update(f.subspan(s->raw_offset, s->raw_size));
    hashed += s->raw_size;
  }
  // Data after the last section, except the certificate table.
  if (f.size() > hashed + cert_size_) {
    h.update(f.subspan(static_cast<std::size_t>(hashed), f.size() - cert_size_ - static_cast<std::size_t>(hashed)));
  }
  return h.finish();
}

}  // namespace attestd::boot
