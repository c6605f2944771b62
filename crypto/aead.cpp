#include "crypto/aead.h"

#include <mbedtls/gcm.h>

#include <string>

#include "crypto/internal/mbedtls_error.h"

namespace attestd::crypto {

using detail::mbedtls_error;

namespace {

// One GCM context for one operation, freed on every path.
class Gcm {
 public:
  Gcm() { mbedtls_gcm_init(&ctx_); }
  ~Gcm() { mbedtls_gcm_free(&ctx_); }
  Gcm(const Gcm&) = delete;
  Gcm& operator=(const Gcm&) = delete;
  mbedtls_gcm_context* get() { return &ctx_; }

 private:
  mbedtls_gcm_context ctx_;
};

Status check_sizes(ByteView key, ByteView iv) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return Error(ErrorCode::CryptoError, "an AES key is 16, 24 or 32 bytes, not " + std::to_string(key.size()));
  }
  if (iv.empty() || iv.size() > 64) {
    return Error(ErrorCode::CryptoError, "a GCM IV of " + std::to_string(iv.size()) + " bytes (expected 1 to 64)");
  }
  return ok_status();
}

}  // namespace

Result<GcmSealed> aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  if (Status s = check_sizes(key, iv); !s) return s.error();
  Gcm gcm;
  int ret = mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key.size() * 8));
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "AES-GCM key", ret);
  GcmSealed out{Bytes(plaintext.size()), Bytes(kGcmTagBytes)};
  ret = mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, plaintext.size(), iv.data(), iv.size(), aad.data(),
                                  aad.size(), plaintext.data(), out.ciphertext.data(), out.tag.size(), out.tag.data());
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "AES-GCM encryption", ret);
  return out;
}

Result<Bytes> aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext, ByteView tag) {
  if (Status s = check_sizes(key, iv); !s) return s.error();
  if (tag.size() < 12 || tag.size() > kGcmTagBytes) {
    return Error(ErrorCode::CryptoError, "a GCM tag of " + std::to_string(tag.size()) + " bytes (expected 12 to 16)");
  }
  Gcm gcm;
  int ret = mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key.size() * 8));
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "AES-GCM key", ret);
  Bytes plain(ciphertext.size());
  ret = mbedtls_gcm_auth_decrypt(gcm.get(), ciphertext.size(), iv.data(), iv.size(), aad.data(), aad.size(),
                                 tag.data(), tag.size(), ciphertext.data(), plain.data());
  if (ret == MBEDTLS_ERR_GCM_AUTH_FAILED) {
    return Error(ErrorCode::CryptoError, "AES-GCM: the tag does not authenticate the ciphertext (wrong key, or altered)");
  }
  if (ret != 0) return mbedtls_error(ErrorCode::CryptoError, "AES-GCM decryption", ret);
  return plain;
}

}  // namespace attestd::crypto
