// AES-GCM (NIST SP 800-38D), as MAA's AzureGuest protocol uses it to encrypt a token.
#pragma once

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::crypto {

inline constexpr std::size_t kGcmTagBytes = 16;

struct GcmSealed {
  Bytes ciphertext;  // as long as the plaintext
  Bytes tag;         // kGcmTagBytes
};

// `key` of 16, 24 or 32 bytes; `iv` of 1 to 64 bytes (12 is what GCM is made for).
// CryptoError for another key or IV size.
Result<GcmSealed> aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);
// The plaintext, or CryptoError when the tag does not authenticate ciphertext and aad under
// key and iv (nothing of the plaintext is returned then), or the sizes are wrong (a tag of
// 12 to 16 bytes).
Result<Bytes> aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext, ByteView tag);

}  // namespace attestd::crypto
