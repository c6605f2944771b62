// Forged and altered MAA tokens: each rejected with its own error.
#include <boost/test/unit_test.hpp>

#include <mbedtls/md.h>

#include "client/lib/maa_token.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::client;

namespace {

const std::string kMaa = "https://maa.test";
const UnixTime kNow = *parse_rfc3339("2026-11-23T12:00:00Z");

const crypto::PrivateKey& maa_key() {
  static crypto::PrivateKey k = *crypto::PrivateKey::generate_rsa_from_seed(2048, as_bytes("token-tamper-maa"));
  return k;
}
const crypto::PrivateKey& other_key() {
  static crypto::PrivateKey k = *crypto::PrivateKey::generate_rsa_from_seed(2048, as_bytes("token-tamper-other"));
  return k;
}

// The genuine SevSnpVm token's claims (tests/vectors/maa), made current and compliant.
Json::Value good_claims() {
  std::string token = test::read_vector_text("maa/sevsnpvm_sharedweu_token.jwt");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  auto jws = crypto::parse_compact_jws(token);
  Json::Value c = *parse_json(as_chars(jws->payload), "reference");
  c["iss"] = kMaa;
  c["iat"] = Json::Int64(kNow - 60);
  c["nbf"] = Json::Int64(kNow - 60);
  c["exp"] = Json::Int64(kNow - 60 + 8 * 3600);
  c["x-ms-compliance-status"] = "azure-compliant-cvm";
  c["nonce"] = "n-123";
  Json::Value rt(Json::objectValue);
  rt["keys"] = Json::Value(Json::arrayValue);
  rt["nonces"]["root"] = "abc";
  c["x-ms-runtime"] = rt;
  return c;
}

Json::Value good_header() {
  Json::Value h(Json::objectValue);
  h["alg"] = "RS256";
  h["jku"] = kMaa + "/certs";
  h["kid"] = "maa-key-1";
  h["typ"] = "JWT";
  return h;
}

std::string sign(const Json::Value& header, const Json::Value& claims, const crypto::PrivateKey& key = maa_key(),
                 crypto::SignatureScheme scheme = crypto::SignatureScheme::RsaPkcs1Sha256) {
  return *crypto::sign_compact_jws(header, as_bytes(json_compact(claims)), key, scheme);
}

std::string b64(const std::string& s) { return crypto::base64url_encode(as_bytes(s)); }

StaticMaaKeys trusted_keys() {
  std::vector<crypto::Jwk> keys;
  keys.push_back(*crypto::parse_jwk(crypto::public_jwk(maa_key().public_key(), "maa-key-1")));
  return StaticMaaKeys(keys);
}

// The verdict a relying party with the default policy reaches.
std::string verdict(const std::string& token, const verify::Policy& policy = verify::default_policy(),
                    TokenExpectations expect = {}, UnixTime at = kNow) {
  StaticMaaKeys keys = trusted_keys();
  auto t = verify_maa_token(token, kMaa, keys, at, policy.clock_skew_seconds);
  if (!t) return std::string(t.error().name());
  Status s = check_token(*t, policy, expect);
  return s ? "ok" : std::string(s.error().name());
}

std::string with_claims(const std::function<void(Json::Value&)>& edit) {
  Json::Value c = good_claims();
  edit(c);
  return sign(good_header(), c);
}

std::string with_header(const std::function<void(Json::Value&)>& edit) {
  Json::Value h = good_header();
  edit(h);
  return sign(h, good_claims());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tamper_token)

BOOST_AUTO_TEST_CASE(the_untampered_token_verifies) {
  TokenExpectations e;
  e.nonce = "n-123";
  e.runtime_data = good_claims()["x-ms-runtime"];
  BOOST_TEST(verdict(sign(good_header(), good_claims()), verify::default_policy(), e) == "ok");
}

BOOST_AUTO_TEST_CASE(alg_none_is_unsupported) {
  Json::Value h = good_header();
  h["alg"] = "none";
  std::string token = b64(json_compact(h)) + "." + b64(json_compact(good_claims())) + ".";
  BOOST_TEST(verdict(token) == "UnsupportedAlgorithm");
}

BOOST_AUTO_TEST_CASE(hs256_keyed_with_the_public_key_is_unsupported) {
  Json::Value h = good_header();
  h["alg"] = "HS256";
  std::string input = b64(json_compact(h)) + "." + b64(json_compact(good_claims()));
  std::string secret = maa_key().public_key().pem();
  unsigned char mac[32];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), reinterpret_cast<const unsigned char*>(secret.data()),
                  secret.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac);
  BOOST_TEST(verdict(input + "." + crypto::base64url_encode(ByteView(mac, 32))) == "UnsupportedAlgorithm");
}

