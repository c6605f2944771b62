#include <boost/test/unit_test.hpp>

#include "tests/support.h"
#include "verify/policy.h"

using namespace attestd;
using namespace attestd::verify;

namespace {

// A guest that every policy in these tests accepts unless a test changes one fact.
GuestFacts good_guest() {
  GuestFacts f;
  f.product = snp::Product::Milan;
  f.smt_allowed = true;
  f.smt_enabled = true;
  f.vmpl = 0;
  f.guest_svn = 2;
  f.reported_tcb = {0, 3, 0, 8, 115};
  f.firmware = snp::FirmwareVersion{1, 55, 21};
  f.measurement = Bytes(48, 0xAA);
  f.host_data = Bytes(32, 0x11);
  f.report_data = Bytes(64, 0);
  f.report_data[0] = 0x42;
  f.id_key_digest = Bytes(48, 0x01);
  f.author_key_digest = Bytes(48, 0x02);
  return f;
}

std::string verdict(const std::string& json, const GuestFacts& f) {
  auto p = parse_policy(json);
  if (!p) return "policy: " + p.error().describe();
  Status s = check_policy(*p, f);
  return s ? "ok" : std::string(s.error().name());
}

std::string policy_error(const std::string& json) {
  auto p = parse_policy(json);
  return p ? "accepted" : p.error().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_policy)

BOOST_AUTO_TEST_CASE(the_default_policy_accepts_a_production_guest_and_rejects_debug_first) {
  GuestFacts f = good_guest();
  BOOST_TEST(check_policy(default_policy(), f).ok());
  f.debug_allowed = true;
  f.migrate_ma_allowed = true;  // debug is reported before anything else
  Status s = check_policy(default_policy(), f);
  BOOST_TEST(s.error().name() == "DebugMode");
  BOOST_TEST(s.error().message().rfind("Attestation validation failed (enclave is in debug mode)", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(allow_debug_lets_a_debuggable_guest_through) {
  GuestFacts f = good_guest();
  f.debug_allowed = true;
  BOOST_TEST(verdict(R"({"allow_debug": true})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(a_migration_agent_is_refused_unless_allowed) {
  GuestFacts f = good_guest();
  f.migrate_ma_allowed = true;
  BOOST_TEST(verdict("{}", f) == "MigrationAgentAllowed");
  BOOST_TEST(verdict(R"({"allow_migration_agent": true})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(smt_forbidden_rejects_smt_enabled_or_allowed) {
  GuestFacts f = good_guest();
  BOOST_TEST(verdict(R"({"allow_smt": false})", f) == "SmtNotAllowed");
  f.smt_enabled = false;
  BOOST_TEST(verdict(R"({"allow_smt": false})", f) == "SmtNotAllowed");
  f.smt_allowed = false;
  BOOST_TEST(verdict(R"({"allow_smt": false})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(vmpl_must_be_listed) {
  GuestFacts f = good_guest();
  f.vmpl = 2;
  BOOST_TEST(verdict(R"({"vmpls": [0]})", f) == "VmplMismatch");
  BOOST_TEST(verdict(R"({"vmpls": [0, 2]})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(each_tcb_component_has_a_minimum) {
  GuestFacts f = good_guest();
  BOOST_TEST(verdict(R"({"min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}})", f) == "ok");
  BOOST_TEST(verdict(R"({"min_tcb": {"snp": 9}})", f) == "TcbTooLow");
  BOOST_TEST(verdict(R"({"min_tcb": {"microcode": 116}})", f) == "TcbTooLow");
  BOOST_TEST(verdict(R"({"min_tcb": {"fmc": 1}})", f) == "TcbTooLow");
}

BOOST_AUTO_TEST_CASE(guest_svn_and_firmware_minimums) {
  GuestFacts f = good_guest();
  BOOST_TEST(verdict(R"({"min_guest_svn": 3})", f) == "GuestSvnTooLow");
  BOOST_TEST(verdict(R"({"min_guest_svn": 2, "min_firmware": "1.55.21"})", f) == "ok");
  BOOST_TEST(verdict(R"({"min_firmware": "1.55.22"})", f) == "FirmwareTooOld");
  BOOST_TEST(verdict(R"({"min_firmware": "1.56.0"})", f) == "FirmwareTooOld");
}

BOOST_AUTO_TEST_CASE(measurement_must_be_in_the_allow_list) {
  GuestFacts f = good_guest();
  std::string aa(96, 'a'), bb(96, 'b');
  BOOST_TEST(verdict(R"({"measurements": [")" + bb + R"("]})", f) == "MeasurementMismatch");
  BOOST_TEST(verdict(R"({"measurements": [")" + bb + R"(", ")" + aa + R"("]})", f) == "ok");
}

BOOST_AUTO_TEST_CASE(host_data_report_data_and_key_digests_must_match) {
  GuestFacts f = good_guest();
  BOOST_TEST(verdict(R"({"host_data": ")" + std::string(64, '1') + R"("})", f) == "ok");
  BOOST_TEST(verdict(R"({"host_data": ")" + std::string(64, '2') + R"("})", f) == "HostDataMismatch");
  BOOST_TEST(verdict(R"({"report_data": "42"})", f) == "ok");
  BOOST_TEST(verdict(R"({"report_data": "4200"})", f) == "ok");
  BOOST_TEST(verdict(R"({"report_data": "43"})", f) == "ReportDataMismatch");
  f.report_data[63] = 1;  // bytes past the given prefix must be zero
  BOOST_TEST(verdict(R"({"report_data": "42"})", f) == "ReportDataMismatch");
  f = good_guest();
  BOOST_TEST(verdict(R"({"id_key_digests": [")" + std::string(96, '0') + R"("]})", f) == "IdKeyMismatch");
  BOOST_TEST(verdict(R"({"author_key_digests": [")" + std::string(96, '0') + R"("]})", f) == "AuthorKeyMismatch");
}

BOOST_AUTO_TEST_CASE(malformed_policies_name_the_key_and_the_problem) {
  BOOST_TEST(policy_error(R"({"alow_debug": true})") == "policy key 'alow_debug': unknown key (see docs/policy.md)");
  BOOST_TEST(policy_error(R"({"allow_debug": "false"})") == "policy key 'allow_debug': must be true or false");
  BOOST_TEST(policy_error(R"({"vmpls": [4]})") == "policy key 'vmpls[0]': must be an integer from 0 to 3");
  BOOST_TEST(policy_error(R"({"vmpls": []})") == "policy key 'vmpls': must be a non-empty list of VMPLs (0-3)");
  BOOST_TEST(policy_error(R"({"measurements": ["abcd"]})") ==
             "policy key 'measurements[0]': must be 48 bytes (96 hex digits), got 2");
  BOOST_TEST(policy_error(R"({"min_tcb": {"ucode": 1}})") ==
             "policy key 'min_tcb.ucode': unknown TCB component (bootloader, tee, snp, microcode, fmc)");
  BOOST_TEST(policy_error(R"({"min_tcb": {"snp": 256}})") == "policy key 'min_tcb.snp': must be an integer from 0 to 255");
  BOOST_TEST(policy_error(R"({"min_guest_svn": -1})") == "policy key 'min_guest_svn': must be an integer from 0 to 4294967295");
  BOOST_TEST(policy_error(R"({"min_firmware": "1.55"})") == "policy key 'min_firmware': '1.55' is not major.minor.build");
  BOOST_TEST(policy_error(R"([])") == "policy must be a JSON object");
  BOOST_TEST(policy_error(R"({"comment": "free text is fine"})") == "accepted");
  auto p = parse_policy("{");
  BOOST_TEST(p.error().name() == "MalformedPolicy");
}

// JsonCpp's isUInt() is true for 1.0; a policy integer is one written as an integer.
BOOST_AUTO_TEST_CASE(integers_written_as_reals_are_refused_naming_the_key) {
  BOOST_TEST(policy_error(R"({"vmpls": [1.0]})") == "policy key 'vmpls[0]': must be an integer from 0 to 3");
  BOOST_TEST(policy_error(R"({"min_guest_svn": 2e0})") == "policy key 'min_guest_svn': must be an integer from 0 to 4294967295");
  BOOST_TEST(policy_error(R"({"min_tcb": {"snp": 8.0}})") == "policy key 'min_tcb.snp': must be an integer from 0 to 255");
}

BOOST_AUTO_TEST_CASE(the_vm_layer_keys_default_to_secure_boot_without_test_or_flight_signing_and_any_os) {
  Policy d = default_policy();
  BOOST_TEST(d.require_secure_boot);
  BOOST_TEST(!d.allow_test_signing);
  BOOST_TEST(!d.allow_flight_signing);
  BOOST_TEST(!d.os_type.has_value());
  auto p = parse_policy(R"({"allow_test_signing": true, "allow_flight_signing": true, "os_type": "Linux"})");
  BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
  BOOST_TEST(p->allow_test_signing);
  BOOST_TEST(p->allow_flight_signing);
  BOOST_TEST(*p->os_type == "Linux");
}

BOOST_AUTO_TEST_CASE(malformed_vm_layer_keys_name_the_key) {
  BOOST_TEST(policy_error(R"({"allow_test_signing": 1})") == "policy key 'allow_test_signing': must be true or false");
  BOOST_TEST(policy_error(R"({"allow_flight_signing": null})") ==
             "policy key 'allow_flight_signing': must be true or false");
  BOOST_TEST(policy_error(R"({"os_type": ""})") ==
             "policy key 'os_type': must be a non-empty string, e.g. \"Linux\" or \"Windows\"");
  BOOST_TEST(policy_error(R"({"os_type": ["Linux"]})") ==
             "policy key 'os_type': must be a non-empty string, e.g. \"Linux\" or \"Windows\"");
}

BOOST_AUTO_TEST_CASE(the_documented_example_policy_parses) {
  auto p = load_policy(test::src_dir() + "/docs/examples/policy.json");
  BOOST_REQUIRE_MESSAGE(p.ok(), test::why(p));
  BOOST_TEST(p->vmpls.size() == 1u);
  BOOST_TEST(!p->allow_debug);
}

BOOST_AUTO_TEST_SUITE_END()
