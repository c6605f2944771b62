#include "client/lib/maa_token.h"

#include "client/lib/maa_claims.h"
#include "core/file.h"
#include "core/json.h"
#include "core/text.h"
#include "crypto/sha.h"
#include "net/address.h"

namespace attestd::client {

Result<StaticMaaKeys> StaticMaaKeys::from_file(const std::string& path) {
  auto text = read_text_file(path, kMaxJsonSize);
  if (!text) return text.error();
  return from_json(*text, path);
}

Result<StaticMaaKeys> StaticMaaKeys::from_json(std::string_view text, const std::string& source) {
  auto doc = parse_json(text, source);
  if (!doc) return doc.error();
  auto keys = crypto::parse_jwks(*doc);
  if (!keys) return keys.error().with_context(source);
  if (keys->empty()) return Error(ErrorCode::MalformedInput, source + ": the JWK Set has no keys");
  return StaticMaaKeys(std::move(keys).value());
}

namespace {

// The host of an authority "host", "host:port", "[v6]" or "[v6]:port".
std::string authority_host(const std::string& authority) {
  if (auto hp = net::split_host_port(authority)) return hp->host;
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
    return authority.substr(1, authority.size() - 2);
  }
  return authority;
}

}  // namespace

Result<std::string> normalize_maa_url(const std::string& url, PlainHttp plain_http, std::string_view opt_in) {
  auto bad = [&](const std::string& why) { return Error(ErrorCode::Usage, "MAA URL '" + url + "': " + why); };
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("expected https://host[:port]");
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") return bad("scheme must be https");
  std::string rest = url.substr(scheme_end + 3);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) {
    return bad("expected only a scheme and a host[:port], no path, query or user");
  }
  if (scheme == "http") {
    if (!net::is_loopback_ip(authority_host(rest))) {
      return bad("plain http is allowed only for a numeric loopback address (127.0.0.0/8 or [::1]); use https://");
    }
    if (plain_http != PlainHttp::LoopbackAllowed) {
      return bad("plain http needs " + std::string(opt_in) + " (a local emulator only); otherwise use https://");
    }
  }
  return scheme + "://" + ascii_lower(rest);
}

