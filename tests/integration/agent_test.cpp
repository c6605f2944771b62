// attestd end to end on the host: snp-sim evidence, maa-emu over HTTPS, a small
// application behind the agent, and the attest client — every failure by its name.
#include <boost/test/unit_test.hpp>

#include "tests/integration/agent_world.h"
#include "tests/mocks/snp/crl.h"
#include "tests/mocks/snp/kds_server.h"

using namespace attestd;
using namespace attestd::test;
using namespace attestd::agent_world;


BOOST_AUTO_TEST_SUITE(integration_agent)

BOOST_AUTO_TEST_CASE(connect_verifies_everything_and_request_reaches_the_application) {
  Agent agent("good");
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(c.out.find("is an attested SEV-SNP VM") != std::string::npos);
  BOOST_TEST(c.out.find("compliance          azure-compliant-cvm") != std::string::npos);
  BOOST_TEST(c.out.find("channel             this TLS connection's key is the attested key") != std::string::npos);
  RunResult r = run(attest() + " request " + agent.url + "/generate -d '{\"input_text\": \"def print_hello_world():\"}'" +
                    world().client_flags());
  BOOST_TEST(r.exit_code == 0, r.err);
  // stdout is a file here: the application's body, byte for byte.
  BOOST_TEST(r.out == "generated for {\"input_text\": \"def print_hello_world():\"}");
  RunResult health = run("curl -sk " + agent.url + "/healthz");
  auto h = parse_json(health.out, "healthz");
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((*h)["evidence"].asString() == "sim");
}

BOOST_AUTO_TEST_CASE(a_debuggable_guest_is_debug_mode) {
  Agent agent("debug", {"--sim-policy", "0xB0000"});
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 30, c.err);
  BOOST_TEST(c.err.find("DebugMode: Attestation validation failed (enclave is in debug mode).") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_measurement_azure_does_not_know_is_non_compliant) {
  Agent agent("unknown", {}, kOther);
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 51, c.err);
  BOOST_TEST(c.err.find("NonCompliantUvm: Attestation validation failed (non-compliant uvm).") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_client_policy_with_another_measurement_is_a_measurement_mismatch) {
  Agent agent("policy");
  std::string policy = world().dir + "/other-measurement.json";
  BOOST_REQUIRE(write_file(policy, as_bytes(R"({"measurements": [")" + kOther + R"("]})")).ok());
  RunResult c = connect(agent.url, "--policy " + policy);
  BOOST_TEST(c.exit_code == 36, c.err);
}

BOOST_AUTO_TEST_CASE(a_replayed_answer_is_a_nonce_mismatch) {
  Agent agent("replay");
  // Capture a genuine answer once...
  auto conn = net::AttestedConnection::open("127.0.0.1", agent.port, 10000);
  BOOST_REQUIRE(conn.ok());
  Json::Value req(Json::objectValue);
  req["nonce"] = crypto::base64url_encode(*crypto::random_bytes(32));
  auto captured = (*conn)->request("POST", "/attestation", {{"Content-Type", "application/json"}}, json_compact(req));
  BOOST_REQUIRE(captured.ok() && captured->status == 200);
  // ...and replay it to every client from a relay. (The relay's TLS key differs too, but
  // freshness is checked first: the replay is named for what it is.)
  net::ServerOptions o;
  o.tls = relay_identity();
  auto replayer = net::HttpServer::start(o, [&](const net::HttpRequest&) {
    net::HttpResponse r = net::HttpResponse::text(200, captured->body);
    r.headers.push_back({"Content-Type", "application/json"});
    return r;
  });
  BOOST_REQUIRE(replayer.ok());
  RunResult c = connect("https://127.0.0.1:" + std::to_string((*replayer)->port()));
  BOOST_TEST(c.exit_code == 52, c.err);
  BOOST_TEST(c.err.find("NonceMismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_relay_terminating_tls_with_another_key_is_a_channel_binding_mismatch) {
  Agent agent("relay");
  net::ServerOptions o;
  o.tls = relay_identity();
  // A man in the middle: terminates TLS itself and forwards every request to the genuine agent.
  std::mutex mu;
  std::unique_ptr<net::AttestedConnection> upstream;
  auto relay = net::HttpServer::start(o, [&](const net::HttpRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    if (!upstream) upstream = std::move(net::AttestedConnection::open("127.0.0.1", agent.port, 10000)).value();
    auto answer = upstream->request(r.method, r.target, {{"Content-Type", "application/json"}}, r.body);
    if (!answer) return net::HttpResponse::text(502, answer.error().describe());
    net::HttpResponse out = net::HttpResponse::text(static_cast<int>(answer->status), answer->body);
    return out;
  });
  BOOST_REQUIRE(relay.ok());
  RunResult c = connect("https://127.0.0.1:" + std::to_string((*relay)->port()));
  BOOST_TEST(c.exit_code == 53, c.err);
  BOOST_TEST(c.err.find("ChannelBindingMismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(maa_down_is_a_clear_error_and_the_agent_recovers) {
  Agent agent("maa-down");
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X POST --data '{\"status\": 503, \"count\": 50}' " + world().admin +
                    "/faults").exit_code == 0);
  RunResult down = connect(agent.url);
  BOOST_TEST(down.exit_code == 60, down.err);
  BOOST_TEST(down.err.find("MaaUnavailable") != std::string::npos);
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X DELETE " + world().admin + "/faults").exit_code == 0);
  RunResult up = connect(agent.url);
  BOOST_TEST(up.exit_code == 0, up.err);
}

BOOST_AUTO_TEST_CASE(a_429_from_maa_is_waited_out_by_the_agent) {
  Agent agent("maa-429");
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X POST --data '{\"status\": 429, \"retry_after\": 1, \"count\": 1}' " +
                    world().admin + "/faults").exit_code == 0);
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(read_text_file(agent.log)->find("429") != std::string::npos);  // the retry is logged
}

