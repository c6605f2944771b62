#include "agent/maa_client.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "core/json.h"
#include "core/text.h"
#include "crypto/base64.h"
#include "crypto/jose.h"
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
  // Only the shape: the signature is the relying party's to check, against MAA's keys.
  if (auto jws = crypto::parse_compact_jws((*body)["token"].asString()); !jws) {
    a.cause = "HTTP 200 whose token is not a compact JWS: " + jws.error().message();
    return a;
  }
  a.token = (*body)["token"].asString();
  return a;
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

MaaClient::MaaClient(MaaClientOptions options) : options_(std::move(options)), rng_(std::random_device{}()) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/attest/SevSnpVm?api-version=" + kApiVersion;
  options_.max_attempts = std::max(options_.max_attempts, 1);
  options_.initial_backoff_ms = std::max(options_.initial_backoff_ms, 0);
  options_.max_backoff_ms = std::max(options_.max_backoff_ms, 0);
  options_.max_retry_after_ms = std::max(options_.max_retry_after_ms, 0);
}

Result<std::string> MaaClient::attest_sevsnpvm(const hal::Evidence& evidence,
                                               const std::vector<crypto::Certificate>& vcek_chain,
                                               const std::string& runtime_json) {
  const std::string body = sevsnpvm_request_body(evidence, vcek_chain, runtime_json);
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
    Attempt a = judge(net::http_request("POST", url_, headers, body, http), options_.max_retry_after_ms);
    if (a.token) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.tokens;
      return *a.token;
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
  std::string message = "MAA at " + url_ + " gave no token after " + std::to_string(attempt) +
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
