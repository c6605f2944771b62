// libFuzzer: an MAA token through the whole envelope and claims check. Any input must end
// in a verdict (a VerifiedToken or a named error), never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/lib/maa_token.h"
#include "core/json.h"
#include "core/time.h"
#include "crypto/jose.h"

namespace {

// Keys that answer for every kid: the token's own claims decide how far the check gets.
struct AnyKid : attestd::client::MaaKeySource {
  attestd::Result<std::vector<attestd::crypto::Jwk>> keys(bool) override {
    static const auto key = *attestd::crypto::PrivateKey::generate_rsa_from_seed(2048, attestd::as_bytes("fuzz"));
    static const std::vector<attestd::crypto::Jwk> jwks{
        *attestd::crypto::parse_jwk(attestd::crypto::public_jwk(key.public_key(), "dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo="))};
    return jwks;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jws = attestd::crypto::parse_compact_jws(token);
  if (jws) {
    (void)attestd::parse_json(attestd::as_chars(jws->payload), "payload");
  }
  AnyKid keys;
  auto verified = attestd::client::verify_maa_token(token, "https://sharedweu.weu.attest.azure.net", keys, 1680180000, 60);
  if (verified) {
    (void)attestd::client::check_token(*verified, attestd::verify::default_policy(), {});
  }
  return 0;
}
