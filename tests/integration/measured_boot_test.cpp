// The measured boot of a simulated Azure CVM (issue 10; docs/measured-boot.md): swtpm
// holding the PCRs of a genuine OVMF + systemd-stub boot (its event log replayed into it),
// the paravisor emulator, attestd on azure-vtpm, and the client's checks in their order:
// quote signature, freshness, PCR values, event log, Secure Boot, pinned PCRs.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "boot/event_log.h"
#include "client/lib/agent_session.h"
#include "client/lib/maa_jwks.h"
#include "tests/integration/agent_world.h"

using namespace attestd;
using namespace attestd::test;
using namespace attestd::agent_world;

namespace {

// The PCR values of the genuine Secure Boot log, as the booted guest read them
// (tests/data/boot/pcrs-sb-on.txt: "PCR sha256 N HEX").
std::map<unsigned, std::string> genuine_pcrs() {
  std::ifstream in(boot_log("pcrs-sb-on.txt"));
  std::map<unsigned, std::string> out;
  std::string pcr, bank, hex;
  unsigned n = 0;
  while (in >> pcr >> bank >> n >> hex) {
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[n] = hex;
  }
  BOOST_REQUIRE(out.size() == 16u);
  return out;
}

boot::EventLog genuine_log() {
  auto bytes = read_file(boot_log(kSecureBootLog));
  BOOST_REQUIRE(bytes.ok());
  auto log = boot::parse_event_log(*bytes);
  BOOST_REQUIRE_MESSAGE(log.ok(), test::why(log));
  return std::move(log).value();
}

// A client policy file: the vTPM binding plus `extra` members.
std::string policy_file(const std::string& name, const std::string& extra) {
  std::string path = world().dir + "/" + name + ".json";
  std::string text = R"({"runtime_binding": "vtpm-user-data")" + (extra.empty() ? "" : ", " + extra) + "}";
  BOOST_REQUIRE(write_file(path, as_bytes(text)).ok());
  return path;
}

std::string pinned(const std::map<unsigned, std::string>& pcrs, std::initializer_list<unsigned> which) {
  std::string out = R"("pcrs": {)";
  bool first = true;
  for (unsigned p : which) {
    out += (first ? "" : ", ") + ("\"" + std::to_string(p) + "\": [\"" + pcrs.at(p) + "\"]");
    first = false;
  }
  return out + "}";
}

// One raw answer to POST /attestation, and what a client needs to check it.
struct RawAnswer {
  Json::Value body;
  Bytes nonce;
  crypto::PublicKey tls_key;
};

RawAnswer fetch_answer(std::uint16_t port) {
  auto conn = net::AttestedConnection::open("127.0.0.1", port, 30000);
  BOOST_REQUIRE_MESSAGE(conn.ok(), test::why(conn));
  Bytes nonce = *crypto::random_bytes(32);
  Json::Value req(Json::objectValue);
  req["nonce"] = crypto::base64url_encode(nonce);
  auto r = (*conn)->request("POST", "/attestation", {{"Content-Type", "application/json"}}, json_compact(req), 30000);
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_REQUIRE_MESSAGE(r->status == 200, r->body);
  auto body = parse_json(r->body, "answer", 4 * 1024 * 1024);
  BOOST_REQUIRE(body.ok());
  return RawAnswer{std::move(body).value(), nonce, (*conn)->server_key()};
}

// Where the answers come from, and whom the client trusts: the world's maa-emu, or (the
// end-to-end run on a booted guest, images/e2e.sh) the E2E_* environment.
struct Verifier {
  std::string maa, ca;
  verify::Policy policy;
};

Verifier world_verifier() {
  auto policy = verify::parse_policy(R"({"runtime_binding": "vtpm-user-data"})");
  BOOST_REQUIRE(policy.ok());
  return {world().maa, world().ca, *policy};
}

Result<client::CheckedAnswer> check(const RawAnswer& a, const Verifier& v) {
  client::SessionOptions o;
  o.maa_url = v.maa;
  o.policy = v.policy;
  net::HttpClientOptions http;
  http.ca_file = v.ca;
  client::FetchedMaaKeys keys(v.maa, http);
  return client::check_agent_answer(a.body, a.nonce, a.tls_key, keys, o);
}

// Two answers of two batches from one agent, spliced: each change fails by its own name.
void splice_answers_of(std::uint16_t port, const Verifier& v) {
  RawAnswer earlier = fetch_answer(port);
  RawAnswer now = fetch_answer(port);
  BOOST_REQUIRE_MESSAGE(check(now, v).ok(), test::why(check(now, v)));
  BOOST_REQUIRE(now.body["runtime"] != earlier.body["runtime"]);

  // A quote from an earlier batch: genuine, by the right key, but over another runtime.
  RawAnswer stale = now;
  stale.body["tpm"] = earlier.body["tpm"];
  auto r = check(stale, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "NonceMismatch");
  BOOST_TEST(r.error().message().find("the TPM quote is not over this batch's runtime data") != std::string::npos,
             r.error().message());

  // An altered event log: the digest of PCR 4's boot application changed.
  RawAnswer altered = now;
  Bytes log = *crypto::base64url_decode(now.body["tpm"]["event_log"].asString());
  boot::EventLog parsed = *boot::parse_event_log(log);
  bool changed = false;
  for (const boot::Event& e : parsed.events) {
    if (e.pcr != 4 || e.type != boot::kEvEfiBootServicesApplication) continue;
    auto at = std::search(log.begin() + static_cast<std::ptrdiff_t>(e.offset), log.end(), e.sha256.begin(),
                          e.sha256.end());
    BOOST_REQUIRE(at != log.end());
    *at ^= 1;
    changed = true;
    break;
  }
  BOOST_REQUIRE(changed);
  altered.body["tpm"]["event_log"] = crypto::base64url_encode(log);
  r = check(altered, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "EventLogMismatch");
  BOOST_TEST(r.error().message().find("the event log replays PCR 4 to") != std::string::npos, r.error().message());

  // A PCR value that is not the quoted one.
  RawAnswer lied = now;
  lied.body["tpm"]["pcrs"]["11"] = std::string(64, '0');
  r = check(lied, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "QuoteInvalid");
  BOOST_TEST(r.error().message().find("the PCR values do not hash to the signed pcrDigest") != std::string::npos,
             r.error().message());

  // A signature that is not the attested key's.
  RawAnswer forged = now;
  Bytes sig = *crypto::base64url_decode(now.body["tpm"]["signature"].asString());
  sig[sig.size() - 1] ^= 1;
  forged.body["tpm"]["signature"] = crypto::base64url_encode(sig);
  r = check(forged, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "QuoteInvalid");
  BOOST_TEST(r.error().message().find("not signed by the attestation key") != std::string::npos, r.error().message());

  // No quote at all on the vTPM path; no event log.
  RawAnswer bare = now;
  bare.body.removeMember("tpm");
  r = check(bare, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "QuoteInvalid");
  RawAnswer unlogged = now;
  unlogged.body["tpm"].removeMember("event_log");
  r = check(unlogged, v);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "EventLogMismatch");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(integration_measured_boot)

BOOST_AUTO_TEST_CASE(the_booted_cvm_is_accepted_with_its_own_pcrs_and_secure_boot) {
  AzureCvm cvm("mb-good");
  Agent agent("mb-good", {}, kGood, cvm.evidence_flags());
  auto pcrs = genuine_pcrs();
  RunResult c = connect(agent.url, "--policy " + policy_file("mb-own", pinned(pcrs, {4, 7, 11})));
  BOOST_TEST(c.exit_code == 0, c.err << *read_text_file(agent.log));
  BOOST_TEST(c.out.find("secure boot         on") != std::string::npos, c.out);
  BOOST_TEST(c.out.find("pcr 11              " + pcrs.at(11)) != std::string::npos, c.out);
  BOOST_TEST(c.out.find("measured boot       a quote of PCRs 0,1,2,3,4,5,6,7,9,11,12 by the attested vTPM key") !=
                 std::string::npos,
             c.out);
  BOOST_TEST(c.err.find("warning") == std::string::npos, c.err);
}

BOOST_AUTO_TEST_CASE(a_policy_that_pins_no_pcr_is_warned_about) {
  AzureCvm cvm("mb-unpinned");
  Agent agent("mb-unpinned", {}, kGood, cvm.evidence_flags());
  RunResult c = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(c.err.find("attest connect: warning: the policy pins no PCR, so the guest's code is not checked") !=
                 std::string::npos,
             c.err);
}

BOOST_AUTO_TEST_CASE(another_ukis_command_line_is_a_pcr_mismatch_naming_the_section) {
  AzureCvm cvm("mb-other-uki");
  Agent agent("mb-other-uki", {}, kGood, cvm.evidence_flags());
  // What the client expects: the genuine PCR 11 events, but another .cmdline content.
  boot::EventLog log = genuine_log();
  std::string events = R"("boot_events": {"11": [)";
  bool first = true, changed = false;
  for (const boot::Event& e : log.events) {
    if (e.pcr != 11) continue;
    Bytes digest = e.sha256;
    std::string description = boot::describe_event(e);
    if (!changed && first == false && description.find(".cmdline") != std::string::npos &&
        description.find("name") == std::string::npos) {
      digest[0] ^= 1;  // the other UKI's command line
      changed = true;
    }
    events += std::string(first ? "" : ", ") + R"({"type": ")" + boot::event_type_name(e.type) + R"(", "digest": ")" +
              hex_encode(digest) + R"(", "description": ")" + description + R"("})";
    first = false;
  }
  events += "]}";
  RunResult c = connect(agent.url, "--policy " + policy_file("mb-other", std::string(R"("pcrs": {"11": [")") +
                                                                         std::string(64, 'a') + "\"]}, " + events));
  BOOST_TEST(c.exit_code == 43, c.err);
  BOOST_TEST(c.err.find("PcrMismatch: PCR 11: section .cmdline differs") != std::string::npos, c.err);
  BOOST_TEST(c.out.find("is an attested") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_policy_pinning_pcrs_refuses_an_answer_checked_without_a_vtpm) {
  Agent agent("mb-snp");  // an SNP guest: its launch measurement covers its code, no vTPM
  std::string path = world().dir + "/mb-snp-pinned.json";
  BOOST_REQUIRE(write_file(path, as_bytes(R"({"pcrs": {"11": [")" + std::string(64, 'a') + R"("]}})")).ok());
  RunResult c = connect(agent.url, "--policy " + path);
  BOOST_TEST(c.exit_code == 43, c.err);
  BOOST_TEST(c.err.find("PcrMismatch: the policy pins PCRs, but this answer is checked without a vTPM") !=
                 std::string::npos,
             c.err);
}

