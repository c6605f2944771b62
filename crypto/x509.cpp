#include "crypto/x509.h"

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/internal/pk.h"
#include "crypto/internal/x509_fields.h"
#include "crypto/internal/rng.h"

// mbedtls_verify shares parsed certificates between threads (see there): an RSA key's
// lazily computed Montgomery constant is then written under the key's lock alone.
#if !defined(MBEDTLS_THREADING_C)
#error "attestd needs mbedTLS built with MBEDTLS_THREADING_C (scripts/mbedtls-config.h)"
#endif

namespace attestd::crypto {

using detail::dn_string;
using detail::mbedtls_error;
using detail::to_unix;

struct Certificate::Impl {
  mbedtls_x509_crt crt;
  Bytes der;
  Impl() { mbedtls_x509_crt_init(&crt); }
  ~Impl() { mbedtls_x509_crt_free(&crt); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

namespace {

constexpr std::size_t kMaxCertSize = 64 * 1024;

}  // namespace

Result<Certificate> Certificate::from_der(ByteView der) {
  if (der.size() > kMaxCertSize) {
    return Error(ErrorCode::MalformedCertificate, "certificate larger than 64 KiB");
  }
  auto impl = std::make_shared<Impl>();
  int ret = mbedtls_x509_crt_parse_der(&impl->crt, der.data(), der.size());
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedCertificate, "certificate", ret);
  // Trailing bytes after the certificate's SEQUENCE would go unnoticed by a length-only
  // parser; insist that the input is exactly one certificate.
  if (impl->crt.raw.len != der.size()) {
    return Error(ErrorCode::MalformedCertificate, "trailing data after the certificate");
  }
  impl->der.assign(der.begin(), der.end());
  return Certificate(impl);
}

Result<std::vector<Certificate>> Certificate::parse_all(ByteView input) {
  std::vector<Certificate> out;
  std::string_view text = as_chars(input);
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  if (text.find("-----BEGIN") == std::string_view::npos) {
    auto one = from_der(input);
    if (!one) return one.error();
    out.push_back(std::move(one).value());
    return out;
  }
  std::size_t pos = 0;
  while ((pos = text.find("-----BEGIN", pos)) != std::string_view::npos) {
    if (text.substr(pos, kBegin.size()) != kBegin) {
      return Error(ErrorCode::MalformedCertificate,
                   "PEM block at offset " + std::to_string(pos) + " is not a CERTIFICATE");
    }
    std::size_t end = text.find(kEnd, pos);
    if (end == std::string_view::npos) {
      return Error(ErrorCode::MalformedCertificate, "PEM certificate without END line");
    }
    end += kEnd.size();
    std::string block(text.substr(pos, end - pos));
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    std::size_t used = 0;
    int ret = mbedtls_pem_read_buffer(&pem, kBegin.data(), kEnd.data(),
                                      reinterpret_cast<const unsigned char*>(block.c_str()),
                                      nullptr, 0, &used);
    if (ret != 0) {
      mbedtls_pem_free(&pem);
      return mbedtls_error(ErrorCode::MalformedCertificate,
                           "PEM certificate #" + std::to_string(out.size() + 1), ret);
    }
    std::size_t len = 0;
    const unsigned char* buf = mbedtls_pem_get_buffer(&pem, &len);
    auto cert = from_der(ByteView(buf, len));
    mbedtls_pem_free(&pem);
    if (!cert) return cert.error().with_context("PEM certificate #" + std::to_string(out.size() + 1));
    out.push_back(std::move(cert).value());
    pos = end;
  }
  return out;
}

const Bytes& Certificate::der() const { return impl_->der; }

std::string Certificate::pem() const {
  std::string buf(impl_->der.size() * 2 + 128, '\0');
  std::size_t olen = 0;
  if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                               impl_->der.data(), impl_->der.size(),
                               reinterpret_cast<unsigned char*>(buf.data()), buf.size(), &olen) != 0) {
    return {};
  }
  buf.resize(olen > 0 ? olen - 1 : 0);  // olen counts the NUL
  return buf;
}

std::string Certificate::subject() const { return dn_string(&impl_->crt.subject); }
std::string Certificate::issuer() const { return dn_string(&impl_->crt.issuer); }
Bytes Certificate::subject_der() const {
  return Bytes(impl_->crt.subject_raw.p, impl_->crt.subject_raw.p + impl_->crt.subject_raw.len);
}

std::string Certificate::subject_common_name() const {
  for (const mbedtls_x509_name* n = &impl_->crt.subject; n != nullptr; n = n->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
    }
  }
  return {};
}

