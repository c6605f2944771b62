// The policy keys for the report's fields (go-sev-guest's validate options), checked on
// the genuine vectors (v2 and v3 VLEK Milan, v5 Genoa) and on snp-sim evidence for what
// no vector has (an ID block, POLICY restriction bits).
#include <boost/test/unit_test.hpp>

#include "client/lib/evidence_files.h"
#include "client/lib/maa_claims.h"
#include "core/file.h"
#include "crypto/keys.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/sim_policy_support.h"
#include "tests/support.h"
#include "verify/policy.h"
#include "verify/report_verifier.h"
#include "verify/roots.h"
#include "verify/snp_key_digest.h"

using namespace attestd;
using attestd::test::quoted;
using attestd::test::read_vector;
using attestd::test::sim_facts;
using attestd::test::verdict;

namespace {

const UnixTime kToday = *parse_rfc3339("2026-11-23T00:00:00Z");
const UnixTime kVlekValid = *parse_rfc3339("2025-06-01T00:00:00Z");

// The genuine vector's facts, after the report verified against AMD's roots.
verify::GuestFacts vector_facts(const std::string& dir) {
  const bool vlek = dir == "trustee_milan_vlek";
  std::vector<crypto::Certificate> certs;
  for (std::string f : {std::string(vlek ? "vlek.der" : "vcek.der"), std::string("ca_bundle.pem")}) {
    auto c = client::parse_certificates(read_vector("snp/" + dir + "/" + f));
    BOOST_REQUIRE(c.ok());
    certs.insert(certs.end(), c->begin(), c->end());
  }
  verify::VerifyOptions o;
  o.at = vlek ? kVlekValid : kToday;
  auto v = verify::verify_report(read_vector("snp/" + dir + "/report.bin"), certs, o);
  BOOST_REQUIRE_MESSAGE(v.ok(), dir << ": " << test::why(v));
  return verify::facts_of(*v);
}

const verify::GuestFacts& genoa_v5() {
  static const verify::GuestFacts f = vector_facts("lunal-attestation-rs_genoa_v5");
  return f;
}
const verify::GuestFacts& milan_vlek_v3() {
  static const verify::GuestFacts f = vector_facts("trustee_milan_vlek");
  return f;
}
const verify::GuestFacts& milan_v2() {
  static const verify::GuestFacts f = vector_facts("virtee-sev_milan");
  return f;
}

std::string name_of(const std::string& verdict) { return verdict.substr(0, verdict.find(':')); }

std::string test_key(const std::string& file) {
  auto t = read_text_file(test::src_dir() + "/tests/data/policy/" + file, 1 << 16);
  BOOST_REQUIRE(t.ok());
  return *t;
}

// tests/data/policy/README.md: computed independently with Python's cryptography.
const char* kIdKeyDigest =
    "3faaba7db8ac1c2c8446a4f8b67bb6edf46903576ce19f3be9e4b60f12ada6effef66a525f27b41978b0e443c5376b5e";
const char* kAuthorKeyDigest =
    "5a96c0621b13c4f4a217389e05e125cb060cc1953b5964dcabb0030dcac0514dfbccb6439cdcaff7894aade98ee6df8d";

std::array<std::uint8_t, 48> digest48(const char* hex) {
  std::array<std::uint8_t, 48> a{};
  Bytes b = *hex_decode(hex);
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_policy_report_fields)

BOOST_AUTO_TEST_CASE(platform_info_bits_are_pinned_on_or_off) {
  // Genoa 0x25: SMT, ECC, alias check; the VLEK Milan 0x27: also TSME.
  const std::string all = R"({"platform_info": {"smt_enabled": true, "ecc_enabled": true, "alias_check_complete": true,
                               "rapl_disabled": false, "ciphertext_hiding_dram_enabled": false, "tsme_enabled": false}})";
  BOOST_TEST(verdict(all, genoa_v5()) == "ok");
  BOOST_TEST(verdict(all, milan_vlek_v3()) ==
             "PlatformMismatch: PLATFORM_INFO tsme_enabled is true (policy key 'platform_info.tsme_enabled' requires false)");
  BOOST_TEST(verdict(R"({"platform_info": {"tsme_enabled": true}})", milan_vlek_v3()) == "ok");
  BOOST_TEST(verdict(R"({"platform_info": {"ecc_enabled": true}})", milan_v2()) ==
             "PlatformMismatch: PLATFORM_INFO ecc_enabled is false (policy key 'platform_info.ecc_enabled' requires true)");
  BOOST_TEST(name_of(verdict(R"({"platform_info": {"alias_check_complete": true}})", milan_v2())) == "PlatformMismatch");
  BOOST_TEST(name_of(verdict(R"({"platform_info": {"rapl_disabled": true}})", genoa_v5())) == "PlatformMismatch");
  BOOST_TEST(name_of(verdict(R"({"platform_info": {"ciphertext_hiding_dram_enabled": true}})", genoa_v5())) ==
             "PlatformMismatch");
  BOOST_TEST(name_of(verdict(R"({"platform_info": {"smt_enabled": false}})", genoa_v5())) == "PlatformMismatch");
}

