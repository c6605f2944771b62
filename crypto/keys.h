// Public and private keys (RSA, ECDSA P-256/P-384) and signatures over message digests.
// No mbedTLS type appears here: keys are opaque values that copy cheaply.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "crypto/sha.h"

namespace attestd::crypto {

enum class KeyType { Rsa, Ec };
enum class EcCurve { P256, P384 };

// A signature scheme names the padding/algorithm and the digest it signs.
enum class SignatureScheme {
  EcdsaSha256,
  EcdsaSha384,
  RsaPkcs1Sha256,
  RsaPkcs1Sha384,
  RsaPkcs1Sha512,
  RsaPssSha256,  // MGF1 with the same hash, salt length = hash length
  RsaPssSha384,
  RsaPssSha512,
};

HashAlg scheme_hash(SignatureScheme scheme);
KeyType scheme_key_type(SignatureScheme scheme);
std::string_view scheme_name(SignatureScheme scheme);
std::size_t curve_bytes(EcCurve curve);  // 32 or 48

class PrivateKey;

class PublicKey {
 public:
  // SubjectPublicKeyInfo, DER or PEM.
  static Result<PublicKey> from_der(ByteView spki);
  static Result<PublicKey> from_pem(std::string_view pem);
  // RSA from big-endian modulus and exponent (JWK n/e).
  static Result<PublicKey> rsa_from_components(ByteView n, ByteView e);
  // EC from big-endian affine coordinates (JWK x/y).
  static Result<PublicKey> ec_from_coordinates(EcCurve curve, ByteView x, ByteView y);

  KeyType type() const;
  std::size_t bits() const;
  std::optional<EcCurve> curve() const;
  Bytes spki_der() const;
  std::string pem() const;
  Bytes rsa_modulus() const;   // RSA only, else empty
  Bytes rsa_exponent() const;  // RSA only, else empty
  Bytes ec_x() const;          // EC only, fixed width, else empty
  Bytes ec_y() const;

  // `digest` is the hash of the message under scheme_hash(scheme). ECDSA signatures are
  // raw r||s, each curve_bytes() wide (the JOSE form); RSA signatures are modulus-sized.
  // BadSignature when it does not verify, UnsupportedAlgorithm when the scheme does not
  // fit this key.
  Status verify_digest(SignatureScheme scheme, ByteView digest, ByteView signature) const;
  // Hashes `message` first.
  Status verify(SignatureScheme scheme, ByteView message, ByteView signature) const;

  // RSAES-PKCS1-v1_5 encryption (what MAA wraps an AzureGuest answer's key with; the TPM
  // decrypts it as TPM_ALG_RSAES). RSA keys only; at most bits()/8 - 11 bytes.
  Result<Bytes> encrypt_pkcs1(ByteView plaintext) const;

  bool operator==(const PublicKey& other) const;

  struct Impl;
  explicit PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

class PrivateKey {
 public:
  static Result<PrivateKey> generate_ec(EcCurve curve);
  static Result<PrivateKey> generate_rsa(unsigned bits);
  // Deterministic: the same seed always gives the same key (HMAC-DRBG over the seed).
  // For test fixtures such as snp-sim only; the seed must be kept as secret as the key.
  static Result<PrivateKey> generate_ec_from_seed(EcCurve curve, ByteView seed);
  static Result<PrivateKey> generate_rsa_from_seed(unsigned bits, ByteView seed);
  // PKCS#8, SEC1 or PKCS#1, DER or PEM (unencrypted).
  static Result<PrivateKey> from_pem(std::string_view pem);
  static Result<PrivateKey> from_der(ByteView der);

  KeyType type() const;
  PublicKey public_key() const;
  Bytes der() const;
  std::string pem() const;

  Result<Bytes> sign_digest(SignatureScheme scheme, ByteView digest) const;
  Result<Bytes> sign(SignatureScheme scheme, ByteView message) const;

  struct Impl;
  explicit PrivateKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace attestd::crypto
