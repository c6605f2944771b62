// libFuzzer, structure-aware: an MAA token's claims checks, past the signature. The input
// is the token's protected header (JSON), a NUL, then its claims (JSON); the harness plays
// the MAA instance: it signs header.claims with RS256 under a test key (RSA-2048, made
// once from a fixed seed) and trusts that key under the kids of MAA's genuine keys. So a
// fuzzed token reaches verify_maa_token's issuer and lifetime checks, snp_claims (both
// shapes: SevSnpVm's top-level x-ms-sevsnpvm-*, AzureGuest's x-ms-isolation-tee) and
// check_token under several policies. The corpus starts from the genuine tokens' claims.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/lib/maa_token.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
#include "crypto/keys.h"

namespace {

using namespace attestd;

// The instance and the time the seeds are valid for (the AzureGuest token's window).
constexpr const char* kMaaUrl = "https://sharedweu.weu.attest.azure.net";
constexpr UnixTime kNow = 1680180000;
constexpr std::int64_t kSkew = 60;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

const crypto::PrivateKey& maa_key() {
  static const auto key = *crypto::PrivateKey::generate_rsa_from_seed(2048, as_bytes("fuzz_token_signed"));
  return key;
}

client::StaticMaaKeys& maa_keys() {
  static client::StaticMaaKeys keys([] {
    std::vector<crypto::Jwk> jwks;
    for (const char* kid : {"dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=", "jNolL7YTrRkDIukgm3on/fz5uMi9kjxhfUBTh6Or8No="}) {
      jwks.push_back(*crypto::parse_jwk(crypto::public_jwk(maa_key().public_key(), kid)));
    }
    return jwks;
  }());
  return keys;
}

std::string sign(std::string_view header, std::string_view claims) {
  std::string input = crypto::base64url_encode(as_bytes(header)) + "." + crypto::base64url_encode(as_bytes(claims));
  auto sig = maa_key().sign(crypto::SignatureScheme::RsaPkcs1Sha256, as_bytes(input));
  return input + "." + crypto::base64url_encode(*sig);
}

bool is_envelope_error(ErrorCode c) {
  return c == ErrorCode::MalformedToken || c == ErrorCode::UnsupportedAlgorithm || c == ErrorCode::UntrustedIssuer ||
         c == ErrorCode::UnknownKey || c == ErrorCode::TokenExpired || c == ErrorCode::TokenNotYetValid;
}

// A policy that accepts more than the default, and one that accepts less.
verify::Policy lenient_policy() {
  verify::Policy p = verify::default_policy();
  p.allow_debug = true;
  p.allow_migration_agent = true;
  p.compliance_status.reset();
  return p;
}

verify::Policy strict_policy() {
  verify::Policy p = verify::default_policy();
  p.allow_smt = false;
  p.vmpls = {0};
  p.min_tcb.snp = 8;
  p.min_tcb.microcode = 115;
  p.min_guest_svn = 1;
  return p;
}

void check_claims(const client::VerifiedToken& token) {
  auto snp = client::snp_claims(token);
  if (snp) {
    const Json::Value& c = token.claims();
    if (snp->shape == client::TokenShape::SevSnpVm) {
      require(snp->tee == &c);
      require(!c.isMember("x-ms-isolation-tee"));
    } else {
      require(snp->tee == &c["x-ms-isolation-tee"]);
    }
  } else {
    require(snp.error().code() == ErrorCode::NotAnEnclave || snp.error().code() == ErrorCode::DebugMode ||
            snp.error().code() == ErrorCode::MissingClaim);
  }
  // The VM layer belongs to an azurevm token, and to every one that checked out.
  if (snp) require(snp->vm.has_value() == (snp->shape == client::TokenShape::AzureGuest));

  static const verify::Policy lenient = lenient_policy(), standard = verify::default_policy(), strict = strict_policy();
  Status strict_ok = client::check_token(token, strict, {});
  Status standard_ok = client::check_token(token, standard, {});
  Status lenient_ok = client::check_token(token, lenient, {});
  // A policy that accepts less never accepts what a looser one refuses.
  if (strict_ok) require(standard_ok.ok());
  if (standard_ok) require(lenient_ok.ok() && snp && !snp->facts.debug_allowed);
  // The default policy never accepts a VM with a debugger, without Secure Boot, or trusting
  // test- or flight-signed code.
  if (standard_ok && snp->vm) {
    require(client::vm_debug_signals(*snp->vm).empty() && snp->vm->secure_boot && !snp->vm->test_signing &&
            !snp->vm->flight_signing);
  }
  if (lenient_ok) require(snp.ok());

  // The nonce and the runtime data, as a relying party expects them.
  client::TokenExpectations expect;
  expect.nonce = "fuzz-nonce";
  if (snp) expect.runtime_data = (*snp->tee)["x-ms-runtime"];
  Status with_expectations = client::check_token(token, lenient, expect);
  if (with_expectations) {
    require(lenient_ok.ok());
    require(token.claims()["nonce"].isString() && token.claims()["nonce"].asString() == "fuzz-nonce");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)maa_keys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nul = in.find('\0');
  if (nul == std::string_view::npos) return 0;
  std::string_view header = in.substr(0, nul), claims = in.substr(nul + 1);
  // Not JSON: the envelope refuses it before the claims (fuzz_token covers that), so
  // spend no RSA signature on it.
  if (!parse_json(header, "header") || !parse_json(claims, "claims", crypto::kMaxJwsSize)) return 0;
  std::string token = sign(header, claims);

  auto verified = client::verify_maa_token(token, kMaaUrl, maa_keys(), kNow, kSkew);
  if (!verified) {
    require(is_envelope_error(verified.error().code()));
    return 0;
  }
  // What verified is exactly what was signed.
  auto signed_claims = parse_json(claims, "claims", crypto::kMaxJwsSize);
  require(signed_claims && *signed_claims == verified->claims());
  require(verified->issuer() == kMaaUrl && verified->claims()["iss"].asString() == kMaaUrl);
  require(verified->expires_at() + kSkew >= kNow);
  require(verified->header()["alg"].asString() == "RS256");

  // The cache answers a verified token with the same claims.
  client::VerifiedTokenCache cache;
  auto first = client::verify_maa_token(token, kMaaUrl, maa_keys(), kNow, kSkew, &cache);
  auto cached = client::verify_maa_token(token, kMaaUrl, maa_keys(), kNow, kSkew, &cache);
  require(first && cached && cached->claims() == verified->claims());

  check_claims(*verified);
  return 0;
}
