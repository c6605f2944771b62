#include "client/lib/agent_session.h"

#include "core/bytes.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/random.h"
#include "crypto/sha.h"

namespace attestd::client {

Result<AgentEndpoint> parse_agent_url(const std::string& url) {
  auto bad = [&](const std::string& why) { return Error(ErrorCode::Usage, "agent URL '" + url + "': " + why); };
  if (url.rfind("https://", 0) != 0) return bad("must start with https://");
  std::string rest = url.substr(8);
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  AgentEndpoint e;
  e.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return bad("expected https://host[:port][/path]");
  std::size_t colon = authority.rfind(':');
  if (authority.front() == '[') {  // [v6]:port
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return bad("unclosed [");
    e.host = authority.substr(1, close - 1);
    colon = authority.size() > close + 1 && authority[close + 1] == ':' ? close + 1 : std::string::npos;
  } else {
    e.host = authority.substr(0, colon);
  }
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > 65535) {
      return bad("bad port '" + port + "'");
    }
    e.port = static_cast<std::uint16_t>(std::stoul(port));
  } else {
    e.port = 443;
  }
  if (e.host.empty()) return bad("no host");
  return e;
}

namespace {

// Azure vTPM: the paravisor's runtime claims carry our REPORT_DATA as user-data (64 bytes, hex).
Status check_user_data_binding(const Json::Value& attested, std::string_view runtime_text) {
  Bytes want = crypto::sha256(as_bytes(runtime_text));
  want.resize(64, 0);
  const Json::Value& user_data = attested["user-data"];
  auto have = user_data.isString() ? hex_decode(user_data.asString()) : Result<Bytes>(Bytes{});
  if (!have || !constant_time_equal(*have, want)) {
    return Error(ErrorCode::NonceMismatch,
                 "the attested runtime claims' user-data is not the SHA-256 of this runtime data");
  }
  return {};
}

// AzureGuest: MAA echoes the request's ClientPayload under the token's top-level
// x-ms-runtime.client-payload; the agent puts this batch's report data there.
Status check_client_payload(const Json::Value* token_claims, std::string_view runtime_text) {
  const std::string want = crypto::base64_encode(as_bytes(client_payload_value(report_data_for(runtime_text))));
  const Json::Value* have = nullptr;
  if (token_claims && (*token_claims)["x-ms-runtime"].isObject()) {
    const Json::Value& payload = (*token_claims)["x-ms-runtime"]["client-payload"];
    if (payload.isObject() && payload[kClientPayloadKey].isString()) have = &payload[kClientPayloadKey];
  }
  if (!have) {
    return Error(ErrorCode::NonceMismatch, std::string("the token has no x-ms-runtime.client-payload.") +
                                               kClientPayloadKey + ": it binds no batch of ours");
  }
  if (!constant_time_equal(as_bytes(have->asString()), as_bytes(want))) {
    return Error(ErrorCode::NonceMismatch, std::string("x-ms-runtime.client-payload.") + kClientPayloadKey +
                                               " is not this runtime data's report data: the token is of another batch");
  }
  return {};
}

}  // namespace

bool binds_through_vtpm(const SnpTokenClaims& claims, const verify::Policy& policy) {
  return claims.shape == TokenShape::AzureGuest || policy.runtime_binding == verify::Policy::RuntimeBinding::VtpmUserData;
}

Result<RuntimeData> check_attestation_answer(const SnpTokenClaims& claims, std::string_view runtime_text,
                                             const crypto::MerkleProof& proof, ByteView nonce,
                                             const crypto::PublicKey& tls_peer_key,
                                             verify::Policy::RuntimeBinding binding) {
  const Json::Value& attested = (*claims.tee)["x-ms-runtime"];
  if (!attested.isObject()) {
    return Error(ErrorCode::RuntimeDataMismatch, "the token carries no x-ms-runtime: it binds no runtime data");
  }
  // Which binding applies follows from the token's verified shape and the relying party's
  // policy, never from what x-ms-runtime happens to contain.
  if (claims.shape == TokenShape::AzureGuest || binding == verify::Policy::RuntimeBinding::VtpmUserData) {
    if (Status s = check_user_data_binding(attested, runtime_text); !s) return s.error();
    if (claims.shape == TokenShape::AzureGuest) {
      if (Status s = check_client_payload(claims.token, runtime_text); !s) return s.error();
    }
  } else {
    auto parsed = parse_json(runtime_text, "runtime data");
    if (!parsed || !(*parsed == attested)) {
      return Error(ErrorCode::RuntimeDataMismatch,
                   "x-ms-runtime is not the runtime data the agent returned (a SevSnpVm token binds the agent's "
                   "runtime data itself; for an Azure vTPM agent, set the policy's runtime_binding to "
                   "\"vtpm-user-data\")");
    }
  }
  auto runtime = parse_runtime(runtime_text);
  if (!runtime) return runtime.error();
  if (proof.count != runtime->count || !crypto::merkle_verify(nonce, proof, runtime->merkle_root)) {
    return Error(ErrorCode::NonceMismatch,
                 "our nonce is not in the attested batch (Merkle proof against root " +
                     hex_encode(runtime->merkle_root).substr(0, 16) + "… fails): a stale or replayed answer");
  }
  if (!(runtime->tls_key == tls_peer_key)) {
    return Error(ErrorCode::ChannelBindingMismatch,
                 "the TLS key of this connection is not the attested key: something between us and the "
                 "attested VM terminates TLS");
  }
  return runtime;
}