Bytes Certificate::serial() const {
  return Bytes(impl_->crt.serial.p, impl_->crt.serial.p + impl_->crt.serial.len);
}
UnixTime Certificate::not_before() const { return to_unix(impl_->crt.valid_from); }
UnixTime Certificate::not_after() const { return to_unix(impl_->crt.valid_to); }

PublicKey Certificate::public_key() const {
  auto key = detail::public_from_pk(impl_->crt.pk);
  if (!key) std::abort();  // the key parsed with the certificate; re-reading it cannot fail
  return std::move(key).value();
}

bool Certificate::is_self_issued() const {
  const auto& c = impl_->crt;
  return c.issuer_raw.len == c.subject_raw.len &&
         std::memcmp(c.issuer_raw.p, c.subject_raw.p, c.issuer_raw.len) == 0;
}

std::string Certificate::signature_algorithm() const {
  const char* desc = nullptr;
  if (mbedtls_oid_get_sig_alg_desc(&impl_->crt.sig_oid, &desc) == 0 && desc) return desc;
  return "unknown";
}

std::optional<Bytes> Certificate::extension(std::string_view dotted_oid) const {
  const mbedtls_x509_buf& ext = impl_->crt.v3_ext;
  if (ext.p == nullptr || ext.len == 0) return std::nullopt;
  // The OID wanted, encoded once, against each extension's encoded OID (printing every
  // OID to compare text was most of reading a VCEK's extensions).
  mbedtls_asn1_buf wanted{};
  if (mbedtls_oid_from_numeric_string(&wanted, dotted_oid.data(), dotted_oid.size()) != 0) return std::nullopt;
  const Bytes wanted_der(wanted.p, wanted.p + wanted.len);
  mbedtls_free(wanted.p);
  unsigned char* p = ext.p;
  const unsigned char* end = ext.p + ext.len;
  std::size_t len = 0;
  // Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
    return std::nullopt;
  }
  end = p + len;
  while (p < end) {
    std::size_t ext_len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &ext_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
      return std::nullopt;
    }
    const unsigned char* ext_end = p + ext_len;
    mbedtls_asn1_buf oid;
    oid.tag = MBEDTLS_ASN1_OID;
    if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0) return std::nullopt;
    oid.p = p;
    p += oid.len;
    int critical = 0;
    (void)mbedtls_asn1_get_bool(&p, ext_end, &critical);  // optional
    std::size_t val_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &val_len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
      return std::nullopt;
    }
    if (oid.len == wanted_der.size() && std::memcmp(oid.p, wanted_der.data(), oid.len) == 0) {
      return Bytes(p, p + val_len);
    }
    p = const_cast<unsigned char*>(ext_end);
  }
  return std::nullopt;
}

bool Certificate::is_ca() const { return impl_->crt.MBEDTLS_PRIVATE(ca_istrue) != 0; }

std::optional<BasicConstraints> Certificate::basic_constraints() const {
  const auto& c = impl_->crt;
  if (!mbedtls_x509_crt_has_ext_type(&c, MBEDTLS_X509_EXT_BASIC_CONSTRAINTS)) return std::nullopt;
  BasicConstraints bc;
  bc.ca = c.MBEDTLS_PRIVATE(ca_istrue) != 0;
  // mbedTLS keeps pathLenConstraint + 1, and 0 for "absent".
  if (c.MBEDTLS_PRIVATE(max_pathlen) > 0) bc.path_len = c.MBEDTLS_PRIVATE(max_pathlen) - 1;
  return bc;
}

std::optional<unsigned> Certificate::key_usage() const {
  const auto& c = impl_->crt;
  if (!mbedtls_x509_crt_has_ext_type(&c, MBEDTLS_X509_EXT_KEY_USAGE)) return std::nullopt;
  return c.MBEDTLS_PRIVATE(key_usage);
}

std::optional<std::vector<std::string>> Certificate::extended_key_usage() const {
  const auto& c = impl_->crt;
  if (!mbedtls_x509_crt_has_ext_type(&c, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE)) return std::nullopt;
  std::vector<std::string> oids;
  for (const mbedtls_x509_sequence* s = &c.ext_key_usage; s != nullptr && s->buf.p != nullptr; s = s->next) {
    char name[128];
    int n = mbedtls_oid_get_numeric_string(name, sizeof name, &s->buf);
    oids.push_back(n > 0 ? std::string(name, static_cast<std::size_t>(n)) : std::string("?"));
  }
  return oids;
}

bool Certificate::names_issuer(const Certificate& ca) const {
  const auto& issuer = impl_->crt.issuer_raw;
  const auto& subject = ca.impl_->crt.subject_raw;
  return issuer.len == subject.len && std::memcmp(issuer.p, subject.p, issuer.len) == 0;
}

