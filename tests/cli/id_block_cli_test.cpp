// ID blocks as a user makes and uses them: attest measure --id-key signs one, snp-sim
// launches a guest with it (as QEMU hands it to the AMD-SP), and attest verify-report
// checks that guest's report against policies that pin, or require, the keys.
#include <boost/test/unit_test.hpp>

#include "core/file.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/keys.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/process.h"
#include "tests/sim_policy_support.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const std::string kMeasurement(96, 'c');
// virtee/sev-snp-measure tests/test_id_block.py's LD and the ID block it expects.
const std::string kVectorLd =
    "076f052d08bda7a700aa2a608c5caa6b00ebad297b6d68a85a45b1e669a558b67e1b91d284a301fe63c4fa0750467eed";
const std::string kVectorBlock =
    "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA";
const std::string kVectorIdDigest =  // base64 hwt+NcU/…
    "870b7e35c53f8a72d0d322f75ab2af8262792aaf6579622ce4131c3f21f289e77cb0560a5e3b90b3932e674ec709cb14";
const std::string kVectorAuthorDigest =  // base64 YxEcNLv8…
    "63111c34bbfc0a4938f9a009bd074980d8172323e61599c9fd336da8673248e1dca98d0be8f76376a106b8afd4c0a057";

std::string id_key() { return vec("id-block/sev-snp-measure_id_key.pem"); }
std::string author_key() { return vec("id-block/sev-snp-measure_author_key.pem"); }

std::string write_tmp(const std::string& name, const std::string& text) {
  std::string path = tmp_dir() + "/id_block_cli_" + name;
  BOOST_REQUIRE(write_file(path, as_bytes(text)).ok());
  return path;
}

std::string snp_sim() { return bin_dir() + "/snp-sim"; }

// The Milan test identity's files, written once for snp-sim and attest.
const std::string& sim_keys() {
  static const std::string dir = [] {
    std::string d = tmp_dir() + "/id_block_cli_keys";
    if (!snpsim::save_identity(snpsim::test::milan(), d).ok()) throw std::runtime_error("save_identity " + d);
    return d;
  }();
  return dir;
}

// attest measure --json for kMeasurement with `flags`; the "id_block" object.
Json::Value signed_block(const std::string& flags) {
  RunResult r = run(attest() + " measure --launch-digest " + kMeasurement + " --json " + flags);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto v = parse_json(r.out, "out");
  BOOST_REQUIRE(v.ok());
  return (*v)["id_block"];
}

// snp-sim's report for a guest launched with `launch` (its extra flags); its path.
RunResult sim_report(const std::string& name, const std::string& launch, std::string* path = nullptr) {
  std::string out = tmp_dir() + "/id_block_cli_" + name + ".bin";
  if (path) *path = out;
  return run(snp_sim() + " report --keys " + sim_keys() + " --out " + out + " --measurement " + kMeasurement + " " +
             launch);
}

std::string launch_flags(const Json::Value& block) {
  return "--id-block " + block["id_block"].asString() + " --id-auth " + block["id_auth"].asString() +
         " --author-key-enabled " + (block["author_key_enabled"].asBool() ? "on" : "off");
}

RunResult verify_report(const std::string& report, const std::string& policy_json) {
  std::string policy = write_tmp("policy.json", policy_json);
  return run(attest() + " verify-report " + report + " --certs " + sim_keys() + "/vcek.pem --trust-sim-root " +
             sim_keys() + "/ca_bundle.pem --at 2025-06-01T00:00:00Z --policy " + policy);
}

std::string pem_json(const std::string& pem_file) {
  auto text = read_text_file(pem_file);
  BOOST_REQUIRE(text.ok());
  auto key = crypto::PrivateKey::from_pem(*text);
  BOOST_REQUIRE(key.ok());
  return quoted(key->public_key().pem());
}