namespace {

// An agent's refusal to attest. A failure on the agent's own side (its evidence device,
// its VCEK, MAA as the agent reached it) keeps the name the agent gave it; any other
// name, or none, is MaaUnavailable with that name in the message. The agent's word picks
// only among these: it cannot make the client report a verification result.
Error agent_failure(long status, const Result<Json::Value>& body, const std::optional<std::string>& retry_after) {
  static constexpr ErrorCode kAgentSide[] = {ErrorCode::DeviceError, ErrorCode::NoEvidenceSource,
                                             ErrorCode::MissingCertificate, ErrorCode::MaaUnavailable};
  const bool described = body && body->isObject() && (*body)["error"].isObject();
  std::string why = described && (*body)["error"]["message"].isString() ? (*body)["error"]["message"].asString()
                                                                        : "HTTP " + std::to_string(status);
  std::string name = described && (*body)["error"]["code"].isString() ? (*body)["error"]["code"].asString() : "";
  if (status == 503 && name == error_name(ErrorCode::AgentOverloaded)) {
    // Overload is its own failure: nothing is wrong with MAA or the VM, so come back later.
    return Error(ErrorCode::AgentOverloaded, "the agent is overloaded: " + why +
                                                 (retry_after ? " (it asks to retry after " +
                                                                    printable_quoted(*retry_after) + " s)"
                                                              : std::string()));
  }
  for (ErrorCode code : kAgentSide) {
    if (name == error_name(code)) return Error(code, "the agent could not attest: " + why);
  }
  return Error(ErrorCode::MaaUnavailable, "the agent could not attest: " + (name.empty() ? "" : name + ": ") + why);
}

}  // namespace

AgentSession::AgentSession(std::unique_ptr<net::AttestedConnection> c, VerifiedToken t, std::string token_text,
                           RuntimeData r, crypto::MerkleProof p, Bytes n, std::optional<VerifiedBoot> boot,
                           int timeout_ms)
    : connection_(std::move(c)), token_ptr_(std::make_unique<VerifiedToken>(std::move(t))),
      token_text_(std::move(token_text)), runtime_(std::move(r)),
      proof_(std::move(p)), nonce_(std::move(n)), boot_(std::move(boot)), timeout_ms_(timeout_ms) {
  // The claims were found in this very token by establish(); find them in our copy.
  auto claims = snp_claims(*token_ptr_);
  if (claims) claims_ = std::move(claims).value();
}

Result<AgentSession> AgentSession::establish(const AgentEndpoint& endpoint, MaaKeySource& keys,
                                             const SessionOptions& options) {
  auto connection = net::AttestedConnection::open(endpoint.host, endpoint.port, options.timeout_ms, options.source_address);
  if (!connection) return connection.error();
  auto nonce = crypto::random_bytes(32);
  if (!nonce) return nonce.error();
  Json::Value request(Json::objectValue);
  request["nonce"] = crypto::base64url_encode(*nonce);
  auto answer = (*connection)->request("POST", "/attestation", {{"Content-Type", "application/json"}},
                                       json_compact(request), options.timeout_ms);
  if (!answer) return answer.error();
  auto body = parse_json(answer->body, "attestation answer");
  if (answer->status != 200) return agent_failure(answer->status, body, answer->header("retry-after"));
  if (!body) return body.error();
  auto checked = check_agent_answer(*body, *nonce, (*connection)->server_key(), keys, options);
  if (!checked) return checked.error();
  return AgentSession(std::move(connection).value(), std::move(checked->token), (*body)["token"].asString(),
                      std::move(checked->runtime),
                      std::move(checked->proof), std::move(nonce).value(), std::move(checked->boot),
                      options.timeout_ms);
}