BOOST_AUTO_TEST_CASE(the_guest_policy_abi_version_has_a_minimum) {
  BOOST_TEST(verdict(R"({"guest_policy": {"min_abi": "0.0"}})", genoa_v5()) == "ok");
  BOOST_TEST(verdict(R"({"guest_policy": {"min_abi": "1.51"}})", genoa_v5()) ==
             "AbiTooOld: the guest POLICY's ABI version 0.0 is below the required 1.51");
  snpsim::ReportRequest req;
  req.policy = 0x30000 | 1 << 8 | 55;  // ABI 1.55
  BOOST_TEST(verdict(R"({"guest_policy": {"min_abi": "1.51"}})", sim_facts(req)) == "ok");
  BOOST_TEST(name_of(verdict(R"({"guest_policy": {"min_abi": "1.56"}})", sim_facts(req))) == "AbiTooOld");
  BOOST_TEST(name_of(verdict(R"({"guest_policy": {"min_abi": "2.0"}})", sim_facts(req))) == "AbiTooOld");
}

BOOST_AUTO_TEST_CASE(guest_policy_restrictions_are_required_and_cxl_refused_unless_allowed) {
  // The genuine vectors set none of the restriction bits.
  for (const char* bit : {"single_socket", "mem_aes_256_xts", "rapl_dis", "ciphertext_hiding_dram", "page_swap_disable"}) {
    BOOST_TEST(verdict(std::string(R"({"guest_policy": {")") + bit + R"(": true}})", genoa_v5()) ==
               std::string("GuestPolicyMismatch: the guest POLICY does not set ") + bit +
                   " (policy key 'guest_policy." + bit + "')");
  }
  BOOST_TEST(verdict(R"({"guest_policy": {"cxl_allowed": false, "single_socket": false}})", genoa_v5()) == "ok");
  snpsim::ReportRequest req;
  req.policy = 0x30000 | 1ull << 20 | 1ull << 21 | 1ull << 22 | 1ull << 23 | 1ull << 24 | 1ull << 25;
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(verdict(R"({"guest_policy": {"single_socket": true, "mem_aes_256_xts": true, "rapl_dis": true,
                                         "ciphertext_hiding_dram": true, "page_swap_disable": true}})", f) == "ok");
  BOOST_TEST(verdict(R"({"guest_policy": {"cxl_allowed": false}})", f) ==
             "GuestPolicyMismatch: the guest POLICY allows CXL (policy key 'guest_policy.cxl_allowed')");
}

