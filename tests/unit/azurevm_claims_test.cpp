// The VM-layer claims of azurevm tokens (client/lib/azurevm_claims.h): read back from the
// genuine AzureGuest token, and derived from the genuine event logs of tests/data/boot.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "boot/event_log.h"
#include "boot/sipa.h"
#include "boot/uefi_types.h"
#include "client/lib/azurevm_claims.h"
#include "core/file.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::client;

namespace {

// The claims of tests/vectors/maa/azureguest_sharedweu_2023.jwt, as MAA signed them.
Json::Value genuine_claims() {
  std::string token = test::read_vector_text("maa/azureguest_sharedweu_2023.jwt");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  auto jws = crypto::parse_compact_jws(token);
  BOOST_REQUIRE(jws.ok());
  auto claims = parse_json(as_chars(jws->payload), "genuine token");
  BOOST_REQUIRE(claims.ok());
  return std::move(claims).value();
}

boot::EventLog genuine_log(const char* name) {
  auto bytes = read_file(std::string(std::getenv("ATTESTD_SRC")) + "/tests/data/boot/" + name);
  BOOST_REQUIRE(bytes.ok());
  auto log = boot::parse_event_log(*bytes);
  BOOST_REQUIRE(log.ok());
  return std::move(log).value();
}

// What maa-emu verified of a Linux guest that booted `log`, as the sim guest reports it.
AzureVmEvidence linux_evidence(const boot::EventLog& log) {
  AzureVmEvidence e;
  e.log = &log;
  e.attested_pcrs = {13, 0, 1, 2, 3, 4, 5, 6, 7, 11, 12};
  e.os_type = "Linux";
  e.os_distro = "Debian GNU/Linux";
  e.os_build = "NotApplicable";
  e.os_version_major = 12;
  e.os_version_minor = 0;
  e.vm_id = "70F5CE9A-2BDC-4B6B-8401-E9B964D3AEB7";
  e.protocol_version = "2.0";
  return e;
}

// SHA-256 of PCR 7's PK, KEK and db values in `log`: the keys OVMF's snakeoil VARS holds.
std::vector<Bytes> keys_of(const boot::EventLog& log) {
  std::vector<Bytes> out;
  for (const char* name : {"PK", "KEK", "db"}) out.push_back(crypto::sha256(*boot::secure_boot_variable(log, name)));
  return out;
}

// A SIPA event: type, size, data (wbcl.h), as Windows logs it inside EV_EVENT_TAG.
Bytes sipa(std::uint32_t type, const Bytes& data) {
  Bytes out;
  for (std::uint32_t v : {type, static_cast<std::uint32_t>(data.size())}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// The log with one more event: Windows' trust boundary holding `inner` SIPA events, in
// PCR 12 as Windows' boot manager logs its configuration, with the digest of its data.
boot::EventLog with_windows_config(boot::EventLog log, const Bytes& inner, bool proven = true) {
  boot::Event e;
  e.index = log.events.size();
  e.pcr = 12;
  e.type = boot::kEvEventTag;
  e.data = sipa(0x40010001, inner);  // SIPAEVENT_TRUSTBOUNDARY
  e.sha256 = crypto::sha256(proven ? e.data : Bytes{1});
  log.events.push_back(e);
  return log;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azurevm_claim_table)

BOOST_AUTO_TEST_CASE(the_genuine_azureguest_token_reads_back_as_its_vm_facts) {
  auto f = vm_facts_from_claims(genuine_claims());
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  BOOST_TEST(f->secure_boot);
  BOOST_TEST(f->protocol_version == "2.0");
  BOOST_TEST(f->attested_pcrs == (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13}),
             boost::test_tools::per_element());
  BOOST_TEST(!f->boot_debug);
  BOOST_TEST(!f->kernel_debug);
  BOOST_TEST(!f->hypervisor_debug);
  BOOST_TEST(f->debuggers_disabled);
  BOOST_TEST(f->db_validated);
  BOOST_TEST(f->dbx_validated);
  BOOST_TEST(f->default_keys_validated);
  BOOST_TEST(!f->elam_enabled);
  BOOST_TEST(!f->flight_signing);
  BOOST_TEST(!f->test_signing);
  BOOST_TEST(f->hvci_policy == 0);
  BOOST_TEST(f->is_windows);
  BOOST_TEST(f->os_build == "NotApplicable");
  BOOST_TEST(f->os_distro == "Microsoft");
  BOOST_TEST(f->os_type == "Windows");
  BOOST_TEST(f->os_version_major == 10);
  BOOST_TEST(f->os_version_minor == 0);
  BOOST_TEST(f->signing_disabled);
  BOOST_TEST(f->vm_id == "70F5CE9A-2BDC-4B6B-8401-E9B964D3AEB7");
  BOOST_TEST(vm_debug_signals(*f).empty());
}

BOOST_AUTO_TEST_CASE(the_table_writes_back_every_genuine_claim_as_maa_wrote_it) {
  Json::Value genuine = genuine_claims();
  Json::Value written = azurevm_claims(*vm_facts_from_claims(genuine));
  BOOST_TEST(written.size() == azurevm_claim_names().size());
  for (const std::string& name : azurevm_claim_names()) {
    BOOST_TEST(json_compact(written[name]) == json_compact(genuine[name]), name);
  }
  BOOST_TEST(azurevm_claim_names().size() == 22u);
}

BOOST_AUTO_TEST_CASE(every_always_emitted_claim_missing_is_missing_claim_naming_it) {
  for (const std::string& name : azurevm_claim_names()) {
    Json::Value c = genuine_claims();
    c.removeMember(name);
    auto f = vm_facts_from_claims(c);
    BOOST_REQUIRE(!f.ok());
    BOOST_TEST(f.error().describe() == "MissingClaim: the azurevm token has no " + name + " claim");
  }
}

BOOST_AUTO_TEST_CASE(a_mistyped_claim_is_missing_claim_naming_it_and_the_type) {
  auto error_of = [](const char* name, const Json::Value& v) {
    Json::Value c = genuine_claims();
    c[name] = v;
    auto f = vm_facts_from_claims(c);
    return f ? std::string("accepted") : f.error().describe();
  };
  BOOST_TEST(error_of("x-ms-azurevm-kerneldebug-enabled", "false") ==
             "MissingClaim: claim x-ms-azurevm-kerneldebug-enabled is missing or not a boolean (MAA always emits it)");
  BOOST_TEST(error_of("secureboot", 1) ==
             "MissingClaim: claim secureboot is missing or not a boolean (MAA always emits it)");
  BOOST_TEST(error_of("x-ms-azurevm-osversion-major", 10.0) ==
             "MissingClaim: claim x-ms-azurevm-osversion-major is missing or not a non-negative integer (MAA always "
             "emits it)");
  BOOST_TEST(error_of("x-ms-azurevm-ostype", Json::Value(Json::nullValue)) ==
             "MissingClaim: claim x-ms-azurevm-ostype is missing or not a string (MAA always emits it)");
  Json::Value pcrs(Json::arrayValue);
  pcrs.append(24);
  BOOST_TEST(error_of("x-ms-azurevm-attested-pcrs", pcrs) ==
             "MissingClaim: claim x-ms-azurevm-attested-pcrs is missing or not a list of PCR indices (0-23) (MAA "
             "always emits it)");
}

BOOST_AUTO_TEST_CASE(a_secure_boot_log_derives_secureboot_and_validated_databases) {
  boot::EventLog log = genuine_log("eventlog-sb-on.bin");
  AzureVmEvidence e = linux_evidence(log);
  auto f = derive_vm_facts(e);
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  BOOST_TEST(f->secure_boot);
  BOOST_TEST(f->db_validated);
  BOOST_TEST(f->dbx_validated);
  BOOST_TEST(!f->default_keys_validated);  // no default keys given: nothing to validate against
  e.default_secure_boot_keys = keys_of(log);
  BOOST_TEST(derive_vm_facts(e)->default_keys_validated);
}

BOOST_AUTO_TEST_CASE(a_log_without_secure_boot_derives_secureboot_false_and_nothing_validated) {
  boot::EventLog log = genuine_log("eventlog-sb-off.bin");
  AzureVmEvidence e = linux_evidence(log);
  boot::EventLog on = genuine_log("eventlog-sb-on.bin");
  e.default_secure_boot_keys = keys_of(on);
  auto f = derive_vm_facts(e);
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  BOOST_TEST(!f->secure_boot);
  BOOST_TEST(!f->db_validated);
  BOOST_TEST(!f->dbx_validated);
  BOOST_TEST(!f->default_keys_validated);
}

BOOST_AUTO_TEST_CASE(a_linux_boot_gets_the_flags_maa_gives_a_linux_guest) {
  boot::EventLog log = genuine_log("eventlog-sb-on.bin");
  auto f = derive_vm_facts(linux_evidence(log));
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  BOOST_TEST(!f->boot_debug);
  BOOST_TEST(!f->kernel_debug);
  BOOST_TEST(!f->hypervisor_debug);
  BOOST_TEST(f->debuggers_disabled);
  BOOST_TEST(!f->test_signing);
  BOOST_TEST(!f->flight_signing);
  BOOST_TEST(!f->elam_enabled);
  BOOST_TEST(f->hvci_policy == 0);
  BOOST_TEST(f->signing_disabled);
  BOOST_TEST(!f->is_windows);
  BOOST_TEST(f->os_type == "Linux");
  BOOST_TEST(f->os_distro == "Debian GNU/Linux");
  BOOST_TEST(f->os_version_major == 12);
  BOOST_TEST(f->vm_id == "70F5CE9A-2BDC-4B6B-8401-E9B964D3AEB7");
  BOOST_TEST(f->protocol_version == "2.0");
  BOOST_TEST(f->attested_pcrs == (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(derived_claims_have_every_name_and_type_the_client_requires) {
  boot::EventLog log = genuine_log("eventlog-sb-on.bin");
  Json::Value claims = azurevm_claims(*derive_vm_facts(linux_evidence(log)));
  auto back = vm_facts_from_claims(claims);
  BOOST_TEST(back.ok(), test::why(back));
  BOOST_TEST(claims["x-ms-azurevm-is-windows"].asBool() == false);
  BOOST_TEST(claims["secureboot"].asBool() == true);
}

BOOST_AUTO_TEST_CASE(windows_boot_configuration_events_set_the_debug_and_signing_flags) {
  boot::EventLog base = genuine_log("eventlog-sb-on.bin");
  Bytes inner;
  for (auto [type, on] : {std::pair{boot::kSipaBootDebugging, 0}, std::pair{boot::kSipaOsKernelDebug, 1},
                          std::pair{boot::kSipaHypervisorDebug, 0}, std::pair{boot::kSipaTestSigning, 1},
                          std::pair{boot::kSipaFlightSigning, 1}}) {
    Bytes ev = sipa(type, Bytes{static_cast<std::uint8_t>(on)});
    inner.insert(inner.end(), ev.begin(), ev.end());
  }
  Bytes hvci = sipa(boot::kSipaVbsHvciPolicy, Bytes{3, 0, 0, 0});
  Bytes elam = sipa(0x40010002, sipa(boot::kSipaElamFirst, Bytes{'k', 0}));  // ELAM aggregation
  inner.insert(inner.end(), hvci.begin(), hvci.end());
  inner.insert(inner.end(), elam.begin(), elam.end());
  boot::EventLog log = with_windows_config(base, inner);
  AzureVmEvidence e = linux_evidence(log);
  e.os_type = "Windows";
  auto f = derive_vm_facts(e);
  BOOST_REQUIRE_MESSAGE(f.ok(), test::why(f));
  BOOST_TEST(!f->boot_debug);
  BOOST_TEST(f->kernel_debug);
  BOOST_TEST(!f->hypervisor_debug);
  BOOST_TEST(!f->debuggers_disabled);
  BOOST_TEST(f->test_signing);
  BOOST_TEST(f->flight_signing);
  BOOST_TEST(f->elam_enabled);
  BOOST_TEST(f->hvci_policy == 3);
  BOOST_TEST(f->is_windows);
  BOOST_TEST(vm_debug_signals(*f) == (std::vector<std::string>{"x-ms-azurevm-kerneldebug-enabled is true",
                                                                "x-ms-azurevm-debuggersdisabled is false"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(windows_boot_configuration_the_log_does_not_prove_is_malformed) {
  boot::EventLog log = with_windows_config(genuine_log("eventlog-sb-on.bin"),
                                           sipa(boot::kSipaOsKernelDebug, Bytes{0}), false);
  auto f = derive_vm_facts(linux_evidence(log));
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().name() == "MalformedInput");
  BOOST_TEST(f.error().message().find("does not hash to its digest") != std::string::npos, f.error().message());
}

BOOST_AUTO_TEST_CASE(a_boolean_sipa_event_of_another_size_is_malformed) {
  boot::EventLog log = with_windows_config(genuine_log("eventlog-sb-on.bin"),
                                           sipa(boot::kSipaTestSigning, Bytes{0, 0}));
  auto f = derive_vm_facts(linux_evidence(log));
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().describe() ==
             "MalformedInput: event " + std::to_string(log.events.size() - 1) +
                 ": SIPA event 0x00050003 has 2 bytes of data, not the one byte of a boolean");
}

BOOST_AUTO_TEST_CASE(signature_lists_are_counted_and_a_list_that_overruns_is_malformed) {
  boot::EventLog log = genuine_log("eventlog-sb-on.bin");
  auto db = boot::secure_boot_variable(log, "db");
  BOOST_REQUIRE(db.has_value());
  auto n = boot::parse_signatures(*db);
  BOOST_TEST(n.ok(), test::why(n));
  BOOST_TEST(n->size() >= 1u);
  BOOST_TEST(boot::parse_signatures(Bytes{})->size() == 0u);
  Bytes cut(db->begin(), db->end() - 1);
  auto bad = boot::parse_signatures(cut);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().message().find("EFI_SIGNATURE_LIST at offset 0: SignatureListSize") == 0u,
             bad.error().message());
}

BOOST_AUTO_TEST_SUITE_END()

// On the vTPM path the client reads a Windows boot configuration off the verified log
// itself, so the VM's debug and signing rules hold for SevSnpVm tokens too.
BOOST_AUTO_TEST_SUITE(vm_rules_from_the_verified_log)

namespace {
attestd::Status boot_rules(const boot::EventLog& log, const std::string& policy_json = "{}") {
  auto policy = verify::parse_policy(policy_json);
  BOOST_REQUIRE(policy.ok());
  verify::BootFacts facts;
  facts.secure_boot = true;
  facts.log = &log;
  return verify::check_boot_policy(*policy, facts);
}
}  // namespace

BOOST_AUTO_TEST_CASE(debug_and_signing_in_the_logs_boot_configuration_are_refused_unless_allowed) {
  const boot::EventLog base = genuine_log("eventlog-sb-on.bin");
  BOOST_TEST(boot_rules(base).ok());
  auto debug = with_windows_config(base, sipa(boot::kSipaOsKernelDebug, Bytes{1}));
  auto s = boot_rules(debug);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().name() == "DebugMode");
  BOOST_TEST(s.error().message() == "the event log's boot configuration enables kernel debugging");
  BOOST_TEST(boot_rules(debug, R"({"allow_debug": true})").ok());
  auto test_signing = with_windows_config(base, sipa(boot::kSipaTestSigning, Bytes{1}));
  BOOST_TEST(boot_rules(test_signing).error().name() == "TestSigningEnabled");
  BOOST_TEST(boot_rules(test_signing, R"({"allow_test_signing": true})").ok());
  auto flight = with_windows_config(base, sipa(boot::kSipaFlightSigning, Bytes{1}));
  BOOST_TEST(boot_rules(flight).error().name() == "FlightSigningEnabled");
  auto unproven = with_windows_config(base, sipa(boot::kSipaOsKernelDebug, Bytes{1}), false);
  BOOST_TEST(boot_rules(unproven).error().name() == "MalformedInput");
}

BOOST_AUTO_TEST_SUITE_END()