namespace {

Error untrusted(const std::string& why) { return Error(ErrorCode::UntrustedIssuer, why); }

const crypto::Jwk* find_key(const std::vector<crypto::Jwk>& keys, const std::string& kid) {
  for (const auto& k : keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

Result<std::optional<UnixTime>> numeric_date(const Json::Value& claims, const char* name, bool required) {
  if (!claims.isMember(name)) {
    if (required) return Error(ErrorCode::MalformedToken, std::string("the token has no '") + name + "' claim");
    return std::optional<UnixTime>();
  }
  const Json::Value& v = claims[name];
  if (!v.isNumeric() || v.isBool()) {
    return Error(ErrorCode::MalformedToken, std::string("claim '") + name + "' is not a NumericDate");
  }
  double d = v.asDouble();
  if (d < 0 || d > 253402300799.0) return Error(ErrorCode::MalformedToken, std::string("claim '") + name + "' is out of range");
  return std::optional<UnixTime>(static_cast<UnixTime>(d));
}

}  // namespace

namespace {

Status check_lifetime(const VerifiedToken& t, UnixTime at, std::int64_t clock_skew) {
  if (at > t.expires_at() + clock_skew) {
    return Error(ErrorCode::TokenExpired, "the token expired at " + format_rfc3339(t.expires_at()) + " (now " +
                                              format_rfc3339(at) + ")");
  }
  if (t.not_before() && at + clock_skew < *t.not_before()) {
    return Error(ErrorCode::TokenNotYetValid, "the token is not valid before " + format_rfc3339(*t.not_before()) +
                                                  " (now " + format_rfc3339(at) + ")");
  }
  return ok_status();
}

}  // namespace

Bytes VerifiedTokenCache::key(std::string_view token, const std::string& maa_url) {
  crypto::Hasher h(crypto::HashAlg::Sha256);
  h.update(as_bytes(maa_url));
  h.update(Bytes{0});
  h.update(as_bytes(token));
  return h.finish();
}

std::optional<VerifiedToken> VerifiedTokenCache::lookup(std::string_view token, const std::string& maa_url) const {
  Bytes k = key(token, maa_url);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void VerifiedTokenCache::store(std::string_view token, const std::string& maa_url, const VerifiedToken& verified) {
  Bytes k = key(token, maa_url);
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
  entries_.insert_or_assign(k, verified);
}

std::size_t VerifiedTokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

Result<VerifiedToken> verify_maa_token(std::string_view token, const std::string& maa_url, MaaKeySource& source,
                                       UnixTime at, std::int64_t clock_skew, VerifiedTokenCache* cache) {
  if (cache) {
    if (auto hit = cache->lookup(token, maa_url)) {
      if (Status s = check_lifetime(*hit, at, clock_skew); !s) return s.error();
      return *hit;
    }
  }
  auto jws = crypto::parse_compact_jws(token);
  if (!jws) return jws.error();
  const Json::Value& h = jws->header;

  const Json::Value& alg = h["alg"];
  if (!alg.isString()) return Error(ErrorCode::MalformedToken, "the token header has no 'alg'");
  if (alg.asString() != "RS256") {
    return Error(ErrorCode::UnsupportedAlgorithm, "alg '" + alg.asString() + "' is not RS256, the only one MAA uses");
  }
  for (const char* own_key : {"jwk", "x5c", "x5u"}) {
    if (h.isMember(own_key)) {
      return untrusted(std::string("the token carries its own key ('") + own_key +
                       "'); keys come only from the pinned MAA instance");
    }
  }
  if (h.isMember("crit")) return Error(ErrorCode::MalformedToken, "the token has critical header extensions ('crit')");
  if (h.isMember("typ") && (!h["typ"].isString() || h["typ"].asString() != "JWT")) {
    return Error(ErrorCode::MalformedToken, "typ is not JWT");
  }
  const std::string certs_url = maa_url + "/certs";
  if (h.isMember("jku") && (!h["jku"].isString() || h["jku"].asString() != certs_url)) {
    return untrusted("jku '" + h["jku"].asString() + "' is not " + certs_url + "; it is never followed");
  }
  if (!h["kid"].isString() || h["kid"].asString().empty()) {
    return Error(ErrorCode::MalformedToken, "the token header has no 'kid'");
  }
  const std::string kid = h["kid"].asString();

  auto keys = source.keys(false);
  if (!keys) return keys.error();
  const crypto::Jwk* jwk = find_key(*keys, kid);
  if (!jwk) {
    keys = source.keys(true);  // perhaps the instance rotated its keys
    if (!keys) return keys.error();
    jwk = find_key(*keys, kid);
  }
  if (!jwk) return Error(ErrorCode::UnknownKey, "no key of " + maa_url + " has kid '" + kid + "'");
  if (jwk->key.type() != crypto::KeyType::Rsa || jwk->key.bits() < 2048) {
    return Error(ErrorCode::UnsupportedAlgorithm, "key '" + kid + "' is not an RSA key of 2048 bits or more, as RS256 needs");
  }
  if (!jwk->alg.empty() && jwk->alg != "RS256") {
    return Error(ErrorCode::UnsupportedAlgorithm, "key '" + kid + "' is for " + jwk->alg + ", not RS256");
  }
  Status sig = jwk->key.verify(crypto::SignatureScheme::RsaPkcs1Sha256, as_bytes(jws->signing_input()), jws->signature);
  if (!sig) return Error(ErrorCode::BadSignature, "the token signature does not verify with key '" + kid + "'");

  auto claims = parse_json(as_chars(jws->payload), "token payload", crypto::kMaxJwsSize);
  if (!claims) return Error(ErrorCode::MalformedToken, claims.error().message());
  if (!claims->isObject()) return Error(ErrorCode::MalformedToken, "the token payload is not a JSON object");
  const Json::Value& c = *claims;
  if (!c["iss"].isString() || c["iss"].asString() != maa_url) {
    return untrusted("issuer '" + (c["iss"].isString() ? c["iss"].asString() : std::string("(none)")) +
                     "' is not the pinned MAA " + maa_url);
  }
  auto exp = numeric_date(c, "exp", true);
  if (!exp) return exp.error();
  auto nbf = numeric_date(c, "nbf", false);
  if (!nbf) return nbf.error();
  auto iat = numeric_date(c, "iat", false);
  if (!iat) return iat.error();
  VerifiedToken t;
  t.header_ = h;
  t.claims_ = std::move(claims).value();
  t.issuer_ = maa_url;
  t.kid_ = kid;
  t.iat_ = *iat;
  t.nbf_ = *nbf;
  t.exp_ = **exp;
  if (Status s = check_lifetime(t, at, clock_skew); !s) return s.error();
  if (cache) cache->store(token, maa_url, t);
  return t;
}

namespace {

bool has_snp_claims(const Json::Value& v) {
  if (!v.isObject()) return false;
  for (const auto& name : v.getMemberNames()) {
    if (name.rfind("x-ms-sevsnpvm-", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Result<SnpTokenClaims> snp_claims(const VerifiedToken& token) {
  const Json::Value& c = token.claims();
  const Json::Value& type = c["x-ms-attestation-type"];
  std::string top_type = type.isString() ? type.asString() : "";
  SnpTokenClaims out{TokenShape::SevSnpVm, nullptr, {}};
  if (top_type == "sevsnpvm") {
    if (c.isMember("x-ms-isolation-tee")) {
      return Error(ErrorCode::NotAnEnclave, "a sevsnpvm token must not also carry x-ms-isolation-tee");
    }
    out.tee = &c;
  } else if (top_type == "azurevm") {
    const Json::Value& tee = c["x-ms-isolation-tee"];
    if (!tee.isObject() || !tee["x-ms-attestation-type"].isString() ||
        tee["x-ms-attestation-type"].asString() != "sevsnpvm") {
      return Error(ErrorCode::NotAnEnclave, "the Azure VM token does not attest an SEV-SNP isolation TEE");
    }
    if (has_snp_claims(c)) {
      return Error(ErrorCode::NotAnEnclave, "x-ms-sevsnpvm-* claims at the top level of an Azure VM token");
    }
    out.shape = TokenShape::AzureGuest;
    out.tee = &tee;
  } else {
    return Error(ErrorCode::NotAnEnclave,
                 "x-ms-attestation-type is '" + top_type + "', not sevsnpvm (or azurevm with an SEV-SNP TEE)");
  }
  auto facts = facts_from_claims(*out.tee);
  if (!facts) return facts.error();
  out.facts = std::move(facts).value();
  out.token = &c;
  if (out.shape == TokenShape::AzureGuest) {
    auto vm = vm_facts_from_claims(c);
    if (!vm) return vm.error();
    out.vm = std::move(vm).value();
  }
  return out;
}

namespace {

// Every debug signal of the token that is on; the TEE's first.
std::vector<std::string> debug_signals(const SnpTokenClaims& snp) {
  std::vector<std::string> on;
  if (snp.facts.debug_allowed) on.push_back("x-ms-sevsnpvm-is-debuggable is true");
  if (snp.vm) {
    for (std::string& s : vm_debug_signals(*snp.vm)) on.push_back(std::move(s));
  }
  return on;
}

}  // namespace

Status check_token(const VerifiedToken& token, const verify::Policy& policy, const TokenExpectations& expect) {
  auto snp = snp_claims(token);
  if (!snp) return snp.error();
  if (auto on = debug_signals(*snp); !on.empty() && !policy.allow_debug) {
    if (!snp->vm) return Error(ErrorCode::DebugMode, "Attestation validation failed (enclave is in debug mode).");
    std::string which;
    for (const std::string& s : on) which += (which.empty() ? "" : "; ") + s;
    return Error(ErrorCode::DebugMode, "Attestation validation failed (enclave is in debug mode): " + which);
  }
  if (policy.compliance_status) {
    const Json::Value& status = (*snp->tee)["x-ms-compliance-status"];
    if (!status.isString() || status.asString() != *policy.compliance_status) {
      return Error(ErrorCode::NonCompliantUvm,
                   "Attestation validation failed (non-compliant uvm). x-ms-compliance-status is " +
                       (status.isString() ? "'" + status.asString() + "'" : std::string("absent")) + ", not '" +
                       *policy.compliance_status + "'");
    }
  }
  if (snp->vm) {
    if (Status s = check_vm_policy(policy, *snp->vm); !s) return s;
  } else if (policy.os_type) {
    // Fail closed: a policy that names the OS is not met by a token that states none.
    return Error(ErrorCode::OsTypeMismatch, "the policy requires os_type '" + *policy.os_type +
                                                "', but a sevsnpvm token states no OS (only MAA's AzureGuest "
                                                "protocol's azurevm tokens do)");
  }
  if (Status s = verify::check_policy(policy, snp->facts); !s) return s;
  if (expect.nonce) {
    const Json::Value& n = token.claims()["nonce"];
    if (!n.isString() || n.asString() != *expect.nonce) {
      return Error(ErrorCode::NonceMismatch, "the token's nonce is " +
                                                 (n.isString() ? "'" + n.asString() + "'" : std::string("absent")) +
                                                 ", not the one sent");
    }
  }
  if (expect.runtime_data) {
    const Json::Value& rt = (*snp->tee)["x-ms-runtime"];
    if (rt.isNull() || !(rt == *expect.runtime_data)) {
      return Error(ErrorCode::RuntimeDataMismatch, "x-ms-runtime is not the expected runtime data");
    }
  }
  return ok_status();
}

}  // namespace attestd::client
