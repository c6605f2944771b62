// maa-emu's AzureGuest endpoint (docs/maa-emu.md, "AzureGuest"), request by request: a
// simulated Azure CVM (swtpm holding the PCRs of the genuine OVMF + systemd-stub boot of
// tests/data/boot, the paravisor emulator, the azure-vtpm source with its certified
// encryption key) makes the request Microsoft's guest library would; the emulator's handler
// is called directly and its sealed answer opened in the TPM.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "agent/maa_client.h"
#include "boot/event_log.h"
#include "boot/uefi_types.h"
#include "client/lib/azure_guest.h"
#include "client/lib/maa_token.h"
#include "core/file.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
#include "crypto/sha.h"
#include "hal/azure_vtpm.h"
#include "hal/tpm/objects.h"
#include "tests/mocks/azure/azure_vm.h"
#include "tests/mocks/azure/firmware.h"
#include "tests/mocks/maa/emulator.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::maaemu;

namespace {

const std::string kBase = "https://maa.test";
// The client payload of the genuine token's request (its claim is {"nonce": "QURFMDEwMQ=="}).
const std::map<std::string, std::string> kPayload = {{"nonce", "ADE0101"}};

std::string boot_log_path() { return test::src_dir() + "/tests/data/boot/eventlog-sb-on.bin"; }

boot::EventLog genuine_log() {
  auto bytes = read_file(boot_log_path());
  if (!bytes) throw std::runtime_error(bytes.error().describe());
  auto log = boot::parse_event_log(*bytes);
  if (!log) throw std::runtime_error(log.error().describe());
  return std::move(log).value();
}

const snpsim::SimIdentity& identity() { return snpsim::test::milan(); }

// A simulated Azure CVM after the genuine Secure Boot boot, and one AzureGuest request of
// it, as attestd builds it.
struct GuestVm {
  azuresim::test::AzureVm azure{"maa-emu-azureguest"};
  std::unique_ptr<hal::AzureVtpmSource> source;
  hal::Evidence evidence;
  client::AzureGuestEvidence request;

