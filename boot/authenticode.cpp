#include "boot/authenticode.h"

#include <mbedtls/asn1.h>

#include "boot/le_cursor.h"

namespace attestd::boot {

namespace {

constexpr std::uint16_t kWinCertTypePkcsSignedData = 0x0002;

Error malformed(const std::string& what) {
  return Error(ErrorCode::MalformedInput, "Authenticode signature: " + what);
}

// Steps into the next element if it has `tag`; false otherwise.
bool enter(unsigned char*& p, const unsigned char* end, int tag, std::size_t& len) {
  return mbedtls_asn1_get_tag(&p, end, &len, tag) == 0;
}

// ContentInfo { contentType, [0] SignedData { version, digestAlgorithms, encapContentInfo,
// [0] IMPLICIT certificates, ... } } (RFC 5652 §3, §5.1).
Result<std::vector<crypto::Certificate>> certificates_of(ByteView signed_data) {
  Bytes der = to_bytes(signed_data);
  unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  std::size_t len = 0;
  constexpr int kSeq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
  constexpr int kSet = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET;
  constexpr int kCtx0 = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
  if (!enter(p, end, kSeq, len)) return malformed("ContentInfo is not a SEQUENCE");
  end = p + len;
  if (!enter(p, end, MBEDTLS_ASN1_OID, len)) return malformed("no contentType");
  p += len;
  if (!enter(p, end, kCtx0, len) || !enter(p, end, kSeq, len)) return malformed("no SignedData");
  end = p + len;
  if (!enter(p, end, MBEDTLS_ASN1_INTEGER, len)) return malformed("no SignedData version");
  p += len;
  if (!enter(p, end, kSet, len)) return malformed("no digestAlgorithms");
  p += len;
  if (!enter(p, end, kSeq, len)) return malformed("no encapContentInfo");
  p += len;
  std::vector<crypto::Certificate> certs;
  if (!enter(p, end, kCtx0, len)) return certs;  // certificates are optional
  const unsigned char* certs_end = p + len;
  while (p < certs_end) {
    unsigned char* start = p;
    if (!enter(p, certs_end, kSeq, len)) return malformed("a certificate is not a SEQUENCE");
    p += len;
    auto cert = crypto::Certificate::from_der(ByteView(start, static_cast<std::size_t>(p - start)));
    if (!cert) return cert.error().with_context("Authenticode signature");
    certs.push_back(std::move(cert).value());
  }
  return certs;
}

}  // namespace

Result<std::vector<crypto::Certificate>> signature_certificates(const PeImage& image) {
  ByteView table = image.certificate_table();
  std::vector<crypto::Certificate> all;
  // WIN_CERTIFICATE records: dwLength, wRevision, wCertificateType, bCertificate; 8-aligned.
  std::size_t off = 0;
  while (off + 8 <= table.size()) {
    std::uint32_t length = le32_at(table, off);
    std::uint16_t type = le16_at(table, off + 6);
    if (length < 8 || !within(table.size(), off, length)) {
      return malformed("WIN_CERTIFICATE dwLength " + std::to_string(length) + " at offset " + std::to_string(off));
    }
    if (type == kWinCertTypePkcsSignedData) {
      auto certs = certificates_of(table.subspan(off + 8, length - 8));
      if (!certs) return certs.error();
      all.insert(all.end(), certs->begin(), certs->end());
    }
    off += (length + 7) & ~std::size_t{7};
  }
  return all;
}

}  // namespace attestd::boot
