#include "client/cli/maa_keys.h"

#include "client/lib/maa_jwks.h"

namespace attestd::cli {

Result<std::unique_ptr<client::MaaKeySource>> make_maa_keys(const std::string& maa_url,
                                                             const std::optional<std::string>& jwks_file,
                                                             const std::string& ca_file) {
  if (jwks_file) {
    auto keys = client::StaticMaaKeys::from_file(*jwks_file);
    if (!keys) return keys.error();
    return std::unique_ptr<client::MaaKeySource>(new client::StaticMaaKeys(std::move(keys).value()));
  }
  net::HttpClientOptions http;
  http.ca_file = ca_file;
  http.connect_timeout_ms = 5000;
  http.total_timeout_ms = 10000;
  // A one-shot CLI run asks for a refresh only after an unknown kid: allow it at once.
  return std::unique_ptr<client::MaaKeySource>(new client::FetchedMaaKeys(maa_url, http, 3600, 0));
}

}  // namespace attestd::cli
