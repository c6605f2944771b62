// The expected PCRs of a UKI boot (boot/expected_boot.h), against a real boot's event log
// (tests/data/boot) and against systemd's own systemd-measure.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "boot/expected_boot.h"
#include "tests/unit/boot_test_support.h"

namespace attestd::boot {
namespace {

using test::read_or_throw;

std::string fixture(const std::string& name) { return attestd::test::src_dir() + "/tests/data/boot/" + name; }

EventLog real_log(const std::string& name = "eventlog-sb-on.bin") {
  auto log = parse_event_log(read_or_throw(fixture(name)));
  if (!log) throw std::runtime_error(log.error().describe());
  return std::move(log).value();
}

// PCR index -> lowercase hex from "PCR sha256 N HEX" lines.
std::map<unsigned, std::string> real_pcrs(const std::string& name = "pcrs-sb-on.txt") {
  Bytes text = read_or_throw(fixture(name));
  std::istringstream in(std::string(text.begin(), text.end()));
  std::map<unsigned, std::string> out;
  std::string pcr_word, bank, hex;
  unsigned index;
  while (in >> pcr_word >> bank >> index >> hex) {
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[index] = hex;
  }
  return out;
}

struct Measured {
  PeImage uki;
  UefiVariableStore vars;
};

Measured measured(const test::TestUki& u, const std::string& vars_path) {
  auto uki = PeImage::parse(read_or_throw(u.signed_efi));
  auto vars = UefiVariableStore::parse(read_or_throw(vars_path));
  if (!uki || !vars) throw std::runtime_error("test inputs do not parse");
  return {std::move(uki).value(), std::move(vars).value()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_expected)

BOOST_AUTO_TEST_CASE(the_real_log_replays_to_every_pcr_the_tpm_held) {
  auto replayed = replay_sha256(real_log());
  auto tpm = real_pcrs();
  BOOST_REQUIRE(tpm.size() == 16u);
  for (unsigned pcr : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 9u, 11u}) {
    BOOST_REQUIRE_MESSAGE(replayed.count(pcr), "PCR " << pcr);
    BOOST_TEST(hex_encode(replayed.at(pcr)) == tpm.at(pcr), "PCR " << pcr);
  }
}

BOOST_AUTO_TEST_CASE(the_real_secure_boot_off_log_replays_to_every_pcr_the_tpm_held) {
  auto replayed = replay_sha256(real_log("eventlog-sb-off.bin"));
  auto tpm = real_pcrs("pcrs-sb-off.txt");
  for (unsigned pcr : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 9u, 11u}) {
    BOOST_TEST(hex_encode(replayed.at(pcr)) == tpm.at(pcr), "PCR " << pcr);
  }
}

BOOST_AUTO_TEST_CASE(the_real_logs_say_whether_secure_boot_was_on) {
  BOOST_TEST(secure_boot_enabled(real_log()).value_or(false) == true);
  BOOST_TEST(secure_boot_enabled(real_log("eventlog-sb-off.bin")).value_or(true) == false);
}

BOOST_AUTO_TEST_CASE(pcr7_with_secure_boot_off_is_exactly_the_real_boots_from_the_plain_vars) {
  auto m = measured(test::build_uki("expected-pcr7-off"), test::kPlainVars);
  auto expected = expected_pcr7(m.uki, m.vars, false);
  BOOST_REQUIRE(expected.ok());
  BOOST_TEST(first_difference(real_log("eventlog-sb-off.bin"), 7, *expected).value_or("none") == "none");
  BOOST_TEST(hex_encode(replay_expected(*expected)) == real_pcrs("pcrs-sb-off.txt").at(7));
}

BOOST_AUTO_TEST_CASE(pcr4_with_secure_boot_off_adds_the_kernel_the_stub_loads) {
  auto m = measured(test::build_uki("expected-pcr4-off"), test::kPlainVars);
  auto pcr4 = expected_pcr4(m.uki, kDefaultEfiPath, false);
  BOOST_REQUIRE_MESSAGE(pcr4.ok(), attestd::test::why(pcr4));
  auto expected = *pcr4;
  BOOST_REQUIRE(expected.size() == 4u);
  auto stub = PeImage::parse(read_or_throw(test::kStub));  // the test UKI's .linux
  BOOST_REQUIRE(stub.ok());
  BOOST_TEST(hex_encode(expected[3].sha256) == hex_encode(stub->authenticode_sha256()));
  EventLog log = real_log("eventlog-sb-off.bin");
  const Event* kernel = nullptr;
  for (const auto& e : log.events) {
    if (e.pcr == 4 && e.type == kEvEfiBootServicesApplication) kernel = &e;
  }
  BOOST_REQUIRE(kernel != nullptr);
  BOOST_TEST(describe_event(*kernel) == kStubKernelDevicePath);
  // With the real UKI's and its kernel's digests (tests/data/boot/README.md): the real PCR 4.
  expected[2].sha256 = *hex_decode("ff51340f01d0a29991cff1adc7cc17b35290da55bd4f481a19b03de294660a87");
  expected[3].sha256 = *hex_decode("76d6b8d71b6bbaeb757af1edf1174edeae0e4c95e82c3e1da827d4f447f3edef");
  BOOST_TEST(first_difference(log, 4, expected).value_or("none") == "none");
  BOOST_TEST(hex_encode(replay_expected(expected)) == real_pcrs("pcrs-sb-off.txt").at(4));
}

BOOST_AUTO_TEST_CASE(pcr7_is_exactly_the_real_boots_for_a_uki_signed_with_the_snakeoil_key) {
  // PCR 7 depends on the VARS and on the db entry that verified the UKI, not on the UKI:
  // any snakeoil-signed UKI yields the real boot's events.
  auto m = measured(test::build_uki("expected-pcr7"), test::kSnakeoilVars);
  auto expected = expected_pcr7(m.uki, m.vars, true);
  BOOST_REQUIRE_MESSAGE(expected.ok(), attestd::test::why(expected));
  EventLog log = real_log();
  BOOST_TEST(first_difference(log, 7, *expected).value_or("none") == "none");
  BOOST_TEST(hex_encode(replay_expected(*expected)) == real_pcrs().at(7));
  for (std::size_t i = 0, j = 0; i < log.events.size(); ++i) {
    if (log.events[i].pcr != 7) continue;
    BOOST_TEST(describe_event(log.events[i]) == (*expected)[j++].description);
  }
}

BOOST_AUTO_TEST_CASE(pcr4_differs_from_the_real_boot_only_in_the_application_digest) {
  auto m = measured(test::build_uki("expected-pcr4"), test::kSnakeoilVars);
  auto pcr4 = expected_pcr4(m.uki, kDefaultEfiPath, true);
  BOOST_REQUIRE(pcr4.ok());
  auto expected = *pcr4;
  BOOST_TEST(first_difference(real_log(), 4, expected).value_or("none") ==
             "the event EV_EFI_BOOT_SERVICES_APPLICATION (\"\\EFI\\BOOT\\BOOTX64.EFI\") differs");
  // With the real UKI's Authenticode digest (tests/data/boot/README.md) it is the real PCR 4.
  expected[2].sha256 = *hex_decode("ff51340f01d0a29991cff1adc7cc17b35290da55bd4f481a19b03de294660a87");
  BOOST_TEST(first_difference(real_log(), 4, expected).value_or("none") == "none");
  BOOST_TEST(hex_encode(replay_expected(expected)) == real_pcrs().at(4));
}

BOOST_AUTO_TEST_CASE(pcr11_measures_section_names_as_the_real_stub_did_and_names_the_first_changed_section) {
  auto m = measured(test::build_uki("expected-pcr11"), test::kSnakeoilVars);
  auto expected = expected_pcr11(m.uki);
  BOOST_REQUIRE(expected.size() == 8u);  // .linux .osrel .cmdline .initrd: name, contents
  EventLog log = real_log();
  std::vector<const Event*> real;
  for (const auto& e : log.events) {
    if (e.pcr == 11) real.push_back(&e);
  }
  BOOST_REQUIRE(real.size() == expected.size());
  for (std::size_t i = 0; i < real.size(); i += 2) {
    BOOST_TEST(hex_encode(real[i]->sha256) == hex_encode(expected[i].sha256), expected[i].description);
    BOOST_TEST(describe_event(*real[i]) == expected[i].description);
    BOOST_TEST(describe_event(*real[i + 1]) == expected[i + 1].description);
  }
  BOOST_TEST(first_difference(log, 11, expected).value_or("none") == "section .linux differs");
}

BOOST_AUTO_TEST_CASE(pcr11_agrees_with_systemd_measure) {
  auto u = test::build_uki("expected-systemd-measure");
  auto m = measured(u, test::kSnakeoilVars);
  // --phase= : the stub's measurements alone, without systemd-pcrphase's later strings.
  auto r = attestd::test::run("/usr/lib/systemd/systemd-measure calculate --linux=" + u.linux + " --osrel=" + u.osrel +
                              " --cmdline=" + u.cmdline + " --initrd=" + u.initrd + " --bank=sha256 --phase=");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "11:sha256=" + hex_encode(replay_expected(expected_pcr11(m.uki))) + "\n");
}

