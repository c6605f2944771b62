// The runtime data bound into REPORT_DATA: its exact bytes, and the relying party's parser.
#include <boost/test/unit_test.hpp>

#include "agent/runtime_data.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "crypto/merkle.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::agent;

namespace {

const crypto::PublicKey& tls_key() {
  static crypto::PublicKey key =
      crypto::PrivateKey::generate_ec_from_seed(crypto::EcCurve::P256, as_bytes("runtime-data-test"))->public_key();
  return key;
}

Bytes root_of(std::size_t n) {
  std::vector<Bytes> leaves;
  for (std::size_t i = 0; i < n; ++i) leaves.push_back(Bytes(32, static_cast<std::uint8_t>(i)));
  return crypto::merkle_root(leaves);
}

std::string runtime_with(const std::function<void(Json::Value&)>& edit) {
  Json::Value rt = *parse_json(runtime_json(tls_key(), root_of(3), 3, 1750000000), "rt");
  edit(rt);
  return json_compact(rt);
}

void refused(const std::string& text, const std::string& mention) {
  auto r = parse_runtime(text);
  BOOST_TEST(!r.ok(), text);
  if (r.ok()) return;
  BOOST_TEST((r.error().code() == ErrorCode::MalformedInput), r.error().describe());
  BOOST_TEST(r.error().message().find(mention) != std::string::npos, r.error().message());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_runtime_data)

BOOST_AUTO_TEST_CASE(the_runtime_json_is_compact_sorted_and_complete) {
  Bytes root = root_of(3);
  std::string rt = runtime_json(tls_key(), root, 3, 1750000000);
  Json::Value jwk = crypto::public_jwk(tls_key(), "attestd-tls");
  std::string expected = R"({"agent":"attestd/0.1","keys":[)" + json_compact(jwk) +
                         R"(],"nonces":{"alg":"sha256-merkle","count":3,"root":")" + hex_encode(root) +
                         R"("},"time":1750000000})";
  BOOST_TEST(rt == expected);
  BOOST_TEST(rt.find(' ') == std::string::npos);
  BOOST_TEST(rt.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_same_inputs_give_the_same_bytes) {
  BOOST_TEST(runtime_json(tls_key(), root_of(5), 5, 42) == runtime_json(tls_key(), root_of(5), 5, 42));
  BOOST_TEST(runtime_json(tls_key(), root_of(5), 5, 42) != runtime_json(tls_key(), root_of(5), 5, 43));
}

BOOST_AUTO_TEST_CASE(report_data_is_the_sha256_of_the_runtime_then_zeros) {
  std::string rt = runtime_json(tls_key(), root_of(1), 1, 1);
  hal::ReportData data = report_data_for(rt);
  Bytes digest = crypto::sha256(as_bytes(rt));
  BOOST_TEST((Bytes(data.begin(), data.begin() + 32) == digest));
  BOOST_TEST(all_zero(ByteView(data.data() + 32, 32)));
}

BOOST_AUTO_TEST_CASE(the_parser_reads_back_what_the_agent_wrote) {
  for (auto curve : {crypto::EcCurve::P256, crypto::EcCurve::P384}) {
    crypto::PublicKey key = crypto::PrivateKey::generate_ec(curve)->public_key();
    Bytes root = root_of(7);
    auto parsed = parse_runtime(runtime_json(key, root, 7, 1750000001));
    BOOST_REQUIRE_MESSAGE(parsed.ok(), test::why(parsed));
    BOOST_TEST((parsed->tls_key == key));
    BOOST_TEST((parsed->merkle_root == root));
    BOOST_TEST(parsed->count == 7u);
    BOOST_TEST(parsed->time == 1750000001);
    BOOST_TEST(parsed->agent == "attestd/0.1");
  }
}

BOOST_AUTO_TEST_CASE(other_keys_and_unknown_members_are_tolerated) {
  crypto::PublicKey other = crypto::PrivateKey::generate_ec(crypto::EcCurve::P384)->public_key();
  auto parsed = parse_runtime(runtime_with([&](Json::Value& rt) {
    rt["keys"].append(crypto::public_jwk(other, "app-key"));
    rt["future"] = "member";
  }));
  BOOST_REQUIRE_MESSAGE(parsed.ok(), test::why(parsed));
  BOOST_TEST((parsed->tls_key == tls_key()));
}

BOOST_AUTO_TEST_CASE(malformed_runtime_data_is_refused_naming_the_member) {
  refused("not json", "runtime data");
  refused("[]", "not a JSON object");
  refused(runtime_with([](Json::Value& rt) { rt.removeMember("keys"); }), "\"keys\"");
  refused(runtime_with([](Json::Value& rt) { rt["keys"] = Json::Value(Json::arrayValue); }), "attestd-tls");
  refused(runtime_with([](Json::Value& rt) { rt["keys"][0]["kid"] = "other"; }), "attestd-tls");
  refused(runtime_with([](Json::Value& rt) { rt["keys"].append(rt["keys"][0]); }), "two keys");
  refused(runtime_with([](Json::Value& rt) { rt["keys"].append(1); }), "not a JWK");
  refused(runtime_with([](Json::Value& rt) { rt["keys"][0]["x"] = "!!"; }), "attestd-tls");
  refused(runtime_with([](Json::Value& rt) { rt.removeMember("nonces"); }), "\"nonces\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["alg"] = "sha512-merkle"; }), "\"alg\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["root"] = "abcd"; }), "\"root\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["root"] = std::string(64, 'g'); }), "\"root\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["count"] = 0; }), "\"count\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["count"] = (1 << 20) + 1; }), "\"count\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["count"] = 3.0; }), "\"count\"");
  refused(runtime_with([](Json::Value& rt) { rt["nonces"]["count"] = "3"; }), "\"count\"");
  refused(runtime_with([](Json::Value& rt) { rt["time"] = -5; }), "\"time\"");
  refused(runtime_with([](Json::Value& rt) { rt["time"] = "now"; }), "\"time\"");
  refused(runtime_with([](Json::Value& rt) { rt.removeMember("agent"); }), "\"agent\"");
  refused(std::string(kMaxRuntimeBytes + 1, ' '), "runtime data");
}

BOOST_AUTO_TEST_SUITE_END()