BOOST_AUTO_TEST_CASE(a_slow_maa_is_a_clear_error_within_the_agents_timeouts_then_recovers) {
  Agent agent("maa-slow", {"--maa-timeout-ms", "500"});
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X POST --data '{\"latency_ms\": 1500, \"count\": 5}' " +
                    world().admin + "/faults").exit_code == 0);
  auto start = std::chrono::steady_clock::now();
  RunResult slow = connect(agent.url);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(slow.exit_code == 60, slow.err);
  BOOST_TEST(slow.err.find("MaaUnavailable") != std::string::npos);
  BOOST_TEST(seconds < 20.0);
  BOOST_REQUIRE(run("curl -sS --max-time 5 -X DELETE " + world().admin + "/faults").exit_code == 0);
  // Requests the emulator is still sleeping on finish by themselves; the next is fresh.
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  RunResult up = connect(agent.url);
  BOOST_TEST(up.exit_code == 0, up.err);
}

BOOST_AUTO_TEST_CASE(maa_throttling_past_the_attempts_is_maa_unavailable_naming_the_429_then_recovers) {
  fault_then_recovery("maa-429s", R"({"status": 429, "retry_after": 1})", 60,
                      "MaaUnavailable: the agent could not attest: MAA at " + world().maa +
                          "/attest/SevSnpVm?api-version=2022-08-01 gave no token after 5 attempts: HTTP 429 "
                          "TooManyRequests: fault injected by the maa-emu admin endpoint");
}

BOOST_AUTO_TEST_CASE(a_maa_cloud_error_500_is_maa_unavailable_naming_it_then_recovers) {
  fault_then_recovery("maa-500", R"({"status": 500})", 60,
                      "gave no token after 5 attempts: HTTP 500 InternalServerError: fault injected by the maa-emu "
                      "admin endpoint");
}

BOOST_AUTO_TEST_CASE(a_maa_answer_that_is_not_json_is_maa_unavailable_then_recovers) {
  fault_then_recovery("maa-not-json", R"({"answer": "not-json"})", 60,
                      "gave no token after 1 attempt: HTTP 200 without a token: MAA response");
}

BOOST_AUTO_TEST_CASE(a_maa_answer_without_a_token_is_maa_unavailable_then_recovers) {
  fault_then_recovery("maa-no-token", R"({"answer": "no-token"})", 60,
                      "gave no token after 1 attempt: HTTP 200 without a token: no \"token\" string");
}

BOOST_AUTO_TEST_CASE(a_maa_token_that_is_not_a_jws_is_maa_unavailable_then_recovers) {
  fault_then_recovery("maa-not-jws", R"({"answer": "not-jws"})", 60,
                      "gave no token after 1 attempt: HTTP 200 whose token is not a compact JWS");
}