  GuestVm() {
    hal::tpm::Tpm tpm(azure.swtpm.transport());
    if (Status s = azuresim::measure_boot(tpm, genuine_log()); !s) throw std::runtime_error(s.error().describe());
    hal::AzureVtpmOptions o = azuresim::test::fast_options();
    o.event_log_path = boot_log_path();
    o.encryption_key = true;
    source = std::make_unique<hal::AzureVtpmSource>(azure.swtpm.transport(), o);
    hal::ReportData data = azuresim::test::random_report_data();
    auto e = source->get_evidence(data);
    if (!e) throw std::runtime_error(e.error().describe());
    evidence = std::move(e).value();
    client::OsInfo os;
    os.distro = "Debian GNU/Linux";
    os.version_major = 12;
    auto r = agent::azureguest_evidence(evidence, {identity().vcek, identity().ask, identity().ark}, os, data);
    if (!r) throw std::runtime_error(r.error().describe());
    request = std::move(r).value();
    request.client_payload = kPayload;  // the genuine token's request's, for the comparison
  }
};

GuestVm& vm() {
  static GuestVm instance;
  return instance;
}

// The guest's launch measurement (one Azure vouches for, here).
Bytes measurement() {
  auto report = snp::parse_report(vm().evidence.report);
  if (!report) throw std::runtime_error(report.error().describe());
  return Bytes(report->measurement.begin(), report->measurement.end());
}

const SigningKeys& test_keys() {
  static SigningKeys keys = *SigningKeys::generate(kBase, 2, "maa-emu-azureguest-test");
  return keys;
}

// The Secure Boot keys of the platform: the snakeoil PK, KEK and db Debian's OVMF ships,
// as the genuine log's PCR 7 events hold them.
std::vector<Bytes> platform_default_keys() {
  boot::EventLog log = genuine_log();
  std::vector<Bytes> out;
  for (const char* name : {"PK", "KEK", "db"}) {
    auto value = boot::secure_boot_variable(log, name);
    if (value) out.push_back(crypto::sha256(*value));
  }
  return out;
}

Emulator make_emulator() {
  EmulatorConfig c;
  c.base_url = kBase;
  c.known_measurements = {measurement()};
  c.roots.add(snpsim::sim_product_chain(identity()));
  c.default_secure_boot_keys = platform_default_keys();
  return Emulator(std::move(c), test_keys());
}

net::HttpRequest post(const std::string& body, const std::string& version = client::kAzureGuestApiVersion) {
  net::HttpRequest r;
  r.method = "POST";
  r.path = client::kAzureGuestPath;
  r.target = r.path + "?api-version=" + version;
  r.query.push_back({"api-version", version});
  r.body = body;
  return r;
}

net::HttpResponse attest(Emulator& emu, const client::AzureGuestEvidence& e) {
  return emu.handle(post(client::azureguest_request_body(e)));
}

// The JWT inside a sealed answer, its inner key decrypted by the guest's TPM.
std::string open_answer(const net::HttpResponse& r) {
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  auto body = parse_json(r.body, "answer");
  BOOST_REQUIRE_MESSAGE(body.ok(), r.body);
  auto sealed = client::parse_sealed_token((*body)["token"].asString());
  BOOST_REQUIRE_MESSAGE(sealed.ok(), test::why(sealed));
  auto inner = vm().source->decrypt_with_encryption_key(vm().evidence, sealed->encrypted_inner_key);
  BOOST_REQUIRE_MESSAGE(inner.ok(), test::why(inner));
  auto jwt = client::open_sealed_token(*sealed, *inner);
  BOOST_REQUIRE_MESSAGE(jwt.ok(), test::why(jwt));
  return *jwt;
}

Result<client::VerifiedToken> verify_token(const std::string& jwt, const Emulator& emu) {
  auto keys = crypto::parse_jwks(emu.keys().jwks());
  client::StaticMaaKeys source(*keys);
  return client::verify_maa_token(jwt, kBase, source, now_unix(), 60);
}

Json::Value claims_of(const net::HttpResponse& r, const Emulator& emu) {
  auto t = verify_token(open_answer(r), emu);
  BOOST_REQUIRE_MESSAGE(t.ok(), test::why(t));
  return t->claims();
}

// The answer is a CloudError with this status and code whose message holds `words`.
void expect_refusal(const net::HttpResponse& r, int status, const std::string& code, const std::string& words) {
  BOOST_TEST(r.status == status, r.body);
  auto body = parse_json(r.body, "error");
  BOOST_REQUIRE_MESSAGE(body.ok(), r.body);
  BOOST_TEST((*body)["error"]["code"].asString() == code, r.body);
  BOOST_TEST((*body)["error"]["message"].asString().find(words) != std::string::npos, r.body);
  BOOST_TEST(r.body.find("\"token\"") == std::string::npos);
}

std::string content_type(const net::HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (net::iequals(name, "Content-Type")) return value;
  }
  return "";
}

Json::Value genuine_token_claims() {
  std::string t = test::read_vector_text("maa/azureguest_sharedweu_2023.jwt");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return *parse_json(as_chars(crypto::parse_compact_jws(t)->payload), "genuine AzureGuest token");
}

