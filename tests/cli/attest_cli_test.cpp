// The attest CLI as a user runs it: exit codes, messages and JSON.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "core/file.h"
#include "crypto/base64.h"
#include "core/json.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/process.h"
#include "tests/unit/net_test_support.h"

using namespace attestd;
using namespace attestd::test;

namespace {
const std::string kToday = " --at 2026-11-23T00:00:00Z";
std::string verify_cmd(const std::string& dir, const std::string& key = "vcek.der") {
  return attest() + " verify-report " + vec("snp/" + dir + "/report.bin") + " --certs " +
         vec("snp/" + dir + "/" + key) + " --certs " + vec("snp/" + dir + "/ca_bundle.pem");
}

// A sim report with `vcek` (the sim VCEK's key, issued as the test likes) and the sim's
// ASK/ARK/ASVK bundle, written to a fresh directory; the command verifies them trusting
// AMD's roots and the sim's.
std::string sim_verify_cmd(const std::string& name, const crypto::Certificate& vcek) {
  const auto& id = snpsim::test::milan();
  std::string dir = tmp_dir() + "/attest_cli_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto report = snpsim::make_report(id, {});
  BOOST_REQUIRE(report.ok());
  BOOST_REQUIRE(write_file(dir + "/report.bin", *report).ok());
  BOOST_REQUIRE(write_file(dir + "/vcek.pem", as_bytes(vcek.pem())).ok());
  BOOST_REQUIRE(write_file(dir + "/ca_bundle.pem", as_bytes(id.ask.pem() + id.ark.pem() + id.asvk.pem())).ok());
  return attest() + " verify-report " + dir + "/report.bin --certs " + dir + "/vcek.pem --trust-sim-root " + dir +
         "/ca_bundle.pem --at 2025-06-01T00:00:00Z";
}

crypto::Certificate sim_vcek(const snpsim::SimOptions& validity, const crypto::PrivateKey& issuer_key,
                             const crypto::Certificate& issuer) {
  const auto& id = snpsim::test::milan();
  auto cert = crypto::issue_certificate(snpsim::leaf_certificate_spec(id, false, validity), id.vcek_key.public_key(),
                                        issuer_key, &issuer);
  BOOST_REQUIRE(cert.ok());
  return *cert;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(cli_attest)

BOOST_AUTO_TEST_CASE(a_vcek_signed_directly_by_the_ark_is_untrusted_with_exit_21) {
  const auto& id = snpsim::test::milan();
  RunResult ok = run(sim_verify_cmd("sim_ok", id.vcek));
  BOOST_TEST(ok.exit_code == 0, ok.err);
  RunResult r = run(sim_verify_cmd("vcek_by_ark", sim_vcek({}, id.ark_key, id.ark)));
  BOOST_TEST(r.exit_code == 21);
  BOOST_TEST(r.err.find("attest verify-report: UntrustedChain: 'SEV-VCEK' is issued by ") == 0u, r.err);
  BOOST_TEST(r.err.find("AMD's chain is VCEK <- ASK <- ARK") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(an_expired_sim_vcek_beside_amds_roots_is_certificate_expired_with_exit_22) {
  const auto& id = snpsim::test::milan();
  snpsim::SimOptions expired;
  expired.not_after = *parse_rfc3339("2025-01-01T00:00:00Z");
  RunResult r = run(sim_verify_cmd("vcek_expired", sim_vcek(expired, id.ask_key, id.ask)));
  BOOST_TEST(r.exit_code == 22, r.err);
  BOOST_TEST(r.err.find("attest verify-report: CertificateExpired: ") == 0u, r.err);
  BOOST_TEST(r.err.find("CN=SEV-VCEK' is valid from 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z") != std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_CASE(verify_report_accepts_every_genuine_production_vector) {
  for (const char* dir : {"virtee-sev_milan", "lunal-attestation-rs_genoa_v5", "trustee_azure_milan_hcl"}) {
    RunResult r = run(verify_cmd(dir) + kToday);
    BOOST_TEST(r.exit_code == 0, dir << ": " << r.err);
    BOOST_TEST(r.out.find("OK: report verified and policy satisfied") == 0u);
  }
  RunResult vlek = run(verify_cmd("trustee_milan_vlek", "vlek.der") + " --at 2025-06-01T00:00:00Z");
  BOOST_TEST(vlek.exit_code == 0, vlek.err);
  BOOST_TEST(vlek.out.find("signed by             VLEK") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verify_report_rejects_the_debug_vector_with_debugmode_and_exit_30) {
  RunResult r = run(verify_cmd("go-sev-guest_milan") + kToday);
  BOOST_TEST(r.exit_code == 30);
  BOOST_TEST(r.err ==
             "attest verify-report: DebugMode: Attestation validation failed (enclave is in debug mode): "
             "the guest policy allows debugging\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(a_policy_allowing_debug_accepts_the_debug_vector) {
  std::string policy = tmp_dir() + "/allow_debug.json";
  BOOST_REQUIRE(write_file(policy, as_bytes(R"({"allow_debug": true})")).ok());
  RunResult r = run(verify_cmd("go-sev-guest_milan") + kToday + " --policy " + policy);
  BOOST_TEST(r.exit_code == 0, r.err);
}

BOOST_AUTO_TEST_CASE(the_expired_vlek_fails_without_at_with_exit_22) {
  RunResult r = run(verify_cmd("trustee_milan_vlek", "vlek.der"));
  BOOST_TEST(r.exit_code == 22);
  BOOST_TEST(r.err.find("CertificateExpired: ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_output_carries_the_verdict_and_the_report) {
  RunResult ok = run(verify_cmd("lunal-attestation-rs_genoa_v5") + kToday + " --json");
  BOOST_REQUIRE(ok.exit_code == 0);
  auto v = parse_json(ok.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["ok"].asBool());
  BOOST_TEST((*v)["product"].asString() == "Genoa");
  BOOST_TEST((*v)["report"]["cpuid"]["model"].asInt() == 0xA0);
  BOOST_TEST((*v)["report"]["reported_tcb"]["snp"].asInt() == 27);

  RunResult bad = run(verify_cmd("go-sev-guest_milan") + kToday + " --json");
  BOOST_TEST(bad.exit_code == 30);
  auto e = parse_json(bad.out, "out");
  BOOST_REQUIRE(e.ok());
  BOOST_TEST(!(*e)["ok"].asBool());
  BOOST_TEST((*e)["error"]["name"].asString() == "DebugMode");
  BOOST_TEST((*e)["error"]["exit_code"].asInt() == 30);
}

BOOST_AUTO_TEST_CASE(a_tampered_report_file_is_a_bad_signature_with_exit_20) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  report[0x90] ^= 1;  // MEASUREMENT
  std::string path = tmp_dir() + "/tampered.bin";
  BOOST_REQUIRE(write_file(path, report).ok());
  RunResult r = run(attest() + " verify-report " + path + " --certs " + vec("snp/virtee-sev_milan/vcek.der") + kToday);
  BOOST_TEST(r.exit_code == 20);
  BOOST_TEST(r.err.find("BadSignature") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_hcl_report_verifies_with_its_runtime_claims_bound) {
  RunResult r = run(attest() + " verify-report " + vec("snp/trustee_azure_milan_hcl/hcl-report.bin") + " --certs " +
                    vec("snp/trustee_azure_milan_hcl/vcek.der") + kToday);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("runtime claims        bound by REPORT_DATA") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(show_prints_every_field_as_a_table_or_json) {
  RunResult t = run(attest() + " show " + vec("snp/lunal-attestation-rs_genoa_v5/report.bin"));
  BOOST_TEST(t.exit_code == 0);
  BOOST_TEST(t.out.find("cpuid                 family 0x19 model 0xa0 stepping 0x02") != std::string::npos);
  BOOST_TEST(t.out.find("current_firmware      1.55.49") != std::string::npos);
  RunResult j = run(attest() + " show --json " + vec("snp/go-sev-guest_milan/report.bin"));
  auto v = parse_json(j.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["type"].asString() == "snp");
  BOOST_TEST((*v)["policy"]["debug"].asBool());
  BOOST_TEST((*v)["policy"]["raw"].asString() == "0x00000000000b0000");
}

BOOST_AUTO_TEST_CASE(show_reads_an_hcl_report_and_its_runtime_claims) {
  RunResult j = run(attest() + " show --json " + vec("snp/trustee_azure_milan_hcl/hcl-report.bin"));
  BOOST_TEST(j.exit_code == 0);
  auto v = parse_json(j.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["type"].asString() == "hcl");
  BOOST_TEST((*v)["runtime_claims_bound"].asBool());
  BOOST_TEST((*v)["runtime_claims"]["keys"][0]["kid"].asString() == "HCLAkPub");
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_and_name_the_argument) {
  BOOST_TEST(run(attest()).exit_code == 2);
  RunResult r = run(attest() + " verify-report x --certz y");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("unknown option '--certz'") != std::string::npos);
  RunResult at = run(verify_cmd("virtee-sev_milan") + " --at yesterday");
  BOOST_TEST(at.exit_code == 2);
  BOOST_TEST(at.err.find("--at: not an RFC 3339 time") != std::string::npos);
  BOOST_TEST(run(attest() + " verify-report " + vec("snp/virtee-sev_milan/report.bin")).exit_code == 2);
  BOOST_TEST(run(attest() + " frobnicate").exit_code == 2);
}

// --timeout is seconds; 3000000 * 1000 overflowed an int. Numeric flags take the whole
// string, in range, or are a usage error naming the flag and the range.
BOOST_AUTO_TEST_CASE(numeric_flags_out_of_range_or_not_numbers_are_usage_errors) {
  const std::string connect = attest() + " connect https://127.0.0.1:1 --maa https://maa.test --timeout ";
  RunResult big = run(connect + "3000000");
  BOOST_TEST(big.exit_code == 2, big.err);
  BOOST_TEST(big.err == "attest connect: Usage: --timeout: '3000000' is out of range (1 to 3600)\n"
                        "run 'attest connect --help' for its options\n");
  RunResult suffix = run(connect + "10s");
  BOOST_TEST(suffix.exit_code == 2, suffix.err);
  BOOST_TEST(suffix.err == "attest connect: Usage: --timeout: '10s' is not a decimal integer (1 to 3600)\n"
                        "run 'attest connect --help' for its options\n");
  RunResult negative = run(attest() + " request https://127.0.0.1:1/x --maa https://maa.test --timeout -5");
  BOOST_TEST(negative.exit_code == 2, negative.err);
  BOOST_TEST(negative.err == "attest request: Usage: --timeout: '-5' is not a decimal integer (1 to 3600)\n"
                        "run 'attest request --help' for its options\n");
}

BOOST_AUTO_TEST_CASE(missing_and_malformed_files_are_named) {
  RunResult r = run(attest() + " show /nonexistent/report.bin");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.err == "attest show: FileError: /nonexistent/report.bin: No such file or directory\n");
  RunResult m = run(attest() + " show " + vec("snp/virtee-sev_milan/vcek.der"));
  BOOST_TEST(m.exit_code == 5);
  BOOST_TEST(m.err.find("MalformedReport") != std::string::npos);
  std::string bad_policy = tmp_dir() + "/bad_policy.json";
  BOOST_REQUIRE(write_file(bad_policy, as_bytes(R"({"vmpl": 0})")).ok());
  RunResult p = run(verify_cmd("virtee-sev_milan") + kToday + " --policy " + bad_policy);
  BOOST_TEST(p.exit_code == 12);
  BOOST_TEST(p.err.find("policy key 'vmpl': unknown key") != std::string::npos);
}

// A report handed over in another encoding, or a certificate given in its place: the
// error says what the file looks like, so the user knows what to convert.
BOOST_AUTO_TEST_CASE(a_report_file_of_the_wrong_size_says_what_it_looks_like) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  std::string dir = tmp_dir() + "/report_encodings";
  std::filesystem::create_directories(dir);
  std::string hex = hex_encode(report);
  for (std::size_t i = 64; i < hex.size(); i += 65) hex.insert(i, "\n");  // wrapped, as xxd -p writes it
  BOOST_REQUIRE(write_file(dir + "/report.hex", as_bytes(hex + "\n")).ok());
  BOOST_REQUIRE(write_file(dir + "/report.b64", as_bytes(crypto::base64_encode(report))).ok());
  BOOST_REQUIRE(write_file(dir + "/report.b64url", as_bytes(crypto::base64url_encode(report))).ok());
  const std::string certs = " --certs " + vec("snp/virtee-sev_milan/vcek.der");
  auto verify = [&](const std::string& file) { return run(attest() + " verify-report " + file + certs); };

  RunResult h = verify(dir + "/report.hex");
  BOOST_TEST(h.exit_code == 5);
  BOOST_TEST(h.err.find("oversized: 2405 bytes, expected 1184; it looks like hex of 1184 bytes: convert it with "
                        "xxd -r -p FILE > report.bin") != std::string::npos,
             h.err);
  RunResult b = verify(dir + "/report.b64");
  BOOST_TEST(b.exit_code == 5);
  BOOST_TEST(b.err.find("it looks like base64 of 1184 bytes: convert it with base64 -d FILE > report.bin") !=
                 std::string::npos,
             b.err);
  RunResult u = verify(dir + "/report.b64url");
  BOOST_TEST(u.exit_code == 5);
  BOOST_TEST(u.err.find("it looks like base64url of 1184 bytes: convert it with basenc --base64url -d FILE") !=
                 std::string::npos,
             u.err);
  RunResult pem = verify(vec("snp/virtee-sev_milan/ca_bundle.pem"));
  BOOST_TEST(pem.exit_code == 5);
  BOOST_TEST(pem.err.find("it looks like PEM (CERTIFICATE), not a report: certificates go with --certs") !=
                 std::string::npos,
             pem.err);
  RunResult der = run(attest() + " show " + vec("snp/virtee-sev_milan/vcek.der"));
  BOOST_TEST(der.exit_code == 5);
  BOOST_TEST(der.err.find("it looks like a DER certificate, not a report: certificates go with --certs") !=
                 std::string::npos,
             der.err);
  RunResult other = verify("/dev/null");
  BOOST_TEST(other.err.find("it looks like") == std::string::npos, other.err);
}

BOOST_AUTO_TEST_CASE(errors_lists_every_name) {
  RunResult r = run(attest() + " errors");
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.find(" 30  DebugMode") != std::string::npos);
  BOOST_TEST(r.out.find(" 51  NonCompliantUvm") != std::string::npos);
}

// An agent (or anything on the network) chooses the text of its error message. Printed
// raw, "\x1b[2K\r" erases the line and "OK: attested" takes its place; every byte of
// network text that could steer a terminal is printed as visible "\xNN" instead.
BOOST_AUTO_TEST_CASE(an_agent_error_message_cannot_steer_the_terminal) {
  auto agent = net_test::start_server(net_test::tls_options(), [](const net::HttpRequest&) {
    Json::Value e(Json::objectValue);
    e["error"]["code"] = "DeviceError";
    e["error"]["message"] = "\x1b[2K\rOK: attested \xc2\x9b" "31m\x7f caf\xc3\xa9";
    return net::HttpResponse::json(503, e);
  });
  const std::string url = "https://127.0.0.1:" + std::to_string(agent->port());
  const std::string flags = " --maa " + std::string("https://sharedweu.weu.attest.azure.net --jwks ") +
                            vec("maa/maa_signing_keys.json");
  RunResult human = run(attest() + " connect " + url + flags);
  BOOST_TEST(human.exit_code == 70, human.err);  // the agent's own DeviceError keeps its name
  BOOST_TEST(human.err == "attest connect: DeviceError: the agent could not attest: "
                          "\\x1b[2K\\x0dOK: attested \\xc2\\x9b31m\\x7f caf\xc3\xa9\n");
  // JSON output escapes the same bytes as JSON does (\u001b), keeping the document valid.
  RunResult json = run(attest() + " connect " + url + flags + " --json");
  BOOST_TEST(json.exit_code == 70);
  BOOST_TEST(json.out.find('\x1b') == std::string::npos);
  BOOST_TEST(json.out.find("\xc2\x9b") == std::string::npos);
  auto v = parse_json(json.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["error"]["message"].asString().find("\x1b[2K\rOK: attested") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
