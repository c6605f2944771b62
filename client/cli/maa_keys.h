// Where `attest` gets the pinned MAA instance's keys: a --jwks file, or URL/certs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client/lib/maa_token.h"

namespace attestd::cli {

Result<std::unique_ptr<client::MaaKeySource>> make_maa_keys(const std::string& maa_url,
                                                             const std::optional<std::string>& jwks_file,
                                                             const std::string& ca_file);

}  // namespace attestd::cli