// A token's claims as leaves by path: objects and arrays of objects are descended
// ("x-ms-runtime.keys[0].kid"), other arrays are leaves.
void flatten(const Json::Value& v, const std::string& path, std::map<std::string, Json::Value>& out) {
  if (v.isObject()) {
    for (const auto& name : v.getMemberNames()) flatten(v[name], path.empty() ? name : path + "." + name, out);
  } else if (v.isArray() && !v.empty() && v[0].isObject()) {
    for (Json::ArrayIndex i = 0; i < v.size(); ++i) flatten(v[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out[path] = v;
  }
}

std::string kind(const Json::Value& v) {
  if (v.isBool()) return "boolean";
  if (v.isIntegral()) return "integer";
  if (v.isNumeric()) return "number";
  if (v.isString()) return "string";
  if (v.isArray()) return v.empty() ? "array" : "array of " + kind(v[0]);
  if (v.isObject()) return "object";
  return "null";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(maa_emu_azureguest)

BOOST_AUTO_TEST_CASE(a_genuine_request_gets_an_azurevm_token_sealed_to_the_tpm_encryption_key) {
  Emulator emu = make_emulator();
  net::HttpResponse r = attest(emu, vm().request);
  BOOST_TEST(content_type(r).find("application/json") == 0u, content_type(r));
  Json::Value claims = claims_of(r, emu);
  BOOST_TEST(claims["x-ms-attestation-type"].asString() == "azurevm");
  BOOST_TEST(claims["secureboot"].asBool() == true);
  Json::Value pcrs(Json::arrayValue);
  for (const auto& p : vm().request.pcrs) pcrs.append(Json::Int64(p.index));
  BOOST_TEST((claims["x-ms-azurevm-attested-pcrs"] == pcrs), json_compact(claims["x-ms-azurevm-attested-pcrs"]));
  const Json::Value& tee = claims["x-ms-isolation-tee"];
  BOOST_TEST(tee["x-ms-attestation-type"].asString() == "sevsnpvm");
  BOOST_TEST(tee["x-ms-compliance-status"].asString() == "azure-compliant-cvm");
  BOOST_TEST(tee["x-ms-sevsnpvm-launchmeasurement"].asString() == hex_encode(measurement()));
  BOOST_TEST((tee["x-ms-runtime"] == *parse_json(vm().request.runtime_data, "runtime")));
  const Json::Value& runtime = claims["x-ms-runtime"];
  BOOST_TEST(runtime["client-payload"]["nonce"].asString() == "QURFMDEwMQ==");
  auto enc_key = hal::tpm::parse_tpm2b_public(vm().request.enc_key_pub);
  BOOST_REQUIRE(enc_key.ok());
  BOOST_TEST(runtime["keys"][0]["kid"].asString() == "TpmEphemeralEncryptionKey");
  BOOST_TEST(runtime["keys"][0]["n"].asString() == crypto::base64url_encode(enc_key->key.rsa_modulus()));
  BOOST_TEST(json_compact(runtime["keys"][0]["key_ops"]) == R"(["encrypt"])");
  BOOST_TEST(emu.counters().tokens_issued == 1u);
}

BOOST_AUTO_TEST_CASE(the_token_header_is_mas) {
  Emulator emu = make_emulator();
  auto jws = crypto::parse_compact_jws(open_answer(attest(emu, vm().request)));
  BOOST_REQUIRE(jws.ok());
  BOOST_TEST(json_compact(jws->header) ==
             R"({"alg":"RS256","jku":")" + kBase + R"(/certs","kid":")" + emu.keys().active().kid + R"(","typ":"JWT"})");
}

BOOST_AUTO_TEST_CASE(the_claims_of_the_genuine_boot_match_the_genuine_token_wherever_the_evidence_allows) {
  // The claims whose values cannot match, and why (docs/maa-emu.md, "AzureGuest"); every
  // other claim of the genuine token must have its value, and these its type.
  const std::map<std::string, std::string> differ = {
      {"exp", "the time of issue"},
      {"iat", "the time of issue"},
      {"nbf", "the time of issue"},
      {"jti", "random"},
      {"iss", "the instance: the emulator's URL"},
      {"x-ms-policy-hash", "MAA's default AzureGuest policy text is not published: the emulator's own default's hash"},
      {"x-ms-azurevm-attested-pcrs", "the PCRs the guest quotes: attestd's set, not Windows' 0-7, 11-13"},
      {"x-ms-azurevm-is-windows", "the request's OS: a Debian guest, not Windows"},
      {"x-ms-azurevm-ostype", "the request's OS"},
      {"x-ms-azurevm-osdistro", "the request's OS"},
      {"x-ms-azurevm-osversion-major", "the request's OS"},
      {"x-ms-azurevm-osbuild", "the request's OS (Microsoft's library sends NotApplication on Linux)"},
      {"x-ms-azurevm-vmid", "another VM: the paravisor emulator's vmUniqueId"},
      {"x-ms-runtime.keys[0].n", "the TPM's fresh encryption key"},
      {"x-ms-isolation-tee.x-ms-runtime.keys[0].n", "the paravisor emulator's AK"},
      {"x-ms-isolation-tee.x-ms-runtime.keys[0].key_ops",
       "the paravisor emulator publishes HCLAkPub with key_ops [\"sign\"]; Azure's says [\"encrypt\"]"},
      {"x-ms-isolation-tee.x-ms-runtime.vm-configuration.vmUniqueId", "another VM"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-authorkeydigest", "snp-sim's report, not Azure's hardware"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-bootloader-svn", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-familyId", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-guestsvn", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-hostdata", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-idkeydigest", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-imageId", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-launchmeasurement", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-microcode-svn", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-reportdata", "binds another VM's runtime claims"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-reportid", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-snpfw-svn", "snp-sim's report"},
      {"x-ms-isolation-tee.x-ms-sevsnpvm-tee-svn", "snp-sim's report"},
  };
  // In the genuine token, absent from this evidence: the claims echo the HCL's runtime
  // claims verbatim, and the paravisor emulator's carry no current-time.
  const std::map<std::string, std::string> absent = {
      {"x-ms-isolation-tee.x-ms-runtime.vm-configuration.current-time", "the paravisor emulator does not write it"},
  };
  Emulator emu = make_emulator();
  std::map<std::string, Json::Value> mine, real;
  flatten(claims_of(attest(emu, vm().request), emu), "", mine);
  flatten(genuine_token_claims(), "", real);
  int same_value = 0;
  for (const auto& [path, value] : real) {
    if (absent.count(path)) {
      BOOST_TEST(!mine.count(path), path << " is now there: compare it");
      continue;
    }
    BOOST_TEST_CONTEXT(path) {
      BOOST_REQUIRE_MESSAGE(mine.count(path), path << " is missing");
      BOOST_TEST(kind(mine[path]) == kind(value));
      if (!differ.count(path)) {
        BOOST_TEST((mine[path] == value), json_compact(mine[path]) << " vs the genuine " << json_compact(value));
        ++same_value;
      }
    }
  }
  BOOST_TEST(same_value == 34);  // the claims held to their genuine values (docs/maa-emu.md)
  for (const auto& [path, value] : mine) {
    // The runtime claims are echoed as the paravisor wrote them (its user-data is extra).
    if (path.rfind("x-ms-isolation-tee.x-ms-runtime.", 0) == 0) continue;
    BOOST_TEST(real.count(path), "a claim the genuine token lacks: " << path);
  }
  for (const auto& [path, why] : differ) BOOST_TEST(real.count(path), path << " (" << why << ") is not a claim");
  // What the request said, the token says.
  BOOST_TEST(mine["x-ms-azurevm-ostype"].asString() == "Linux");
  BOOST_TEST(mine["x-ms-azurevm-osdistro"].asString() == "Debian GNU/Linux");
  BOOST_TEST(mine["x-ms-azurevm-osversion-major"].asInt() == 12);
  BOOST_TEST(mine["x-ms-azurevm-is-windows"].asBool() == false);
  BOOST_TEST(mine["x-ms-azurevm-vmid"].asString() == "7E57AB1E-0000-4000-8000-000000000001");
}

BOOST_AUTO_TEST_CASE(an_api_version_other_than_2020_10_01_is_refused) {
  Emulator emu = make_emulator();
  net::HttpResponse r = emu.handle(post(client::azureguest_request_body(vm().request), "2022-08-01"));
  expect_refusal(r, 400, "InvalidApiVersionParameter",
                 "The api-version '2022-08-01' is invalid. The supported versions are '2020-10-01'.");
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_an_azureguest_request_is_refused_naming_the_member) {
  Emulator emu = make_emulator();
  expect_refusal(emu.handle(post(R"({"report": "abc"})")), 400, "InvalidParameter",
                 "MalformedInput: AzureGuest request: \"AttestationInfo\" is missing");
}

BOOST_AUTO_TEST_CASE(a_protocol_version_other_than_2_0_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.protocol_version = "1.0";
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "AttestationProtocolVersion '1.0' is not supported: only '2.0' is.");
}

BOOST_AUTO_TEST_CASE(runtime_data_the_report_does_not_bind_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.runtime_data += " ";
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "The runtime data does not match the report: SHA-256(RunTimeData) " +
                     hex_encode(crypto::sha256(as_bytes(e.runtime_data))) + " is not REPORT_DATA[0:32]");
}

BOOST_AUTO_TEST_CASE(a_report_from_vmpl_1_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  snpsim::ReportRequest req;
  Bytes digest = crypto::sha256(as_bytes(e.runtime_data));
  std::copy(digest.begin(), digest.end(), req.report_data.begin());
  Bytes m = measurement();
  std::copy(m.begin(), m.end(), req.measurement.begin());
  req.vmpl = 1;
  e.snp_report = *snpsim::make_report(identity(), req);
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "The SNP report is from VMPL 1: only the paravisor's (VMPL 0) vouches for the runtime data.");
}