// ---- chain verification ----

namespace {

struct ChainCheck {
  UnixTime at;
  std::string time_failure;  // the first certificate found outside its validity
  std::vector<const mbedtls_x509_crt*> path;  // the certificate mbedTLS used at each depth
};

// mbedTLS checks validity against the system clock; the verifier decides against `at`
// instead (reports are checked at the time the caller names), keeping everything else.
int check_cert(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* check = static_cast<ChainCheck*>(ctx);
  *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  UnixTime from = to_unix(crt->valid_from), to = to_unix(crt->valid_to);
  if (check->time_failure.empty() && (check->at < from || check->at > to)) {
    check->time_failure = "'" + dn_string(&crt->subject) + "' is valid from " +
                          format_rfc3339(from) + " to " + format_rfc3339(to) +
                          ", not at " + format_rfc3339(check->at);
  }
  if (depth >= 0) {
    if (check->path.size() <= static_cast<std::size_t>(depth)) check->path.resize(static_cast<std::size_t>(depth) + 1);
    check->path[static_cast<std::size_t>(depth)] = crt;
  }
  return 0;
}

const mbedtls_x509_crt_profile kProfile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    0xFFFFFFF,  // any public-key algorithm mbedTLS knows, subject to the curve list
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    2048,
};

// mbedTLS's verification of `leaf` through `intermediates` to `roots`, with validity
// judged at `at`. Returns the DER of the certificates mbedTLS used, leaf first.
Result<std::vector<Bytes>> mbedtls_verify(const Certificate& leaf, std::span<const Certificate> intermediates,
                                                std::span<const Certificate> roots, UnixTime at) {
  if (roots.empty()) return Error(ErrorCode::UntrustedChain, "no trusted root to verify against");
  // mbedTLS walks linked lists: the leaf's list, then the trusted one. A list of one is a
  // certificate as parsed already, and one intermediate is linked behind a fresh copy of
  // the leaf, so their RSA keys keep the Montgomery constant (RN) mbedTLS computes on first
  // use (a tenth of an RSA-4096 verification). That is a write into a certificate other
  // threads may be verifying with at the same time: mbedtls_rsa_public makes it under the
  // key's mutex, which exists only with MBEDTLS_THREADING_C (required above). Nothing else
  // in the shared certificates is written. Longer lists are copied.
  mbedtls_x509_crt chain, trust;
  mbedtls_x509_crt_init(&chain);
  mbedtls_x509_crt_init(&trust);
  auto cleanup = [&] {
    if (intermediates.size() == 1) chain.next = nullptr;  // not ours to free
    mbedtls_x509_crt_free(&chain);
    mbedtls_x509_crt_free(&trust);
  };
  int ret = mbedtls_x509_crt_parse_der(&chain, leaf.der().data(), leaf.der().size());
  if (intermediates.size() == 1) {
    chain.next = const_cast<mbedtls_x509_crt*>(&intermediates.front().impl().crt);
  } else {
    for (const auto& c : intermediates) {
      if (ret == 0) ret = mbedtls_x509_crt_parse_der(&chain, c.der().data(), c.der().size());
    }
  }
  mbedtls_x509_crt* trusted = &trust;
  if (roots.size() == 1) {
    trusted = const_cast<mbedtls_x509_crt*>(&roots.front().impl().crt);
  } else {
    for (const auto& c : roots) {
      if (ret == 0) ret = mbedtls_x509_crt_parse_der(&trust, c.der().data(), c.der().size());
    }
  }
  if (ret != 0) {
    cleanup();
    return mbedtls_error(ErrorCode::MalformedCertificate, "certificate chain", ret);
  }
  ChainCheck check{at, {}, {}};
  uint32_t flags = 0;
  ret = mbedtls_x509_crt_verify_with_profile(&chain, trusted, nullptr, &kProfile, nullptr, &flags,
                                             check_cert, &check);
  if (ret != 0) {
    char info[512];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    std::string why = n > 0 ? std::string(info, static_cast<std::size_t>(n)) : detail::mbedtls_message(ret);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    for (char& ch : why) {
      if (ch == '\n') ch = ';';
    }
    cleanup();
    return Error(ErrorCode::UntrustedChain,
                 "'" + leaf.subject() + "' does not chain to a trusted root: " + why);
  }
  if (!check.time_failure.empty()) {
    cleanup();
    return Error(ErrorCode::CertificateExpired, check.time_failure);
  }
  std::vector<Bytes> used;
  for (const mbedtls_x509_crt* crt : check.path) {
    if (crt == nullptr) {
      cleanup();
      return Error(ErrorCode::UntrustedChain, "the verified chain has a gap");
    }
    used.emplace_back(crt->raw.p, crt->raw.p + crt->raw.len);
  }
  cleanup();
  return used;
}

}  // namespace

