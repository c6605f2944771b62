// Private to crypto/: mbedTLS return codes as attestd errors. Never include from a public header.
#pragma once

#include <string>

#include "core/error.h"

namespace attestd::crypto::detail {

// "what: mbedTLS message (-0xNNNN)"
std::string mbedtls_message(int ret);
Error mbedtls_error(ErrorCode code, const std::string& what, int ret);

// psa_crypto_init() once per process; mbedTLS 3.6 needs it before some operations.
void ensure_psa();

}  // namespace attestd::crypto::detail
