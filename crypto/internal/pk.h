// Private to crypto/: what is behind PublicKey and PrivateKey.
#pragma once

#include <mbedtls/pk.h>

#include <mutex>

#include "crypto/keys.h"

namespace attestd::crypto {

struct PublicKey::Impl {
  mutable mbedtls_pk_context pk;  // mbedTLS takes non-const contexts even to verify
  Impl() { mbedtls_pk_init(&pk); }
  ~Impl() { mbedtls_pk_free(&pk); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

struct PrivateKey::Impl {
  mbedtls_pk_context pk;
  std::mutex mu;  // RSA private operations mutate blinding state
  Impl() { mbedtls_pk_init(&pk); }
  ~Impl() { mbedtls_pk_free(&pk); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

namespace detail {
mbedtls_md_type_t md_of(HashAlg alg);
// A PublicKey that holds a copy of `pk`'s public part.
Result<PublicKey> public_from_pk(const mbedtls_pk_context& pk);
}  // namespace detail

}  // namespace attestd::crypto
