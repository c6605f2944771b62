// The one-off checks (--measurement, --host-data, --report-data, --id-key-digest,
// --author-key-digest, --cce-policy, --compliance-status) as a user runs them, on the
// genuine Genoa report and MAA token, and on an snp-sim report for an ACI host data.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "core/file.h"
#include "core/json.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const std::string kGenoaMeasurement =
    "d9912ba396ce409c2947841d93a5076b6839b898c22b4aae05edb3b2b058a99927f8cf9a4f8617ee695deb14795496c8";
const std::string kZeroHostData(64, '0');

std::string genoa_cmd(const std::string& extra) {
  const std::string dir = "snp/lunal-attestation-rs_genoa_v5/";
  return attest() + " verify-report " + vec(dir + "report.bin") + " --certs " + vec(dir + "vcek.der") + " --certs " +
         vec(dir + "ca_bundle.pem") + " --at 2026-11-23T00:00:00Z " + extra;
}

std::string token_cmd(const std::string& extra) {
  return attest() + " verify-token " + vec("maa/azureguest_sharedweu_2023.jwt") +
         " --maa https://sharedweu.weu.attest.azure.net --jwks " + vec("maa/maa_signing_keys.json") +
         " --at 2023-03-30T12:00:00Z " + extra;
}

std::string write_tmp(const std::string& name, const std::string& text) {
  std::string path = tmp_dir() + "/policy_flags_" + name;
  BOOST_REQUIRE(write_file(path, as_bytes(text)).ok());
  return path;
}

// "package policy\n", base64 as az confcom writes it, and its SHA-256 (sha256sum).
const std::string kCcePolicyBase64 = "cGFja2FnZSBwb2xpY3kK\n";
const std::string kCceHostData = "89d09cb5c2f579afa733a1f68ae0dd5ff13e59efa75b870c64ca9fd62e9ec139";

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_policy_flags)

BOOST_AUTO_TEST_CASE(one_off_checks_that_hold_pass_and_are_named_in_the_summary) {
  RunResult r = run(genoa_cmd("--measurement " + std::string(96, 'a') + " --measurement " + kGenoaMeasurement +
                              " --host-data " + kZeroHostData + " --report-data 68656c6c6f2d6174746573746174696f6e" +
                              " --id-key-digest " + std::string(96, '0') + " --author-key-digest " + std::string(96, '0')));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  policy                --measurement, --host-data, --report-data, --id-key-digest, "
                        "--author-key-digest (otherwise the default)\n") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(a_one_off_check_that_fails_exits_with_its_rule_code) {
  RunResult r = run(genoa_cmd("--measurement " + std::string(96, 'a')));
  BOOST_TEST(r.exit_code == 36);
  BOOST_TEST(r.err == "attest verify-report: MeasurementMismatch: measurement " + kGenoaMeasurement +
                          " is not in the policy's allow-list\n");
  r = run(genoa_cmd("--report-data 68656c6c6f"));  // REPORT_DATA goes on after "hello"
  BOOST_TEST(r.exit_code == 38);
  BOOST_TEST(r.err.find("attest verify-report: ReportDataMismatch: ") == 0u, r.err);
  r = run(genoa_cmd("--id-key-digest " + std::string(96, '1')));
  BOOST_TEST(r.exit_code == 39);
  BOOST_TEST(r.err.find("attest verify-report: IdKeyMismatch: ") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(a_malformed_flag_value_is_a_usage_error_naming_the_flag) {
  RunResult r = run(genoa_cmd("--host-data 00"));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("attest verify-report: Usage: --host-data: must be 32 bytes (64 hex digits), got 1\n") == 0u,
             r.err);
}

BOOST_AUTO_TEST_CASE(a_key_set_by_a_flag_and_the_policy_file_is_a_usage_error) {
  std::string policy = write_tmp("host_data.json", R"({"host_data": ")" + kZeroHostData + R"("})");
  RunResult r = run(genoa_cmd("--policy " + policy + " --host-data " + kZeroHostData));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("attest verify-report: Usage: --host-data and the policy file " + policy +
                        " both set policy key 'host_data': give it in one place\n") == 0u, r.err);
  // Different keys merge: the file's host data and the flag's measurement both hold.
  r = run(genoa_cmd("--policy " + policy + " --measurement " + kGenoaMeasurement));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  policy                " + policy + " with --measurement\n") != std::string::npos, r.out);
  r = run(genoa_cmd("--policy " + policy + " --measurement " + std::string(96, 'b')));
  BOOST_TEST(r.exit_code == 36);
}

