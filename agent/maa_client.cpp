#include "agent/maa_client.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include "client/lib/runtime_data.h"
#include "core/file.h"
#include "core/json.h"
#include "core/text.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
#include "hal/tpm/quote.h"
#include "net/http_client.h"
#include "net/retry_after.h"

namespace attestd::agent {

namespace {

constexpr const char* kApiVersion = "2022-08-01";

// What one attempt came to.
struct Attempt {
  std::optional<std::string> token;
  std::string cause;           // why there is no token
  bool retryable = false;
  std::optional<int> retry_after_ms;  // the server's Retry-After as a wait, capped
};

// "application/json", any case, parameters (charset) aside.
bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return iequals(media, "application/json");
}

bool retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

// "HTTP 429 TooManyRequests: message" from a CloudError body, or the status and the start
// of whatever else the body holds.
std::string describe_failure(const net::HttpResult& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  auto body = parse_json(r.body, "MAA error", 64 * 1024);
  if (body && body->isObject() && (*body)["error"].isObject()) {
    const Json::Value& e = (*body)["error"];
    if (e["code"].isString()) out += " " + e["code"].asString();
    if (e["message"].isString()) out += ": " + e["message"].asString();
    return out;
  }
  if (!r.body.empty()) out += ": " + r.body.substr(0, 200);
  return out;
}

// RFC 9110's delay-seconds or HTTP-date, saturating at the cap; anything else: no value.
std::optional<int> retry_after_ms(const net::HttpResult& r, int cap_ms) {
  auto v = r.header("retry-after");
  if (!v) return std::nullopt;
  auto delay = net::retry_after_delay(*v, std::chrono::milliseconds(cap_ms), now_unix());
  if (!delay) return std::nullopt;
  return static_cast<int>(delay->count());  // at most cap_ms
}

Attempt judge(const Result<net::HttpResult>& r, int retry_after_cap_ms) {
  Attempt a;
  if (!r) {
    a.cause = r.error().describe();
    a.retryable = r.error().code() == ErrorCode::NetworkError;
    return a;
  }
  if (r->status != 200) {
    a.cause = describe_failure(*r);
    a.retryable = retryable_status(r->status);
    if (r->status == 429 || r->status == 503) a.retry_after_ms = retry_after_ms(*r, retry_after_cap_ms);
    return a;
  }
  // MAA answers application/json; anything else (a captive portal's or a proxy's page)
  // is not MAA's answer, whatever it holds.
  const std::string type = r->header("content-type").value_or("");
  if (!is_json_media_type(type)) {
    a.cause = "HTTP 200 with " + (type.empty() ? std::string("no Content-Type") : "Content-Type " + type) +
              ", not application/json";
    return a;
  }
  auto body = parse_json(r->body, "MAA response");
  if (!body || !body->isObject() || !(*body)["token"].isString() || (*body)["token"].asString().empty()) {
    a.cause = "HTTP 200 without a token: " + (body ? std::string("no \"token\" string") : body.error().message());
    return a;
  }
  a.token = (*body)["token"].asString();
  return a;
}

// A token string is MAA's token once `open` accepts it (AzureGuest: unsealed) and it is a
// compact JWS. Only the shape: the signature is the relying party's to check, against
// MAA's keys.
Result<std::string> open_token(const std::string& token,
                               const std::function<Result<std::string>(const std::string&)>& open) {
  auto opened = open(token);
  if (!opened) return opened.error();
  if (auto jws = crypto::parse_compact_jws(*opened); !jws) {
    return Error(ErrorCode::MalformedToken, "HTTP 200 whose token is not a compact JWS: " + jws.error().message());
  }
  return opened;
}

// "major.minor" as Microsoft's client reads VERSION_ID: a missing or non-numeric part is 0.
std::uint32_t version_part(std::string_view text) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  (void)end;
  return ec == std::errc() ? v : 0;
}

// One os-release value: unquoted, or in double quotes (with \ escapes) or single quotes.
std::string os_release_value(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    const char quote = v.front();
    v = v.substr(1, v.size() - 2);
    if (quote == '\'') return std::string(v);
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

}  // namespace

