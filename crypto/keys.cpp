#include "crypto/keys.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/pk.h>
// psa_util.h (mbedTLS 3.6) declares mbedtls_ecdsa_{raw_to_der,der_to_raw} outside its
// extern "C" block; without this C++ would look for mangled names.
extern "C" {
#include <mbedtls/psa_util.h>
}
#include <mbedtls/rsa.h>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/internal/pk.h"
#include "crypto/internal/rng.h"

namespace attestd::crypto {

using detail::mbedtls_error;

HashAlg scheme_hash(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::EcdsaSha256:
    case SignatureScheme::RsaPkcs1Sha256:
    case SignatureScheme::RsaPssSha256:
      return HashAlg::Sha256;
    case SignatureScheme::EcdsaSha384:
    case SignatureScheme::RsaPkcs1Sha384:
    case SignatureScheme::RsaPssSha384:
      return HashAlg::Sha384;
    case SignatureScheme::RsaPkcs1Sha512:
    case SignatureScheme::RsaPssSha512:
      return HashAlg::Sha512;
  }
  return HashAlg::Sha256;
}

KeyType scheme_key_type(SignatureScheme s) {
  return s == SignatureScheme::EcdsaSha256 || s == SignatureScheme::EcdsaSha384 ? KeyType::Ec
                                                                                 : KeyType::Rsa;
}

std::string_view scheme_name(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::EcdsaSha256: return "ECDSA-SHA256";
    case SignatureScheme::EcdsaSha384: return "ECDSA-SHA384";
    case SignatureScheme::RsaPkcs1Sha256: return "RSA-PKCS1-SHA256";
    case SignatureScheme::RsaPkcs1Sha384: return "RSA-PKCS1-SHA384";
    case SignatureScheme::RsaPkcs1Sha512: return "RSA-PKCS1-SHA512";
    case SignatureScheme::RsaPssSha256: return "RSA-PSS-SHA256";
    case SignatureScheme::RsaPssSha384: return "RSA-PSS-SHA384";
    case SignatureScheme::RsaPssSha512: return "RSA-PSS-SHA512";
  }
  return "?";
}

std::size_t curve_bytes(EcCurve c) { return c == EcCurve::P256 ? 32 : 48; }

namespace {

bool is_pss(SignatureScheme s) {
  return s == SignatureScheme::RsaPssSha256 || s == SignatureScheme::RsaPssSha384 ||
         s == SignatureScheme::RsaPssSha512;
}

mbedtls_ecp_group_id group_of(EcCurve c) {
  return c == EcCurve::P256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
}

KeyType type_of(const mbedtls_pk_context& pk) {
  return mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA ? KeyType::Rsa : KeyType::Ec;
}

std::optional<EcCurve> curve_of(const mbedtls_pk_context& pk) {
  if (type_of(pk) != KeyType::Ec) return std::nullopt;
  switch (mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(pk))) {
    case MBEDTLS_ECP_DP_SECP256R1: return EcCurve::P256;
    case MBEDTLS_ECP_DP_SECP384R1: return EcCurve::P384;
    default: return std::nullopt;
  }
}

// Only RSA, P-256 and P-384 keys are accepted anywhere.
Status check_supported(const mbedtls_pk_context& pk, const char* what) {
  mbedtls_pk_type_t t = mbedtls_pk_get_type(&pk);
  if (t == MBEDTLS_PK_RSA) return ok_status();
  if ((t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECDSA) && curve_of(pk)) return ok_status();
  return Error(ErrorCode::UnsupportedAlgorithm,
               std::string(what) + ": only RSA and ECDSA P-256/P-384 keys are supported");
}

Bytes write_der_at_end(int (*writer)(const mbedtls_pk_context*, unsigned char*, size_t),
                       const mbedtls_pk_context& pk) {
  Bytes buf(8192);
  int n = writer(&pk, buf.data(), buf.size());
  if (n <= 0) return {};
  return Bytes(buf.end() - n, buf.end());
}