BOOST_AUTO_TEST_CASE(a_report_whose_chain_does_not_verify_is_refused_naming_the_attestd_error) {
  client::AzureGuestEvidence e = vm().request;
  EmulatorConfig c;
  c.base_url = kBase;  // AMD's roots only: snp-sim's chain is not trusted
  Emulator amd_only(std::move(c), test_keys());
  expect_refusal(attest(amd_only, e), 400, "InvalidParameter", "SNP report verification failed: UntrustedChain");
}

BOOST_AUTO_TEST_CASE(an_aikpub_that_is_not_the_hcl_akpub_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.aik_pub = e.enc_key_pub;
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "AikPub is not the runtime data's HCLAkPub: the TPM evidence is not by this VM's attestation key.");
}

BOOST_AUTO_TEST_CASE(a_tampered_quote_signature_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.pcr_signature[10] ^= 0x01;
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "QuoteInvalid: PcrSignature is not AikPub's RSASSA-SHA256 signature over PcrQuote");
}

BOOST_AUTO_TEST_CASE(a_pcr_digest_other_than_the_quoted_one_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.pcrs[4].digest[0] ^= 0x01;
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "QuoteInvalid: PCRs: TPM quote: the PCR values do not hash to the signed pcrDigest");
}

BOOST_AUTO_TEST_CASE(a_pcr_set_other_than_the_quoted_selection_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.pcrs.pop_back();
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter", "QuoteInvalid: PcrQuote selects PCRs 0,1,2,3,4,5,6,7,9,11,12 but PcrSet is 0,1,2,3,4,5,6,7,9,11");
}