BOOST_AUTO_TEST_CASE(rs512_and_ps256_and_es256_are_unsupported) {
  Json::Value h = good_header();
  h["alg"] = "RS512";
  BOOST_TEST(verdict(sign(h, good_claims(), maa_key(), crypto::SignatureScheme::RsaPkcs1Sha512)) == "UnsupportedAlgorithm");
  h["alg"] = "PS256";
  BOOST_TEST(verdict(sign(h, good_claims(), maa_key(), crypto::SignatureScheme::RsaPssSha256)) == "UnsupportedAlgorithm");
  h["alg"] = "ES256";
  auto ec = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  BOOST_TEST(verdict(sign(h, good_claims(), ec, crypto::SignatureScheme::EcdsaSha256)) == "UnsupportedAlgorithm");
}

BOOST_AUTO_TEST_CASE(a_kid_naming_no_key_is_unknown) {
  BOOST_TEST(verdict(with_header([](Json::Value& h) { h["kid"] = "no-such-key"; })) == "UnknownKey");
}

BOOST_AUTO_TEST_CASE(a_missing_kid_is_malformed) {
  BOOST_TEST(verdict(with_header([](Json::Value& h) { h.removeMember("kid"); })) == "MalformedToken");
}

BOOST_AUTO_TEST_CASE(a_jku_to_another_host_is_an_untrusted_issuer) {
  BOOST_TEST(verdict(with_header([](Json::Value& h) { h["jku"] = "https://evil.example/certs"; })) == "UntrustedIssuer");
  BOOST_TEST(verdict(with_header([](Json::Value& h) { h["jku"] = kMaa + "/certs/../evil"; })) == "UntrustedIssuer");
}

BOOST_AUTO_TEST_CASE(a_key_inside_the_token_is_an_untrusted_issuer) {
  auto cert_key = other_key().public_key();
  BOOST_TEST(verdict(with_header([&](Json::Value& h) {
               h["x5c"] = Json::Value(Json::arrayValue);
               h["x5c"].append("MIIB");
             })) == "UntrustedIssuer");
  BOOST_TEST(verdict(with_header([&](Json::Value& h) { h["jwk"] = crypto::public_jwk(cert_key, "maa-key-1"); })) ==
             "UntrustedIssuer");
  BOOST_TEST(verdict(with_header([](Json::Value& h) { h["x5u"] = "https://evil.example/cert.pem"; })) == "UntrustedIssuer");
}

BOOST_AUTO_TEST_CASE(a_signature_by_an_untrusted_key_is_bad) {
  BOOST_TEST(verdict(sign(good_header(), good_claims(), other_key())) == "BadSignature");
}

BOOST_AUTO_TEST_CASE(a_payload_edited_after_signing_is_a_bad_signature) {
  std::string token = sign(good_header(), good_claims());
  Json::Value c = good_claims();
  c["x-ms-sevsnpvm-is-debuggable"] = false;
  c["x-ms-sevsnpvm-launchmeasurement"] = std::string(96, '0');
  std::size_t a = token.find('.'), b = token.rfind('.');
  std::string forged = token.substr(0, a + 1) + b64(json_compact(c)) + token.substr(b);
  BOOST_TEST(verdict(forged) == "BadSignature");
}

// A signed token whose integer claims are written as reals (1.0): JsonCpp's isUInt()
// would take them; they are not the integers MAA writes, so the token is refused.
BOOST_AUTO_TEST_CASE(an_integer_claim_written_as_a_real_is_refused_naming_the_claim) {
  std::string token = with_claims([](Json::Value& c) { c["x-ms-sevsnpvm-vmpl"] = 1.0; });
  BOOST_REQUIRE(token.find("\"x-ms-sevsnpvm-vmpl\":1.0") != std::string::npos ||
                as_chars(crypto::parse_compact_jws(token)->payload).find("\"x-ms-sevsnpvm-vmpl\":1.0") != std::string::npos);
  StaticMaaKeys keys = trusted_keys();
  auto t = verify_maa_token(token, kMaa, keys, kNow, 60);
  BOOST_REQUIRE(t.ok());
  Status s = check_token(*t, verify::default_policy(), {});
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().describe() ==
             "NotAnEnclave: claim x-ms-sevsnpvm-vmpl is missing or not an integer from 0 to 3");
}