std::string write_pem(int (*writer)(const mbedtls_pk_context*, unsigned char*, size_t),
                      const mbedtls_pk_context& pk) {
  std::string buf(16384, '\0');
  if (writer(&pk, reinterpret_cast<unsigned char*>(buf.data()), buf.size()) != 0) return {};
  buf.resize(std::char_traits<char>::length(buf.c_str()));
  return buf;
}


// A deterministic random source, for seeded key generation.
class SeededRng {
 public:
  explicit SeededRng(ByteView seed) {
    mbedtls_hmac_drbg_init(&ctx_);
    status_ = mbedtls_hmac_drbg_seed_buf(&ctx_, mbedtls_md_info_from_type(MBEDTLS_MD_SHA512),
                                         seed.data(), seed.size());
  }
  ~SeededRng() { mbedtls_hmac_drbg_free(&ctx_); }
  SeededRng(const SeededRng&) = delete;
  SeededRng& operator=(const SeededRng&) = delete;
  int status() const { return status_; }
  void* context() { return &ctx_; }
  static int random(void* p, unsigned char* out, size_t len) {
    return mbedtls_hmac_drbg_random(p, out, len);
  }

 private:
  mbedtls_hmac_drbg_context ctx_;
  int status_;
};

Result<PrivateKey> gen_ec(EcCurve curve, mbedtls_f_rng_t* f_rng, void* p_rng) {
  auto impl = std::make_shared<PrivateKey::Impl>();
  int ret = mbedtls_pk_setup(&impl->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret == 0) ret = mbedtls_ecp_gen_key(group_of(curve), mbedtls_pk_ec(impl->pk), f_rng, p_rng);
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "EC key generation", ret);
  return PrivateKey(impl);
}

Result<PrivateKey> gen_rsa(unsigned bits, mbedtls_f_rng_t* f_rng, void* p_rng) {
  if (bits < 2048 || bits > 8192 || bits % 8 != 0) {
    return Error(ErrorCode::CryptoError, "RSA key size must be a multiple of 8 in [2048, 8192]");
  }
  auto impl = std::make_shared<PrivateKey::Impl>();
  int ret = mbedtls_pk_setup(&impl->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  if (ret == 0) ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(impl->pk), f_rng, p_rng, bits, 65537);
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "RSA key generation", ret);
  return PrivateKey(impl);
}

// A digest of the scheme's hash, for a key of the scheme's type.
Status check_scheme(SignatureScheme scheme, ByteView digest, KeyType key_type) {
  if (digest.size() != digest_size(scheme_hash(scheme))) {
    return Error(ErrorCode::CryptoError, "digest length does not match " + std::string(scheme_name(scheme)));
  }
  if (scheme_key_type(scheme) != key_type) {
    return Error(ErrorCode::UnsupportedAlgorithm, std::string(scheme_name(scheme)) + " does not fit a " +
                                                      (key_type == KeyType::Rsa ? "RSA" : "EC") + " key");
  }
  return ok_status();
}

Result<PublicKey> parse_public(ByteView input, const char* what) {
  auto impl = std::make_shared<PublicKey::Impl>();
  int ret = mbedtls_pk_parse_public_key(&impl->pk, input.data(), input.size());
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedInput, what, ret);
  if (Status s = check_supported(impl->pk, what); !s) return s.error();
  return PublicKey(impl);
}

Result<PrivateKey> parse_private(ByteView input, const char* what) {
  auto impl = std::make_shared<PrivateKey::Impl>();
  int ret = mbedtls_pk_parse_key(&impl->pk, input.data(), input.size(), nullptr, 0, detail::rng, nullptr);
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedInput, what, ret);
  if (Status s = check_supported(impl->pk, what); !s) return s.error();
  return PrivateKey(impl);
}

}  // namespace