BOOST_AUTO_TEST_CASE(committed_launch_and_current_tcb_minimums_name_the_tcb) {
  // The VLEK vector: REPORTED ucode 217, COMMITTED and LAUNCH 219, CURRENT 220.
  const verify::GuestFacts& f = milan_vlek_v3();
  BOOST_TEST(verdict(R"({"min_current_tcb": {"microcode": 220}, "min_launch_tcb": {"microcode": 219},
                         "min_committed_tcb": {"microcode": 219, "snp": 24, "bootloader": 4}})", f) == "ok");
  BOOST_TEST(verdict(R"({"min_launch_tcb": {"microcode": 220}})", f) ==
             "TcbTooLow: LAUNCH_TCB microcode SVN 219 is below the required 220");
  BOOST_TEST(verdict(R"({"min_committed_tcb": {"snp": 25}})", f) ==
             "TcbTooLow: COMMITTED_TCB SNP firmware SVN 24 is below the required 25");
  BOOST_TEST(verdict(R"({"min_current_tcb": {"microcode": 221}})", f) ==
             "TcbTooLow: CURRENT_TCB microcode SVN 220 is below the required 221");
  BOOST_TEST(verdict(R"({"min_tcb": {"microcode": 218}})", f) == "TcbTooLow: microcode SVN 217 is below the required 218");
}

BOOST_AUTO_TEST_CASE(provisional_firmware_is_refused_when_not_permitted) {
  // The VLEK vector's CURRENT_TCB (ucode 220) is not yet committed (219).
  BOOST_TEST(verdict("{}", milan_vlek_v3()) == "ok");
  BOOST_TEST(verdict(R"({"permit_provisional_firmware": false})", milan_vlek_v3()) ==
             "ProvisionalFirmware: COMMITTED_TCB (bl=4 tee=0 snp=24 ucode=219) differs from CURRENT_TCB "
             "(bl=4 tee=0 snp=24 ucode=220)");
  BOOST_TEST(verdict(R"({"permit_provisional_firmware": false})", genoa_v5()) == "ok");
  verify::GuestFacts f = genoa_v5();
  f.committed_firmware = snp::FirmwareVersion{1, 55, 48};
  BOOST_TEST(verdict(R"({"permit_provisional_firmware": false})", f) ==
             "ProvisionalFirmware: the committed firmware 1.55.48 differs from the current 1.55.49");
}

BOOST_AUTO_TEST_CASE(min_build_applies_to_the_current_and_committed_build) {
  BOOST_TEST(verdict(R"({"min_build": 49})", genoa_v5()) == "ok");  // 1.55.49
  BOOST_TEST(verdict(R"({"min_build": 50})", genoa_v5()) == "FirmwareTooOld: CURRENT_BUILD 49 is below the required 50");
  verify::GuestFacts f = genoa_v5();
  f.committed_firmware = snp::FirmwareVersion{1, 55, 40};
  BOOST_TEST(verdict(R"({"min_build": 49})", f) == "FirmwareTooOld: COMMITTED_BUILD 40 is below the required 49");
}

