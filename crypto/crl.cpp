#include "crypto/crl.h"

#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crl.h>

#include <cstring>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/internal/pk.h"
#include "crypto/internal/x509_fields.h"

namespace attestd::crypto {

using detail::mbedtls_error;

struct RevocationList::Impl {
  mbedtls_x509_crl crl;
  Bytes der;
  std::vector<RevokedEntry> revoked;
  Impl() { mbedtls_x509_crl_init(&crl); }
  ~Impl() { mbedtls_x509_crl_free(&crl); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

namespace {

constexpr std::size_t kMaxCrlSize = 4 * 1024 * 1024;

Error malformed(const std::string& what) { return Error(ErrorCode::MalformedInput, "revocation list: " + what); }

// The DER inside one PEM "X509 CRL" block.
Result<Bytes> pem_body(std::string_view text) {
  static constexpr const char* kBegin = "-----BEGIN X509 CRL-----";
  static constexpr const char* kEnd = "-----END X509 CRL-----";
  std::size_t begin = text.find("-----BEGIN");
  if (text.substr(begin, std::strlen(kBegin)) != kBegin) return malformed("the PEM block is not an X509 CRL");
  // Exactly one block and nothing else but whitespace: a second list (another key kind's,
  // another revocation) must not be dropped unseen.
  std::size_t end = text.find(kEnd);
  auto blank = [](std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; };
  if (end == std::string_view::npos || text.find("-----BEGIN", begin + 1) != std::string_view::npos ||
      !blank(text.substr(0, begin)) || !blank(text.substr(end + std::strlen(kEnd)))) {
    return malformed("a PEM file must hold one X509 CRL block and nothing else");
  }
  std::string block(text.substr(begin));
  mbedtls_pem_context pem;
  mbedtls_pem_init(&pem);
  std::size_t used = 0;
  int ret = mbedtls_pem_read_buffer(&pem, kBegin, kEnd, reinterpret_cast<const unsigned char*>(block.c_str()),
                                    nullptr, 0, &used);
  if (ret != 0) {
    mbedtls_pem_free(&pem);
    return mbedtls_error(ErrorCode::MalformedInput, "revocation list PEM", ret);
  }
  std::size_t len = 0;
  const unsigned char* buf = mbedtls_pem_get_buffer(&pem, &len);
  Bytes der(buf, buf + len);
  mbedtls_pem_free(&pem);
  return der;
}

}  // namespace

Result<RevocationList> RevocationList::parse(ByteView input) {
  if (input.size() > kMaxCrlSize) return malformed("larger than 4 MiB");
  Bytes der;
  std::string_view text = as_chars(input);
  if (text.find("-----BEGIN") != std::string_view::npos) {
    auto body = pem_body(text);
    if (!body) return body.error();
    der = std::move(body).value();
  } else {
    der.assign(input.begin(), input.end());
  }
  if (der.empty()) return malformed("empty");
  auto impl = std::make_shared<Impl>();
  int ret = mbedtls_x509_crl_parse_der(&impl->crl, der.data(), der.size());
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedInput, "revocation list", ret);
  if (impl->crl.raw.len != der.size()) return malformed("trailing data after the CRL");
  if (impl->crl.next_update.year == 0) return malformed("no nextUpdate");
  for (const mbedtls_x509_crl_entry* e = &impl->crl.entry; e != nullptr; e = e->next) {
    if (e->raw.len == 0) continue;  // mbedTLS's empty head entry of a CRL without revocations
    impl->revoked.push_back(
        {Bytes(e->serial.p, e->serial.p + e->serial.len), detail::to_unix(e->revocation_date)});
  }
  impl->der = std::move(der);
  return RevocationList(impl);
}

const Bytes& RevocationList::der() const { return impl_->der; }

std::string RevocationList::issuer() const { return detail::dn_string(&impl_->crl.issuer); }

UnixTime RevocationList::this_update() const { return detail::to_unix(impl_->crl.this_update); }
UnixTime RevocationList::next_update() const { return detail::to_unix(impl_->crl.next_update); }
const std::vector<RevokedEntry>& RevocationList::revoked() const { return impl_->revoked; }

std::optional<RevokedEntry> RevocationList::find(ByteView serial) const {
  // INTEGER contents may carry a leading 0x00 that another encoder leaves out.
  auto strip = [](ByteView s) {
    while (s.size() > 1 && s[0] == 0) s = s.subspan(1);
    return s;
  };
  ByteView want = strip(serial);
  for (const auto& e : impl_->revoked) {
    ByteView have = strip(e.serial);
    if (have.size() == want.size() && std::equal(have.begin(), have.end(), want.begin())) return e;
  }
  return std::nullopt;
}

bool RevocationList::signed_with_rsassa_pss_sha384() const {
  const mbedtls_x509_crl& crl = impl_->crl;
  if (crl.MBEDTLS_PRIVATE(sig_pk) != MBEDTLS_PK_RSASSA_PSS || crl.MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA384) {
    return false;
  }
  const auto* pss = static_cast<const mbedtls_pk_rsassa_pss_options*>(crl.MBEDTLS_PRIVATE(sig_opts));
  return pss != nullptr && pss->mgf1_hash_id == MBEDTLS_MD_SHA384 && pss->expected_salt_len == 48;
}

std::string RevocationList::signature_algorithm() const {
  const char* desc = nullptr;
  if (mbedtls_oid_get_sig_alg_desc(&impl_->crl.sig_oid, &desc) == 0 && desc) return desc;
  return "unknown";
}

Status RevocationList::verify_signature(const Certificate& ca) const {
  const mbedtls_x509_crl& crl = impl_->crl;
  Bytes subject_raw = ca.subject_der();
  if (crl.issuer_raw.len != subject_raw.size() ||
      std::memcmp(crl.issuer_raw.p, subject_raw.data(), subject_raw.size()) != 0) {
    return Error(ErrorCode::CrlInvalid, "the revocation list is issued by '" + issuer() + "', not by '" +
                                            ca.subject() + "'");
  }
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(crl.MBEDTLS_PRIVATE(sig_md));
  if (md == nullptr) return Error(ErrorCode::CrlInvalid, "the revocation list's digest is not supported");
  unsigned char hash[MBEDTLS_MD_MAX_SIZE];
  if (mbedtls_md(md, crl.tbs.p, crl.tbs.len, hash) != 0) {
    return Error(ErrorCode::CrlInvalid, "the revocation list could not be hashed");
  }
  const PublicKey key = ca.public_key();
  auto& pk = key.impl().pk;
  int ret = mbedtls_pk_verify_ext(crl.MBEDTLS_PRIVATE(sig_pk), crl.MBEDTLS_PRIVATE(sig_opts), &pk,
                                  crl.MBEDTLS_PRIVATE(sig_md), hash, mbedtls_md_get_size(md),
                                  crl.MBEDTLS_PRIVATE(sig).p, crl.MBEDTLS_PRIVATE(sig).len);
  if (ret != 0) {
    return Error(ErrorCode::CrlInvalid, "the revocation list's " + signature_algorithm() +
                                            " signature does not verify with the key of '" +
                                            ca.subject_common_name() + "': " + detail::mbedtls_message(ret));
  }
  return ok_status();
}

}  // namespace attestd::crypto
