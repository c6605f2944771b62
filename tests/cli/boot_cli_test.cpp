// attest measure --uki and attest show on an event log, as a user (and make image) runs them.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "tests/process.h"
#include "tests/unit/boot_test_support.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const std::string kRealLog = src_dir() + "/tests/data/boot/eventlog-sb-on.bin";

Json::Value json_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) throw std::runtime_error(text.error().describe());
  auto v = parse_json(*text, path);
  if (!v) throw std::runtime_error(v.error().describe());
  return *v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_boot)

BOOST_AUTO_TEST_CASE(measure_uki_writes_exactly_the_three_pcrs_for_make_image) {
  auto uki = boot::test::build_uki("cli-pcrs");
  std::string out = uki.dir + "/pcrs.json";
  RunResult r = run(attest() + " measure --uki " + uki.signed_efi + " --vars " + boot::test::kSnakeoilVars +
                    " --pcrs-out " + out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json::Value v = json_file(out);
  BOOST_TEST(v.getMemberNames() == (std::vector<std::string>{"11", "4", "7"}));
  // PCR 7 of a snakeoil-signed UKI with the snakeoil VARS is the real boot's.
  BOOST_TEST(v["7"].asString() == "02a4f904010ebddfb1ce765622af8d48ac2408422e220ad4eed1e1856407f704");
  BOOST_TEST(r.out.find("PCR 7  02a4f904010ebddfb1ce765622af8d48ac2408422e220ad4eed1e1856407f704\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(measure_uki_writes_the_policy_fragment_with_every_event) {
  auto uki = boot::test::build_uki("cli-policy");
  std::string out = uki.dir + "/policy.json";
  RunResult r = run(attest() + " measure --uki " + uki.signed_efi + " --vars " + boot::test::kSnakeoilVars +
                    " --secure-boot on --policy-out " + out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json::Value v = json_file(out);
  BOOST_TEST(v.getMemberNames() == (std::vector<std::string>{"boot_events", "pcrs", "runtime_binding", "secure_boot", "vmpls"}));
  BOOST_TEST(v["runtime_binding"].asString() == "vtpm-user-data");  // the vTPM path: PCRs make sense only there
  BOOST_TEST(v["vmpls"].size() == 1u);  // HCLAkPub is the paravisor's only in a VMPL 0 report
  BOOST_TEST(v["vmpls"][0].asUInt() == 0u);
  BOOST_TEST(v["secure_boot"].asBool());
  BOOST_TEST(v["pcrs"]["11"].size() == 1u);
  const Json::Value& pcr4 = v["boot_events"]["4"];
  BOOST_REQUIRE(pcr4.size() == 3u);
  BOOST_TEST(pcr4[0]["type"].asString() == "EV_EFI_ACTION");
  BOOST_TEST(pcr4[0]["digest"].asString() == "3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba");
  BOOST_TEST(pcr4[0]["description"].asString() == "Calling EFI Application from Boot Option");
  BOOST_TEST(pcr4[2]["description"].asString() == "\\EFI\\BOOT\\BOOTX64.EFI");
  BOOST_TEST(v["boot_events"]["11"][5]["description"].asString() == ".cmdline");
}

BOOST_AUTO_TEST_CASE(measure_uki_refuses_snp_launch_options) {
  RunResult r = run(attest() + " measure --uki /dev/null --vars /dev/null --vcpus 2");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("attest measure: Usage: --vcpus is an SNP launch option; --uki computes PCRs") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(measure_uki_names_a_file_that_is_not_a_pe_image) {
  RunResult r = run(attest() + " measure --uki " + kRealLog + " --vars " + boot::test::kSnakeoilVars);
  BOOST_TEST(r.exit_code == 4);
  BOOST_TEST(r.err.find("MalformedInput: " + kRealLog + ": PE image: no MZ signature") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(show_renders_an_event_log_one_event_a_line) {
  RunResult r = run(attest() + " show " + kRealLog);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("23  PCR 4  EV_EFI_BOOT_SERVICES_APPLICATION  "
                        "ff51340f01d0a29991cff1adc7cc17b35290da55bd4f481a19b03de294660a87  \\EFI\\BOOT\\BOOTX64.EFI\n") !=
             std::string::npos);
  BOOST_TEST(r.out.find("  PCR 11  EV_IPL  ") != std::string::npos);
  BOOST_TEST(r.out.find("PCR 11  978d8c969870153ef7bfc527919daa55c615c3f112961af25c7b61d4cfa48dfb\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(show_json_lists_the_events_and_replayed_pcrs) {
  RunResult r = run(attest() + " show --json " + kRealLog);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto v = parse_json(r.out, "show --json");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["type"].asString() == "tcg-event-log");
  BOOST_TEST((*v)["events"].size() == 36u);
  BOOST_TEST((*v)["events"][3]["description"].asString() == "SecureBoot");
  BOOST_TEST((*v)["pcrs"]["7"].asString() == "02a4f904010ebddfb1ce765622af8d48ac2408422e220ad4eed1e1856407f704");
}

BOOST_AUTO_TEST_CASE(show_names_a_truncated_event_log) {
  auto log = read_file(kRealLog);
  BOOST_REQUIRE(log.ok());
  std::string path = tmp_dir() + "/truncated-eventlog.bin";
  BOOST_REQUIRE(write_file(path, ByteView(*log).first(log->size() - 3)).ok());
  RunResult r = run(attest() + " show " + path);
  BOOST_TEST(r.exit_code == 4);
  BOOST_TEST(r.err.find("attest show: MalformedInput: event log: event 35 at offset ") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