void expect_error(const std::string& args, int exit_code, const std::string& message) {
  RunResult r = run(attest() + " measure " + args);
  BOOST_TEST(r.exit_code == exit_code, args << ": " << r.err);
  BOOST_TEST(r.err == "attest measure: " + message + "\n");
  BOOST_TEST(r.out.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_id_block)

BOOST_AUTO_TEST_CASE(measure_prints_sev_snp_measures_id_block_and_key_digests) {
  RunResult r = run(attest() + " measure --launch-digest " + kVectorLd + " --id-key " + id_key() + " --author-key " +
                    author_key());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(r.out.substr(at, nl - at));
  }
  BOOST_REQUIRE(lines.size() == 6u);
  BOOST_TEST(lines[0] == kVectorLd);
  BOOST_TEST(lines[1] == "id-block=" + kVectorBlock);
  BOOST_TEST(lines[2].rfind("id-auth=AQAAAAEAAAAA", 0) == 0u);  // ID_KEY_ALGO 1, AUTHOR_KEY_ALGO 1
  BOOST_TEST(lines[2].size() == std::string("id-auth=").size() + 5464);  // base64 of 4096 bytes
  BOOST_TEST(lines[3] == "author-key-enabled=on");
  BOOST_TEST(lines[4] == "id-key-digest=" + kVectorIdDigest);
  BOOST_TEST(lines[5] == "author-key-digest=" + kVectorAuthorDigest);
}

BOOST_AUTO_TEST_CASE(measure_json_describes_the_block_it_signed_for_the_computed_measurement) {
  RunResult r = run(attest() + " measure --ovmf " + vec("measure/ovmf_AmdSev_suffix.bin") +
                    " --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x1 --json --id-key " + id_key() +
                    " --family-id 000102030405060708090a0b0c0d0e0f --image-id 0F0E0D0C0B0A09080706050403020100"
                    " --guest-svn 9 --policy 0x70000");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto v = parse_json(r.out, "out");
  BOOST_REQUIRE(v.ok());
  const Json::Value& b = (*v)["id_block"];
  auto decoded = crypto::base64_decode(b["id_block"].asString());
  BOOST_REQUIRE(decoded.ok());
  const Bytes& block = *decoded;
  BOOST_REQUIRE(block.size() == 0x60u);
  BOOST_TEST(hex_encode(ByteView(block).subspan(0, 48)) == (*v)["measurement"].asString());  // LD
  BOOST_TEST(b["family_id"].asString() == "000102030405060708090a0b0c0d0e0f");
  BOOST_TEST(b["image_id"].asString() == "0f0e0d0c0b0a09080706050403020100");
  BOOST_TEST(b["guest_svn"].asUInt() == 9u);
  BOOST_TEST(b["policy"].asString() == "0x70000");
  BOOST_TEST(b["author_key_enabled"].asBool() == false);
  BOOST_TEST(b["author_key_digest"].isNull());
  BOOST_TEST(b["id_key_digest"].asString() == kVectorIdDigest);
}

