// attest verify-token as a user runs it, on the genuine MAA token.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {
const std::string kWeu = "https://sharedweu.weu.attest.azure.net";
std::string cmd(const std::string& extra) {
  return attest() + " verify-token " + vec("maa/azureguest_sharedweu_2023.jwt") + " --maa " + kWeu + " --jwks " +
         vec("maa/maa_signing_keys.json") + " " + extra;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(cli_verify_token)

BOOST_AUTO_TEST_CASE(the_genuine_token_verifies_inside_its_validity_and_prints_its_claims) {
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z"));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("OK: token verified and policy satisfied") == 0u);
  BOOST_TEST(r.out.find("token shape         Azure guest (claims under x-ms-isolation-tee)") != std::string::npos);
  BOOST_TEST(r.out.find("compliance          azure-compliant-cvm") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_genuine_token_shows_its_vm_claims_as_rows) {
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z"));
  BOOST_TEST(r.exit_code == 0, r.err);
  for (const char* row : {"  vm secure boot      on (db validated: yes, dbx validated: yes, default keys: yes)\n",
                          "  vm debugging        off (boot, kernel and hypervisor debuggers off; debuggers disabled)\n",
                          "  vm signing          test signing off, flight signing off\n",
                          "  vm os               Windows Microsoft 10.0 (build NotApplicable)\n",
                          "  attested pcrs       0,1,2,3,4,5,6,7,11,12,13\n",
                          "  vm id               70F5CE9A-2BDC-4B6B-8401-E9B964D3AEB7\n"}) {
    BOOST_TEST(r.out.find(row) != std::string::npos, row);
  }
}

BOOST_AUTO_TEST_CASE(the_genuine_token_is_refused_by_a_linux_only_policy) {
  std::string policy = tmp_dir() + "/token_policy_linux.json";
  BOOST_REQUIRE(write_file(policy, as_bytes(R"({"os_type": "Linux"})")).ok());
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z --policy " + policy));
  BOOST_TEST(r.exit_code == 48);
  BOOST_TEST(r.err.find("attest verify-token: OsTypeMismatch: x-ms-azurevm-ostype is 'Windows', not the policy's "
                      "os_type 'Linux'\n") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(the_genuine_token_is_expired_today_with_exit_54) {
  RunResult r = run(cmd(""));
  BOOST_TEST(r.exit_code == 54);
  BOOST_TEST(r.err.find("attest verify-token: TokenExpired: the token expired at 2023-03-30T18:49:34Z") == 0u);
}

BOOST_AUTO_TEST_CASE(json_output_carries_every_claim) {
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z --json"));
  BOOST_REQUIRE(r.exit_code == 0);
  auto v = parse_json(r.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["shape"].asString() == "AzureGuest");
  BOOST_TEST((*v)["claims"]["x-ms-isolation-tee"]["x-ms-sevsnpvm-microcode-svn"].asInt() == 115);
  const Json::Value& vm = (*v)["vm"];
  BOOST_TEST(vm["secure_boot"].asBool());
  BOOST_TEST(!vm["debug"]["kernel"].asBool());
  BOOST_TEST(vm["debug"]["debuggers_disabled"].asBool());
  BOOST_TEST(!vm["test_signing"].asBool());
  BOOST_TEST(vm["os"]["type"].asString() == "Windows");
  BOOST_TEST(vm["os"]["version"].asString() == "10.0");
  BOOST_TEST(vm["attested_pcrs"].size() == 11u);
}

BOOST_AUTO_TEST_CASE(show_prints_a_token_file_unverified_with_its_header_and_claims) {
  RunResult r = run(attest() + " show " + vec("maa/azureguest_sharedweu_2023.jwt"));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("Token (UNVERIFIED: signature, issuer and lifetime not checked; see attest verify-token)\n") ==
             0u);
  BOOST_TEST(r.out.find("\"kid\" : \"dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=\"") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("\"x-ms-azurevm-kerneldebug-enabled\" : false") != std::string::npos);
  RunResult j = run(attest() + " show --json " + vec("maa/azureguest_sharedweu_2023.jwt"));
  BOOST_REQUIRE(j.exit_code == 0);
  auto v = parse_json(j.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["type"].asString() == "jws");
  BOOST_TEST((*v)["verified"].asBool() == false);
  BOOST_TEST((*v)["header"]["alg"].asString() == "RS256");
  BOOST_TEST((*v)["claims"]["x-ms-azurevm-vmid"].asString() == "70F5CE9A-2BDC-4B6B-8401-E9B964D3AEB7");
}

BOOST_AUTO_TEST_CASE(a_policy_with_another_measurement_is_a_measurement_mismatch) {
  std::string policy = tmp_dir() + "/token_policy.json";
  BOOST_REQUIRE(write_file(policy, as_bytes(R"({"measurements": [")" + std::string(96, 'a') + R"("]})")).ok());
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z --policy " + policy));
  BOOST_TEST(r.exit_code == 36);
  BOOST_TEST(r.err.find("MeasurementMismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_nonce_the_token_does_not_carry_is_a_nonce_mismatch) {
  RunResult r = run(cmd("--at 2023-03-30T12:00:00Z --nonce abc"));
  BOOST_TEST(r.exit_code == 52);
}

// A token is at most 64 KiB (crypto::kMaxJwsSize) plus 1 KiB of trailing whitespace:
// standard input is read that far, then refused, whatever follows.
BOOST_AUTO_TEST_CASE(standard_input_is_read_only_up_to_the_token_bound) {
  RunResult r = run("head -c 10000000 /dev/zero | tr '\\0' a | " + attest() + " verify-token - --maa " + kWeu +
                    " --jwks " + vec("maa/maa_signing_keys.json"));
  BOOST_TEST(r.exit_code == 3, r.err);
  BOOST_TEST(r.err == "attest verify-token: FileError: standard input: larger than the limit of 66560 bytes\n");
}

BOOST_AUTO_TEST_CASE(the_token_may_come_from_standard_input) {
  RunResult r = run("cat " + vec("maa/azureguest_sharedweu_2023.jwt") + " | " + attest() + " verify-token - --maa " +
                    kWeu + " --jwks " + vec("maa/maa_signing_keys.json") + " --at 2023-03-30T12:00:00Z");
  BOOST_TEST(r.exit_code == 0, r.err);
}

// MAA answers {"token": "..."}: saved from curl, the file verifies as the bare token does.
BOOST_AUTO_TEST_CASE(a_file_with_maas_json_answer_verifies_as_its_token) {
  std::string file = tmp_dir() + "/maa-answer.json";
  std::string token = read_vector_text("maa/azureguest_sharedweu_2023.jwt");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  BOOST_REQUIRE(write_file(file, as_bytes("{\"token\": \"" + token + "\"}\n")).ok());
  RunResult r = run(attest() + " verify-token " + file + " --maa " + kWeu + " --jwks " +
                    vec("maa/maa_signing_keys.json") + " --at 2023-03-30T12:00:00Z");
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("OK: token verified and policy satisfied") == 0u);
}

BOOST_AUTO_TEST_CASE(json_without_a_token_string_is_a_malformed_token_naming_the_file) {
  std::string file = tmp_dir() + "/maa-error.json";
  BOOST_REQUIRE(write_file(file, as_bytes(R"({"error": {"code": "InvalidParameter"}})")).ok());
  RunResult r = run(attest() + " verify-token " + file + " --maa " + kWeu + " --jwks " + vec("maa/maa_signing_keys.json"));
  BOOST_TEST(r.exit_code == 59, r.err);
  BOOST_TEST(r.err == "attest verify-token: MalformedToken: " + file +
                          ": JSON without a \"token\" string (expected MAA's answer, {\"token\": \"eyJ...\"}, "
                          "or the token itself)\n");
}

BOOST_AUTO_TEST_CASE(a_token_file_in_the_current_directory_is_read_not_taken_for_a_token) {
  std::string dir = tmp_dir() + "/token-cwd";
  BOOST_REQUIRE(run("rm -rf " + dir + " && mkdir -p " + dir + " && cp " + vec("maa/azureguest_sharedweu_2023.jwt") + " " +
                    dir + "/token.jwt").exit_code == 0);
  RunResult r = run("cd " + dir + " && " + attest() + " verify-token token.jwt --maa " + kWeu + " --jwks " +
                    vec("maa/maa_signing_keys.json") + " --at 2023-03-30T12:00:00Z");
  BOOST_TEST(r.exit_code == 0, r.err);
}

// Over plain http anyone on the path could swap the JWKS and forge tokens: http:// is
// refused unless the host is a numeric loopback address AND --allow-plain-http-maa is
// given (a local emulator). --jwks keeps these runs offline.
BOOST_AUTO_TEST_CASE(plain_http_maa_needs_a_loopback_address_and_the_explicit_flag) {
  auto with_maa = [](const std::string& maa) {
    return attest() + " verify-token " + vec("maa/azureguest_sharedweu_2023.jwt") + " --jwks " +
           vec("maa/maa_signing_keys.json") + " --at 2023-03-30T12:00:00Z --maa " + maa;
  };
  RunResult remote = run(with_maa("http://maa.example --allow-plain-http-maa"));
  BOOST_TEST(remote.exit_code == 2, remote.err);
  BOOST_TEST(remote.err == "attest verify-token: Usage: MAA URL 'http://maa.example': plain http is allowed only for a "
                           "numeric loopback address (127.0.0.0/8 or [::1]); use https://\n"
                           "run 'attest verify-token --help' for its options\n");
  RunResult lookalike = run(with_maa("http://127.0.0.1.nip.io --allow-plain-http-maa"));
  BOOST_TEST(lookalike.exit_code == 2, lookalike.err);
  RunResult no_flag = run(with_maa("http://127.0.0.1:8443"));
  BOOST_TEST(no_flag.exit_code == 2, no_flag.err);
  BOOST_TEST(no_flag.err == "attest verify-token: Usage: MAA URL 'http://127.0.0.1:8443': plain http needs "
                            "--allow-plain-http-maa (a local emulator only); otherwise use https://\n"
                            "run 'attest verify-token --help' for its options\n");
  // Allowed: the URL is accepted, and the genuine token is then refused for its issuer.
  RunResult allowed = run(with_maa("http://127.0.0.1:8443 --allow-plain-http-maa"));
  BOOST_TEST(allowed.exit_code == 56, allowed.err);
  RunResult v6 = run(with_maa("http://[::1]:8443 --allow-plain-http-maa"));
  BOOST_TEST(v6.exit_code == 56, v6.err);
}

BOOST_AUTO_TEST_CASE(usage_and_input_errors_are_named) {
  BOOST_TEST(run(attest() + " verify-token x.jwt").exit_code == 2);  // no --maa
  RunResult bad_url = run(cmd("--maa sharedweu.weu.attest.azure.net"));
  BOOST_TEST(bad_url.exit_code == 2);
  std::string jwks = tmp_dir() + "/bad_jwks.json";
  BOOST_REQUIRE(write_file(jwks, as_bytes(R"({"keys": [{"kty": "oct", "k": "AAAA"}]})")).ok());
  RunResult bad_jwks = run(attest() + " verify-token " + vec("maa/azureguest_sharedweu_2023.jwt") + " --maa " + kWeu +
                           " --jwks " + jwks);
  BOOST_TEST(bad_jwks.exit_code == 4);
  BOOST_TEST(bad_jwks.err.find("unsupported kty 'oct'") != std::string::npos);
  RunResult not_a_token = run(attest() + " verify-token a.b --maa " + kWeu + " --jwks " + vec("maa/maa_signing_keys.json"));
  BOOST_TEST(not_a_token.exit_code == 59);
}

BOOST_AUTO_TEST_SUITE_END()