BOOST_AUTO_TEST_CASE(a_truncated_or_flipped_signature_is_bad) {
  std::string token = sign(good_header(), good_claims());
  // 342 characters less 6 is whole 4-character groups: canonical, 252 bytes, a bad signature.
  BOOST_TEST(verdict(token.substr(0, token.size() - 6)) == "BadSignature");
  std::string flipped = token;
  flipped[flipped.size() - 10] = flipped[flipped.size() - 10] == 'A' ? 'B' : 'A';
  BOOST_TEST(verdict(flipped) == "BadSignature");
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_expired_beyond_the_clock_skew) {
  std::string token = sign(good_header(), good_claims());
  UnixTime exp = kNow - 60 + 8 * 3600;
  BOOST_TEST(verdict(token, verify::default_policy(), {}, exp + 60) == "ok");
  BOOST_TEST(verdict(token, verify::default_policy(), {}, exp + 61) == "TokenExpired");
}

BOOST_AUTO_TEST_CASE(a_token_from_the_future_is_not_yet_valid) {
  std::string token = with_claims([](Json::Value& c) { c["nbf"] = Json::Int64(kNow + 600); });
  BOOST_TEST(verdict(token) == "TokenNotYetValid");
}

BOOST_AUTO_TEST_CASE(a_token_without_exp_or_with_a_string_exp_is_malformed) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("exp"); })) == "MalformedToken");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["exp"] = "2099-01-01"; })) == "MalformedToken");
}

BOOST_AUTO_TEST_CASE(another_issuer_is_untrusted) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["iss"] = "https://sharedweu.weu.attest.azure.net"; })) ==
             "UntrustedIssuer");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("iss"); })) == "UntrustedIssuer");
}

BOOST_AUTO_TEST_CASE(snp_claims_moved_under_isolation_tee_of_a_sevsnpvm_token_are_not_an_enclave) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) {
               Json::Value tee(Json::objectValue);
               for (const auto& n : c.getMemberNames()) {
                 if (n.rfind("x-ms-sevsnpvm-", 0) == 0) {
                   tee[n] = c[n];
                   c.removeMember(n);
                 }
               }
               tee["x-ms-attestation-type"] = "sevsnpvm";
               c["x-ms-isolation-tee"] = tee;
             })) == "NotAnEnclave");
}

BOOST_AUTO_TEST_CASE(snp_claims_at_the_top_of_an_azure_vm_token_are_not_an_enclave) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) {
               c["x-ms-attestation-type"] = "azurevm";
               Json::Value tee(Json::objectValue);
               tee["x-ms-attestation-type"] = "sevsnpvm";
               tee["x-ms-compliance-status"] = "azure-compliant-cvm";
               c["x-ms-isolation-tee"] = tee;
             })) == "NotAnEnclave");
}

BOOST_AUTO_TEST_CASE(another_tee_type_is_not_an_enclave) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-attestation-type"] = "sgx"; })) == "NotAnEnclave");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("x-ms-attestation-type"); })) == "NotAnEnclave");
}

BOOST_AUTO_TEST_CASE(is_debuggable_as_the_string_false_is_debug_mode) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-sevsnpvm-is-debuggable"] = "false"; })) == "DebugMode");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-sevsnpvm-is-debuggable"] = 0; })) == "DebugMode");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("x-ms-sevsnpvm-is-debuggable"); })) == "DebugMode");
}

BOOST_AUTO_TEST_CASE(a_debuggable_guest_is_debug_mode_before_compliance) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) {
               c["x-ms-sevsnpvm-is-debuggable"] = true;
               c.removeMember("x-ms-compliance-status");
             })) == "DebugMode");
}

BOOST_AUTO_TEST_CASE(a_missing_or_other_compliance_status_is_non_compliant) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("x-ms-compliance-status"); })) == "NonCompliantUvm");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-compliance-status"] = "azure-non-compliant-cvm"; })) ==
             "NonCompliantUvm");
  verify::Policy none = verify::default_policy();
  none.compliance_status.reset();
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c.removeMember("x-ms-compliance-status"); }), none) == "ok");
}

BOOST_AUTO_TEST_CASE(runtime_data_and_nonce_must_match) {
  std::string token = sign(good_header(), good_claims());
  TokenExpectations e;
  e.runtime_data = Json::Value(Json::objectValue);
  BOOST_TEST(verdict(token, verify::default_policy(), e) == "RuntimeDataMismatch");
  TokenExpectations n;
  n.nonce = "n-124";
  BOOST_TEST(verdict(token, verify::default_policy(), n) == "NonceMismatch");
}

