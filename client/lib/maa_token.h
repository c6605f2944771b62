// Verifying a Microsoft Azure Attestation token as a relying party: the envelope (RS256
// by a key of the pinned MAA instance, issuer, lifetime), then what it says about the
// guest (SEV-SNP, not debuggable, compliant, the policy, the nonce and runtime data).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <json/value.h>

#include "client/lib/azurevm_claims.h"
#include "core/time.h"
#include "crypto/jose.h"
#include "verify/policy.h"

namespace attestd::client {

// Where the signing keys of the pinned MAA instance come from.
class MaaKeySource {
 public:
  virtual ~MaaKeySource() = default;
  // The keys; `refresh` asks for a fresh copy (after an unknown kid), at most once per token.
  virtual Result<std::vector<crypto::Jwk>> keys(bool refresh) = 0;
};

// Keys given up front (attest verify-token --jwks FILE).
class StaticMaaKeys : public MaaKeySource {
 public:
  explicit StaticMaaKeys(std::vector<crypto::Jwk> keys) : keys_(std::move(keys)) {}
  static Result<StaticMaaKeys> from_file(const std::string& path);
  // A JWK Set's JSON text; `source` names it in errors.
  static Result<StaticMaaKeys> from_json(std::string_view text, const std::string& source);
  Result<std::vector<crypto::Jwk>> keys(bool) override { return keys_; }

 private:
  std::vector<crypto::Jwk> keys_;
};

// Whether an MAA URL may be plain http. Over http anyone on the path could swap the
// signing keys (and tokens), so only a local emulator on a loopback address may use it,
// and only when the user opted in.
enum class PlainHttp { Refused, LoopbackAllowed };

// "https://x.attest.azure.net/" -> "https://x.attest.azure.net": scheme and authority only.
// http:// only with PlainHttp::LoopbackAllowed and a numeric loopback host (127.0.0.0/8,
// [::1]); Usage errors say what to do, naming the opt-in (`opt_in`: the caller's flag or
// config key).
Result<std::string> normalize_maa_url(const std::string& url, PlainHttp plain_http = PlainHttp::Refused,
                                      std::string_view opt_in = "--allow-plain-http-maa");

enum class TokenShape {
  SevSnpVm,    // POST /attest/SevSnpVm: x-ms-sevsnpvm-* at the top level
  AzureGuest,  // Azure guest attestation: under x-ms-isolation-tee
};

// A token whose signature, issuer and lifetime checked out. Only verify_maa_token makes
// one, so the claims of a VerifiedToken have been verified.
class VerifiedTokenCache;

class VerifiedToken {
 public:
  const Json::Value& header() const { return header_; }
  const Json::Value& claims() const { return claims_; }
  const std::string& issuer() const { return issuer_; }
  const std::string& kid() const { return kid_; }
  std::optional<UnixTime> issued_at() const { return iat_; }
  std::optional<UnixTime> not_before() const { return nbf_; }
  UnixTime expires_at() const { return exp_; }

 private:
  friend Result<VerifiedToken> verify_maa_token(std::string_view, const std::string&, MaaKeySource&, UnixTime,
                                                std::int64_t, VerifiedTokenCache*);
  VerifiedToken() = default;
  Json::Value header_, claims_;
  std::string issuer_, kid_;
  std::optional<UnixTime> iat_, nbf_;
  UnixTime exp_ = 0;
};

// The envelope: a compact JWS (MalformedToken); alg RS256 only, and no key carried by
// the token itself (jwk, x5c, x5u) (UnsupportedAlgorithm, UntrustedIssuer); a jku, if
// present, equal to {maa_url}/certs (UntrustedIssuer); the kid among the instance's keys,
// asking once more after a miss (UnknownKey); an RSA key of at least 2048 bits
// (UnsupportedAlgorithm); the signature (BadSignature); iss == maa_url (UntrustedIssuer);
// exp and nbf against `at` with `clock_skew` seconds of tolerance (TokenExpired,
// TokenNotYetValid).
// With a cache, a token whose envelope verified before (for the same MAA URL) skips the
// parsing and signature check; its lifetime is checked against `at` every time.
Result<VerifiedToken> verify_maa_token(std::string_view token, const std::string& maa_url, MaaKeySource& keys,
                                       UnixTime at, std::int64_t clock_skew, VerifiedTokenCache* cache = nullptr);

// Tokens whose envelope verified, by SHA-256 of the token and the MAA URL. Thread-safe.
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(std::size_t max_entries = 1024) : max_entries_(max_entries) {}
  std::optional<VerifiedToken> lookup(std::string_view token, const std::string& maa_url) const;
  void store(std::string_view token, const std::string& maa_url, const VerifiedToken& verified);
  std::size_t size() const;

 private:
  static Bytes key(std::string_view token, const std::string& maa_url);
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<Bytes, VerifiedToken> entries_;
};

// What the caller expects the token to carry besides the policy.
struct TokenExpectations {
  std::optional<std::string> nonce;         // the request's nonce, echoed as the "nonce" claim
  std::optional<Json::Value> runtime_data;  // must equal x-ms-runtime (JSON equality)
};

// The SEV-SNP claims of a verified token, and where they were found.
struct SnpTokenClaims {
  TokenShape shape;
  const Json::Value* tee;  // the object holding x-ms-sevsnpvm-* (inside the token's claims)
  verify::GuestFacts facts;
  const Json::Value* token = nullptr;  // the token's whole claims
  std::optional<VmFacts> vm;           // AzureGuest: the VM-layer claims (azurevm_claims.h)
};

// Finds the SEV-SNP claims of either shape; claims at the wrong level, or of another TEE,
// are NotAnEnclave. An azurevm token must also carry every VM-layer claim MAA always emits
// (MissingClaim naming it).
Result<SnpTokenClaims> snp_claims(const VerifiedToken& token);

// In this order: SEV-SNP (NotAnEnclave) and, for an azurevm token, its VM-layer claims
// (MissingClaim); not debuggable unless allowed (DebugMode: the TEE's is-debuggable and,
// for an azurevm token, boot, kernel or hypervisor debugging or debuggers not disabled,
// the message naming each signal that is on); compliance (NonCompliantUvm, "Attestation
// validation failed (non-compliant uvm)."); for an azurevm token the VM policy
// (SecureBootDisabled, TestSigningEnabled, FlightSigningEnabled, OsTypeMismatch); the
// rest of the policy; the nonce (NonceMismatch); the runtime data (RuntimeDataMismatch).
Status check_token(const VerifiedToken& token, const verify::Policy& policy, const TokenExpectations& expect);

}  // namespace attestd::client