Result<CheckedAnswer> check_agent_answer(const Json::Value& body, ByteView nonce, const crypto::PublicKey& tls_peer_key,
                                         MaaKeySource& keys, const SessionOptions& options) {
  if (!body.isObject() || !body["token"].isString() || !body["runtime"].isString() || !body["proof"].isObject()) {
    return Error(ErrorCode::MalformedInput, "the agent's answer is not {\"token\", \"runtime\", \"proof\"}");
  }
  auto proof = crypto::proof_from_json(body["proof"]);
  if (!proof) return proof.error();
  auto token = verify_maa_token(body["token"].asString(), options.maa_url, keys, now_unix(),
                                options.policy.clock_skew_seconds);
  if (!token) return token.error();
  if (Status s = check_token(*token, options.policy, {}); !s) return s.error();
  auto claims = snp_claims(*token);
  if (!claims) return claims.error();
  auto runtime = check_attestation_answer(*claims, body["runtime"].asString(), *proof, nonce, tls_peer_key,
                                          options.policy.runtime_binding);
  if (!runtime) return runtime.error();
  std::optional<VerifiedBoot> boot;
  if (!binds_through_vtpm(*claims, options.policy) && (!options.policy.pcrs.empty() || !options.policy.boot_events.empty())) {
    // Fails closed: a relying party that pins the boot must not get an answer that checks none.
    return Error(ErrorCode::PcrMismatch,
                 "the policy pins PCRs, but this answer is checked without a vTPM (a SevSnpVm token with "
                 "runtime_binding \"report-data\"): set runtime_binding to \"vtpm-user-data\" for an Azure vTPM "
                 "agent, or drop pcrs/boot_events for an SNP guest, whose launch measurement covers its code");
  }
  if (binds_through_vtpm(*claims, options.policy)) {
    // On Azure the SNP report measures the paravisor and firmware only: the guest's code
    // is in the vTPM's PCRs, so the answer must prove them (docs/measured-boot.md).
    // HCLAkPub is the paravisor's key only in a report the paravisor asked for, at VMPL 0:
    // a guest at a higher VMPL could hash a runtime-claims document of its own.
    if (claims->facts.vmpl != 0) {
      return Error(ErrorCode::VmplMismatch, "the report is from VMPL " + std::to_string(claims->facts.vmpl) +
                                                ": on the vTPM path only a VMPL 0 report (the paravisor's) vouches for "
                                                "the attestation key");
    }
    if (!body.isMember("tpm")) {
      return Error(ErrorCode::QuoteInvalid,
                   "the agent attests through a vTPM but sent no TPM quote: the guest's code is unproven");
    }
    auto evidence = parse_boot_evidence(body["tpm"]);
    if (!evidence) return evidence.error();
    auto ak = attested_ak((*claims->tee)["x-ms-runtime"]);
    if (!ak) return ak.error();
    auto verified = verify_boot(*evidence, *ak, body["runtime"].asString(), options.policy);
    if (!verified) return verified.error();
    boot = std::move(verified).value();
  }
  return CheckedAnswer{std::move(token).value(), std::move(runtime).value(), std::move(proof).value(), std::move(boot)};
}

Result<net::HttpResult> AgentSession::request(const std::string& method, const std::string& target,
                                              const net::HeaderList& headers, const std::string& body,
                                              int timeout_ms) {
  return connection_->request(method, target, headers, body, timeout_ms > 0 ? timeout_ms : timeout_ms_);
}

namespace {

Json::Value boot_json(const VerifiedBoot& boot) {
  Json::Value out(Json::objectValue);
  out["secure_boot"] = boot.secure_boot ? Json::Value(*boot.secure_boot) : Json::Value();  // null: not measured
  out["events"] = Json::UInt64(boot.log.events.size());
  Json::Value pcrs(Json::objectValue);
  for (const auto& [pcr, value] : boot.pcrs) pcrs[std::to_string(pcr)] = hex_encode(value);
  out["pcrs"] = pcrs;
  return out;
}

Json::Value guest_json(const SnpTokenClaims& claims) {
  const verify::GuestFacts& f = claims.facts;
  const Json::Value& status = (*claims.tee)["x-ms-compliance-status"];
  Json::Value out(Json::objectValue);
  out["compliance"] = status.isString() ? status : Json::Value();
  out["debuggable"] = f.debug_allowed;
  out["migration_agent"] = f.migrate_ma_allowed;
  out["vmpl"] = Json::UInt(f.vmpl);
  out["guest_svn"] = Json::UInt(f.guest_svn);
  out["measurement"] = hex_encode(f.measurement);
  out["host_data"] = hex_encode(f.host_data);
  out["report_data"] = hex_encode(f.report_data);
  Json::Value& tcb = out["reported_tcb"];
  tcb["bootloader"] = Json::UInt(f.reported_tcb.bootloader);
  tcb["tee"] = Json::UInt(f.reported_tcb.tee);
  tcb["snp"] = Json::UInt(f.reported_tcb.snp);
  tcb["microcode"] = Json::UInt(f.reported_tcb.microcode);
  return out;
}

}  // namespace

Json::Value session_json(const AgentSession& session, const AgentEndpoint& endpoint) {
  Json::Value out(Json::objectValue);
  out["agent"] = endpoint.host + ":" + std::to_string(endpoint.port);
  out["claims"] = session.token().claims();
  out["token"] = session.token_text();
  out["nonce"] = hex_encode(session.nonce());
  out["nonce_index"] = Json::UInt64(session.proof().index);
  out["batch_size"] = Json::UInt64(session.proof().count);
  out["tls_key_sha256"] = hex_encode(crypto::sha256(session.runtime().tls_key.spki_der()));
  out["guest"] = guest_json(session.claims());
  if (const auto& vm = session.claims().vm) out["vm"] = vm_facts_json(*vm);
  if (session.boot()) out["boot"] = boot_json(*session.boot());
  return out;
}

}  // namespace attestd::client