std::string sevsnpvm_request_body(const hal::Evidence& evidence, const std::vector<crypto::Certificate>& vcek_chain,
                                  const std::string& runtime_json) {
  std::string pem;
  for (const auto& c : vcek_chain) pem += c.pem();
  Json::Value report(Json::objectValue);
  report["SnpReport"] = crypto::base64url_encode(evidence.report);
  report["VcekCertChain"] = crypto::base64_encode(as_bytes(pem));
  const std::string& runtime = evidence.runtime_claims ? *evidence.runtime_claims : runtime_json;
  Json::Value body(Json::objectValue);
  body["report"] = crypto::base64url_encode(as_bytes(json_compact(report)));
  body["runtimeData"]["data"] = crypto::base64url_encode(as_bytes(runtime));
  body["runtimeData"]["dataType"] = "JSON";
  return json_compact(body);
}

std::string_view maa_protocol_name(MaaProtocol protocol) {
  return protocol == MaaProtocol::AzureGuest ? "azureguest" : "sevsnpvm";
}

Result<client::AzureGuestEvidence> azureguest_evidence(const hal::Evidence& evidence,
                                                       const std::vector<crypto::Certificate>& vcek_chain,
                                                       const client::OsInfo& os, const hal::ReportData& report_data) {
  if (!evidence.runtime_claims || !evidence.quote || !evidence.tpm_keys) {
    return Error(ErrorCode::DeviceError, "the " + evidence.source +
                                             " evidence has no vTPM quote, runtime claims and encryption key: "
                                             "AzureGuest needs the azure-vtpm source");
  }
  const hal::TpmQuote& q = *evidence.quote;
  auto info = hal::tpm::parse_quote_attest(q.attest);
  if (!info) return info.error().with_context("the vTPM quote");
  if (info->pcrs.size() != q.pcr_values.size()) {
    return Error(ErrorCode::DeviceError, "the vTPM quote covers " + std::to_string(info->pcrs.size()) +
                                             " PCRs but the evidence holds " + std::to_string(q.pcr_values.size()) +
                                             " values");
  }
  auto quote_sig = hal::tpm::parse_tpm_signature(q.signature);
  if (!quote_sig) return quote_sig.error().with_context("the vTPM quote's signature");
  auto certify_sig = hal::tpm::parse_tpm_signature(evidence.tpm_keys->enc_key_certify_signature);
  if (!certify_sig) return certify_sig.error().with_context("the encryption key's certification signature");

  client::AzureGuestEvidence out;
  out.os = os;
  if (evidence.event_log) out.tcg_logs = *evidence.event_log;
  out.client_payload[client::kClientPayloadKey] = client::client_payload_value(report_data);
  out.aik_cert = evidence.tpm_keys->ak_cert;
  out.aik_pub = evidence.tpm_keys->ak_public;
  out.pcr_quote = q.attest;
  out.pcr_signature = quote_sig->signature;
  for (std::size_t i = 0; i < info->pcrs.size(); ++i) out.pcrs.push_back({info->pcrs[i], q.pcr_values[i]});
  out.enc_key_pub = evidence.tpm_keys->enc_key_public;
  out.enc_key_certify_info = evidence.tpm_keys->enc_key_certify_info;
  out.enc_key_certify_signature = certify_sig->signature;
  out.snp_report = evidence.report;
  for (const auto& c : vcek_chain) out.vcek_chain_pem += c.pem();
  out.runtime_data = *evidence.runtime_claims;
  return out;
}

Result<client::OsInfo> read_os_release(const std::string& path) {
  client::OsInfo os;
  os.distro = "Linux";
  os.version_major = 1;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return os;
  auto text = read_file(path, 64 * 1024);
  if (!text) return text.error();
  std::string_view rest = as_chars(*text);
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    std::size_t eq = line.find('=');
    if (line.empty() || line.front() == '#' || eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string value = os_release_value(line.substr(eq + 1));
    if (key == "NAME" && !value.empty()) {
      os.distro = value;
    } else if (key == "VERSION_ID") {
      std::string_view v = value;
      std::size_t dot = v.find('.');
      os.version_major = version_part(v.substr(0, dot));
      os.version_minor = dot == std::string_view::npos ? 0 : version_part(v.substr(dot + 1));
      // MAA requires a major version (Microsoft's client validates it is not 0): one that
      // is not a number reports 1.0, as that client does when it cannot parse it.
      if (os.version_major == 0) os.version_major = 1, os.version_minor = 0;
    }
  }
  return os;
}