Result<Certificate> verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                                 std::span<const Certificate> roots, UnixTime at) {
  auto used = mbedtls_verify(leaf, intermediates, roots, at);
  if (!used) return used.error();
  for (const auto& r : roots) {
    if (!used->empty() && used->back() == r.der()) return r;
  }
  return Error(ErrorCode::UntrustedChain, "chain verified but its root is unknown");
}

Status verify_path(std::span<const Certificate> path, UnixTime at) {
  if (path.size() < 2) return Error(ErrorCode::UntrustedChain, "a path needs a certificate and its trust anchor");
  // The names first: a broken link is named here more plainly than mbedTLS would.
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (!path[i].names_issuer(path[i + 1])) {
      return Error(ErrorCode::UntrustedChain, "'" + path[i].subject_common_name() + "' is issued by '" +
                                                  path[i].issuer() + "', not by '" + path[i + 1].subject() + "'");
    }
  }
  const Certificate& anchor = path.back();
  if (!anchor.is_self_issued()) {
    return Error(ErrorCode::UntrustedChain, "the trust anchor '" + anchor.subject_common_name() +
                                                "' is not self-issued (its issuer is '" + anchor.issuer() + "')");
  }
  std::span<const Certificate> intermediates = path.subspan(1, path.size() - 2);
  std::span<const Certificate> roots = path.last(1);
  auto used = mbedtls_verify(path.front(), intermediates, roots, at);
  if (!used) return used.error();
  // Every certificate of the path, in order: no shortcut past an intermediate.
  for (std::size_t depth = 0; depth < path.size(); ++depth) {
    if (depth >= used->size() || (*used)[depth] != path[depth].der()) {
      const Certificate& child = path[depth > 0 ? depth - 1 : 0];
      return Error(ErrorCode::UntrustedChain, "'" + child.subject_common_name() + "' verified without '" +
                                                  path[depth].subject_common_name() +
                                                  "': it must be signed by that certificate's key");
    }
  }
  if (used->size() != path.size()) {
    return Error(ErrorCode::UntrustedChain, "the path verified with more certificates than given");
  }
  return ok_status();
}

// ---- issuing ----

Bytes der_integer(std::uint64_t value) {
  // Big-endian, minimal, non-negative (a leading 0x00 when the top bit is set).
  Bytes body;
  for (int i = 7; i >= 0; --i) body.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  while (body.size() > 1 && body[0] == 0 && body[1] < 0x80) body.erase(body.begin());
  if (body[0] >= 0x80) body.insert(body.begin(), 0);
  Bytes out;
  out.reserve(body.size() + 2);
  out.push_back(MBEDTLS_ASN1_INTEGER);
  out.push_back(static_cast<std::uint8_t>(body.size()));
  for (std::uint8_t b : body) out.push_back(b);
  return out;
}

namespace {
Bytes der_tagged(std::uint8_t tag, ByteView data) {
  Bytes out(data.size() + 16);
  unsigned char* start = out.data();
  unsigned char* p = out.data() + out.size();
  int n = mbedtls_asn1_write_raw_buffer(&p, start, data.data(), data.size());
  int m = mbedtls_asn1_write_len(&p, start, data.size());
  int t = mbedtls_asn1_write_tag(&p, start, tag);
  if (n < 0 || m < 0 || t < 0) return {};
  return Bytes(p, out.data() + out.size());
}

std::string x509write_time(UnixTime t) {
  std::string s = format_rfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
  return s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + s.substr(11, 2) + s.substr(14, 2) +
         s.substr(17, 2);
}
}  // namespace

Bytes der_ia5_string(std::string_view s) { return der_tagged(MBEDTLS_ASN1_IA5_STRING, as_bytes(s)); }
Bytes der_octet_string(ByteView data) { return der_tagged(MBEDTLS_ASN1_OCTET_STRING, data); }