BOOST_AUTO_TEST_CASE(family_and_image_ids_are_pinned) {
  const std::string zero(32, '0'), one = std::string(31, '0') + "1";
  BOOST_TEST(verdict(R"({"family_id": ")" + zero + R"(", "image_id": ")" + zero + R"("})", genoa_v5()) == "ok");
  BOOST_TEST(verdict(R"({"family_id": ")" + one + R"("})", genoa_v5()) ==
             "FamilyIdMismatch: FAMILY_ID " + zero + " differs from the policy's " + one);
  BOOST_TEST(verdict(R"({"image_id": ")" + one + R"("})", genoa_v5()) ==
             "ImageIdMismatch: IMAGE_ID " + zero + " differs from the policy's " + one);
  snpsim::ReportRequest req;
  req.family_id[0] = 0xFA;
  req.image_id[15] = 0x1D;
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(verdict(R"({"family_id": "fa000000000000000000000000000000", "image_id": ")" + std::string(30, '0') +
                         R"(1d"})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(chip_ids_are_an_allow_list_and_a_masked_chip_id_is_not_on_it) {
  const std::string genoa_chip =
      "b5f9a4c8280e63c97d288db6648577dc2b848884aa682d7a227ba40e50deb2b0d112b599d87aaccda78d06f4254b1e81c4d953ef3c699db39d4e06013e9fa4ce";
  const std::string milan_chip =
      "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6";
  const std::string both = R"({"chip_ids": [")" + milan_chip + R"(", ")" + genoa_chip + R"("]})";
  BOOST_TEST(verdict(both, genoa_v5()) == "ok");
  BOOST_TEST(verdict(both, milan_v2()) == "ok");
  BOOST_TEST(verdict(R"({"chip_ids": [")" + milan_chip + R"("]})", genoa_v5()) ==
             "ChipIdNotAllowed: CHIP_ID " + genoa_chip + " is not in the policy's allow-list");
  BOOST_TEST(verdict(both, milan_vlek_v3()) ==
             "ChipIdNotAllowed: CHIP_ID " + std::string(128, '0') +
                 " is not in the policy's allow-list (it is zero: the host masks the chip ID)");
}

BOOST_AUTO_TEST_CASE(the_launch_mitigation_vector_must_hold_the_required_bits_and_fails_closed_before_v5) {
  // The Genoa v5 vector: LAUNCH_MIT_VECTOR = CURRENT_MIT_VECTOR = 0xb.
  BOOST_TEST(verdict(R"({"min_launch_mitigation_vector": 3, "min_current_mitigation_vector": 11})", genoa_v5()) == "ok");
  BOOST_TEST(verdict(R"({"min_launch_mitigation_vector": 5})", genoa_v5()) ==
             "MitigationTooLow: LAUNCH_MIT_VECTOR 0xb lacks the bits 0x4 of the required 0x5");
  BOOST_TEST(name_of(verdict(R"({"min_current_mitigation_vector": 16})", genoa_v5())) == "MitigationTooLow");
  BOOST_TEST(verdict(R"({"min_launch_mitigation_vector": 0})", milan_vlek_v3()) ==
             "MitigationTooLow: policy key 'min_launch_mitigation_vector' needs LAUNCH_MIT_VECTOR, which only a "
             "version 5 report carries");
}

BOOST_AUTO_TEST_CASE(a_required_id_block_is_missing_from_every_genuine_vector) {
  for (const verify::GuestFacts* f : {&genoa_v5(), &milan_vlek_v3(), &milan_v2()}) {
    BOOST_TEST(verdict(R"({"require_id_block": true})", *f) ==
               "IdBlockMissing: ID_KEY_DIGEST is zero: the guest was launched without an ID block");
  }
}

BOOST_AUTO_TEST_CASE(the_snp_key_digest_of_a_pem_key_and_a_certificate_match_an_independent_computation) {
  auto id = verify::snp_key_digest_of_pem(test_key("id-key.pub.pem"));
  BOOST_REQUIRE(id.ok());
  BOOST_TEST(hex_encode(*id) == kIdKeyDigest);
  auto author = verify::snp_key_digest_of_pem(test_key("author-key.cert.pem"));
  BOOST_REQUIRE(author.ok());
  BOOST_TEST(hex_encode(*author) == kAuthorKeyDigest);
  auto p256 = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  BOOST_REQUIRE(p256.ok());
  auto refused = verify::snp_key_digest_of_pem(p256->public_key().pem());
  BOOST_TEST(refused.error().message() == "an SNP ID or author key must be ECDSA P-384");
}

