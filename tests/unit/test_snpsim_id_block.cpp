// snp-sim's launch with an ID block (launch_with_id_block): it refuses what the AMD-SP
// refuses, and the reports of a guest it launched pass, end to end through the verifier,
// a policy that pins the ID and author keys, and fail one that pins others.
#include <boost/test/unit_test.hpp>

#include "client/lib/id_block.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/sim_policy_support.h"
#include "tests/support.h"
#include "verify/snp_key_digest.h"

using namespace attestd;
using attestd::test::quoted;
using attestd::test::sim_facts;
using attestd::test::verdict;

namespace {

crypto::PrivateKey vector_key(const std::string& file) {
  auto key = client::read_id_signing_key(test::vector_path("id-block/" + file));
  BOOST_REQUIRE_MESSAGE(key.ok(), test::why(key));
  return *key;
}

const crypto::PrivateKey& id_key() {
  static const crypto::PrivateKey k = vector_key("sev-snp-measure_id_key.pem");
  return k;
}
const crypto::PrivateKey& author_key() {
  static const crypto::PrivateKey k = vector_key("sev-snp-measure_author_key.pem");
  return k;
}

snpsim::ReportRequest guest() {
  snpsim::ReportRequest req;
  req.measurement.fill(0x5A);
  return req;
}

// The ID block attest measure signs for guest(): family 0x11…, image 0x22…, SVN 3.
snpsim::IdBlockInput signed_for(const snpsim::ReportRequest& req, bool with_author) {
  snp::IdBlock block;
  block.launch_digest = req.measurement;
  block.family_id.fill(0x11);
  block.image_id.fill(0x22);
  block.guest_svn = 3;
  block.policy = req.policy;
  auto s = client::sign_id_block(block, id_key(), with_author ? &author_key() : nullptr);
  BOOST_REQUIRE_MESSAGE(s.ok(), test::why(s));
  return {s->id_block, s->id_auth, with_author};
}

std::string pins(const crypto::PrivateKey& id, const crypto::PrivateKey& author) {
  return R"({"require_id_block": true, "require_author_key": true, "trusted_id_keys": [)" +
         quoted(id.public_key().pem()) + R"(], "trusted_author_keys": [)" + quoted(author.public_key().pem()) + "]}";
}

std::string launch_error(snpsim::ReportRequest req, const snpsim::IdBlockInput& input) {
  Status s = snpsim::launch_with_id_block(req, input);
  return s ? "launched" : s.error().describe();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_id_block)

BOOST_AUTO_TEST_CASE(reports_of_a_guest_launched_with_an_id_block_carry_its_ids_and_key_digests) {
  snpsim::ReportRequest req = guest();
  BOOST_REQUIRE(snpsim::launch_with_id_block(req, signed_for(req, true)).ok());
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(hex_encode(f.id_key_digest) == hex_encode(*verify::snp_key_digest(id_key().public_key())));
  BOOST_TEST(hex_encode(f.author_key_digest) == hex_encode(*verify::snp_key_digest(author_key().public_key())));
  BOOST_TEST((f.author_key_enabled && *f.author_key_enabled));
  BOOST_TEST(hex_encode(f.family_id) == std::string(32, '1'));
  BOOST_TEST(hex_encode(f.image_id) == std::string(32, '2'));
  BOOST_TEST(f.guest_svn == 3u);
}

BOOST_AUTO_TEST_CASE(a_policy_pinning_the_keys_admits_the_guest_and_one_pinning_others_refuses_it) {
  snpsim::ReportRequest req = guest();
  BOOST_REQUIRE(snpsim::launch_with_id_block(req, signed_for(req, true)).ok());
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(verdict(pins(id_key(), author_key()), f) == "ok");
  crypto::PrivateKey other_id = vector_key("virtee-sev_id_key.pem");
  crypto::PrivateKey other_author = vector_key("virtee-sev_author_key.pem");
  BOOST_TEST(verdict(pins(other_id, author_key()), f) ==
             "IdKeyMismatch: ID key digest " + hex_encode(f.id_key_digest) + " is not allowed");
  BOOST_TEST(verdict(pins(id_key(), other_author), f) ==
             "AuthorKeyMismatch: author key digest " + hex_encode(f.author_key_digest) + " is not allowed");
}

BOOST_AUTO_TEST_CASE(without_an_author_key_a_policy_requiring_one_refuses_the_guest) {
  snpsim::ReportRequest req = guest();
  BOOST_REQUIRE(snpsim::launch_with_id_block(req, signed_for(req, false)).ok());
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(verdict(R"({"require_id_block": true})", f) == "ok");
  BOOST_TEST(verdict(R"({"require_author_key": true})", f) ==
             "IdBlockMissing: AUTHOR_KEY_EN is clear: the ID block has no author key");
}

BOOST_AUTO_TEST_CASE(a_guest_launched_without_an_id_block_fails_a_policy_that_requires_one) {
  verify::GuestFacts f = sim_facts(guest());
  BOOST_TEST(verdict(R"({"require_id_block": true})", f) ==
             "IdBlockMissing: ID_KEY_DIGEST is zero: the guest was launched without an ID block");
  BOOST_TEST(verdict(pins(id_key(), author_key()), f) ==
             "IdBlockMissing: ID_KEY_DIGEST is zero: the guest was launched without an ID block");
}

BOOST_AUTO_TEST_CASE(the_launch_is_refused_naming_the_check_that_failed) {
  snpsim::ReportRequest req = guest();
  snpsim::IdBlockInput input = signed_for(req, true);
  snpsim::ReportRequest other_measurement = req;
  other_measurement.measurement.fill(0x5B);
  BOOST_TEST(launch_error(other_measurement, input).rfind("MeasurementMismatch: launch refused: the ID block's LD ", 0) == 0u);
  snpsim::ReportRequest debug = req;
  debug.policy |= 1u << 19;
  BOOST_TEST(launch_error(debug, input) ==
             "GuestPolicyMismatch: launch refused: the ID block's POLICY 0x30000 is not the guest policy 0xb0000");
  snpsim::IdBlockInput tampered = input;
  tampered.id_block[0x30] ^= 1;  // FAMILY_ID changed after signing
  BOOST_TEST(launch_error(req, tampered) == "BadSignature: launch refused: ID_BLOCK_SIG (the ID key's) does not verify");
  snpsim::IdBlockInput unsigned_author = signed_for(req, false);
  unsigned_author.author_key_enabled = true;  // author-key-enabled=on with no author key
  BOOST_TEST(launch_error(req, unsigned_author) ==
             "MalformedInput: launch refused: AUTHOR_KEY_ALGO is 0, not 1 (ECDSA P-384 with SHA-384)");
  // A refused launch leaves the guest's fields as they were.
  BOOST_TEST(!snpsim::launch_with_id_block(debug, input).ok());
  BOOST_TEST(debug.author_key_en == false);
  BOOST_TEST(hex_encode(debug.id_key_digest) == std::string(96, '0'));
}

BOOST_AUTO_TEST_SUITE_END()