BOOST_AUTO_TEST_CASE(a_report_from_above_vmpl_0_does_not_vouch_for_the_attestation_key) {
  AzureCvm cvm("mb-vmpl2", kSecureBootLog, 2);
  {
    // Through AzureGuest (the default) MAA itself refuses the report.
    Agent agent("mb-vmpl2-azureguest", {}, kGood, cvm.evidence_flags());
    RunResult c = connect(agent.url, "--policy " + vtpm_policy());
    BOOST_TEST(c.exit_code != 0, c.err);
    BOOST_TEST(c.err.find("InvalidParameter: The SNP report is from VMPL 2") != std::string::npos, c.err);
  }
  // Through SevSnpVm, MAA (maa-emu) issues a token but does not call it compliant; a
  // relying party that asks for no compliance still gets no key from such a report.
  Agent agent("mb-vmpl2", {"--maa-protocol", "sevsnpvm"}, kGood, cvm.evidence_flags());
  RunResult c = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(c.exit_code == 51, c.err);
  c = connect(agent.url, "--policy " + policy_file("mb-vmpl-nocompliance", R"("compliance_status": null)"));
  BOOST_TEST(c.exit_code == 33, c.err);
  BOOST_TEST(c.err.find("VmplMismatch: the report is from VMPL 2: on the vTPM path only a VMPL 0 report") !=
                 std::string::npos,
             c.err);
}