BOOST_AUTO_TEST_CASE(policy_rules_apply_to_token_claims) {
  verify::Policy p = verify::default_policy();
  p.measurements.push_back(Bytes(48, 0));
  BOOST_TEST(verdict(sign(good_header(), good_claims()), p) == "MeasurementMismatch");
  verify::Policy tcb = verify::default_policy();
  tcb.min_tcb.microcode = 200;
  BOOST_TEST(verdict(sign(good_header(), good_claims()), tcb) == "TcbTooLow");
}

BOOST_AUTO_TEST_CASE(mistyped_snp_claims_are_not_an_enclave) {
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-sevsnpvm-vmpl"] = "0"; })) == "NotAnEnclave");
  BOOST_TEST(verdict(with_claims([](Json::Value& c) { c["x-ms-sevsnpvm-launchmeasurement"] = "abcd"; })) == "NotAnEnclave");
}

BOOST_AUTO_TEST_CASE(structurally_broken_tokens_are_malformed) {
  std::string token = sign(good_header(), good_claims());
  std::size_t b = token.rfind('.');
  BOOST_TEST(verdict(token.substr(0, b)) == "MalformedToken");                  // two segments
  BOOST_TEST(verdict(token + ".x") == "MalformedToken");                        // four segments
  BOOST_TEST(verdict("a*b." + token.substr(token.find('.') + 1)) == "MalformedToken");  // not base64url
  BOOST_TEST(verdict(b64("not json") + token.substr(token.find('.'))) == "MalformedToken");
  BOOST_TEST(verdict(token + "==") == "MalformedToken");                        // padded
  BOOST_TEST(verdict("") == "MalformedToken");
  BOOST_TEST(verdict(std::string(crypto::kMaxJwsSize + 1, 'A')) == "MalformedToken");
}

BOOST_AUTO_TEST_CASE(critical_header_extensions_are_malformed) {
  BOOST_TEST(verdict(with_header([](Json::Value& h) {
               h["crit"] = Json::Value(Json::arrayValue);
               h["crit"].append("exp");
             })) == "MalformedToken");
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_fit_rs256_is_unsupported) {
  auto ec = *crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  std::vector<crypto::Jwk> keys{*crypto::parse_jwk(crypto::public_jwk(ec.public_key(), "maa-key-1"))};
  StaticMaaKeys source(keys);
  auto t = verify_maa_token(sign(good_header(), good_claims()), kMaa, source, kNow, 60);
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().name() == "UnsupportedAlgorithm");
}

