// libFuzzer: an MAA instance's /certs document (JSON, then crypto::parse_jwks, as
// client::FetchedMaaKeys and StaticMaaKeys read it), and the same JSON as the HCL runtime
// claims' "keys" (hal::hcl_ak_public_key). Whatever keys come out are then the trusted keys
// for the genuine AzureGuest token of the vectors: it may verify only under a key with its
// kid that is MAA's genuine key, and fails with a named error otherwise.
// Reads the vectors from ATTESTD_VECTORS (make fuzz sets it).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/lib/maa_token.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "hal/azure_vtpm.h"
#include "tests/support.h"

namespace {

using namespace attestd;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

struct GenuineToken {
  std::string token, kid, issuer;
  UnixTime at = 0;
  std::optional<crypto::PublicKey> key;  // MAA's key for that kid, from maa_signing_keys.json
};

const GenuineToken& genuine() {
  static const GenuineToken g = [] {
    GenuineToken t;
    std::string text = test::read_vector_text("maa/azureguest_sharedweu_2023.jwt");
    for (char c : text) {
      if (c != '\n' && c != '\r') t.token.push_back(c);
    }
    auto jws = crypto::parse_compact_jws(t.token);
    auto claims = parse_json(as_chars(jws->payload), "claims");
    t.kid = jws->header["kid"].asString();
    t.issuer = (*claims)["iss"].asString();
    t.at = (*claims)["nbf"].asInt64() + 60;
    auto keys = crypto::parse_jwks(*parse_json(test::read_vector_text("maa/maa_signing_keys.json"), "keys"));
    for (const auto& k : *keys) {
      if (k.kid == t.kid) t.key = k.key;
    }
    if (!t.key) __builtin_trap();  // the vectors hold the token's key
    return t;
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)genuine();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // The HCL runtime claims carry the attestation key the same way.
  auto ak = hal::hcl_ak_public_key(text);
  if (ak) require(ak->type() == crypto::KeyType::Rsa);
  else require(ak.error().code() == ErrorCode::MalformedInput);

  auto doc = parse_json(text, "/certs");
  if (!doc) return 0;
  auto keys = crypto::parse_jwks(*doc);
  if (!keys) {
    require(keys.error().code() == ErrorCode::MalformedInput);
    return 0;
  }
  bool has_genuine = false;
  for (const auto& k : *keys) {
    require(k.kty == "RSA" || k.kty == "EC");
    require((k.key.type() == crypto::KeyType::Rsa) == (k.kty == "RSA"));
    if (!k.x5c.empty()) require(k.x5c.front().public_key() == k.key);
    if (k.kid == genuine().kid && k.key == *genuine().key) has_genuine = true;
  }

  const GenuineToken& g = genuine();
  client::StaticMaaKeys trusted(std::move(keys).value());
  auto verified = client::verify_maa_token(g.token, g.issuer, trusted, g.at, 0);
  if (verified) {
    require(has_genuine);
    require(verified->kid() == g.kid);
  } else {
    ErrorCode c = verified.error().code();
    require(c == ErrorCode::UnknownKey || c == ErrorCode::BadSignature || c == ErrorCode::UnsupportedAlgorithm);
  }
  return 0;
}