BOOST_AUTO_TEST_CASE(a_boot_without_secure_boot_is_refused) {
  AzureCvm cvm("mb-no-sb", kNoSecureBootLog);
  Agent agent("mb-no-sb", {}, kGood, cvm.evidence_flags());
  RunResult c = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(c.exit_code == 44, c.err);
  // MAA's secureboot claim, derived from the same PCR 7 event, says it first.
  BOOST_TEST(c.err.find("SecureBootDisabled: the token's secureboot claim is false") != std::string::npos, c.err);
  // A relying party may choose to accept it, knowingly.
  RunResult allowed = connect(agent.url, "--policy " + policy_file("mb-sb-off", R"("secure_boot": false)"));
  BOOST_TEST(allowed.exit_code == 0, allowed.err);
  BOOST_TEST(allowed.out.find("secure boot         off") != std::string::npos, allowed.out);
}

BOOST_AUTO_TEST_CASE(spliced_answers_fail_each_check_by_its_name) {
  AzureCvm cvm("mb-splice");
  Agent agent("mb-splice", {"--batch-window-ms", "0"}, kGood, cvm.evidence_flags());
  splice_answers_of(agent.port, world_verifier());
}

BOOST_AUTO_TEST_SUITE_END()

// Run only by name, from images/e2e.sh, against a guest it booted.
BOOST_AUTO_TEST_SUITE(e2e_measured_boot, *boost::unit_test::disabled())

// The same on a really booted guest (images/e2e.sh runs it by name with E2E_PORT, E2E_MAA,
// E2E_MAA_CA and E2E_POLICY): the quote, PCRs and event log of OVMF + systemd-stub.
BOOST_AUTO_TEST_CASE(spliced_answers_of_a_booted_guest) {
  for (const char* name : {"E2E_PORT", "E2E_MAA", "E2E_MAA_CA", "E2E_POLICY"}) {
    BOOST_REQUIRE_MESSAGE(std::getenv(name), name << " is not set: this case runs from images/e2e.sh");
  }
  auto policy = verify::load_policy(std::getenv("E2E_POLICY"));
  BOOST_REQUIRE_MESSAGE(policy.ok(), test::why(policy));
  splice_answers_of(static_cast<std::uint16_t>(std::stoi(std::getenv("E2E_PORT"))),
                    {std::getenv("E2E_MAA"), std::getenv("E2E_MAA_CA"), *policy});
}

BOOST_AUTO_TEST_SUITE_END()
