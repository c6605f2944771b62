// make bench: MAA tokens verified per second (envelope + SEV-SNP claims + default policy),
// a new token each time and the same token again (VerifiedTokenCache). Writes the tokens,
// their JWK Set and issuer to OUT_DIR so PyJWT verifies the very same tokens.
#include <iostream>

#include "client/lib/maa_token.h"
#include "core/file.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "tests/bench/bench.h"
#include "tests/support.h"

namespace attestd::bench {

namespace {

struct TokenCheck {
  const std::string& issuer;
  client::MaaKeySource& keys;
  verify::Policy policy;
  UnixTime now;
};

// One function per row, not inlined, so that a profile selects one row:
// valgrind --tool=callgrind --toggle-collect='attestd::bench::*verify_new_token*' ...
[[gnu::noinline]] bool verify_new_token(TokenCheck& c, const std::string& token) {
  auto v = client::verify_maa_token(token, c.issuer, c.keys, c.now, 60);
  return v && client::check_token(*v, c.policy, {});
}

[[gnu::noinline]] bool verify_same_token(TokenCheck& c, const std::string& token, client::VerifiedTokenCache& cache) {
  auto v = client::verify_maa_token(token, c.issuer, c.keys, c.now, 60, &cache);
  return v && client::check_token(*v, c.policy, {});
}

}  // namespace

int bench_token(int argc, char** argv) {
  const std::string out = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  // Fewer tokens make a profile's setup short (valgrind --tool=callgrind, docs/performance-client.md).
  const std::size_t kTokens = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1000;
  const std::string issuer = "https://maa.bench";
  if (kTokens == 0) return 2;

  auto key = crypto::PrivateKey::generate_rsa_from_seed(2048, as_bytes("bench-maa-key"));
  if (!key) return 1;
  std::string t = test::read_vector_text("maa/sevsnpvm_sharedweu_token.jwt");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  Json::Value claims = *parse_json(as_chars(crypto::parse_compact_jws(t)->payload), "reference");
  UnixTime now = now_unix();
  claims["iss"] = issuer;
  claims["iat"] = claims["nbf"] = Json::Int64(now);
  claims["exp"] = Json::Int64(now + 8 * 3600);
  claims["x-ms-compliance-status"] = "azure-compliant-cvm";
  Json::Value header(Json::objectValue);
  header["alg"] = "RS256";
  header["jku"] = issuer + "/certs";
  header["kid"] = "bench-key";
  header["typ"] = "JWT";
  std::vector<std::string> tokens;
  std::string all;
  for (std::size_t i = 0; i < kTokens; ++i) {
    claims["jti"] = std::to_string(i);
    tokens.push_back(*crypto::sign_compact_jws(header, as_bytes(json_compact(claims)), *key,
                                               crypto::SignatureScheme::RsaPkcs1Sha256));
    all += tokens.back() + "\n";
  }
  Json::Value jwks(Json::objectValue);
  jwks["keys"].append(crypto::public_jwk(key->public_key(), "bench-key"));
  if (!write_file(out + "/tokens.txt", as_bytes(all)) || !write_file(out + "/jwks.json", as_bytes(json_compact(jwks)))) {
    std::cerr << "bench: cannot write to " << out << "\n";
    return 1;
  }

  client::StaticMaaKeys keys(*crypto::parse_jwks(jwks));
  TokenCheck check{issuer, keys, verify::default_policy(), now};
  std::size_t next = 0;
  double fresh = per_second([&] { return verify_new_token(check, tokens[next++ % kTokens]); }, seconds);
  client::VerifiedTokenCache cache;
  double cached = per_second([&] { return verify_same_token(check, tokens[0], cache); }, seconds);

  Json::Value result(Json::objectValue);
  result["issuer"] = issuer;
  result["tokens"] = Json::UInt64(kTokens);
  result["attestd_new_per_s"] = fresh;
  result["attestd_cached_per_s"] = cached;
  std::cout << json_compact(result) << std::endl;
  return 0;
}

}  // namespace attestd::bench