BOOST_AUTO_TEST_CASE(a_truncated_maa_answer_is_maa_unavailable_then_recovers) {
  fault_then_recovery("maa-truncated", R"({"answer": "truncated"})", 60,
                      "gave no token after 1 attempt: HTTP 200 without a token: MAA response");
}

BOOST_AUTO_TEST_CASE(a_maa_answer_labelled_html_is_maa_unavailable_then_recovers) {
  fault_then_recovery("maa-html", R"({"answer": "wrong-content-type"})", 60,
                      "gave no token after 1 attempt: HTTP 200 with Content-Type text/html; charset=utf-8, not "
                      "application/json");
}

BOOST_AUTO_TEST_CASE(a_token_with_a_forged_signature_is_refused_by_the_client_then_recovers) {
  fault_then_recovery("maa-forged", R"({"answer": "forged-signature"})", 20, "BadSignature");
}

BOOST_AUTO_TEST_CASE(a_token_signed_under_an_unknown_kid_is_refused_by_the_client_then_recovers) {
  fault_then_recovery("maa-unknown-key", R"({"answer": "unknown-key"})", 58, "UnknownKey");
}

BOOST_AUTO_TEST_CASE(a_hundred_concurrent_clients_in_one_window_share_one_maa_call) {
  Agent agent("batch", {"--batch-window-ms", "1000"});
  // Every client connects first; then all ask at once, so they fall in one window even
  // on a slow (sanitized, loaded) machine.
  constexpr int kClients = 100;
  std::vector<std::unique_ptr<net::AttestedConnection>> connections(kClients);
  std::vector<std::future<void>> opening;
  for (int i = 0; i < kClients; ++i) {
    opening.push_back(std::async(std::launch::async, [&, i] {
      // From four loopback addresses: one peer may hold 64 connections (max_connections_per_peer).
      auto c = net::AttestedConnection::open("127.0.0.1", agent.port, 60000, "127.0.1." + std::to_string(1 + i % 4));
      if (c) connections[i] = std::move(c).value();
    }));
  }
  for (auto& o : opening) o.get();
  for (const auto& c : connections) BOOST_REQUIRE(c != nullptr);
  std::latch go(kClients);
  std::vector<std::future<int>> answers;
  for (int i = 0; i < kClients; ++i) {
    answers.push_back(std::async(std::launch::async, [&, i] {
      Json::Value req(Json::objectValue);
      req["nonce"] = crypto::base64url_encode(*crypto::random_bytes(32));
      std::string body = json_compact(req);
      go.arrive_and_wait();
      auto r = connections[i]->request("POST", "/attestation", {{"Content-Type", "application/json"}}, body, 60000);
      return r ? static_cast<int>(r->status) : -2;
    }));
  }
  int ok = 0;
  for (auto& a : answers) ok += a.get() == 200;
  BOOST_TEST(ok == kClients);
  auto h = parse_json(run("curl -sk " + agent.url + "/healthz").out, "healthz");
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((*h)["nonces"].asUInt64() == 100u);
  BOOST_TEST((*h)["maa_requests"].asUInt64() == 1u, "MAA calls: " << (*h)["maa_requests"].asUInt64());
  BOOST_TEST((*h)["batches"].asUInt64() == 1u, "batches: " << (*h)["batches"].asUInt64());
}

BOOST_AUTO_TEST_CASE(on_an_azure_vtpm_the_runtime_is_bound_through_user_data) {
  World& w = world();
  AzureCvm cvm("agent");
  // SevSnpVm on a vTPM (AzureGuest, the default, carries the binding in its ClientPayload).
  Agent agent("azure", {"--maa-protocol", "sevsnpvm"}, kGood, cvm.evidence_flags());
  // The paravisor's claims bind the runtime only when the relying party's policy says so:
  // a SevSnpVm token's shape alone says its x-ms-runtime is the agent's runtime data.
  RunResult plain = connect(agent.url);
  BOOST_TEST(plain.exit_code == 11, plain.err);
  BOOST_TEST(plain.err.find("RuntimeDataMismatch") != std::string::npos, plain.err);
  RunResult c = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(c.exit_code == 0, c.err << *read_text_file(agent.log));
  BOOST_TEST(c.out.find("channel             this TLS connection's key is the attested key") != std::string::npos);
  auto token = parse_json(
      run(attest() + " connect " + agent.url + w.client_flags() + " --policy " + vtpm_policy() + " --json").out, "json");
  BOOST_REQUIRE(token.ok());
  BOOST_TEST((*token)["claims"]["x-ms-runtime"]["user-data"].isString());
  BOOST_TEST((*token)["claims"]["x-ms-runtime"]["keys"][0]["kid"].asString() == "HCLAkPub");
}

