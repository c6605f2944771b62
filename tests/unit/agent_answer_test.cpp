// The relying party's check of an attestd answer (client::check_attestation_answer): which
// binding of the runtime data applies follows from the token's verified shape and the
// policy, never from what x-ms-runtime contains.
#include <boost/test/unit_test.hpp>

#include "client/lib/agent_session.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/keys.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::client;
using Binding = verify::Policy::RuntimeBinding;

namespace {

struct Answer {
  crypto::PublicKey key;
  Bytes nonce;
  std::string runtime;
  crypto::MerkleProof proof;
};

Answer make_answer() {
  auto key = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  if (!key) throw std::runtime_error(key.error().describe());
  Answer a{key->public_key(), Bytes(32, 0x42), "", {}};
  std::vector<Bytes> leaves = {a.nonce, Bytes(32, 0x43)};
  a.proof = crypto::merkle_proof(leaves, 0);
  a.runtime = runtime_json(a.key, crypto::merkle_root(leaves), leaves.size(), 1700000000);
  return a;
}

// x-ms-runtime as an Azure paravisor writes it: its keys, and our REPORT_DATA as user-data.
Json::Value paravisor_claims(const std::string& runtime) {
  Bytes digest = crypto::sha256(as_bytes(runtime));
  digest.resize(64, 0);
  Json::Value claims(Json::objectValue);
  claims["keys"][0]["kid"] = "HCLAkPub";
  claims["user-data"] = hex_encode(digest);
  return claims;
}

SnpTokenClaims claims_of(TokenShape shape, const Json::Value& tee) { return SnpTokenClaims{shape, &tee, {}}; }

// An AzureGuest token's claims: the TEE's (with the paravisor's claims) and, at the top,
// MAA's echo of the ClientPayload the agent sent for this batch.
struct AzureGuestToken {
  Json::Value claims;
  SnpTokenClaims snp() const {
    SnpTokenClaims c{TokenShape::AzureGuest, &claims["x-ms-isolation-tee"], {}};
    c.token = &claims;
    return c;
  }
};

AzureGuestToken azureguest_token(const std::string& runtime) {
  AzureGuestToken t;
  t.claims["x-ms-isolation-tee"]["x-ms-runtime"] = paravisor_claims(runtime);
  t.claims["x-ms-runtime"]["client-payload"][kClientPayloadKey] =
      crypto::base64_encode(as_bytes(client_payload_value(report_data_for(runtime))));
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_answer)

BOOST_AUTO_TEST_CASE(a_sevsnpvm_token_binds_the_runtime_data_itself) {
  Answer a = make_answer();
  Json::Value tee(Json::objectValue);
  tee["x-ms-runtime"] = *parse_json(a.runtime, "runtime");
  auto r = check_attestation_answer(claims_of(TokenShape::SevSnpVm, tee), a.runtime, a.proof, a.nonce, a.key);
  BOOST_TEST(r.ok(), test::why(r));
}

BOOST_AUTO_TEST_CASE(a_sevsnpvm_token_with_user_data_does_not_take_the_vtpm_branch_by_default) {
  Answer a = make_answer();
  Json::Value tee(Json::objectValue);
  tee["x-ms-runtime"] = paravisor_claims(a.runtime);
  auto r = check_attestation_answer(claims_of(TokenShape::SevSnpVm, tee), a.runtime, a.proof, a.nonce, a.key);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().name() == "RuntimeDataMismatch");
  BOOST_TEST(r.error().message().find("runtime_binding") != std::string::npos, r.error().message());
}

BOOST_AUTO_TEST_CASE(the_vtpm_binding_of_a_sevsnpvm_token_is_the_policys_choice) {
  Answer a = make_answer();
  Json::Value tee(Json::objectValue);
  tee["x-ms-runtime"] = paravisor_claims(a.runtime);
  auto r = check_attestation_answer(claims_of(TokenShape::SevSnpVm, tee), a.runtime, a.proof, a.nonce, a.key,
                                    Binding::VtpmUserData);
  BOOST_TEST(r.ok(), test::why(r));
  // ... and then it is required: the agent's runtime data itself does not do.
  Json::Value direct(Json::objectValue);
  direct["x-ms-runtime"] = *parse_json(a.runtime, "runtime");
  auto d = check_attestation_answer(claims_of(TokenShape::SevSnpVm, direct), a.runtime, a.proof, a.nonce, a.key,
                                    Binding::VtpmUserData);
  BOOST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().name() == "NonceMismatch");
}

BOOST_AUTO_TEST_CASE(an_azureguest_token_binds_through_the_paravisors_user_data) {
  Answer a = make_answer();
  AzureGuestToken t = azureguest_token(a.runtime);
  auto r = check_attestation_answer(t.snp(), a.runtime, a.proof, a.nonce, a.key);
  BOOST_TEST(r.ok(), test::why(r));
  t.claims["x-ms-isolation-tee"]["x-ms-runtime"] = *parse_json(a.runtime, "runtime");
  auto d = check_attestation_answer(t.snp(), a.runtime, a.proof, a.nonce, a.key);
  BOOST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().name() == "NonceMismatch");
}

BOOST_AUTO_TEST_CASE(an_azureguest_token_without_our_client_payload_is_a_nonce_mismatch) {
  Answer a = make_answer();
  AzureGuestToken t = azureguest_token(a.runtime);
  t.claims["x-ms-runtime"].removeMember("client-payload");
  auto r = check_attestation_answer(t.snp(), a.runtime, a.proof, a.nonce, a.key);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() ==
             "NonceMismatch: the token has no x-ms-runtime.client-payload.nonce: it binds no batch of ours");
}

BOOST_AUTO_TEST_CASE(an_azureguest_token_whose_client_payload_is_of_another_batch_is_a_nonce_mismatch) {
  Answer a = make_answer();
  Answer other = make_answer();
  AzureGuestToken t = azureguest_token(a.runtime);
  t.claims["x-ms-runtime"] = azureguest_token(other.runtime).claims["x-ms-runtime"];
  auto r = check_attestation_answer(t.snp(), a.runtime, a.proof, a.nonce, a.key);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() ==
             "NonceMismatch: x-ms-runtime.client-payload.nonce is not this runtime data's report data: the token is "
             "of another batch");
  // The value is base64 of the hex, as Microsoft's library sends it: the hex itself is refused.
  t.claims["x-ms-runtime"]["client-payload"]["nonce"] = client_payload_value(report_data_for(a.runtime));
  BOOST_TEST(check_attestation_answer(t.snp(), a.runtime, a.proof, a.nonce, a.key).error().name() == "NonceMismatch");
}

BOOST_AUTO_TEST_CASE(the_policy_names_the_runtime_binding) {
  auto p = verify::parse_policy(R"({"runtime_binding": "vtpm-user-data"})");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((p->runtime_binding == Binding::VtpmUserData));
  BOOST_TEST((verify::default_policy().runtime_binding == Binding::ReportData));
  auto bad = verify::parse_policy(R"({"runtime_binding": "user-data"})");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().name() == "MalformedPolicy");
  BOOST_TEST(bad.error().message().find("runtime_binding") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