BOOST_AUTO_TEST_CASE(an_unknown_kid_asks_the_key_source_once_more) {
  struct Rotating : MaaKeySource {
    int calls = 0;
    Result<std::vector<crypto::Jwk>> keys(bool refresh) override {
      ++calls;
      if (!refresh) return std::vector<crypto::Jwk>{};
      return std::vector<crypto::Jwk>{*crypto::parse_jwk(crypto::public_jwk(maa_key().public_key(), "maa-key-1"))};
    }
  } source;
  auto t = verify_maa_token(sign(good_header(), good_claims()), kMaa, source, kNow, 60);
  BOOST_TEST(t.ok(), test::why(t));
  BOOST_TEST(source.calls == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tamper_token_cache)

BOOST_AUTO_TEST_CASE(a_cached_token_is_still_checked_for_expiry_and_never_stands_for_another) {
  StaticMaaKeys keys = trusted_keys();
  VerifiedTokenCache cache;
  std::string token = sign(good_header(), good_claims());
  BOOST_REQUIRE(verify_maa_token(token, kMaa, keys, kNow, 60, &cache).ok());
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(verify_maa_token(token, kMaa, keys, kNow, 60, &cache).ok());
  UnixTime exp = kNow - 60 + 8 * 3600;
  BOOST_TEST(verify_maa_token(token, kMaa, keys, exp + 61, 60, &cache).error().name() == "TokenExpired");
  std::string forged = token;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  BOOST_TEST(verify_maa_token(forged, kMaa, keys, kNow, 60, &cache).error().name() == "BadSignature");
  BOOST_TEST(verify_maa_token(token, "https://other.test", keys, kNow, 60, &cache).error().name() == "UntrustedIssuer");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// The genuine AzureGuest token's claims (tests/vectors/maa), made current and re-signed
// by the test instance: the VM layer exactly as MAA wrote it.
Json::Value azurevm_claims_genuine() {
  std::string token = test::read_vector_text("maa/azureguest_sharedweu_2023.jwt");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  auto jws = crypto::parse_compact_jws(token);
  Json::Value c = *parse_json(as_chars(jws->payload), "reference");
  c["iss"] = kMaa;
  c["iat"] = Json::Int64(kNow - 60);
  c["nbf"] = Json::Int64(kNow - 60);
  c["exp"] = Json::Int64(kNow - 60 + 8 * 3600);
  return c;
}

std::string azurevm_with(const std::function<void(Json::Value&)>& edit) {
  Json::Value c = azurevm_claims_genuine();
  edit(c);
  return sign(good_header(), c);
}

// The full error of a relying party's check.
std::string azurevm_error(const std::string& token, const verify::Policy& policy = verify::default_policy()) {
  StaticMaaKeys keys = trusted_keys();
  auto t = verify_maa_token(token, kMaa, keys, kNow, policy.clock_skew_seconds);
  if (!t) return t.error().describe();
  Status s = check_token(*t, policy, {});
  return s ? "ok" : s.error().describe();
}

const char* const kVmDebugClaims[] = {"x-ms-azurevm-bootdebug-enabled", "x-ms-azurevm-kerneldebug-enabled",
                                      "x-ms-azurevm-hypervisordebug-enabled"};

}  // namespace

BOOST_AUTO_TEST_SUITE(tamper_azurevm_token)

BOOST_AUTO_TEST_CASE(the_genuine_azurevm_claims_verify) {
  BOOST_TEST(azurevm_error(azurevm_with([](Json::Value&) {})) == "ok");
}

BOOST_AUTO_TEST_CASE(each_vm_debug_flag_is_debug_mode_naming_it) {
  for (const char* claim : kVmDebugClaims) {
    BOOST_TEST(azurevm_error(azurevm_with([&](Json::Value& c) { c[claim] = true; })) ==
                   "DebugMode: Attestation validation failed (enclave is in debug mode): " + std::string(claim) +
                       " is true",
               claim);
  }
}

BOOST_AUTO_TEST_CASE(debuggers_not_disabled_is_debug_mode) {
  BOOST_TEST(azurevm_error(azurevm_with([](Json::Value& c) { c["x-ms-azurevm-debuggersdisabled"] = false; })) ==
             "DebugMode: Attestation validation failed (enclave is in debug mode): x-ms-azurevm-debuggersdisabled is "
             "false");
}

BOOST_AUTO_TEST_CASE(the_tees_is_debuggable_in_an_azurevm_token_is_debug_mode_with_every_signal_named) {
  BOOST_TEST(azurevm_error(azurevm_with([](Json::Value& c) {
               c["x-ms-isolation-tee"]["x-ms-sevsnpvm-is-debuggable"] = true;
               c["x-ms-azurevm-kerneldebug-enabled"] = true;
             })) ==
             "DebugMode: Attestation validation failed (enclave is in debug mode): x-ms-sevsnpvm-is-debuggable is "
             "true; x-ms-azurevm-kerneldebug-enabled is true");
}

BOOST_AUTO_TEST_CASE(vm_debugging_is_reported_before_compliance) {
  BOOST_TEST(verdict(azurevm_with([](Json::Value& c) {
               c["x-ms-azurevm-kerneldebug-enabled"] = true;
               c["x-ms-isolation-tee"].removeMember("x-ms-compliance-status");
             })) == "DebugMode");
}

BOOST_AUTO_TEST_CASE(allow_debug_lets_vm_debugging_through) {
  verify::Policy p = verify::default_policy();
  p.allow_debug = true;
  for (const char* claim : kVmDebugClaims) {
    BOOST_TEST(verdict(azurevm_with([&](Json::Value& c) { c[claim] = true; }), p) == "ok", claim);
  }
  BOOST_TEST(verdict(azurevm_with([](Json::Value& c) { c["x-ms-azurevm-debuggersdisabled"] = false; }), p) == "ok");
}

BOOST_AUTO_TEST_CASE(secureboot_false_is_secure_boot_disabled_unless_the_policy_waives_it) {
  std::string token = azurevm_with([](Json::Value& c) { c["secureboot"] = false; });
  BOOST_TEST(azurevm_error(token) ==
             "SecureBootDisabled: the token's secureboot claim is false: the VM booted without UEFI Secure Boot "
             "(policy secure_boot)");
  verify::Policy p = verify::default_policy();
  p.require_secure_boot = false;
  BOOST_TEST(verdict(token, p) == "ok");
}

BOOST_AUTO_TEST_CASE(test_signing_is_test_signing_enabled_unless_allowed) {
  std::string token = azurevm_with([](Json::Value& c) { c["x-ms-azurevm-testsigning-enabled"] = true; });
  BOOST_TEST(azurevm_error(token) ==
             "TestSigningEnabled: x-ms-azurevm-testsigning-enabled is true: the OS loads test-signed code (policy "
             "allow_test_signing)");
  verify::Policy p = verify::default_policy();
  p.allow_test_signing = true;
  BOOST_TEST(verdict(token, p) == "ok");
}

BOOST_AUTO_TEST_CASE(flight_signing_is_flight_signing_enabled_unless_allowed) {
  std::string token = azurevm_with([](Json::Value& c) { c["x-ms-azurevm-flightsigning-enabled"] = true; });
  BOOST_TEST(verdict(token) == "FlightSigningEnabled");
  verify::Policy p = verify::default_policy();
  p.allow_flight_signing = true;
  BOOST_TEST(verdict(token, p) == "ok");
}

BOOST_AUTO_TEST_CASE(another_os_type_is_os_type_mismatch) {
  verify::Policy linux_only = verify::default_policy();
  linux_only.os_type = "Linux";
  BOOST_TEST(azurevm_error(azurevm_with([](Json::Value&) {}), linux_only) ==
             "OsTypeMismatch: x-ms-azurevm-ostype is 'Windows', not the policy's os_type 'Linux'");
  verify::Policy windows = verify::default_policy();
  windows.os_type = "Windows";
  BOOST_TEST(verdict(azurevm_with([](Json::Value&) {}), windows) == "ok");
}

BOOST_AUTO_TEST_CASE(the_vm_policy_is_checked_in_its_order_after_compliance) {
  std::string all = azurevm_with([](Json::Value& c) {
    c["secureboot"] = false;
    c["x-ms-azurevm-testsigning-enabled"] = true;
    c["x-ms-azurevm-flightsigning-enabled"] = true;
    c["x-ms-azurevm-ostype"] = "Linux";
  });
  verify::Policy p = verify::default_policy();
  p.os_type = "Windows";
  BOOST_TEST(verdict(all, p) == "SecureBootDisabled");
  p.require_secure_boot = false;
  BOOST_TEST(verdict(all, p) == "TestSigningEnabled");
  p.allow_test_signing = true;
  BOOST_TEST(verdict(all, p) == "FlightSigningEnabled");
  p.allow_flight_signing = true;
  BOOST_TEST(verdict(all, p) == "OsTypeMismatch");
  BOOST_TEST(verdict(azurevm_with([](Json::Value& c) {
               c["secureboot"] = false;
               c["x-ms-isolation-tee"]["x-ms-compliance-status"] = "azure-non-compliant-cvm";
             })) == "NonCompliantUvm");
}

BOOST_AUTO_TEST_CASE(each_always_emitted_claim_removed_is_missing_claim_naming_it) {
  for (const std::string& name : azurevm_claim_names()) {
    BOOST_TEST(azurevm_error(azurevm_with([&](Json::Value& c) { c.removeMember(name); })) ==
                   "MissingClaim: the azurevm token has no " + name + " claim",
               name);
  }
}

BOOST_AUTO_TEST_CASE(a_debug_flag_as_the_string_false_is_a_missing_claim_not_a_pass) {
  BOOST_TEST(verdict(azurevm_with([](Json::Value& c) { c["x-ms-azurevm-kerneldebug-enabled"] = "false"; })) ==
             "MissingClaim");
  BOOST_TEST(verdict(azurevm_with([](Json::Value& c) { c["x-ms-azurevm-debuggersdisabled"] = 1; })) == "MissingClaim");
}

BOOST_AUTO_TEST_CASE(a_sevsnpvm_token_needs_no_vm_claims) {
  BOOST_TEST(verdict(sign(good_header(), good_claims())) == "ok");
}

BOOST_AUTO_TEST_CASE(a_policy_naming_the_os_refuses_a_sevsnpvm_token_that_states_none) {
  verify::Policy p = verify::default_policy();
  p.os_type = "Linux";
  BOOST_TEST(verdict(sign(good_header(), good_claims()), p) == "OsTypeMismatch");
}

BOOST_AUTO_TEST_SUITE_END()
