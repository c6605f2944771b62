// The measured boot's policy keys (docs/policy.md: pcrs, secure_boot, boot_events) and
// check_boot_policy over the genuine Secure Boot log (tests/data/boot).
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "boot/event_log.h"
#include "core/file.h"
#include "tests/support.h"
#include "verify/policy.h"

using namespace attestd;
using namespace attestd::verify;

namespace {

boot::EventLog genuine_log(const char* name = "eventlog-sb-on.bin") {
  auto bytes = read_file(std::string(std::getenv("ATTESTD_SRC")) + "/tests/data/boot/" + name);
  BOOST_REQUIRE(bytes.ok());
  auto log = boot::parse_event_log(*bytes);
  BOOST_REQUIRE(log.ok());
  return std::move(log).value();
}

std::string policy_error(const std::string& json) {
  auto p = parse_policy(json);
  return p ? "accepted" : p.error().describe();
}

const std::string kHex(64, 'a');

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_boot_policy)

BOOST_AUTO_TEST_CASE(pcrs_secure_boot_and_boot_events_parse) {
  auto p = parse_policy(R"({"pcrs": {"4": [")" + kHex + R"("], "11": [")" + kHex + R"(", ")" + std::string(64, 'b') +
                        R"("]}, "secure_boot": false, "boot_events": {"11": [{"type": "EV_IPL", "digest": ")" + kHex +
                        R"(", "description": ".linux"}]}})");
  BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
  BOOST_TEST(p->pcrs.size() == 2u);
  BOOST_TEST(p->pcrs.at(11).size() == 2u);
  BOOST_TEST(!p->require_secure_boot);
  BOOST_TEST(p->boot_events.at(11).at(0).type == boot::kEvIpl);
  BOOST_TEST(p->boot_events.at(11).at(0).description == ".linux");
  BOOST_TEST(default_policy().require_secure_boot);
}

BOOST_AUTO_TEST_CASE(malformed_boot_keys_are_named) {
  BOOST_TEST(policy_error(R"({"pcrs": {"24": [")" + kHex + R"("]}})") ==
             "MalformedPolicy: policy key 'pcrs.24': is not a PCR index (0-23)");
  BOOST_TEST(policy_error(R"({"pcrs": {"04": [")" + kHex + R"("]}})") ==
             "MalformedPolicy: policy key 'pcrs.04': is not a PCR index (0-23)");
  BOOST_TEST(policy_error(R"({"pcrs": {"4": []}})") ==
             "MalformedPolicy: policy key 'pcrs.4': must be a non-empty list of SHA-256 values (hex)");
  BOOST_TEST(policy_error(R"({"pcrs": {"4": ["abcd"]}})").find("pcrs.4[0]") != std::string::npos);
  BOOST_TEST(policy_error(R"({"secure_boot": "yes"})").find("'secure_boot'") != std::string::npos);
  BOOST_TEST(policy_error(R"({"boot_events": {"11": [{"type": "EV_NOPE", "digest": ")" + kHex +
                          R"(", "description": "x"}]}})") ==
             "MalformedPolicy: policy key 'boot_events.11[0].type': 'EV_NOPE' is not an event type name");
  BOOST_TEST(policy_error(R"({"boot_events": {"11": [{"type": "EV_IPL", "digest": ")" + kHex + R"("}]}})")
                 .find("boot_events.11[0]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(secure_boot_is_required_by_default_and_read_from_pcr_7) {
  boot::EventLog on = genuine_log(), off = genuine_log("eventlog-sb-off.bin");
  Policy p = default_policy();
  BOOST_TEST(check_boot_policy(p, {{}, boot::secure_boot_enabled(on), &on}).ok());
  Status s = check_boot_policy(p, {{}, boot::secure_boot_enabled(off), &off});
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().describe() ==
             "SecureBootDisabled: the firmware measured SecureBoot = 0: the guest booted without Secure Boot");
  s = check_boot_policy(p, {{}, std::nullopt, nullptr});
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().name() == "SecureBootDisabled");
  p.require_secure_boot = false;
  BOOST_TEST(check_boot_policy(p, {{}, false, &off}).ok());
}

BOOST_AUTO_TEST_CASE(secure_boot_data_that_its_digest_does_not_prove_is_not_believed) {
  // A hostile agent keeps the genuine digest of "SecureBoot = 0" (so the log still
  // replays to the quoted PCR 7) and rewrites the event's data to 1.
  boot::EventLog off = genuine_log("eventlog-sb-off.bin");
  BOOST_REQUIRE(boot::secure_boot_enabled(off) == std::optional<bool>(false));
  bool forged = false;
  for (boot::Event& e : off.events) {
    if (e.pcr == 7 && e.type == boot::kEvEfiVariableDriverConfig && boot::describe_event(e) == "SecureBoot") {
      BOOST_REQUIRE(!e.data.empty());
      e.data.back() = 1;
      forged = true;
      break;
    }
  }
  BOOST_REQUIRE(forged);
  BOOST_TEST(!boot::secure_boot_enabled(off).has_value());
  Status s = check_boot_policy(default_policy(), {{}, boot::secure_boot_enabled(off), &off});
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().name() == "SecureBootDisabled");
  // A second SecureBoot event (appended later, e.g. after a runtime extend) is not believed either.
  boot::EventLog on = genuine_log();
  for (const boot::Event& e : on.events) {
    if (e.pcr == 7 && boot::describe_event(e) == "SecureBoot") {
      on.events.insert(on.events.begin(), e);
      break;
    }
  }
  BOOST_TEST(!boot::secure_boot_enabled(on).has_value());
}

BOOST_AUTO_TEST_CASE(a_pcr_outside_the_allowed_values_is_named_with_its_first_differing_event) {
  boot::EventLog log = genuine_log();
  auto replayed = boot::replay_sha256(log);
  Policy p = default_policy();
  p.pcrs[4] = {replayed.at(4)};
  p.pcrs[11] = {Bytes(32, 0xAA)};
  BootFacts facts{replayed, true, &log};
  Status s = check_boot_policy(p, facts);
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().describe() == "PcrMismatch: PCR 11 is " + hex_encode(replayed.at(11)) + ", not an allowed value");
  // With the expected events: the one that differs is named.
  std::vector<boot::ExpectedEvent> expected;
  for (const boot::Event& e : log.events) {
    if (e.pcr == 11) expected.push_back({11, e.type, e.sha256, boot::describe_event(e)});
  }
  BOOST_REQUIRE(expected.size() == 8u);
  expected[5].sha256[0] ^= 1;  // name, contents of .linux .osrel .cmdline: [5] is .cmdline's contents
  p.boot_events[11] = expected;
  s = check_boot_policy(p, facts);
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().message().find("PCR 11: section .cmdline differs") == 0, s.error().message());
  // Another UKI changes PCR 4 and PCR 11 together: both are named, PCR 11 by its section.
  p.pcrs[4] = {Bytes(32, 0xBB)};
  s = check_boot_policy(p, facts);
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().message().find("PCR 4 is " + hex_encode(replayed.at(4)) + ", not an allowed value; PCR 11: "
                                      "section .cmdline differs") == 0,
             s.error().message());
  // A pinned PCR the quote does not cover.
  p.pcrs = {{14, {Bytes(32, 0)}}};
  s = check_boot_policy(p, {{{4, replayed.at(4)}}, true, &log});
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().describe() == "PcrMismatch: PCR 14 is pinned by the policy but not quoted");
}

BOOST_AUTO_TEST_SUITE_END()
