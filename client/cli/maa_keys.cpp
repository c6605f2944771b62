#include "client/cli/maa_keys.h"

namespace attestd::cli {

Result<std::unique_ptr<client::MaaKeySource>> make_maa_keys(const std::string& maa_url,
                                                             const std::optional<std::string>& jwks_file,
                                                             const std::string& ca_file) {
  (void)ca_file;
  if (jwks_file) {
    auto keys = client::StaticMaaKeys::from_file(*jwks_file);
    if (!keys) return keys.error();
    return std::unique_ptr<client::MaaKeySource>(new client::StaticMaaKeys(std::move(keys).value()));
  }
  return Error(ErrorCode::Usage, "fetching keys from " + maa_url + "/certs is not available yet: give --jwks FILE");
}

}  // namespace attestd::cli