namespace detail {

mbedtls_md_type_t md_of(HashAlg alg) {
  switch (alg) {
    case HashAlg::Sha256: return MBEDTLS_MD_SHA256;
    case HashAlg::Sha384: return MBEDTLS_MD_SHA384;
    case HashAlg::Sha512: return MBEDTLS_MD_SHA512;
  }
  return MBEDTLS_MD_NONE;
}

Result<PublicKey> public_from_pk(const mbedtls_pk_context& pk) {
  Bytes der = write_der_at_end(mbedtls_pk_write_pubkey_der, pk);
  if (der.empty()) return Error(ErrorCode::CryptoError, "cannot export public key");
  return PublicKey::from_der(der);
}

}  // namespace detail

// ---- PublicKey ----

// mbedTLS reads DER, or PEM when the buffer is NUL-terminated and counts the NUL.
Result<PublicKey> PublicKey::from_der(ByteView spki) { return parse_public(spki, "public key"); }

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  std::string in(pem);
  return parse_public(ByteView(reinterpret_cast<const unsigned char*>(in.c_str()), in.size() + 1), "public key PEM");
}

Result<PublicKey> PublicKey::rsa_from_components(ByteView n, ByteView e) {
  auto impl = std::make_shared<Impl>();
  int ret = mbedtls_pk_setup(&impl->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  mbedtls_rsa_context* rsa = ret == 0 ? mbedtls_pk_rsa(impl->pk) : nullptr;
  if (ret == 0) {
    ret = mbedtls_rsa_import_raw(rsa, n.data(), n.size(), nullptr, 0, nullptr, 0, nullptr, 0,
                                 e.data(), e.size());
  }
  if (ret == 0) ret = mbedtls_rsa_complete(rsa);
  if (ret == 0) ret = mbedtls_rsa_check_pubkey(rsa);
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedInput, "RSA public key (n, e)", ret);
  return PublicKey(impl);
}

Result<PublicKey> PublicKey::ec_from_coordinates(EcCurve curve, ByteView x, ByteView y) {
  std::size_t w = curve_bytes(curve);
  if (x.size() != w || y.size() != w) {
    return Error(ErrorCode::MalformedInput,
                 "EC public key: coordinates must be " + std::to_string(w) + " bytes each");
  }
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  auto impl = std::make_shared<Impl>();
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q;
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&q);
  int ret = mbedtls_pk_setup(&impl->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret == 0) ret = mbedtls_ecp_group_load(&grp, group_of(curve));
  if (ret == 0) ret = mbedtls_ecp_point_read_binary(&grp, &q, point.data(), point.size());
  if (ret == 0) ret = mbedtls_ecp_check_pubkey(&grp, &q);
  if (ret == 0) ret = mbedtls_ecp_set_public_key(group_of(curve), mbedtls_pk_ec(impl->pk), &q);
  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_group_free(&grp);
  if (ret != 0) return mbedtls_error(ErrorCode::MalformedInput, "EC public key (x, y)", ret);
  return PublicKey(impl);
}

KeyType PublicKey::type() const { return type_of(impl_->pk); }
std::size_t PublicKey::bits() const { return mbedtls_pk_get_bitlen(&impl_->pk); }
std::optional<EcCurve> PublicKey::curve() const { return curve_of(impl_->pk); }
Bytes PublicKey::spki_der() const { return write_der_at_end(mbedtls_pk_write_pubkey_der, impl_->pk); }
std::string PublicKey::pem() const { return write_pem(mbedtls_pk_write_pubkey_pem, impl_->pk); }

Bytes PublicKey::rsa_modulus() const {
  if (type() != KeyType::Rsa) return {};
  const mbedtls_rsa_context* rsa = mbedtls_pk_rsa(impl_->pk);
  Bytes n(mbedtls_rsa_get_len(rsa));
  mbedtls_rsa_export_raw(rsa, n.data(), n.size(), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0);
  return n;
}

Bytes PublicKey::rsa_exponent() const {
  if (type() != KeyType::Rsa) return {};
  const mbedtls_rsa_context* rsa = mbedtls_pk_rsa(impl_->pk);
  Bytes e(8);
  if (mbedtls_rsa_export_raw(rsa, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, e.data(),
                             e.size()) != 0) {
    return {};
  }
  std::size_t skip = 0;
  while (skip + 1 < e.size() && e[skip] == 0) ++skip;
  return Bytes(e.begin() + static_cast<std::ptrdiff_t>(skip), e.end());
}