BOOST_AUTO_TEST_CASE(a_certification_signed_by_another_key_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  auto other = crypto::PrivateKey::generate_rsa_from_seed(2048, as_bytes("not the AK"));
  BOOST_REQUIRE(other.ok());
  e.enc_key_certify_signature = *other->sign(crypto::SignatureScheme::RsaPkcs1Sha256, e.enc_key_certify_info);
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "QuoteInvalid: EncKeyPub: encryption key: TPM certification: not signed by the attestation key");
}

BOOST_AUTO_TEST_CASE(an_encryption_key_the_ak_did_not_certify_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.enc_key_pub = e.aik_pub;  // certified: the encryption key; sent: the AK
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "QuoteInvalid: EncKeyPub: encryption key: TPM certification: it certifies the object named ");
}

BOOST_AUTO_TEST_CASE(an_event_log_that_does_not_replay_to_the_quoted_pcrs_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  boot::EventLog parsed = genuine_log();
  auto app = std::find_if(parsed.events.begin(), parsed.events.end(), [](const boot::Event& ev) {
    return ev.pcr == 4 && ev.type == boot::kEvEfiBootServicesApplication;
  });
  BOOST_REQUIRE(app != parsed.events.end());
  auto at = std::search(e.tcg_logs.begin() + static_cast<std::ptrdiff_t>(app->offset), e.tcg_logs.end(),
                        app->sha256.begin(), app->sha256.end());
  BOOST_REQUIRE(at != e.tcg_logs.end());
  *at ^= 0x01;
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter", "EventLogMismatch: TcgLogs replays PCR 4 to ");
}

