#include "verify/chain.h"

#include <algorithm>
#include <array>
#include <vector>

namespace attestd::verify {

namespace {

using crypto::BasicConstraints;

// What AMD's certificates of each role carry: read from every ARK, ASK, ASVK, VCEK and
// VLEK in the genuine vectors (tests/vectors: amd-roots, snp/*, maa, azure) and
// verify/roots. None carries extendedKeyUsage.
struct RoleRules {
  ChainRole role;
  const char* name;
  std::optional<BasicConstraints> basic_constraints;  // nullopt: no extension
  std::optional<unsigned> key_usage;                  // nullopt: no extension
  bool ec_p384_key;                                   // the key signs reports
};

constexpr unsigned kCaSign = crypto::kKeyUsageKeyCertSign;
const std::array<RoleRules, 5> kRules = {{
    {ChainRole::Ark, "ARK", BasicConstraints{true, std::nullopt}, kCaSign | crypto::kKeyUsageCrlSign, false},
    {ChainRole::Ask, "ASK", BasicConstraints{true, 0}, kCaSign, false},
    {ChainRole::Asvk, "ASVK", BasicConstraints{true, 0}, kCaSign, false},
    {ChainRole::Vcek, "VCEK", std::nullopt, std::nullopt, true},
    {ChainRole::Vlek, "VLEK", std::nullopt, std::nullopt, true},
}};

const RoleRules& rules_of(ChainRole role) {
  return *std::find_if(kRules.begin(), kRules.end(), [&](const RoleRules& r) { return r.role == role; });
}

std::string describe(const BasicConstraints& bc) {
  std::string s = bc.ca ? "cA" : "not a CA";
  if (bc.path_len) s += ", pathLen " + std::to_string(*bc.path_len);
  return s;
}

std::string describe_key_usage(unsigned bits) {
  static constexpr std::pair<unsigned, const char*> kNames[] = {
      {0x80, "digitalSignature"}, {0x40, "nonRepudiation"}, {0x20, "keyEncipherment"},
      {0x10, "dataEncipherment"}, {0x08, "keyAgreement"},   {0x04, "keyCertSign"},
      {0x02, "cRLSign"},          {0x01, "encipherOnly"},    {0x8000, "decipherOnly"}};
  std::string s;
  for (auto [bit, name] : kNames) {
    if (bits & bit) s += (s.empty() ? "" : ", ") + std::string(name);
  }
  return s.empty() ? "(no bits)" : s;
}

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

ChainRole issuer_role(KeyKind kind) { return kind == KeyKind::Vcek ? ChainRole::Ask : ChainRole::Asvk; }

const crypto::Certificate* issuer_in(const ProductChain& chain, KeyKind kind) {
  if (kind == KeyKind::Vcek) return &chain.ask;
  return chain.asvk ? &*chain.asvk : nullptr;
}

std::string path_name(KeyKind kind) {
  return kind == KeyKind::Vcek ? "VCEK <- ASK <- ARK" : "VLEK <- ASVK <- ARK";
}

// The exact path through one trusted chain, every certificate in its role.
Result<SigningChain> verify_through(const crypto::Certificate& leaf, KeyKind kind, const ProductChain& chain,
                                    const crypto::Certificate& issuer, UnixTime at) {
  if (Status s = check_role(chain.ark, ChainRole::Ark); !s) return s.error();
  if (Status s = check_role(issuer, issuer_role(kind)); !s) return s.error();
  std::vector<crypto::Certificate> path{leaf, issuer, chain.ark};
  if (Status s = crypto::verify_path(path, at); !s) return s.error();
  return SigningChain{&chain, &issuer, std::max({leaf.not_before(), issuer.not_before(), chain.ark.not_before()}),
                      std::min({leaf.not_after(), issuer.not_after(), chain.ark.not_after()})};
}

}  // namespace

std::string_view chain_role_name(ChainRole role) { return rules_of(role).name; }

Status check_role(const crypto::Certificate& cert, ChainRole role) {
  const RoleRules& rules = rules_of(role);
  const std::string who = std::string(rules.name) + " '" + cert.subject_common_name() + "'";
  const std::string amds = std::string("; AMD's ") + rules.name + "s carry ";
  auto malformed = [&](const std::string& what) { return Error(ErrorCode::MalformedCertificate, who + " " + what); };

  auto bc = cert.basic_constraints();
  if (bc != rules.basic_constraints) {
    return malformed((bc ? "has basicConstraints " + describe(*bc) : std::string("has no basicConstraints")) + amds +
                     (rules.basic_constraints ? "basicConstraints " + describe(*rules.basic_constraints)
                                              : std::string("no basicConstraints")));
  }
  auto ku = cert.key_usage();
  if (ku != rules.key_usage) {
    return malformed((ku ? "has keyUsage " + describe_key_usage(*ku) : std::string("has no keyUsage")) + amds +
                     (rules.key_usage ? "keyUsage " + describe_key_usage(*rules.key_usage) : std::string("no keyUsage")));
  }
  if (auto eku = cert.extended_key_usage()) {
    return malformed("has extendedKeyUsage " + join(*eku) + "; AMD's certificates carry no extendedKeyUsage");
  }
  if (rules.ec_p384_key) {
    crypto::PublicKey key = cert.public_key();
    if (key.type() != crypto::KeyType::Ec || key.curve() != crypto::EcCurve::P384) {
      return malformed("does not hold an ECDSA P-384 key" + amds + "one (the key signs reports)");
    }
  }
  return ok_status();
}

std::optional<KeyKind> signing_key_kind(const crypto::Certificate& cert) {
  std::string cn = cert.subject_common_name();
  if (cn == "SEV-VCEK") return KeyKind::Vcek;
  if (cn == "SEV-VLEK") return KeyKind::Vlek;
  return std::nullopt;
}

Result<SigningChain> verify_signing_chain(const crypto::Certificate& leaf, KeyKind kind, snp::Product product,
                                          const RootStore& roots, UnixTime at) {
  if (Status s = check_role(leaf, kind == KeyKind::Vcek ? ChainRole::Vcek : ChainRole::Vlek); !s) return s.error();
  const std::string product_name(snp::product_name(product));
  auto candidates = roots.for_product(product);
  if (candidates.empty()) return Error(ErrorCode::UntrustedChain, "no trusted root for " + product_name);

  std::optional<Error> first_error;
  std::vector<std::string> pinned;  // the issuers trusted for this product, for the error
  for (const ProductChain* chain : candidates) {
    const crypto::Certificate* issuer = issuer_in(*chain, kind);
    if (issuer == nullptr) continue;
    if (!leaf.names_issuer(*issuer)) {
      pinned.push_back("'" + issuer->subject_common_name() + "' (" + chain->origin + ")");
      continue;
    }
    auto verified = verify_through(leaf, kind, *chain, *issuer, at);
    if (verified) return verified;
    if (!first_error) first_error = verified.error();
  }
  if (first_error) return *first_error;
  if (pinned.empty()) {
    return Error(ErrorCode::UntrustedChain, "no " + std::string(chain_role_name(issuer_role(kind))) +
                                                " is trusted for " + product_name);
  }
  return Error(ErrorCode::UntrustedChain,
               "'" + leaf.subject_common_name() + "' is issued by '" + leaf.issuer() + "', not by the " +
                   std::string(chain_role_name(issuer_role(kind))) + " of a trusted " + product_name + " chain (" +
                   join(pinned) + "): AMD's chain is " + path_name(kind));
}

Status check_supplied_ca(const crypto::Certificate& cert, const ProductChain& chain, UnixTime at) {
  const std::string cn = cert.subject_common_name();
  if (cert.is_self_issued()) {
    if (cert == chain.ark) return ok_status();
    return Error(ErrorCode::UntrustedChain, "root '" + cn + "' is not the pinned " +
                                                chain.ark.subject_common_name() + " (" + chain.origin + ")");
  }
  ChainRole role = cn.rfind("SEV-VLEK", 0) == 0 ? ChainRole::Asvk : ChainRole::Ask;
  Status s = check_role(cert, role);
  if (s) {
    std::vector<crypto::Certificate> path{cert, chain.ark};
    s = crypto::verify_path(path, at);
  }
  if (!s) {
    return Error(s.error().code(), "'" + cn + "' is not part of the " + chain.origin + " " +
                                       std::string(snp::product_name(chain.product)) + " chain: " + s.error().message());
  }
  return ok_status();
}

}  // namespace attestd::verify
