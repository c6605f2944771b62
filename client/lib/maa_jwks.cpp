#include "client/lib/maa_jwks.h"

#include "core/json.h"

namespace attestd::client {

Result<std::vector<crypto::Jwk>> FetchedMaaKeys::fetch() {
  const std::string certs = url_ + "/certs";
  auto r = net::http_request("GET", certs, {{"Accept", "application/json"}}, "", http_);
  if (!r) return Error(ErrorCode::MaaUnavailable, "cannot fetch the MAA signing keys: " + r.error().message());
  if (r->status != 200) {
    return Error(ErrorCode::MaaUnavailable, certs + " answered HTTP " + std::to_string(r->status));
  }
  auto doc = parse_json(r->body, certs);
  if (!doc) return Error(ErrorCode::MaaUnavailable, doc.error().message());
  auto keys = crypto::parse_jwks(*doc);
  if (!keys) return Error(ErrorCode::MaaUnavailable, certs + ": " + keys.error().message());
  return keys;
}

Result<std::vector<crypto::Jwk>> FetchedMaaKeys::keys(bool refresh) {
  std::lock_guard<std::mutex> lock(mu_);
  auto age = std::chrono::steady_clock::now() - fetched_at_;
  bool stale = !have_keys_ || age > std::chrono::seconds(cache_seconds_);
  bool may_refresh = refresh && age > std::chrono::seconds(min_refresh_seconds_);
  if (stale || may_refresh) {
    auto fresh = fetch();
    ++fetches_;
    if (!fresh) {
      if (!have_keys_ || stale) return fresh.error();
      return keys_;  // keep serving the keys we have when a refresh fails
    }
    keys_ = std::move(fresh).value();
    have_keys_ = true;
    fetched_at_ = std::chrono::steady_clock::now();
  }
  return keys_;
}

int FetchedMaaKeys::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

}  // namespace attestd::client