MaaClient::MaaClient(MaaClientOptions options) : options_(std::move(options)), rng_(std::random_device{}()) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/attest/SevSnpVm?api-version=" + kApiVersion;
  azureguest_url_ = base + client::kAzureGuestPath + "?api-version=" + client::kAzureGuestApiVersion;
  options_.max_attempts = std::max(options_.max_attempts, 1);
  options_.initial_backoff_ms = std::max(options_.initial_backoff_ms, 0);
  options_.max_backoff_ms = std::max(options_.max_backoff_ms, 0);
  options_.max_retry_after_ms = std::max(options_.max_retry_after_ms, 0);
}

Result<std::string> MaaClient::attest_sevsnpvm(const hal::Evidence& evidence,
                                               const std::vector<crypto::Certificate>& vcek_chain,
                                               const std::string& runtime_json) {
  return exchange(url_, sevsnpvm_request_body(evidence, vcek_chain, runtime_json),
                  [](const std::string& token) -> Result<std::string> { return token; });
}

Result<std::string> MaaClient::attest_azureguest(const client::AzureGuestEvidence& request,
                                                 const InnerKeyDecryptor& decrypt) {
  return exchange(azureguest_url_, client::azureguest_request_body(request),
                  [&decrypt](const std::string& token) -> Result<std::string> {
                    auto sealed = client::parse_sealed_token(token);
                    if (!sealed) return sealed.error().with_context("HTTP 200 whose sealed token is malformed");
                    auto key = decrypt(sealed->encrypted_inner_key);
                    if (!key) return key.error().with_context("HTTP 200 whose inner key the TPM cannot decrypt");
                    auto jwt = client::open_sealed_token(*sealed, *key);
                    if (!jwt) return jwt.error().with_context("HTTP 200 whose token cannot be unsealed");
                    return jwt;
                  });
}

Result<std::string> MaaClient::exchange(const std::string& url, const std::string& body,
                                        const std::function<Result<std::string>(const std::string&)>& open) {
  net::HttpClientOptions http;
  http.ca_file = options_.ca_file;
  http.connect_timeout_ms = options_.connect_timeout_ms;
  http.total_timeout_ms = options_.total_timeout_ms;
  http.max_response_bytes = 1024 * 1024;
  http.resolve = options_.resolve;
  const std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                                     {"Accept", "application/json"}};
  std::string last_cause;
  int attempt = 1;
  for (;; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.requests;
    }
    Attempt a = judge(net::http_request("POST", url, headers, body, http), options_.max_retry_after_ms);
    if (a.token) {
      auto token = open_token(*a.token, open);
      if (token) {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.tokens;
        return token;
      }
      a.cause = token.error().message();  // MAA's answer itself is wrong: final
      a.retryable = false;
    }
    last_cause = a.cause;
    if (!a.retryable || attempt >= options_.max_attempts) break;
    int wait_ms = a.retry_after_ms ? *a.retry_after_ms : backoff_ms(attempt - 1);
    log("MAA attempt " + std::to_string(attempt) + "/" + std::to_string(options_.max_attempts) + " failed (" +
        a.cause + "); retrying in " + std::to_string(wait_ms) + " ms");
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.retries;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failures;
  }
  std::string message = "MAA at " + url + " gave no token after " + std::to_string(attempt) +
                         (attempt == 1 ? " attempt: " : " attempts: ") + last_cause;
  log(message);
  return Error(ErrorCode::MaaUnavailable, message);
}

int MaaClient::backoff_ms(int retry) {
  long long ceiling = options_.initial_backoff_ms;
  for (int i = 0; i < retry && ceiling < options_.max_backoff_ms; ++i) ceiling *= 2;
  ceiling = std::min<long long>(ceiling, options_.max_backoff_ms);
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::uniform_int_distribution<long long>(0, ceiling)(rng_));
}

void MaaClient::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

MaaClientStats MaaClient::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace attestd::agent
