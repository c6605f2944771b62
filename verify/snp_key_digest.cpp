#include "verify/snp_key_digest.h"

#include <algorithm>

#include "crypto/sha.h"
#include "crypto/x509.h"

namespace attestd::verify {

namespace {

constexpr std::uint32_t kCurveP384 = 2;
constexpr std::size_t kQxOffset = 0x04, kQyOffset = 0x4C, kCoordinateSize = 72;

// A big-endian coordinate as the ABI stores it: little-endian, zero-extended to 72 bytes.
void put_le(const Bytes& big_endian, std::uint8_t* out) {
  std::reverse_copy(big_endian.begin(), big_endian.end(), out);
}

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

}  // namespace attestd::verify
