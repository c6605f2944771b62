#include "agent/service.h"

#include "agent/log.h"
#include "agent/proxy.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "crypto/random.h"
#include "hal/snp/report.h"
#include "hal/tpm/quote.h"
#include "net/http_client.h"

namespace attestd::agent {

Result<net::TlsIdentity> make_tls_identity() {
  auto key = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  if (!key) return key.error();
  auto serial = crypto::random_bytes(16);
  if (!serial) return serial.error();
  (*serial)[0] &= 0x7F;
  if ((*serial)[0] == 0) (*serial)[0] = 1;
  crypto::CertificateSpec spec;
  spec.subject = "CN=attestd,O=attestd attested TLS";
  spec.serial = *serial;
  UnixTime now = now_unix();
  spec.not_before = now - 300;
  spec.not_after = now + 365 * 86400;
  spec.key_usage = 0x80;
  spec.dns_names = {"attestd", "localhost"};
  spec.hash = crypto::HashAlg::Sha256;
  auto cert = crypto::issue_certificate(spec, key->public_key(), *key, nullptr);
  if (!cert) return cert.error();
  return net::TlsIdentity{{*cert}, *key};
}

net::HttpResponse error_response(const Error& e) {
  int status = 500;
  switch (e.code()) {
    case ErrorCode::MalformedInput:
    case ErrorCode::Usage: status = 400; break;
    case ErrorCode::MaaUnavailable:
    case ErrorCode::NetworkError: status = 502; break;
    case ErrorCode::DeviceError:
    case ErrorCode::NoEvidenceSource:
    case ErrorCode::MissingCertificate:
    case ErrorCode::AgentOverloaded: status = 503; break;
    default: break;
  }
  Json::Value body(Json::objectValue);
  body["error"]["code"] = std::string(e.name());
  body["error"]["message"] = e.message();
  return net::HttpResponse::json(status, body);
}

net::HttpResponse overload_response(const std::string& why) {
  net::HttpResponse r = error_response(Error(ErrorCode::AgentOverloaded, "attestd is overloaded: " + why));
  r.headers.emplace_back("Retry-After", "1");
  r.close = true;
  return r;
}

AgentService::AgentService(ServiceParts parts, const crypto::PublicKey& tls_key)
    : parts_(std::move(parts)), evidence_name_(parts_.evidence ? parts_.evidence->name() : "none"), maa_(parts_.maa) {
  batcher_ = std::make_unique<FreshnessBatcher>(
      parts_.batch, tls_key,
      [this](const std::string& runtime, const hal::ReportData& data) { return attest_batch(runtime, data); });
}

std::shared_ptr<const Json::Value> tpm_answer(const hal::Evidence& evidence) {
  if (!evidence.quote) return nullptr;
  const hal::TpmQuote& q = *evidence.quote;
  auto out = std::make_shared<Json::Value>(Json::objectValue);
  (*out)["quote"] = crypto::base64url_encode(q.attest);
  (*out)["signature"] = crypto::base64url_encode(q.signature);
  // The values in the quote's selection order; the selection itself is in the signed quote.
  auto info = hal::tpm::parse_quote_attest(q.attest);
  Json::Value pcrs(Json::objectValue);
  if (info && info->pcrs.size() == q.pcr_values.size()) {
    for (std::size_t i = 0; i < info->pcrs.size(); ++i) pcrs[std::to_string(info->pcrs[i])] = hex_encode(q.pcr_values[i]);
  }
  (*out)["pcrs"] = pcrs;
  if (evidence.event_log) (*out)["event_log"] = crypto::base64url_encode(*evidence.event_log);
  return out;
}

Result<BatchAttestation> AgentService::attest_batch(const std::string& runtime_json, const hal::ReportData& report_data) {
  Result<hal::Evidence> evidence = Error(ErrorCode::NoEvidenceSource, "no evidence source");
  {
    std::lock_guard<std::mutex> lock(evidence_mu_);
    ++evidence_requests_;
    if (parts_.evidence) evidence = parts_.evidence->get_evidence(report_data);
    if (!evidence) ++evidence_failures_;
  }
  if (!evidence) {
    log_event(LogLevel::Error, "evidence_failed", evidence.error().describe());
    return evidence.error();
  }
  auto report = snp::parse_report(evidence->report);
  if (!report) return report.error();
  auto chain = hal::find_vcek(*report, evidence->certificates, parts_.vcek);
  if (!chain) {
    log_event(LogLevel::Error, "vcek_failed", chain.error().describe());
    return chain.error();
  }
  auto revocation = hal::check_chain_revocation(*chain, parts_.crl, parts_.vcek);
  if (!revocation) {
    log_event(LogLevel::Error, "crl_failed", revocation.error().describe());
    return revocation.error();
  }
  std::vector<crypto::Certificate> vcek_chain{chain->vcek, chain->ask, chain->ark};
  auto token = parts_.maa.protocol == MaaProtocol::AzureGuest
                   ? azureguest_token(*evidence, vcek_chain, report_data)
                   : maa_.attest_sevsnpvm(*evidence, vcek_chain, runtime_json);
  if (!token) {
    log_event(LogLevel::Error, "maa_failed", token.error().describe());
    return token.error();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = std::make_pair(*token, runtime_json);
  }
  log_event(LogLevel::Info, "attested", "source=" + evidence->source + " vcek=" + chain->origin + " revocation=" + *revocation);
  return BatchAttestation{std::move(token).value(), tpm_answer(*evidence)};
}

Result<std::string> AgentService::azureguest_token(const hal::Evidence& evidence,
                                                   const std::vector<crypto::Certificate>& chain,
                                                   const hal::ReportData& report_data) {
  auto request = azureguest_evidence(evidence, chain, parts_.os, report_data);
  if (!request) return request.error();
  return maa_.attest_azureguest(*request, [&](ByteView encrypted_inner_key) -> Result<Bytes> {
    // The TPM serves one command stream: decrypt between other batches' evidence reads.
    std::lock_guard<std::mutex> lock(evidence_mu_);
    return parts_.evidence->decrypt_with_encryption_key(evidence, encrypted_inner_key);
  });
}

net::HttpResponse AgentService::post_attestation(const net::HttpRequest& r) {
  auto body = parse_json(r.body, "attestation request", 4096);
  if (!body || !body->isObject() || !(*body)["nonce"].isString()) {
    return error_response(Error(ErrorCode::MalformedInput, "expected {\"nonce\": base64url of 16 to 64 bytes}"));
  }
  auto nonce = crypto::base64url_decode((*body)["nonce"].asString());
  if (!nonce) return error_response(Error(ErrorCode::MalformedInput, "nonce: " + nonce.error().message()));
  auto att = batcher_->attest(*nonce);
  if (!att) return error_response(att.error());
  Json::Value out(Json::objectValue);
  out["token"] = att->token;
  out["runtime"] = att->runtime;
  out["proof"] = crypto::proof_json(att->proof);
  if (att->tpm) out["tpm"] = *att->tpm;
  if (r.connection) r.connection->attestation_answered = true;  // opens the gate (attestation_gate)
  return net::HttpResponse::json(200, out);
}

net::HttpResponse AgentService::latest_attestation() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!latest_) {
    return error_response(Error(ErrorCode::MissingCertificate, "no attestation yet: POST /attestation with a nonce"));
  }
  Json::Value out(Json::objectValue);
  out["token"] = latest_->first;
  out["runtime"] = latest_->second;
  out["fresh"] = false;  // no nonce of the caller's: use POST for freshness
  return net::HttpResponse::json(200, out);
}