BOOST_AUTO_TEST_CASE(a_swtpm_restart_mid_run_is_a_device_error_then_the_same_agent_recovers) {
  // A simulated Azure CVM whose TPM dies (swtpm killed by the PID this test started) and
  // comes back on the same port with the same state, under one attestd.
  AzureCvm cvm("agent-restart");
  const std::string tpm = "127.0.0.1:" + std::to_string(cvm.swtpm.port());
  Agent agent("azure-restart", {}, kGood, cvm.evidence_flags());
  RunResult before = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(before.exit_code == 0, before.err << *read_text_file(agent.log));

  cvm.swtpm.kill();
  auto started = std::chrono::steady_clock::now();
  RunResult down = connect(agent.url, "--policy " + vtpm_policy());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST(down.exit_code == 70, down.err);
  BOOST_TEST(down.err.find("DeviceError: the agent could not attest: user-data: NV index 0x1400002: "
                           "TPM2_NV_ReadPublic: TPM socket " + tpm +
                           ": connect: Connection refused") != std::string::npos,
             down.err);
  BOOST_TEST(down.out.find("is an attested SEV-SNP VM") == std::string::npos, down.out);
  BOOST_TEST(seconds < 10.0);

  cvm.swtpm.restart();
  cvm.measure_boot();  // a restarted TPM has reset PCRs: the firmware measures again
  RunResult after = connect(agent.url, "--policy " + vtpm_policy());
  BOOST_TEST(after.exit_code == 0, after.err << *read_text_file(agent.log));
  BOOST_TEST(after.out.find("channel             this TLS connection's key is the attested key") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// The agent's crl setting: its own VCEK chain against the ARK's CRL, from a local KDS
// signed with the world's sim ARK, before any evidence is served.
namespace {
snpsim::SimIdentity world_identity() {
  auto id = snpsim::load_identity(world().keys);
  BOOST_REQUIRE_MESSAGE(id.ok(), test::why(id));
  return std::move(id).value();
}

// A local KDS serving the world's ARK CRL (current now), revoking `revoked`.
struct WorldKds {
  snpsim::SimIdentity identity = world_identity();
  std::unique_ptr<snpsim::SimKds> kds;
  explicit WorldKds(bool revoke_vcek) {
    auto started = snpsim::SimKds::start({&identity});
    BOOST_REQUIRE(started.ok());
    kds = std::move(started).value();
    std::vector<Bytes> revoked;
    if (revoke_vcek) revoked.push_back(identity.vcek.serial());
    auto crl = snpsim::make_ark_crl(identity, now_unix(), revoked);
    BOOST_REQUIRE(crl.ok());
    kds->set_crl(snp::Product::Milan, false, *crl);
  }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(integration_agent_crl)

BOOST_AUTO_TEST_CASE(crl_require_with_a_current_crl_attests_and_asks_kds_for_it) {
  WorldKds w(false);
  Agent agent("crl-good", {"--crl", "require", "--kds-url", w.kds->url()});
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(w.kds->targets() == std::vector<std::string>{"/vcek/v1/Milan/crl"}, boost::test_tools::per_element());
  BOOST_TEST(read_text_file(agent.log)->find("revocation=not revoked (CRL valid until ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(crl_require_with_the_vcek_revoked_serves_no_evidence) {
  WorldKds w(true);
  Agent agent("crl-revoked", {"--crl", "require", "--kds-url", w.kds->url()});
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code != 0);
  BOOST_TEST(c.err.find("CertificateRevoked") != std::string::npos, c.err);
  BOOST_TEST(read_text_file(agent.log)->find("crl_failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(crl_best_effort_without_a_crl_attests_and_logs_why_not) {
  WorldKds w(false);
  Agent agent("crl-best-effort", {"--crl", "best-effort", "--kds-url", w.kds->url() + "/nowhere"});
  RunResult c = connect(agent.url);
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(read_text_file(agent.log)->find("revocation=not checked (best-effort: CrlUnavailable: ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
