// The signing keys of a pinned MAA instance, fetched from {instance}/certs over HTTPS.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "client/lib/maa_token.h"
#include "net/http_client.h"

namespace attestd::client {

// Fetches {maa_url}/certs (never a URL taken from a token), keeps the keys for
// `cache_seconds`, and fetches again when asked to refresh after an unknown kid — at most
// once per `min_refresh_seconds`, so a stream of forged kids cannot hammer the service.
class FetchedMaaKeys : public MaaKeySource {
 public:
  FetchedMaaKeys(std::string maa_url, net::HttpClientOptions http, int cache_seconds = 3600,
                 int min_refresh_seconds = 10)
      : url_(std::move(maa_url)), http_(std::move(http)), cache_seconds_(cache_seconds),
        min_refresh_seconds_(min_refresh_seconds) {}

  // MaaUnavailable when the instance cannot be reached or answers badly.
  Result<std::vector<crypto::Jwk>> keys(bool refresh) override;
  int fetches() const;

 private:
  Result<std::vector<crypto::Jwk>> fetch();

  std::string url_;
  net::HttpClientOptions http_;
  int cache_seconds_, min_refresh_seconds_;
  mutable std::mutex mu_;
  std::vector<crypto::Jwk> keys_;
  std::chrono::steady_clock::time_point fetched_at_{};
  bool have_keys_ = false;
  int fetches_ = 0;
};

}  // namespace attestd::client