// A guest that booted WITHOUT Secure Boot quotes only PCRs both genuine boots share (not
// 7) and sends the Secure Boot boot's log: the log's PCR 7 events are unproven, so no
// claim may come from them.
BOOST_AUTO_TEST_CASE(claims_come_only_from_the_events_of_quoted_pcrs) {
  azuresim::test::AzureVm azure{"maa-emu-azureguest-unquoted-pcr7"};
  {
    hal::tpm::Tpm tpm(azure.swtpm.transport());
    auto off = boot::parse_event_log(*read_file(test::src_dir() + "/tests/data/boot/eventlog-sb-off.bin"));
    BOOST_REQUIRE(off.ok());
    BOOST_REQUIRE(azuresim::measure_boot(tpm, *off).ok());
  }
  hal::AzureVtpmOptions o = azuresim::test::fast_options();
  o.event_log_path = boot_log_path();  // the Secure Boot boot's log: a lie about PCR 7
  o.encryption_key = true;
  o.pcrs = hal::tpm::PcrSelection{hal::tpm::kAlgSha256, {1, 2, 3, 5, 6, 9, 11, 12}};
  hal::AzureVtpmSource source(azure.swtpm.transport(), o);
  hal::ReportData data = azuresim::test::random_report_data();
  auto e = source.get_evidence(data);
  BOOST_REQUIRE_MESSAGE(e.ok(), test::why(e));
  auto request = agent::azureguest_evidence(*e, {identity().vcek, identity().ask, identity().ark}, client::OsInfo{}, data);
  BOOST_REQUIRE_MESSAGE(request.ok(), test::why(request));
  Emulator emu = make_emulator();
  net::HttpResponse r = attest(emu, *request);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  auto sealed = client::parse_sealed_token((*parse_json(r.body, "answer"))["token"].asString());
  BOOST_REQUIRE(sealed.ok());
  auto inner = source.decrypt_with_encryption_key(*e, sealed->encrypted_inner_key);
  BOOST_REQUIRE_MESSAGE(inner.ok(), test::why(inner));
  auto jwt = client::open_sealed_token(*sealed, *inner);
  BOOST_REQUIRE(jwt.ok());
  auto t = verify_token(*jwt, emu);
  BOOST_REQUIRE_MESSAGE(t.ok(), test::why(t));
  BOOST_TEST(t->claims()["secureboot"].asBool() == false);
  BOOST_TEST(t->claims()["x-ms-azurevm-dbvalidated"].asBool() == false);
  BOOST_TEST(t->claims()["x-ms-azurevm-attested-pcrs"].size() == 8u);
}

BOOST_AUTO_TEST_CASE(an_empty_event_log_is_refused) {
  client::AzureGuestEvidence e = vm().request;
  e.tcg_logs.clear();
  Emulator emu = make_emulator();
  expect_refusal(attest(emu, e), 400, "InvalidParameter",
                 "EventLogMismatch: TcgLogs is empty: nothing explains the quoted PCRs 0,1,2,3,4,5,6,7,9,11,12");
}

BOOST_AUTO_TEST_CASE(a_not_jws_answer_seals_a_token_without_its_signature) {
  Emulator emu = make_emulator();
  Faults f;
  f.answer = BadAnswer::NotJws;
  emu.set_faults(f);
  std::string jwt = open_answer(attest(emu, vm().request));
  BOOST_TEST(std::count(jwt.begin(), jwt.end(), '.') == 1);
  auto t = verify_token(jwt, emu);
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().name() == "MalformedToken");
}

BOOST_AUTO_TEST_CASE(a_forged_signature_answer_seals_a_token_signed_by_an_unpublished_key) {
  Emulator emu = make_emulator();
  Faults f;
  f.answer = BadAnswer::ForgedSignature;
  emu.set_faults(f);
  auto t = verify_token(open_answer(attest(emu, vm().request)), emu);
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().name() == "BadSignature");
}

BOOST_AUTO_TEST_CASE(a_truncated_answer_is_the_first_half_of_the_sealed_body) {
  Emulator emu = make_emulator();
  Faults f;
  f.answer = BadAnswer::Truncated;
  emu.set_faults(f);
  net::HttpResponse r = attest(emu, vm().request);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(!parse_json(r.body, "answer").ok());
  BOOST_TEST(r.body.rfind("{\"token\":\"", 0) == 0u, r.body.substr(0, 20));
}

BOOST_AUTO_TEST_SUITE_END()