namespace {
Bytes ec_point(const mbedtls_pk_context& pk) {
  Bytes buf(1 + 2 * 66);
  std::size_t len = 0;
  if (mbedtls_ecp_write_public_key(mbedtls_pk_ec(pk), MBEDTLS_ECP_PF_UNCOMPRESSED, &len,
                                   buf.data(), buf.size()) != 0) {
    return {};
  }
  buf.resize(len);
  return buf;
}
}  // namespace

Bytes PublicKey::ec_x() const {
  if (type() != KeyType::Ec) return {};
  Bytes p = ec_point(impl_->pk);
  std::size_t w = (p.size() - 1) / 2;
  return Bytes(p.begin() + 1, p.begin() + 1 + static_cast<std::ptrdiff_t>(w));
}

Bytes PublicKey::ec_y() const {
  if (type() != KeyType::Ec) return {};
  Bytes p = ec_point(impl_->pk);
  std::size_t w = (p.size() - 1) / 2;
  return Bytes(p.begin() + 1 + static_cast<std::ptrdiff_t>(w), p.end());
}

Status PublicKey::verify_digest(SignatureScheme scheme, ByteView digest,
                                ByteView signature) const {
  if (Status s = check_scheme(scheme, digest, type()); !s) return s;
  HashAlg h = scheme_hash(scheme);
  mbedtls_md_type_t md = detail::md_of(h);
  int ret;
  if (type() == KeyType::Ec) {
    std::size_t w = curve_bytes(*curve());
    if (signature.size() != 2 * w) {
      return Error(ErrorCode::BadSignature, "ECDSA signature must be " + std::to_string(2 * w) +
                                                " bytes (r||s), got " +
                                                std::to_string(signature.size()));
    }
    unsigned char der[MBEDTLS_ECDSA_MAX_LEN];
    std::size_t der_len = 0;
    ret = mbedtls_ecdsa_raw_to_der(w * 8, signature.data(), signature.size(), der, sizeof der,
                                   &der_len);
    if (ret == 0) ret = mbedtls_pk_verify(&impl_->pk, md, digest.data(), digest.size(), der, der_len);
  } else if (is_pss(scheme)) {
    mbedtls_pk_rsassa_pss_options opts{md, static_cast<int>(digest_size(h))};
    ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, &impl_->pk, md, digest.data(),
                                digest.size(), signature.data(), signature.size());
  } else {
    ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSA, nullptr, &impl_->pk, md, digest.data(),
                                digest.size(), signature.data(), signature.size());
  }
  if (ret != 0) {
    return mbedtls_error(ErrorCode::BadSignature,
                         std::string(scheme_name(scheme)) + " signature does not verify", ret);
  }
  return ok_status();
}

Status PublicKey::verify(SignatureScheme scheme, ByteView message, ByteView signature) const {
  return verify_digest(scheme, digest(scheme_hash(scheme), message), signature);
}

Result<Bytes> PublicKey::encrypt_pkcs1(ByteView plaintext) const {
  if (type() != KeyType::Rsa) return Error(ErrorCode::UnsupportedAlgorithm, "RSAES-PKCS1-v1_5 needs an RSA key");
  const mbedtls_rsa_context* rsa = mbedtls_pk_rsa(impl_->pk);
  std::size_t k = mbedtls_rsa_get_len(rsa);
  if (plaintext.size() + 11 > k) {
    return Error(ErrorCode::CryptoError, std::to_string(plaintext.size()) + " bytes are too many to encrypt with a " +
                                             std::to_string(k * 8) + "-bit RSA key");
  }
  Bytes out(k);
  int ret = mbedtls_rsa_rsaes_pkcs1_v15_encrypt(const_cast<mbedtls_rsa_context*>(rsa), detail::rng, nullptr, plaintext.size(),
                                      plaintext.data(), out.data());
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "RSAES-PKCS1-v1_5 encryption failed", ret);
  return out;
}

