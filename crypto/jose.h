// JOSE: compact JWS (RFC 7515) and JWK/JWK Set (RFC 7517) over the crypto/ primitives.
// Parsing here is structural only; what a token must say is the verifier's business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <json/value.h>

#include "core/bytes.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace attestd::crypto {

inline constexpr std::size_t kMaxJwsSize = 64 * 1024;

// A compact JWS split into its parts. Nothing here says the signature is valid.
struct CompactJws {
  std::string header_b64;
  std::string payload_b64;
  Json::Value header;  // the protected header, a JSON object
  Bytes payload;
  Bytes signature;
  std::string signing_input() const { return header_b64 + "." + payload_b64; }
};

// MalformedToken for: more than max_size bytes, not three '.'-separated segments,
// a segment that is not unpadded base64url, a header that is not a JSON object.
Result<CompactJws> parse_compact_jws(std::string_view token, std::size_t max_size = kMaxJwsSize);

// header.payload.signature, the header serialised compactly as given.
Result<std::string> sign_compact_jws(const Json::Value& header, ByteView payload, const PrivateKey& key,
                                     SignatureScheme scheme);

struct Jwk {
  std::string kid;
  std::string kty;  // "RSA" or "EC"
  std::string alg;  // optional
  PublicKey key;
  std::vector<Certificate> x5c;  // the certificate chain, when the JWK carries one
};

// A JWK with either n/e (RSA), crv/x/y (EC) or x5c (then the first certificate's key,
// which must equal n/e or x/y when those are given too). Unknown members are ignored.
Result<Jwk> parse_jwk(const Json::Value& jwk);
// {"keys": [...]}; members other than "keys" (a comment, say) are ignored.
Result<std::vector<Jwk>> parse_jwks(const Json::Value& jwks);

// The public JWK of a key: kty, kid and n/e or crv/x/y (base64url), plus x5c when given.
Json::Value public_jwk(const PublicKey& key, const std::string& kid,
                       const std::vector<Certificate>& x5c = {});

}  // namespace attestd::crypto
