#include "verify/snp_key_digest.h"

#include <algorithm>
#include <optional>
#include <string>

#include "crypto/sha.h"
#include "crypto/x509.h"

namespace attestd::verify {

namespace {

constexpr std::uint32_t kCurveP384 = 2;
constexpr std::size_t kQxOffset = 0x04, kQyOffset = 0x4C, kCoordinateSize = 72;
constexpr std::size_t kP384Bytes = 48;
constexpr std::size_t kSignatureSize = 0x200, kSOffset = 72;  // R at 0, S at 72

// A big-endian coordinate as the ABI stores it: little-endian, zero-extended to 72 bytes.
void put_le(const Bytes& big_endian, std::uint8_t* out) {
  std::reverse_copy(big_endian.begin(), big_endian.end(), out);
}

// A 72-byte little-endian field as a 48-byte big-endian scalar; nullopt when a byte
// above the 48th is set (no P-384 value has one).
std::optional<Bytes> scalar_from_le(ByteView field) {
  if (std::any_of(field.begin() + kP384Bytes, field.begin() + kCoordinateSize, [](std::uint8_t b) { return b != 0; })) {
    return std::nullopt;
  }
  Bytes be(field.begin(), field.begin() + kP384Bytes);
  std::reverse(be.begin(), be.end());
  return be;
}

bool zero_from(ByteView bytes, std::size_t offset) {
  return std::all_of(bytes.begin() + offset, bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Error malformed(const std::string& message) { return Error(ErrorCode::MalformedInput, message); }

}  // namespace

Result<Bytes> snp_public_key(const crypto::PublicKey& key) {
  if (key.type() != crypto::KeyType::Ec || key.curve() != crypto::EcCurve::P384) {
    return Error(ErrorCode::CryptoError, "an SNP ID or author key must be ECDSA P-384");
  }
  Bytes out(kSnpPublicKeySize, 0);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(kCurveP384 >> (8 * i));
  Bytes x = key.ec_x(), y = key.ec_y();
  if (x.size() > kCoordinateSize || y.size() > kCoordinateSize) {
    return Error(ErrorCode::CryptoError, "an EC coordinate is wider than the SNP key format");
  }
  put_le(x, out.data() + kQxOffset);
  put_le(y, out.data() + kQyOffset);
  return out;
}

Result<Bytes> snp_key_digest(const crypto::PublicKey& key) {
  auto bytes = snp_public_key(key);
  if (!bytes) return bytes.error();
  return crypto::sha384(*bytes);
}

Result<Bytes> snp_key_digest_of_pem(std::string_view pem) {
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    auto certs = crypto::Certificate::parse_all(ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()));
    if (!certs) return certs.error();
    if (certs->size() != 1) {
      return Error(ErrorCode::CryptoError, "expected one certificate, got " + std::to_string(certs->size()));
    }
    return snp_key_digest(certs->front().public_key());
  }
  if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
    return Error(ErrorCode::CryptoError, "not a PEM \"PUBLIC KEY\" or \"CERTIFICATE\"");
  }
  auto key = crypto::PublicKey::from_pem(pem);
  if (!key) return key.error();
  return snp_key_digest(*key);
}

Result<crypto::PublicKey> public_key_from_snp(ByteView snp_key) {
  if (snp_key.size() != kSnpPublicKeySize) {
    return malformed("an SNP public key is " + std::to_string(kSnpPublicKeySize) + " bytes, not " +
                     std::to_string(snp_key.size()));
  }
  std::uint32_t curve = 0;
  for (int i = 0; i < 4; ++i) curve |= std::uint32_t{snp_key[i]} << (8 * i);
  if (curve != kCurveP384) {
    return malformed("the SNP public key's CURVE is " + std::to_string(curve) + ", not 2 (P-384)");
  }
  auto x = scalar_from_le(snp_key.subspan(kQxOffset, kCoordinateSize));
  auto y = scalar_from_le(snp_key.subspan(kQyOffset, kCoordinateSize));
  if (!x || !y || !zero_from(snp_key, kQyOffset + kCoordinateSize)) {
    return malformed("the SNP public key has bytes set beyond its P-384 coordinates");
  }
  return crypto::PublicKey::ec_from_coordinates(crypto::EcCurve::P384, *x, *y);
}

Result<Bytes> snp_signature(ByteView raw) {
  if (raw.size() != 2 * kP384Bytes) {
    return malformed("a P-384 signature R || S is 96 bytes, not " + std::to_string(raw.size()));
  }
  Bytes out(kSignatureSize, 0);
  put_le(Bytes(raw.begin(), raw.begin() + kP384Bytes), out.data());
  put_le(Bytes(raw.begin() + kP384Bytes, raw.end()), out.data() + kSOffset);
  return out;
}

Result<Bytes> raw_signature_from_snp(ByteView snp_signature) {
  if (snp_signature.size() != kSignatureSize) {
    return malformed("an SNP signature is " + std::to_string(kSignatureSize) + " bytes, not " +
                     std::to_string(snp_signature.size()));
  }
  auto r = scalar_from_le(snp_signature.subspan(0, kCoordinateSize));
  auto s = scalar_from_le(snp_signature.subspan(kSOffset, kCoordinateSize));
  if (!r || !s || !zero_from(snp_signature, kSOffset + kCoordinateSize)) {
    return malformed("the SNP signature has bytes set beyond its P-384 R and S");
  }
  r->insert(r->end(), s->begin(), s->end());
  return std::move(*r);
}

}  // namespace attestd::verify
