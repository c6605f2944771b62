#include "client/lib/runtime_data.h"

#include <algorithm>

#include "core/json.h"
#include "crypto/jose.h"
#include "crypto/merkle.h"
#include "crypto/sha.h"

namespace attestd::client {

namespace {

Error malformed(const std::string& what) { return Error(ErrorCode::MalformedInput, "runtime data: " + what); }

}  // namespace

std::string runtime_json(const crypto::PublicKey& tls_key, ByteView merkle_root, std::size_t count, UnixTime now) {
  Json::Value rt(Json::objectValue);
  rt["keys"] = Json::Value(Json::arrayValue);
  rt["keys"].append(crypto::public_jwk(tls_key, kTlsKeyId));
  rt["nonces"]["alg"] = kNonceTreeAlg;
  rt["nonces"]["root"] = hex_encode(merkle_root);
  rt["nonces"]["count"] = Json::UInt64(count);
  rt["time"] = Json::Int64(now);
  rt["agent"] = kAgentName;
  return json_compact(rt);
}

hal::ReportData report_data_for(std::string_view runtime_json) {
  hal::ReportData data{};
  Bytes digest = crypto::sha256(as_bytes(runtime_json));
  std::copy(digest.begin(), digest.end(), data.begin());
  return data;
}

std::string client_payload_value(const hal::ReportData& report_data) {
  return hex_encode(ByteView(report_data.data(), report_data.size()));
}

Result<RuntimeData> parse_runtime(std::string_view text) {
  auto parsed = parse_json(text, "runtime data", kMaxRuntimeBytes);
  if (!parsed) return parsed.error();
  const Json::Value& rt = *parsed;
  if (!rt.isObject()) return malformed("not a JSON object");

  const Json::Value& keys = rt["keys"];
  if (!keys.isArray()) return malformed("\"keys\" is not an array");
  const Json::Value* tls_jwk = nullptr;
  for (const Json::Value& k : keys) {
    if (!k.isObject()) return malformed("\"keys\" holds something that is not a JWK object");
    if (k["kid"].isString() && k["kid"].asString() == kTlsKeyId) {
      if (tls_jwk) return malformed("\"keys\" holds two keys with kid \"" + std::string(kTlsKeyId) + "\"");
      tls_jwk = &k;
    }
  }
  if (!tls_jwk) return malformed("\"keys\" has no key with kid \"" + std::string(kTlsKeyId) + "\"");
  auto jwk = crypto::parse_jwk(*tls_jwk);
  if (!jwk) return jwk.error().with_context("runtime data: the \"" + std::string(kTlsKeyId) + "\" key");

  const Json::Value& nonces = rt["nonces"];
  if (!nonces.isObject()) return malformed("\"nonces\" is not an object");
  if (!nonces["alg"].isString() || nonces["alg"].asString() != kNonceTreeAlg) {
    return malformed("\"nonces\".\"alg\" is not \"" + std::string(kNonceTreeAlg) + "\"");
  }
  auto root = nonces["root"].isString() ? hex_decode(nonces["root"].asString()) : Result<Bytes>(malformed(""));
  if (!root || root->size() != 32) return malformed("\"nonces\".\"root\" is not 32 bytes of hex");
  const Json::Value& count = nonces["count"];
  auto count_n = json_integer(count, 1, static_cast<std::int64_t>(crypto::kMerkleMaxLeaves));
  if (!count_n) {
    return malformed("\"nonces\".\"count\" is not an integer from 1 to " + std::to_string(crypto::kMerkleMaxLeaves));
  }
  auto time = json_integer(rt["time"], 1, INT64_MAX);
  if (!time) return malformed("\"time\" is not a positive integer");
  const Json::Value& agent = rt["agent"];
  if (!agent.isString()) return malformed("\"agent\" is not a string");

  return RuntimeData{jwk->key, std::move(root).value(), static_cast<std::size_t>(*count_n), *time,
                     agent.asString()};
}

}  // namespace attestd::client