BOOST_AUTO_TEST_CASE(a_digest_flag_beside_the_files_trusted_keys_is_a_usage_error) {
  // id_key_digests and trusted_id_keys are one allow-list: a flag adding a digest to it
  // would widen the file's pin (a guest without the file's ID key would pass).
  auto pem = read_text_file(src_dir() + "/tests/data/policy/id-key.pub.pem");
  BOOST_REQUIRE(pem.ok());
  Json::Value doc(Json::objectValue);
  doc["trusted_id_keys"].append(*pem);
  std::string policy = write_tmp("trusted_id_keys.json", json_compact(doc));
  RunResult r = run(genoa_cmd("--policy " + policy + " --id-key-digest " + std::string(96, '0')));
  BOOST_TEST(r.exit_code == 2, r.out + r.err);
  BOOST_TEST(r.err.find("attest verify-report: Usage: --id-key-digest and the policy file " + policy +
                        " both set the ID key allow-list (policy key 'trusted_id_keys')") == 0u, r.err);
  Json::Value authors(Json::objectValue);
  auto cert = read_text_file(src_dir() + "/tests/data/policy/author-key.cert.pem");
  BOOST_REQUIRE(cert.ok());
  authors["trusted_author_keys"].append(*cert);
  policy = write_tmp("trusted_author_keys.json", json_compact(authors));
  r = run(genoa_cmd("--policy " + policy + " --author-key-digest " + std::string(96, '0')));
  BOOST_TEST(r.exit_code == 2, r.out + r.err);
  BOOST_TEST(r.err.find("both set the author key allow-list (policy key 'trusted_author_keys')") != std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_CASE(cce_policy_sets_host_data_to_the_sha256_of_the_decoded_policy) {
  std::string cce = write_tmp("cce.b64", kCcePolicyBase64);
  // The genuine report's HOST_DATA is zero: not this policy's.
  RunResult r = run(genoa_cmd("--cce-policy " + cce));
  BOOST_TEST(r.exit_code == 37);
  BOOST_TEST(r.err == "attest verify-report: HostDataMismatch: HOST_DATA " + kZeroHostData +
                          " differs from the policy's " + kCceHostData + "\n");
  // A guest launched with it (snp-sim, HOST_DATA set as ACI sets it) passes.
  const auto& id = snpsim::test::milan();
  snpsim::ReportRequest req;
  Bytes host_data = *hex_decode(kCceHostData);
  std::copy(host_data.begin(), host_data.end(), req.host_data.begin());
  auto report = snpsim::make_report(id, req);
  BOOST_REQUIRE(report.ok());
  std::string report_path = tmp_dir() + "/policy_flags_aci_report.bin";
  BOOST_REQUIRE(write_file(report_path, *report).ok());
  std::string vcek = write_tmp("aci_vcek.pem", id.vcek.pem());
  std::string bundle = write_tmp("aci_bundle.pem", id.ask.pem() + id.ark.pem() + id.asvk.pem());
  r = run(attest() + " verify-report " + report_path + " --certs " + vcek + " --trust-sim-root " + bundle +
          " --at 2025-06-01T00:00:00Z --cce-policy " + cce);
  BOOST_TEST(r.exit_code == 0, r.err);
  // With --host-data as well: one key from two flags.
  r = run(genoa_cmd("--cce-policy " + cce + " --host-data " + kZeroHostData));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("Usage: --host-data and --cce-policy both set policy key 'host_data'") != std::string::npos, r.err);
  r = run(genoa_cmd("--cce-policy " + write_tmp("not_base64.txt", "{not base64}")));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("is not a base64-encoded policy (as az confcom writes it)") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(the_compliance_status_is_selectable_for_tokens) {
  RunResult r = run(token_cmd("--compliance-status azure-compliant-uvm"));
  BOOST_TEST(r.exit_code == 51);
  BOOST_TEST(r.err.find("NonCompliantUvm: Attestation validation failed (non-compliant uvm). x-ms-compliance-status "
                        "is 'azure-compliant-cvm', not 'azure-compliant-uvm'") != std::string::npos, r.err);
  r = run(token_cmd("--compliance-status azure-compliant-cvm"));
  BOOST_TEST(r.exit_code == 0, r.err);
  r = run(token_cmd("--compliance-status none"));
  BOOST_TEST(r.exit_code == 0, r.err);
  r = run(token_cmd("--compliance-status compliant"));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("Usage: --compliance-status: 'compliant' is not azure-compliant-cvm, azure-compliant-uvm or "
                        "none") != std::string::npos, r.err);
  r = run(genoa_cmd("--compliance-status none"));  // reports have no compliance status
  BOOST_TEST(r.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(a_token_is_checked_against_the_one_off_measurement_and_host_data) {
  const std::string m = "8962535933f5c4b429ec41d6550c187c163aa76f3be1f8d750a272a9d8995023e8286a2e431a96c36087ac46d4188676";
  RunResult r = run(token_cmd("--measurement " + m + " --host-data " + kZeroHostData));
  BOOST_TEST(r.exit_code == 0, r.err);
  r = run(token_cmd("--host-data " + std::string(64, '1')));
  BOOST_TEST(r.exit_code == 37);
  BOOST_TEST(r.err.find("HostDataMismatch") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(connect_and_request_refuse_a_conflict_before_connecting) {
  std::string policy = write_tmp("connect_host_data.json", R"({"host_data": ")" + kZeroHostData + R"("})");
  for (std::string command : {"connect https://127.0.0.1:9", "request https://127.0.0.1:9/x"}) {
    RunResult r = run(attest() + " " + command + " --maa https://sharedweu.weu.attest.azure.net --policy " + policy +
                      " --host-data " + kZeroHostData);
    BOOST_TEST(r.exit_code == 2, command);
    BOOST_TEST(r.err.find("Usage: --host-data and the policy file " + policy + " both set policy key 'host_data'") !=
                   std::string::npos,
               r.err);
  }
}

BOOST_AUTO_TEST_CASE(the_help_of_each_verifying_command_lists_the_one_off_checks) {
  for (const char* command : {"verify-report", "verify-token", "connect", "request"}) {
    RunResult r = run(attest() + " " + command + " --help");
    BOOST_TEST(r.exit_code == 0, command);
    for (const char* flag : {"--measurement HEX", "--host-data HEX", "--report-data HEX", "--id-key-digest HEX",
                             "--author-key-digest HEX", "--cce-policy FILE"}) {
      BOOST_TEST(r.out.find(flag) != std::string::npos, command << " " << flag);
    }
    const bool token = std::string(command) != "verify-report";
    BOOST_TEST((r.out.find("--compliance-status azure-compliant-cvm|azure-compliant-uvm|none") != std::string::npos) ==
                   token,
               command);
  }
}

BOOST_AUTO_TEST_SUITE_END()