BOOST_AUTO_TEST_CASE(trusted_id_and_author_keys_given_as_pem_admit_the_guest_launched_with_them) {
  snpsim::ReportRequest req;
  req.id_key_digest = digest48(kIdKeyDigest);
  req.author_key_digest = digest48(kAuthorKeyDigest);
  req.author_key_en = true;
  verify::GuestFacts f = sim_facts(req);
  const std::string keys = R"("trusted_id_keys": [)" + quoted(test_key("id-key.pub.pem")) +
                           R"(], "trusted_author_keys": [)" + quoted(test_key("author-key.cert.pem")) + "]";
  BOOST_TEST(verdict(R"({"require_id_block": true, "require_author_key": true, )" + keys + "}", f) == "ok");
  // Swapped: the ID key is not the author key, and the other way round.
  const std::string swapped = R"({"trusted_id_keys": [)" + quoted(test_key("author-key.cert.pem")) + "]}";
  BOOST_TEST(verdict(swapped, f) == "IdKeyMismatch: ID key digest " + std::string(kIdKeyDigest) + " is not allowed");
  const std::string swapped_author = R"({"trusted_author_keys": [)" + quoted(test_key("id-key.pub.pem")) + "]}";
  BOOST_TEST(name_of(verdict(swapped_author, f)) == "AuthorKeyMismatch");
  // Keys and digests add up to one allow-list.
  BOOST_TEST(verdict(R"({"id_key_digests": [")" + std::string(96, '0') + R"("], "trusted_id_keys": [)" +
                         quoted(test_key("id-key.pub.pem")) + "]}", f) == "ok");
}

BOOST_AUTO_TEST_CASE(a_required_author_key_needs_author_key_en) {
  snpsim::ReportRequest req;
  req.id_key_digest = digest48(kIdKeyDigest);
  verify::GuestFacts f = sim_facts(req);
  BOOST_TEST(verdict(R"({"require_id_block": true})", f) == "ok");
  BOOST_TEST(verdict(R"({"require_author_key": true})", f) ==
             "IdBlockMissing: AUTHOR_KEY_EN is clear: the ID block has no author key");
}

BOOST_AUTO_TEST_CASE(malformed_report_field_keys_name_the_key) {
  auto err = [](const std::string& json) {
    auto p = verify::parse_policy(json);
    return p ? std::string("accepted") : p.error().message();
  };
  BOOST_TEST(err(R"({"platform_info": {"smt": true}})") ==
             "policy key 'platform_info.smt': unknown member (smt_enabled, tsme_enabled, ecc_enabled, rapl_disabled, "
             "ciphertext_hiding_dram_enabled, alias_check_complete)");
  BOOST_TEST(err(R"({"platform_info": {"smt_enabled": 1}})") == "policy key 'platform_info.smt_enabled': must be true or false");
  BOOST_TEST(err(R"({"guest_policy": {"min_abi": "1"}})") ==
             "policy key 'guest_policy.min_abi': must be a string \"major.minor\" (each 0-255)");
  BOOST_TEST(err(R"({"guest_policy": {"min_abi": "1.256"}})") ==
             "policy key 'guest_policy.min_abi': must be a string \"major.minor\" (each 0-255)");
  BOOST_TEST(err(R"({"guest_policy": {"cxl": false}})").rfind("policy key 'guest_policy.cxl': unknown member", 0) == 0u);
  BOOST_TEST(err(R"({"min_launch_tcb": {"ucode": 1}})") ==
             "policy key 'min_launch_tcb.ucode': unknown TCB component (bootloader, tee, snp, microcode, fmc)");
  BOOST_TEST(err(R"({"min_build": 256})") == "policy key 'min_build': must be an integer from 0 to 255");
  BOOST_TEST(err(R"({"family_id": "00"})") == "policy key 'family_id': must be 16 bytes (32 hex digits), got 1");
  BOOST_TEST(err(R"({"chip_ids": []})") == "policy key 'chip_ids': must be a non-empty list of 64-byte CHIP_IDs (hex)");
  BOOST_TEST(err(R"({"min_launch_mitigation_vector": "0xb"})") ==
             "policy key 'min_launch_mitigation_vector': must be an integer from 0 to 2^63-1 (the bits that must be set)");
  BOOST_TEST(err(R"({"permit_provisional_firmware": "no"})") ==
             "policy key 'permit_provisional_firmware': must be true or false");
  BOOST_TEST(err(R"({"trusted_id_keys": ["not pem"]})") ==
             "policy key 'trusted_id_keys[0]': not a PEM \"PUBLIC KEY\" or \"CERTIFICATE\"");
  BOOST_TEST(err(R"({"trusted_author_keys": "x"})") ==
             "policy key 'trusted_author_keys': must be a list of PEM public keys or certificates");
}

