#include "crypto/jose.h"

#include "core/json.h"
#include "crypto/base64.h"

namespace attestd::crypto {

namespace {

Error malformed(const std::string& why) { return Error(ErrorCode::MalformedToken, why); }

// JWS segments are base64url without padding (RFC 7515 §2).
Result<Bytes> segment(std::string_view s, const char* name) {
  if (s.find('=') != std::string_view::npos) return malformed(std::string(name) + " is padded base64url");
  auto b = base64url_decode(s);
  if (!b) return malformed(std::string(name) + " is not base64url (" + b.error().message() + ")");
  return b;
}

Error bad_jwk(const std::string& why) { return Error(ErrorCode::MalformedInput, "JWK: " + why); }

Result<Bytes> b64url_member(const Json::Value& v, const char* name) {
  if (!v.isMember(name) || !v[name].isString()) return bad_jwk(std::string("'") + name + "' must be a base64url string");
  auto b = base64url_decode(v[name].asString());
  if (!b || b->empty()) return bad_jwk(std::string("'") + name + "' is not base64url");
  return b;
}

std::string string_member(const Json::Value& v, const char* name) {
  return v.isMember(name) && v[name].isString() ? v[name].asString() : std::string();
}

}  // namespace

Result<CompactJws> parse_compact_jws(std::string_view token, std::size_t max_size) {
  if (token.size() > max_size) {
    return malformed("token is " + std::to_string(token.size()) + " bytes, more than the limit of " +
                     std::to_string(max_size));
  }
  std::size_t a = token.find('.');
  std::size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos ||
      token.find('.', b + 1) != std::string_view::npos) {
    return malformed("a compact JWS has three segments separated by '.'");
  }
  CompactJws jws;
  jws.header_b64 = std::string(token.substr(0, a));
  jws.payload_b64 = std::string(token.substr(a + 1, b - a - 1));
  std::string_view sig_b64 = token.substr(b + 1);
  if (jws.header_b64.empty()) return malformed("the header segment is empty");
  auto header = segment(jws.header_b64, "the header");
  if (!header) return header.error();
  auto payload = segment(jws.payload_b64, "the payload");
  if (!payload) return payload.error();
  auto sig = segment(sig_b64, "the signature");
  if (!sig) return sig.error();
  auto h = parse_json(as_chars(*header), "JWS header", 16 * 1024);
  if (!h) return malformed(h.error().message());
  if (!h->isObject()) return malformed("the JWS header is not a JSON object");
  jws.header = std::move(h).value();
  jws.payload = std::move(payload).value();
  jws.signature = std::move(sig).value();
  return jws;
}

Result<std::string> sign_compact_jws(const Json::Value& header, ByteView payload, const PrivateKey& key,
                                     SignatureScheme scheme) {
  std::string input = base64url_encode(as_bytes(json_compact(header))) + "." + base64url_encode(payload);
  auto sig = key.sign(scheme, as_bytes(input));
  if (!sig) return sig.error();
  return input + "." + base64url_encode(*sig);
}

Result<Jwk> parse_jwk(const Json::Value& v) {
  if (!v.isObject()) return bad_jwk("not a JSON object");
  const std::string kty = string_member(v, "kty");
  std::vector<Certificate> x5c;
  if (v.isMember("x5c")) {
    const Json::Value& chain = v["x5c"];
    if (!chain.isArray() || chain.empty()) return bad_jwk("'x5c' must be a non-empty list");
    for (Json::ArrayIndex i = 0; i < chain.size(); ++i) {
      // x5c holds standard (not url) base64 DER (RFC 7517 §4.7).
      auto der = chain[i].isString() ? base64_decode(chain[i].asString()) : Result<Bytes>(bad_jwk("x5c entry"));
      if (!der) return bad_jwk("x5c[" + std::to_string(i) + "] is not base64");
      auto cert = Certificate::from_der(*der);
      if (!cert) return bad_jwk("x5c[" + std::to_string(i) + "]: " + cert.error().message());
      x5c.push_back(std::move(cert).value());
    }
  }
  std::optional<PublicKey> explicit_key;
  if (kty == "RSA") {
    if (v.isMember("n") || x5c.empty()) {
      auto n = b64url_member(v, "n");
      if (!n) return n.error();
      auto e = b64url_member(v, "e");
      if (!e) return e.error();
      auto key = PublicKey::rsa_from_components(*n, *e);
      if (!key) return bad_jwk("RSA key: " + key.error().message());
      explicit_key = std::move(key).value();
    }
  } else if (kty == "EC") {
    if (v.isMember("x") || x5c.empty()) {
      std::string crv = string_member(v, "crv");
      if (crv != "P-256" && crv != "P-384") return bad_jwk("unsupported curve '" + crv + "'");
      auto x = b64url_member(v, "x");
      if (!x) return x.error();
      auto y = b64url_member(v, "y");
      if (!y) return y.error();
      auto key = PublicKey::ec_from_coordinates(crv == "P-256" ? EcCurve::P256 : EcCurve::P384, *x, *y);
      if (!key) return bad_jwk("EC key: " + key.error().message());
      explicit_key = std::move(key).value();
    }
  } else {
    return bad_jwk("unsupported kty '" + kty + "'");
  }
  if (!x5c.empty()) {
    PublicKey cert_key = x5c.front().public_key();
    if (explicit_key && !(*explicit_key == cert_key)) {
      return bad_jwk("the key in x5c[0] differs from the JWK's own key");
    }
    if ((cert_key.type() == KeyType::Rsa) != (kty == "RSA")) return bad_jwk("x5c[0] is not a " + kty + " key");
    explicit_key = cert_key;
  }
  return Jwk{string_member(v, "kid"), kty, string_member(v, "alg"), *explicit_key, std::move(x5c)};
}

Result<std::vector<Jwk>> parse_jwks(const Json::Value& v) {
  if (!v.isObject() || !v.isMember("keys") || !v["keys"].isArray()) {
    return Error(ErrorCode::MalformedInput, "JWK Set: expected an object with a 'keys' list");
  }
  std::vector<Jwk> out;
  const Json::Value& keys = v["keys"];
  for (Json::ArrayIndex i = 0; i < keys.size(); ++i) {
    auto k = parse_jwk(keys[i]);
    if (!k) return k.error().with_context("JWK Set keys[" + std::to_string(i) + "]");
    out.push_back(std::move(k).value());
  }
  return out;
}

Json::Value public_jwk(const PublicKey& key, const std::string& kid, const std::vector<Certificate>& x5c) {
  Json::Value v(Json::objectValue);
  if (key.type() == KeyType::Rsa) {
    v["kty"] = "RSA";
    v["n"] = base64url_encode(key.rsa_modulus());
    v["e"] = base64url_encode(key.rsa_exponent());
  } else {
    v["kty"] = "EC";
    v["crv"] = key.curve() == EcCurve::P256 ? "P-256" : "P-384";
    v["x"] = base64url_encode(key.ec_x());
    v["y"] = base64url_encode(key.ec_y());
  }
  if (!kid.empty()) v["kid"] = kid;
  if (!x5c.empty()) {
    Json::Value chain(Json::arrayValue);
    for (const auto& c : x5c) chain.append(base64_encode(c.der()));
    v["x5c"] = chain;
  }
  return v;
}

}  // namespace attestd::crypto