net::HttpResponse AgentService::health() const {
  ServiceStats s = stats();
  Json::Value out(Json::objectValue);
  out["status"] = "ok";
  out["evidence"] = evidence_name_;
  out["maa"] = maa_.attest_url();
  out["maa_protocol"] = std::string(maa_protocol_name(parts_.maa.protocol));
  out["batches"] = Json::UInt64(s.batches.batches);
  out["nonces"] = Json::UInt64(s.batches.nonces);
  out["largest_batch"] = Json::UInt64(s.batches.largest_batch);
  out["batch_close"] = std::string(batch_close_name(parts_.batch.close));
  out["maa_requests"] = Json::UInt64(s.maa.requests);
  out["evidence_requests"] = Json::UInt64(s.evidence_requests);
  return net::HttpResponse::json(200, out);
}

net::HttpResponse AgentService::attestation_gate() const {
  Json::Value body(Json::objectValue);
  body["error"]["code"] = "AttestationRequired";
  body["error"]["message"] =
      "this connection has not been attested: first POST /attestation with a fresh nonce on this same connection "
      "and verify the answer (attest request does both), then send the request on it";
  return net::HttpResponse::json(428, body);
}

net::HttpResponse AgentService::proxy(const net::HttpRequest& r) {
  if (parts_.upstream.empty()) {
    Json::Value body(Json::objectValue);
    body["error"]["code"] = "NotFound";
    body["error"]["message"] = "no application behind this agent (no upstream configured)";
    return net::HttpResponse::json(404, body);
  }
  net::HeaderList headers = upstream_headers(r);
  net::HttpClientOptions http;
  http.total_timeout_ms = parts_.upstream_timeout_ms;
  auto answer = net::http_request(r.method, parts_.upstream + r.target, headers, r.body, http);
  ++proxied_;
  if (!answer) return error_response(answer.error());
  net::HttpResponse out;
  out.status = static_cast<int>(answer->status);
  out.body = std::move(answer->body);
  out.headers = downstream_headers(answer->headers);
  return out;
}

net::HttpResponse AgentService::handle(const net::HttpRequest& r) {
  if (r.path == "/attestation") {
    if (r.method == "POST") return post_attestation(r);
    if (r.method == "GET") return latest_attestation();
    return net::HttpResponse::json(405, Json::Value(Json::objectValue));
  }
  if (r.path == "/healthz" && r.method == "GET") return health();
  // Fails closed: a request without connection state is not known to be on an attested connection.
  if (parts_.require_attestation && (!r.connection || !r.connection->attestation_answered)) return attestation_gate();
  return proxy(r);
}

ServiceStats AgentService::stats() const {
  ServiceStats s;
  s.batches = batcher_->stats();
  s.maa = maa_.stats();
  s.evidence_requests = evidence_requests_;
  s.evidence_failures = evidence_failures_;
  s.proxied = proxied_;
  return s;
}

}  // namespace attestd::agent