Result<Certificate> issue_certificate(const CertificateSpec& spec, const PublicKey& subject_key,
                                      const PrivateKey& issuer_key, const Certificate* issuer) {
  if (spec.serial.empty() || spec.serial.size() > 20) {
    return Error(ErrorCode::CryptoError, "certificate serial must be 1 to 20 bytes");
  }
  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, detail::md_of(spec.hash));
  std::string issuer_name = issuer ? issuer->subject() : spec.subject;
  int ret = mbedtls_x509write_crt_set_serial_raw(&w, const_cast<unsigned char*>(spec.serial.data()),
                                                 spec.serial.size());
  const char* step = "serial";
  auto run = [&](const char* what, int r) {
    if (ret == 0) {
      ret = r;
      step = what;
    }
  };
  std::string nb = x509write_time(spec.not_before), na = x509write_time(spec.not_after);
  run("validity", mbedtls_x509write_crt_set_validity(&w, nb.c_str(), na.c_str()));
  run("subject", mbedtls_x509write_crt_set_subject_name(&w, spec.subject.c_str()));
  run("issuer", mbedtls_x509write_crt_set_issuer_name(&w, issuer_name.c_str()));
  mbedtls_x509write_crt_set_subject_key(&w, &subject_key.impl().pk);
  mbedtls_x509write_crt_set_issuer_key(&w, &issuer_key.impl().pk);
  if (spec.basic_constraints) {
    run("basicConstraints", mbedtls_x509write_crt_set_basic_constraints(&w, spec.is_ca ? 1 : 0,
                                                                        spec.max_path_len));
  }
  run("subjectKeyIdentifier", mbedtls_x509write_crt_set_subject_key_identifier(&w));
  if (issuer != nullptr) {
    run("authorityKeyIdentifier", mbedtls_x509write_crt_set_authority_key_identifier(&w));
  }
  if (spec.key_usage != 0) {
    run("keyUsage", mbedtls_x509write_crt_set_key_usage(&w, spec.key_usage));
  }
  std::vector<mbedtls_x509_san_list> sans(spec.dns_names.size());
  for (std::size_t i = 0; i < sans.size(); ++i) {
    sans[i].node.type = MBEDTLS_X509_SAN_DNS_NAME;
    sans[i].node.san.unstructured_name.p =
        reinterpret_cast<unsigned char*>(const_cast<char*>(spec.dns_names[i].data()));
    sans[i].node.san.unstructured_name.len = spec.dns_names[i].size();
    sans[i].next = i + 1 < sans.size() ? &sans[i + 1] : nullptr;
  }
  if (!sans.empty()) {
    run("subjectAltName", mbedtls_x509write_crt_set_subject_alternative_name(&w, sans.data()));
  }
  std::vector<mbedtls_asn1_sequence> ekus(spec.extended_key_usage.size());
  for (std::size_t i = 0; i < ekus.size(); ++i) {
    ekus[i].buf.tag = MBEDTLS_ASN1_OID;
    int r = mbedtls_oid_from_numeric_string(&ekus[i].buf, spec.extended_key_usage[i].c_str(),
                                            spec.extended_key_usage[i].size());
    run("extendedKeyUsage OID", r);
    ekus[i].next = i + 1 < ekus.size() ? &ekus[i + 1] : nullptr;
  }
  if (!ekus.empty()) run("extendedKeyUsage", mbedtls_x509write_crt_set_ext_key_usage(&w, ekus.data()));
  for (auto& e : ekus) mbedtls_free(e.buf.p);
  for (const auto& ext : spec.extensions) {
    mbedtls_asn1_buf oid{};
    int r = mbedtls_oid_from_numeric_string(&oid, ext.oid.c_str(), ext.oid.size());
    if (r == 0) {
      r = mbedtls_x509write_crt_set_extension(&w, reinterpret_cast<const char*>(oid.p), oid.len,
                                              ext.critical ? 1 : 0, ext.value.data(), ext.value.size());
    }
    mbedtls_free(oid.p);
    run("extension", r);
  }
  Bytes buf(16384);
  int n = 0;
  if (ret == 0) {
    std::lock_guard<std::mutex> lock(issuer_key.impl().mu);
    n = mbedtls_x509write_crt_der(&w, buf.data(), buf.size(), detail::rng, nullptr);
    if (n < 0) {
      ret = n;
      step = "signing";
    }
  }
  mbedtls_x509write_crt_free(&w);
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, std::string("issuing certificate: ") + step, ret);
  return Certificate::from_der(ByteView(buf.data() + buf.size() - n, static_cast<std::size_t>(n)));
}

namespace detail {

UnixTime to_unix(const mbedtls_x509_time& t) {
  return days_from_civil(t.year, static_cast<unsigned>(t.mon), static_cast<unsigned>(t.day)) * 86400 +
         t.hour * 3600 + t.min * 60 + t.sec;
}

std::string dn_string(const mbedtls_x509_name* name) {
  char buf[1024];
  int n = mbedtls_x509_dn_gets(buf, sizeof buf, name);
  return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace detail

}  // namespace attestd::crypto