BOOST_AUTO_TEST_CASE(a_guest_launched_with_the_block_passes_a_policy_pinning_its_keys_and_fails_others) {
  Json::Value block = signed_block("--id-key " + id_key() + " --author-key " + author_key());
  std::string report;
  RunResult r = sim_report("pinned", launch_flags(block), &report);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  const std::string required = R"("require_id_block": true, "require_author_key": true)";
  r = verify_report(report, "{" + required + R"(, "trusted_id_keys": [)" + pem_json(id_key()) +
                                R"(], "trusted_author_keys": [)" + pem_json(author_key()) + "]}");
  BOOST_TEST(r.exit_code == 0, r.err);
  r = verify_report(report, R"({"id_key_digests": [")" + kVectorIdDigest + R"("], "author_key_digests": [")" +
                                kVectorAuthorDigest + R"("]})");
  BOOST_TEST(r.exit_code == 0, r.err);
  r = verify_report(report, R"({"trusted_id_keys": [)" + pem_json(vec("id-block/virtee-sev_id_key.pem")) + "]}");
  BOOST_TEST(r.exit_code == 39);
  BOOST_TEST(r.err == "attest verify-report: IdKeyMismatch: ID key digest " + kVectorIdDigest + " is not allowed\n");
  r = verify_report(report, R"({"trusted_author_keys": [)" + pem_json(vec("id-block/virtee-sev_author_key.pem")) + "]}");
  BOOST_TEST(r.exit_code == 40);
  BOOST_TEST(r.err.find("attest verify-report: AuthorKeyMismatch: author key digest " + kVectorAuthorDigest) == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(a_guest_launched_without_a_block_fails_a_policy_that_requires_one) {
  std::string report;
  RunResult r = sim_report("none", "", &report);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  r = verify_report(report, R"({"require_id_block": true})");
  BOOST_TEST(r.exit_code == 88);
  BOOST_TEST(r.err ==
             "attest verify-report: IdBlockMissing: ID_KEY_DIGEST is zero: the guest was launched without an ID block\n");
}

BOOST_AUTO_TEST_CASE(snp_sim_refuses_a_launch_whose_block_does_not_match_naming_the_check) {
  Json::Value block = signed_block("--id-key " + id_key() + " --author-key " + author_key());
  RunResult r = sim_report("debug", launch_flags(block) + " --debug");
  BOOST_TEST(r.exit_code == 82);
  BOOST_TEST(r.err == "snp-sim: GuestPolicyMismatch: launch refused: the ID block's POLICY 0x30000 is not the guest "
                      "policy 0xb0000\n");
  r = run(snp_sim() + " report --keys " + sim_keys() + " --out " + tmp_dir() + "/id_block_cli_other.bin --measurement " +
          std::string(96, 'd') + " " + launch_flags(block));
  BOOST_TEST(r.exit_code == 36);
  BOOST_TEST(r.err.find("snp-sim: MeasurementMismatch: launch refused: the ID block's LD " + kMeasurement) == 0u, r.err);
  r = sim_report("half", "--id-block " + block["id_block"].asString());
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("snp-sim: Usage: --id-block and --id-auth go together") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(bad_keys_are_errors_naming_the_option) {
  const std::string base = "--launch-digest " + kMeasurement + " ";
  expect_error(base + "--id-key /nonexistent/id.pem", 3,
               "FileError: --id-key: /nonexistent/id.pem: No such file or directory");
  auto p256 = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  BOOST_REQUIRE(p256.ok());
  std::string p256_file = write_tmp("p256.pem", p256->pem());
  expect_error(base + "--id-key " + p256_file, 13, "CryptoError: --id-key: " + p256_file + " is not an ECDSA P-384 private key");
  expect_error(base + "--id-key " + id_key() + " --author-key " + p256_file, 13,
               "CryptoError: --author-key: " + p256_file + " is not an ECDSA P-384 private key");
  std::string public_only = src_dir() + "/tests/data/policy/id-key.pub.pem";
  RunResult r = run(attest() + " measure " + base + "--id-key " + public_only);
  BOOST_TEST(r.exit_code == 13);
  BOOST_TEST(r.err.find("attest measure: CryptoError: --id-key: " + public_only + " holds no unencrypted private key") == 0u,
             r.err);
}

BOOST_AUTO_TEST_CASE(id_block_options_need_an_id_key_and_well_formed_values) {
  const std::string base = "--launch-digest " + kMeasurement + " --id-key " + id_key() + " ";
  RunResult r = run(attest() + " measure --launch-digest " + kMeasurement);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--launch-digest is only used with --id-key PEM") != std::string::npos, r.err);
  r = run(attest() + " measure " + base + "--family-id 0011");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--family-id: expected 32 hex digits (16 bytes), got '0011'") != std::string::npos, r.err);
  r = run(attest() + " measure " + base + "--ovmf " + vec("measure/ovmf_AmdSev_suffix.bin"));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--ovmf is not used with --launch-digest") != std::string::npos, r.err);
  r = run(attest() + " measure --uki x --vars y --id-key " + id_key());
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--id-key is not used with --uki") != std::string::npos, r.err);
}

// The firmware would refuse the launch: nothing is signed for such a policy.
BOOST_AUTO_TEST_CASE(an_id_block_is_not_signed_for_a_policy_the_firmware_refuses) {
  const std::string base = "--launch-digest " + kMeasurement + " --id-key " + id_key() + " ";
  for (std::string policy : {"0", "0x10000", "0x4030000"}) {
    RunResult r = run(attest() + " measure " + base + "--policy " + policy);
    BOOST_TEST(r.exit_code == 2, policy);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find(": not a guest policy the firmware launches with (bit 17 must be 1, bits 63:26 are reserved)") !=
                   std::string::npos,
               r.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
