// The token-signing keys of the MAA emulator: RSA keys with self-signed certificates,
// published at /certs, one of them active; rotation adds a key and switches to it.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <json/value.h>

#include "crypto/keys.h"
#include "crypto/x509.h"

namespace attestd::maaemu {

struct SigningKey {
  std::string kid;  // base64 of the certificate's SHA-256, as MAA's kids are
  crypto::PrivateKey key;
  crypto::Certificate certificate;  // self-signed, subject CN = the instance URL
};

class SigningKeys {
 public:
  // `count` keys for the instance at `base_url`; deterministic when `seed` is not empty.
  static Result<SigningKeys> generate(const std::string& base_url, int count, const std::string& seed);

  SigningKeys(const SigningKeys& other);
  SigningKeys& operator=(const SigningKeys&) = delete;
  SigningKeys(SigningKeys&& other) noexcept;

  SigningKey active() const;
  // Adds a new key (random) and makes it active; returns its kid.
  Result<std::string> rotate();
  // Makes an existing key active (UnknownKey if none has that kid).
  Status activate(const std::string& kid);
  // {"keys": [{"kid", "kty": "RSA", "use": "sig", "alg": "RS256", "n", "e", "x5c": [...]}]}
  Json::Value jwks() const;

 private:
  SigningKeys(std::string base_url, std::vector<SigningKey> keys) : base_url_(std::move(base_url)), keys_(std::move(keys)) {}
  static Result<SigningKey> make_key(const std::string& base_url, const std::string& seed, int index);

  std::string base_url_;
  mutable std::mutex mu_;
  std::vector<SigningKey> keys_;
  std::size_t active_ = 0;
};

}  // namespace attestd::maaemu