bool PublicKey::operator==(const PublicKey& other) const { return spki_der() == other.spki_der(); }

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate_ec(EcCurve curve) {
  return gen_ec(curve, detail::rng, nullptr);
}

Result<PrivateKey> PrivateKey::generate_rsa(unsigned bits) {
  return gen_rsa(bits, detail::rng, nullptr);
}

Result<PrivateKey> PrivateKey::generate_ec_from_seed(EcCurve curve, ByteView seed) {
  SeededRng rng(seed);
  if (rng.status() != 0) return mbedtls_error(ErrorCode::CryptoError, "seeded DRBG", rng.status());
  return gen_ec(curve, SeededRng::random, rng.context());
}

Result<PrivateKey> PrivateKey::generate_rsa_from_seed(unsigned bits, ByteView seed) {
  SeededRng rng(seed);
  if (rng.status() != 0) return mbedtls_error(ErrorCode::CryptoError, "seeded DRBG", rng.status());
  return gen_rsa(bits, SeededRng::random, rng.context());
}

Result<PrivateKey> PrivateKey::from_der(ByteView der) { return parse_private(der, "private key"); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  std::string in(pem);
  return parse_private(ByteView(reinterpret_cast<const unsigned char*>(in.c_str()), in.size() + 1), "private key PEM");
}

KeyType PrivateKey::type() const { return type_of(impl_->pk); }

PublicKey PrivateKey::public_key() const {
  auto pub = detail::public_from_pk(impl_->pk);
  // Exporting and re-reading our own valid key cannot fail short of memory exhaustion.
  if (!pub) std::abort();
  return std::move(pub).value();
}

Bytes PrivateKey::der() const { return write_der_at_end(mbedtls_pk_write_key_der, impl_->pk); }
std::string PrivateKey::pem() const { return write_pem(mbedtls_pk_write_key_pem, impl_->pk); }

Result<Bytes> PrivateKey::sign_digest(SignatureScheme scheme, ByteView digest) const {
  if (Status s = check_scheme(scheme, digest, type()); !s) return s.error();
  HashAlg h = scheme_hash(scheme);
  mbedtls_md_type_t md = detail::md_of(h);
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (type() == KeyType::Ec) {
    unsigned char der[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    std::size_t der_len = 0;
    int ret = mbedtls_pk_sign(&impl_->pk, md, digest.data(), digest.size(), der, sizeof der,
                              &der_len, detail::rng, nullptr);
    std::size_t w = curve_bytes(*curve_of(impl_->pk));
    Bytes raw(2 * w);
    std::size_t raw_len = 0;
    if (ret == 0) ret = mbedtls_ecdsa_der_to_raw(w * 8, der, der_len, raw.data(), raw.size(), &raw_len);
    if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "ECDSA signing", ret);
    return raw;
  }
  mbedtls_rsa_context* rsa = mbedtls_pk_rsa(impl_->pk);
  Bytes sig(mbedtls_rsa_get_len(rsa));
  int ret;
  if (is_pss(scheme)) {
    ret = mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
    if (ret == 0) {
      ret = mbedtls_rsa_rsassa_pss_sign_ext(rsa, detail::rng, nullptr, md,
                                            static_cast<unsigned>(digest.size()), digest.data(),
                                            static_cast<int>(digest.size()), sig.data());
    }
  } else {
    ret = mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    if (ret == 0) {
      ret = mbedtls_rsa_pkcs1_sign(rsa, detail::rng, nullptr, md,
                                   static_cast<unsigned>(digest.size()), digest.data(), sig.data());
    }
  }
  mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "RSA signing", ret);
  return sig;
}

Result<Bytes> PrivateKey::sign(SignatureScheme scheme, ByteView message) const {
  return sign_digest(scheme, digest(scheme_hash(scheme), message));
}

}  // namespace attestd::crypto