BOOST_AUTO_TEST_CASE(a_changed_command_line_changes_only_pcr11_and_its_cmdline_event) {
  auto a = measured(test::build_uki("expected-cmdline-a", "console=ttyS0"), test::kSnakeoilVars);
  auto b = measured(test::build_uki("expected-cmdline-b", "console=ttyS0 init=/bin/sh"), test::kSnakeoilVars);
  auto ea = expected_pcr11(a.uki), eb = expected_pcr11(b.uki);
  BOOST_REQUIRE(ea.size() == eb.size());
  for (std::size_t i = 0; i < ea.size(); ++i) {
    bool is_cmdline_contents = ea[i].description == ".cmdline" && i % 2 == 1;
    BOOST_TEST((ea[i].sha256 != eb[i].sha256) == is_cmdline_contents, i);
  }
}

BOOST_AUTO_TEST_CASE(secure_boot_on_needs_a_db_certificate_that_verifies_the_uki) {
  auto m = measured(test::build_uki("expected-no-db"), test::kPlainVars);
  auto r = expected_pcr7(m.uki, m.vars, true);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() == "MalformedInput: Secure Boot on, but the VARS file has no db variable");
}

BOOST_AUTO_TEST_CASE(secure_boot_off_measures_no_authority) {
  auto m = measured(test::build_uki("expected-sb-off"), test::kSnakeoilVars);
  auto r = expected_pcr7(m.uki, m.vars, false);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->back().type == kEvSeparator);
  BOOST_TEST(hex_encode(r->front().sha256) ==
             hex_encode(crypto::sha256(encode_variable_data(kEfiGlobalVariable, "SecureBoot", Bytes{0}))));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::boot
