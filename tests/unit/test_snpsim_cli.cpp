// The snp-sim program (build/bin/snp-sim): its command line, and that it writes what the
// library makes.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "core/file.h"
#include "hal/snp/report.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/test_snpsim_support.h"

namespace attestd::snpsim {
namespace {

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr
};

// Runs snp-sim with `args` (already shell-safe: the tests use plain words and paths).
Run snp_sim(const std::string& args) {
  std::string program = attestd::test::bin_dir() + "/snp-sim";
  if (!std::filesystem::exists(program)) {
    throw std::runtime_error(program + " not found: run `make build/bin/snp-sim`");
  }
  FILE* p = ::popen((program + " " + args + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string scratch(const std::string& name) {
  std::string dir = attestd::test::tmp_dir() + "/snpsim_cli/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A bad command line: exit code 2 and a message naming what is wrong.
void expect_usage_error(const std::string& args, const std::string& message) {
  Run r = snp_sim(args);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.output, message), "output: " << r.output);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_cli)

BOOST_AUTO_TEST_CASE(help_prints_usage_and_exits_0) {
  Run r = snp_sim("--help");
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(contains(r.output, "usage: snp-sim keygen --out DIR"));
}

BOOST_AUTO_TEST_CASE(no_command_exits_2_with_usage) {
  expect_usage_error("", "usage:");
}

BOOST_AUTO_TEST_CASE(an_unknown_command_exits_2_naming_it) {
  expect_usage_error("sign", "snp-sim: Usage: unknown command 'sign'");
}

BOOST_AUTO_TEST_CASE(an_unknown_argument_exits_2_naming_it) {
  expect_usage_error("keygen --out /nonexistent --colour blue", "unknown argument '--colour'");
}

BOOST_AUTO_TEST_CASE(an_unknown_product_exits_2_naming_the_argument) {
  expect_usage_error("keygen --out /nonexistent --product Rome",
                     "--product: 'Rome' is not Milan, Genoa or Turin");
}

BOOST_AUTO_TEST_CASE(a_bad_tcb_component_exits_2_naming_the_argument) {
  expect_usage_error("keygen --out /nonexistent --tcb bl=3,fmc=1",
                     "--tcb: fmc exists on Turin only");
}

BOOST_AUTO_TEST_CASE(a_measurement_of_the_wrong_size_exits_2_naming_the_argument) {
  expect_usage_error("report --keys /nonexistent --out /nonexistent/r --measurement 0011",
                     "--measurement: 2 bytes, expected 48");
}

BOOST_AUTO_TEST_CASE(a_missing_value_exits_2_naming_the_argument) {
  expect_usage_error("report --keys", "--keys needs a value");
}

BOOST_AUTO_TEST_CASE(keygen_writes_the_identity_make_identity_makes) {
  std::string dir = scratch("keygen") + "/turin";
  Run r = snp_sim("keygen --out " + dir + " --product Turin");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  auto loaded = load_identity(dir);
  BOOST_REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? std::string() : loaded.error().describe()));
  const SimIdentity& expected = test::turin();
  BOOST_TEST(loaded->vcek.der() == expected.vcek.der(), boost::test_tools::per_element());
  BOOST_TEST(loaded->ark.der() == expected.ark.der(), boost::test_tools::per_element());
  BOOST_TEST(loaded->vcek_key.der() == expected.vcek_key.der(), boost::test_tools::per_element());
  BOOST_TEST((loaded->tcb == expected.tcb));
}

BOOST_AUTO_TEST_CASE(report_writes_a_report_signed_by_the_identitys_key) {
  const SimIdentity& id = test::milan();
  std::string dir = scratch("report");
  BOOST_REQUIRE(save_identity(id, dir + "/keys").ok());
  Run r = snp_sim("report --keys " + dir + "/keys --out " + dir +
                  "/report.bin --vlek --debug --vmpl 1 --guest-svn 9 --report-data abcd"
                  " --reported-tcb snp=9 --version 2");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  Bytes bytes = *read_file(dir + "/report.bin");
  auto report = snp::parse_report(bytes);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->version == 2u);
  BOOST_TEST(report->policy.raw == 0xB0000u);
  BOOST_TEST(report->vmpl == 1u);
  BOOST_TEST(report->guest_svn == 9u);
  BOOST_TEST(report->report_data[0] == 0xABu);
  BOOST_TEST(report->report_data[1] == 0xCDu);
  BOOST_TEST(all_zero(ByteView(report->report_data).subspan(2)));
  BOOST_TEST(report->reported_tcb == 0x7309000000000003u);
  BOOST_TEST((report->signer_info.signing_key() == snp::SigningKey::Vlek));
  Status sig = id.vlek.public_key().verify_digest(crypto::SignatureScheme::EcdsaSha384,
                                                  test::report_digest(bytes),
                                                  test::report_signature_rs(*report));
  BOOST_TEST(sig.ok());
}

BOOST_AUTO_TEST_CASE(paravisor_without_keys_exits_2_naming_the_argument) {
  expect_usage_error("paravisor --tpm /dev/tpmrm0", "paravisor needs --keys DIR");
}

BOOST_AUTO_TEST_CASE(paravisor_rejects_a_bad_report_field_before_touching_the_tpm) {
  expect_usage_error("paravisor --keys /nonexistent --tpm /nonexistent --measurement abcd",
                     "--measurement: 2 bytes, expected 48");
}

BOOST_AUTO_TEST_CASE(paravisor_refuses_a_report_time_over_a_minute_before_touching_the_tpm) {
  expect_usage_error("paravisor --keys /nonexistent --tpm /nonexistent --report-ms 60001",
                     "--report-ms: '60001' is not a number from 0 to 60000");
}

BOOST_AUTO_TEST_CASE(paravisor_on_a_missing_tpm_device_fails_with_device_error_naming_it) {
  std::string dir = scratch("paravisor");
  BOOST_REQUIRE(save_identity(test::milan(), dir + "/keys").ok());
  Run r = snp_sim("paravisor --keys " + dir + "/keys --tpm " + dir + "/no-tpm --ready-file " + dir + "/ready");
  BOOST_TEST(r.exit_code == 70);  // DeviceError
  BOOST_TEST(contains(r.output, "DeviceError: paravisor on " + dir + "/no-tpm"), "output: " << r.output);
  BOOST_TEST(!std::filesystem::exists(dir + "/ready"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
