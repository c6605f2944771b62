#include <boost/test/unit_test.hpp>

#include "agent/config.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::agent;

namespace {
std::string problem(const std::string& json) {
  auto c = parse_config(json);
  if (!c) return c.error().describe();
  Status s = validate(*c);
  return s ? "ok" : s.error().describe();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(agent_config)

BOOST_AUTO_TEST_CASE(defaults_need_only_an_maa_url) {
  auto c = parse_config(R"({"maa_url": "https://maa.test"})");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->listen == "0.0.0.0:8443");
  BOOST_TEST(c->evidence == "auto");
  BOOST_TEST(c->batch_window_ms == 5);
  BOOST_TEST(c->tpm == "/dev/tpmrm0");
  BOOST_TEST(validate(*c).ok());
  BOOST_TEST(problem("{}") == "MalformedConfig: maa_url: required: the MAA instance to attest with");
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_wrong_types_name_the_key) {
  BOOST_TEST(problem(R"({"maa": "x"})") == "MalformedConfig: config key 'maa': unknown key (see docs/agent.md)");
  BOOST_TEST(problem(R"({"batch_window_ms": "5"})") == "MalformedConfig: config key 'batch_window_ms': must be an integer");
  BOOST_TEST(problem(R"({"maa_resolve": "a:1:b"})") == "MalformedConfig: config key 'maa_resolve': must be a list of strings");
  BOOST_TEST(problem(R"({"vmpl": -1})") == "MalformedConfig: config key 'vmpl': must be a non-negative integer");
  BOOST_TEST(problem("[1]") == "MalformedConfig: the configuration must be a JSON object");
}

BOOST_AUTO_TEST_CASE(integers_written_as_reals_are_refused_naming_the_key) {
  BOOST_TEST(problem(R"({"vmpl": 1.0})") == "MalformedConfig: config key 'vmpl': must be a non-negative integer");
  BOOST_TEST(problem(R"({"batch_window_ms": 5.0})") == "MalformedConfig: config key 'batch_window_ms': must be an integer");
  BOOST_TEST(problem(R"({"max_connections": 1e2})") ==
             "MalformedConfig: config key 'max_connections': must be a non-negative integer");
}

BOOST_AUTO_TEST_CASE(values_out_of_range_are_refused) {
  std::string base = R"("maa_url": "https://maa.test")";
  BOOST_TEST(problem("{" + base + R"(, "evidence": "nitro"})") ==
             "MalformedConfig: evidence: 'nitro' is not auto, sev-guest, tsm, azure-vtpm or sim");
  BOOST_TEST(problem("{" + base + R"(, "evidence": "sim"})") == "MalformedConfig: sim_keys: required with evidence 'sim'");
  BOOST_TEST(problem("{" + base + R"(, "vmpl": 4})") == "MalformedConfig: vmpl: must be 0 to 3");
  BOOST_TEST(problem("{" + base + R"(, "batch_window_ms": 20000})") == "MalformedConfig: batch_window_ms: must be 0 to 10000");
  BOOST_TEST(problem("{" + base + R"(, "upstream": "https://app"})") ==
             "MalformedConfig: upstream: must be http://HOST:PORT (the application inside the VM)");
  BOOST_TEST(problem("{" + base + R"(, "log_level": "loud"})") == "MalformedConfig: log_level: must be debug, info, warn or error");
}

BOOST_AUTO_TEST_CASE(crl_is_off_by_default_and_takes_require_best_effort_or_off) {
  std::string base = R"("maa_url": "https://maa.test")";
  auto c = parse_config("{" + base + "}");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->crl == "off");
  for (const char* mode : {"require", "best-effort", "off"}) {
    BOOST_TEST(problem("{" + base + R"(, "crl": ")" + mode + R"("})") == "ok", mode);
  }
  BOOST_TEST(problem("{" + base + R"(, "crl": "strict"})") ==
             "MalformedConfig: crl: 'strict': expected require, best-effort or off");
}

BOOST_AUTO_TEST_CASE(the_maa_protocol_is_auto_by_default_and_azureguest_needs_the_vtpm) {
  auto c = parse_config(R"({"maa_url": "https://maa.test"})");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->maa_protocol == "auto");
  BOOST_TEST(c->os_release == "/etc/os-release");
  std::string base = R"("maa_url": "https://maa.test")";
  BOOST_TEST(problem("{" + base + R"(, "maa_protocol": "azureguest", "evidence": "azure-vtpm"})") == "ok");
  BOOST_TEST(problem("{" + base + R"(, "maa_protocol": "sevsnpvm", "evidence": "azure-vtpm"})") == "ok");
  BOOST_TEST(problem("{" + base + R"(, "maa_protocol": "AzureGuest"})") ==
             "MalformedConfig: maa_protocol: 'AzureGuest' is not auto, sevsnpvm or azureguest");
  BOOST_TEST(problem("{" + base + R"(, "maa_protocol": "azureguest", "evidence": "sev-guest"})") ==
             "MalformedConfig: maa_protocol: azureguest needs the azure-vtpm evidence source (a vTPM quote and key), "
             "not 'sev-guest'");
}

BOOST_AUTO_TEST_CASE(flags_override_the_file) {
  auto c = parse_config(R"({"maa_url": "https://a.test", "batch_window_ms": 5, "maa_resolve": ["a.test:443:127.0.0.1"]})");
  BOOST_REQUIRE(c.ok());
  auto args = cli::Args::parse({"--maa-url", "https://b.test", "--batch-window-ms", "0", "--maa-resolve", "b:1:127.0.0.2"},
                               config_flags(), 0, 0);
  BOOST_REQUIRE(args.ok());
  BOOST_REQUIRE(apply_flags(*args, *c).ok());
  BOOST_TEST(c->maa_url == "https://b.test");
  BOOST_TEST(c->batch_window_ms == 0);
  BOOST_TEST(c->maa_resolve.size() == 2u);
  auto bad = cli::Args::parse({"--batch-window-ms", "soon"}, config_flags(), 0, 0);
  BOOST_REQUIRE(bad.ok());
  BOOST_TEST(apply_flags(*bad, *c).error().describe() == "Usage: --batch-window-ms: 'soon' is not a decimal integer (0 to 2147483647)");
}

BOOST_AUTO_TEST_CASE(plain_http_maa_needs_loopback_and_maa_allow_plain_http) {
  BOOST_TEST(problem(R"({"maa_url": "http://maa.test"})") ==
             "MalformedConfig: maa_url: MAA URL 'http://maa.test': plain http is allowed only for a numeric loopback "
             "address (127.0.0.0/8 or [::1]); use https://");
  BOOST_TEST(problem(R"({"maa_url": "http://127.0.0.1:8080"})") ==
             "MalformedConfig: maa_url: MAA URL 'http://127.0.0.1:8080': plain http needs maa_allow_plain_http "
             "(a local emulator only); otherwise use https://");
  BOOST_TEST(problem(R"({"maa_url": "http://127.0.0.1:8080", "maa_allow_plain_http": true})") == "ok");
  BOOST_TEST(problem(R"({"maa_url": "http://10.0.0.1", "maa_allow_plain_http": true})").find("loopback") !=
             std::string::npos);
  BOOST_TEST(problem(R"({"maa_url": "https://maa.test/attest"})").find("MalformedConfig: maa_url: ") == 0u);
  BOOST_TEST(problem(R"({"maa_url": "https://maa.test", "maa_allow_plain_http": "yes"})") ==
             "MalformedConfig: config key 'maa_allow_plain_http': must be true or false");
  AgentConfig c;
  c.maa_url = "http://127.0.0.1:8080";
  auto args = cli::Args::parse({"--maa-allow-plain-http"}, config_flags(), 0, 0);
  BOOST_REQUIRE(args.ok());
  BOOST_REQUIRE(apply_flags(*args, c).ok());
  BOOST_TEST(validate(c).ok());
}

BOOST_AUTO_TEST_CASE(numeric_flags_are_whole_strings_in_range) {
  AgentConfig c;
  auto apply = [&c](const std::vector<std::string>& argv) {
    auto args = cli::Args::parse(argv, config_flags(), 0, 0);
    BOOST_REQUIRE(args.ok());
    Status s = apply_flags(*args, c);
    return s ? std::string("ok") : s.error().describe();
  };
  BOOST_TEST(apply({"--vmpl", "1x"}) == "Usage: --vmpl: '1x' is not a decimal integer (0 to 3)");
  BOOST_TEST(apply({"--max-connections", "99999999999999999999"}) ==
             "Usage: --max-connections: '99999999999999999999' is out of range (1 to 65536)");
  BOOST_TEST(apply({"--maa-timeout-ms", "-1"}) == "Usage: --maa-timeout-ms: '-1' is not a decimal integer (0 to 2147483647)");
  BOOST_TEST(apply({"--vmpl", "2", "--max-connections", "512"}) == "ok");
  BOOST_TEST(c.vmpl == 2u);
  BOOST_TEST(c.max_connections == 512u);
}

BOOST_AUTO_TEST_CASE(the_documented_example_config_loads) {
  auto c = load_config(test::src_dir() + "/docs/examples/attestd.json");
  BOOST_REQUIRE_MESSAGE(c.ok(), test::why(c));
  BOOST_TEST(validate(*c).ok());
}

BOOST_AUTO_TEST_CASE(batches_close_adaptively_by_default_or_on_a_timer) {
  std::string base = R"("maa_url": "https://maa.test")";
  auto c = parse_config("{" + base + "}");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->batch_close == "adaptive");
  BOOST_TEST(problem("{" + base + R"(, "batch_close": "timer"})") == "ok");
  BOOST_TEST(problem("{" + base + R"(, "batch_close": "fixed"})") ==
             "MalformedConfig: batch_close: 'fixed' is not adaptive or timer");
}

BOOST_AUTO_TEST_CASE(a_sim_report_time_is_for_the_sim_source_only_and_at_most_a_minute) {
  std::string sim = R"("maa_url": "https://maa.test", "evidence": "sim", "sim_keys": "/k")";
  BOOST_TEST(problem("{" + sim + R"(, "sim_report_ms": 3000})") == "ok");
  BOOST_TEST(problem("{" + sim + R"(, "sim_report_ms": 60001})") == "MalformedConfig: sim_report_ms: must be 0 to 60000 (ms)");
  BOOST_TEST(problem(R"({"maa_url": "https://maa.test", "evidence": "sev-guest", "sim_report_ms": 5})") ==
             "MalformedConfig: sim_report_ms: only the sim evidence source takes a report time, not 'sev-guest'");
}

BOOST_AUTO_TEST_SUITE_END()