// The facts of an MAA token made from the genuine Genoa report (maa-emu's mapping).
verify::GuestFacts token_facts() {
  auto r = snp::parse_report(read_vector("snp/lunal-attestation-rs_genoa_v5/report.bin"));
  BOOST_REQUIRE(r.ok());
  auto f = client::facts_from_claims(client::sevsnpvm_claims(*r, snp::Product::Genoa));
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  return *f;
}

BOOST_AUTO_TEST_CASE(a_token_carries_family_and_image_ids_and_key_digests) {
  verify::GuestFacts f = token_facts();
  const std::string zero(32, '0');
  BOOST_TEST(verdict(R"({"family_id": ")" + zero + R"(", "image_id": ")" + zero + R"("})", f) == "ok");
  BOOST_TEST(name_of(verdict(R"({"image_id": ")" + std::string(31, '0') + R"(1"})", f)) == "ImageIdMismatch");
  BOOST_TEST(name_of(verdict(R"({"require_id_block": true})", f)) == "IdBlockMissing");
}

BOOST_AUTO_TEST_CASE(a_rule_on_a_field_a_token_lacks_fails_closed_naming_the_key) {
  verify::GuestFacts f = token_facts();
  const std::string lacks = ", which this evidence does not carry (an MAA token has no claim for it)";
  BOOST_TEST(verdict(R"({"platform_info": {"smt_enabled": true}})", f) ==
             "PlatformMismatch: policy key 'platform_info' needs PLATFORM_INFO" + lacks);
  BOOST_TEST(verdict(R"({"guest_policy": {"min_abi": "0.0"}})", f) ==
             "GuestPolicyMismatch: policy key 'guest_policy' needs the whole guest POLICY" + lacks);
  BOOST_TEST(verdict(R"({"guest_policy": {"cxl_allowed": true}})", f) == "ok");  // requires nothing
  BOOST_TEST(verdict(R"({"min_launch_tcb": {"snp": 1}})", f) == "TcbTooLow: policy key 'min_launch_tcb' needs LAUNCH_TCB" + lacks);
  BOOST_TEST(verdict(R"({"min_committed_tcb": {"snp": 1}})", f) ==
             "TcbTooLow: policy key 'min_committed_tcb' needs COMMITTED_TCB" + lacks);
  BOOST_TEST(verdict(R"({"min_current_tcb": {"snp": 1}})", f) ==
             "TcbTooLow: policy key 'min_current_tcb' needs CURRENT_TCB" + lacks);
  BOOST_TEST(verdict(R"({"permit_provisional_firmware": false})", f) ==
             "ProvisionalFirmware: policy key 'permit_provisional_firmware' needs COMMITTED_TCB" + lacks);
  BOOST_TEST(verdict(R"({"min_build": 0})", f) == "FirmwareTooOld: policy key 'min_build' needs CURRENT_BUILD" + lacks);
  BOOST_TEST(verdict(R"({"chip_ids": [")" + std::string(128, '0') + R"("]})", f) ==
             "ChipIdNotAllowed: policy key 'chip_ids' needs CHIP_ID" + lacks);
  BOOST_TEST(name_of(verdict(R"({"min_launch_mitigation_vector": 0})", f)) == "MitigationTooLow");
}

BOOST_AUTO_TEST_SUITE_END()
