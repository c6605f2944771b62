#include "tests/mocks/maa/signing_keys.h"

#include "crypto/base64.h"
#include "crypto/jose.h"
#include "crypto/random.h"
#include "crypto/sha.h"

namespace attestd::maaemu {

Result<SigningKey> SigningKeys::make_key(const std::string& base_url, const std::string& seed, int index) {
  auto key = seed.empty() ? crypto::PrivateKey::generate_rsa(2048)
                          : crypto::PrivateKey::generate_rsa_from_seed(
                                2048, as_bytes(seed + "/maa-signing-key/" + std::to_string(index)));
  if (!key) return key.error();
  crypto::CertificateSpec spec;
  std::string host = base_url.substr(base_url.find("://") + 3);
  spec.subject = "CN=" + host + ",O=attestd maa-emu (TEST ONLY)";
  spec.serial = {static_cast<std::uint8_t>(index + 1)};
  spec.not_before = 1704067200;  // 2024-01-01
  spec.not_after = 2524607999;   // 2049-12-31
  spec.hash = crypto::HashAlg::Sha256;
  auto cert = crypto::issue_certificate(spec, key->public_key(), *key, nullptr);
  if (!cert) return cert.error();
  std::string kid = crypto::base64_encode(crypto::sha256(cert->der()));
  return SigningKey{kid, std::move(key).value(), std::move(cert).value()};
}

Result<SigningKeys> SigningKeys::generate(const std::string& base_url, int count, const std::string& seed) {
  if (count < 1 || count > 16) return Error(ErrorCode::Usage, "the number of signing keys must be 1 to 16");
  std::vector<SigningKey> keys;
  for (int i = 0; i < count; ++i) {
    auto k = make_key(base_url, seed, i);
    if (!k) return k.error();
    keys.push_back(std::move(k).value());
  }
  return SigningKeys(base_url, std::move(keys));
}

SigningKeys::SigningKeys(const SigningKeys& other) {
  std::lock_guard<std::mutex> lock(other.mu_);
  base_url_ = other.base_url_;
  keys_ = other.keys_;
  active_ = other.active_;
}

SigningKeys::SigningKeys(SigningKeys&& other) noexcept
    : base_url_(std::move(other.base_url_)), keys_(std::move(other.keys_)), active_(other.active_) {}

SigningKey SigningKeys::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_[active_];
}

Result<std::string> SigningKeys::rotate() {
  std::size_t index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = keys_.size();
  }
  auto k = make_key(base_url_, "", static_cast<int>(index));
  if (!k) return k.error();
  std::lock_guard<std::mutex> lock(mu_);
  keys_.push_back(std::move(k).value());
  active_ = keys_.size() - 1;
  return keys_.back().kid;
}

Status SigningKeys::activate(const std::string& kid) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].kid == kid) {
      active_ = i;
      return ok_status();
    }
  }
  return Error(ErrorCode::UnknownKey, "no signing key has kid '" + kid + "'");
}

Json::Value SigningKeys::jwks() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json::Value keys(Json::arrayValue);
  for (const auto& k : keys_) {
    // MAA publishes x5c; n/e are added so that generic JWK clients (PyJWT's) can use it.
    Json::Value jwk = crypto::public_jwk(k.key.public_key(), k.kid, {k.certificate});
    jwk["use"] = "sig";
    jwk["alg"] = "RS256";
    keys.append(jwk);
  }
  Json::Value out(Json::objectValue);
  out["keys"] = keys;
  return out;
}

}  // namespace attestd::maaemu
