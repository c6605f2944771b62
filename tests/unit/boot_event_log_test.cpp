// The crypto-agile TCG event log (boot/event_log.h): parsing bounds, replay, descriptions.
#include <boost/test/unit_test.hpp>

#include "boot/event_log.h"
#include "boot/uefi_types.h"
#include "crypto/sha.h"
#include "tests/unit/boot_test_support.h"

namespace attestd::boot {
namespace {

using test::LogEvent;
using test::put32;
using test::write_log;

Bytes ascii(std::string_view s) { return to_bytes(as_bytes(s)); }
Bytes utf16z(std::string_view s) {
  Bytes b = ascii_to_utf16le(s);
  b.push_back(0);
  b.push_back(0);
  return b;
}
Bytes separator_data() { return Bytes(4, 0); }

std::string parse_error(const Bytes& log) {
  auto r = parse_event_log(log);
  return r ? "Ok" : r.error().describe();
}

// A UEFI_IMAGE_LOAD_EVENT whose device path ends in the file path \EFI\BOOT\BOOTX64.EFI.
Bytes image_load_event(std::string_view file) {
  Bytes path = {0x02, 0x01, 0x0C, 0x00, 0xD0, 0x41, 0x03, 0x0A, 0x00, 0x00, 0x00, 0x00};  // ACPI PciRoot(0)
  Bytes name = utf16z(file);
  path.push_back(0x04);
  path.push_back(0x04);
  test::put16(path, static_cast<std::uint16_t>(4 + name.size()));
  test::append(path, name);
  test::append(path, Bytes{0x7F, 0xFF, 0x04, 0x00});
  Bytes e(24, 0);
  for (int i = 0; i < 8; ++i) e.push_back(static_cast<std::uint8_t>(path.size() >> (8 * i)));
  test::append(e, path);
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_event_log)

BOOST_AUTO_TEST_CASE(parses_the_declared_algorithms_and_every_event) {
  auto log = parse_event_log(write_log({{4, kEvEfiAction, ascii("Calling EFI Application from Boot Option")},
                                        {4, kEvSeparator, separator_data()}}));
  BOOST_REQUIRE_MESSAGE(log.ok(), attestd::test::why(log));
  BOOST_TEST(log->algorithms.size() == 2u);
  BOOST_TEST(log->algorithms.at(kTpmAlgSha256) == 32);
  BOOST_REQUIRE(log->events.size() == 2u);
  BOOST_TEST(log->events[1].type == kEvSeparator);
  BOOST_TEST(hex_encode(log->events[1].sha256) == hex_encode(crypto::sha256(separator_data())));
}

BOOST_AUTO_TEST_CASE(replay_extends_each_pcr_from_zero) {
  Bytes d1 = crypto::sha256(ascii("a")), d2 = crypto::sha256(ascii("b"));
  auto log = parse_event_log(write_log({{4, kEvEfiAction, ascii("a")}, {4, kEvEfiAction, ascii("b")}}));
  BOOST_REQUIRE(log.ok());
  Bytes pcr(32, 0);
  for (const Bytes& d : {d1, d2}) {
    Bytes joined = pcr;
    test::append(joined, d);
    pcr = crypto::sha256(joined);
  }
  auto pcrs = replay_sha256(*log);
  BOOST_TEST(pcrs.size() == 1u);
  BOOST_TEST(hex_encode(pcrs.at(4)) == hex_encode(pcr));
}

BOOST_AUTO_TEST_CASE(replay_starts_pcr0_at_the_startup_locality_and_skips_no_action_events) {
  Bytes locality = ascii(std::string_view("StartupLocality\0", 16));
  locality.push_back(3);
  Bytes crtm = utf16z("OVMF");
  auto log = parse_event_log(write_log({{0, kEvNoAction, locality}, {0, kEvSCrtmVersion, crtm}}));
  BOOST_REQUIRE_MESSAGE(log.ok(), attestd::test::why(log));
  BOOST_TEST(log->startup_locality == 3);
  Bytes start(32, 0);
  start[31] = 3;
  test::append(start, crypto::sha256(crtm));
  BOOST_TEST(hex_encode(replay_sha256(*log).at(0)) == hex_encode(crypto::sha256(start)));
}

BOOST_AUTO_TEST_CASE(rejects_a_log_that_does_not_start_with_the_spec_id_event) {
  Bytes log = write_log({});
  log[0] = 1;  // PCR 1
  BOOST_TEST(parse_error(log).find("MalformedInput: event log: the Spec ID header event: PCR 1") == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_an_algorithm_list_without_sha256) {
  BOOST_TEST(parse_error(write_log({}, {{0x0004, 20}})) ==
             "MalformedInput: event log: the Spec ID header event: the algorithm list has no SHA-256 (0x000b)");
}

BOOST_AUTO_TEST_CASE(rejects_an_algorithm_listed_twice) {
  BOOST_TEST(parse_error(write_log({}, {{0x000B, 32}, {0x000B, 32}})) ==
             "MalformedInput: event log: the Spec ID header event: algorithm 0x000b is listed twice");
}

BOOST_AUTO_TEST_CASE(rejects_a_digest_size_that_disagrees_with_the_algorithm) {
  BOOST_TEST(parse_error(write_log({}, {{0x000B, 20}})) ==
             "MalformedInput: event log: the Spec ID header event: algorithm 0x000b declares digestSize 20, not 32");
}

BOOST_AUTO_TEST_CASE(rejects_a_pcr_over_23_naming_the_event) {
  Bytes log = write_log({{24, kEvEfiAction, ascii("x")}});
  BOOST_TEST(parse_error(log).find("MalformedInput: event log: event 0 at offset ") == 0u);
  BOOST_TEST(parse_error(log).find("PCRIndex 24 is over 23") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_an_event_with_fewer_digests_than_declared) {
  Bytes log = write_log({{4, kEvEfiAction, ascii("x")}});
  Bytes header = write_log({});
  log[header.size() + 8] = 1;  // the digests count
  BOOST_TEST(parse_error(log).find("1 digests, but the Spec ID event declares 2 algorithms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_a_truncated_event_naming_the_field) {
  Bytes log = write_log({{4, kEvEfiAction, ascii("Calling")}});
  log.pop_back();
  BOOST_TEST(parse_error(log).find("event data: truncated (7 bytes needed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_event_data_over_the_bound) {
  Bytes log = write_log({{4, kEvEfiAction, Bytes(kMaxEventDataBytes + 1, 'a')}});
  BOOST_TEST(parse_error(log).find("EventSize 262145 is over 262144") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_more_than_the_maximum_number_of_events) {
  std::vector<LogEvent> many(kMaxEvents + 1, LogEvent{4, kEvEfiAction, {}, {}});
  BOOST_TEST(parse_error(write_log(many)) == "MalformedInput: event log: more than 4096 events");
}

BOOST_AUTO_TEST_CASE(rejects_a_log_over_the_size_bound) {
  BOOST_TEST(parse_error(Bytes(kMaxEventLogBytes + 1, 0)).find("over the limit of 1048576") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_event_types_and_unknown_ones_in_hex) {
  BOOST_TEST(event_type_name(kEvEfiBootServicesApplication) == "EV_EFI_BOOT_SERVICES_APPLICATION");
  BOOST_TEST(event_type_name(0x800000ff) == "0x800000ff");
}

BOOST_AUTO_TEST_CASE(describes_a_variable_by_its_name) {
  Event e{0, 0, 7, kEvEfiVariableDriverConfig, {}, encode_variable_data(kEfiGlobalVariable, "SecureBoot", Bytes{1})};
  BOOST_TEST(describe_event(e) == "SecureBoot");
}

BOOST_AUTO_TEST_CASE(describes_an_application_by_its_file_path) {
  Event e{0, 0, 4, kEvEfiBootServicesApplication, {}, image_load_event("\\EFI\\BOOT\\BOOTX64.EFI")};
  BOOST_TEST(describe_event(e) == "\\EFI\\BOOT\\BOOTX64.EFI");
}

BOOST_AUTO_TEST_CASE(describes_an_action_by_its_string_made_terminal_safe) {
  Event e{0, 0, 4, kEvEfiAction, {}, ascii("Calling\x1b[2J")};
  BOOST_TEST(describe_event(e) == "Calling\\x1b[2J");
}

BOOST_AUTO_TEST_CASE(describes_a_systemd_stub_event_by_its_section) {
  Event e{0, 0, 11, kEvIpl, {}, utf16z(".cmdline")};
  BOOST_TEST(describe_event(e) == ".cmdline");
}

BOOST_AUTO_TEST_CASE(describes_separators_and_error_separators) {
  BOOST_TEST(describe_event(Event{0, 0, 4, kEvSeparator, {}, separator_data()}) == "separator");
  BOOST_TEST(describe_event(Event{0, 0, 4, kEvSeparator, {}, Bytes{1, 0, 0, 0}}) == "separator error (01000000)");
}

BOOST_AUTO_TEST_CASE(describes_a_malformed_image_load_event_without_failing) {
  Bytes data = image_load_event("\\A.EFI");
  data[24] = 0xFF;  // the device path length now overruns the event
  BOOST_TEST(describe_event(Event{0, 0, 4, kEvEfiBootServicesApplication, {}, data}) ==
             "malformed UEFI_IMAGE_LOAD_EVENT: device path overruns the event");
}

BOOST_AUTO_TEST_CASE(secure_boot_is_read_from_the_pcr7_secureboot_variable) {
  auto on = parse_event_log(write_log({{7, kEvEfiVariableDriverConfig, encode_variable_data(kEfiGlobalVariable, "SecureBoot", Bytes{1})}}));
  auto off = parse_event_log(write_log({{7, kEvEfiVariableDriverConfig, encode_variable_data(kEfiGlobalVariable, "SecureBoot", Bytes{})}}));
  auto none = parse_event_log(write_log({{4, kEvSeparator, separator_data()}}));
  BOOST_REQUIRE(on.ok() && off.ok() && none.ok());
  BOOST_TEST(secure_boot_enabled(*on).value_or(false) == true);
  BOOST_TEST(secure_boot_enabled(*off).value_or(true) == false);
  BOOST_TEST(!secure_boot_enabled(*none).has_value());
}

BOOST_AUTO_TEST_CASE(first_difference_names_the_changed_section) {
  auto log = parse_event_log(write_log({{11, kEvIpl, utf16z(".cmdline"), crypto::sha256(ascii(std::string_view(".cmdline\0", 9)))},
                                        {11, kEvIpl, utf16z(".cmdline"), crypto::sha256(ascii("quiet"))}}));
  BOOST_REQUIRE(log.ok());
  std::vector<ExpectedEvent> expected = {
      {11, kEvIpl, crypto::sha256(ascii(std::string_view(".cmdline\0", 9))), ".cmdline"},
      {11, kEvIpl, crypto::sha256(ascii("console=ttyS0")), ".cmdline"}};
  BOOST_TEST(first_difference(*log, 11, expected).value_or("none") == "section .cmdline differs");
  expected[1].sha256 = crypto::sha256(ascii("quiet"));
  BOOST_TEST(!first_difference(*log, 11, expected).has_value());
}

BOOST_AUTO_TEST_CASE(first_difference_names_an_extra_and_a_missing_event) {
  auto log = parse_event_log(write_log({{4, kEvSeparator, separator_data()}, {4, kEvEfiAction, ascii("extra")}}));
  BOOST_REQUIRE(log.ok());
  std::vector<ExpectedEvent> one = {{4, kEvSeparator, crypto::sha256(separator_data()), "separator"}};
  BOOST_TEST(first_difference(*log, 4, one).value_or("none") == "an extra event EV_EFI_ACTION (\"extra\")");
  std::vector<ExpectedEvent> three = one;
  three.push_back({4, kEvEfiAction, crypto::sha256(ascii("extra")), "extra"});
  three.push_back({4, kEvEfiBootServicesApplication, Bytes(32, 1), "\\EFI\\BOOT\\BOOTX64.EFI"});
  BOOST_TEST(first_difference(*log, 4, three).value_or("none") == "the event \"\\EFI\\BOOT\\BOOTX64.EFI\" is missing");
}

BOOST_AUTO_TEST_CASE(every_type_name_reads_back_and_pcr_indexes_are_0_to_23) {
  for (std::uint32_t t : {0x0u, 0x7u, 0x12u, 0x80000001u, 0x80000005u, 0x80000010u, 0x800000E2u, 0x800000FFu, 0x13u}) {
    BOOST_TEST((boot::event_type_from_name(boot::event_type_name(t)) == std::optional<std::uint32_t>(t)),
               boot::event_type_name(t));
  }
  BOOST_TEST(!boot::event_type_from_name("EV_NOPE"));
  BOOST_TEST(!boot::event_type_from_name("0x8000000A0"));
  BOOST_TEST(!boot::event_type_from_name("0X80000001"));
  BOOST_TEST((boot::parse_pcr_index("0") == std::optional<unsigned>(0)));
  BOOST_TEST((boot::parse_pcr_index("23") == std::optional<unsigned>(23)));
  for (const char* bad : {"", "24", "04", "-1", "1a", "100", " 1"}) BOOST_TEST(!boot::parse_pcr_index(bad), bad);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::boot
