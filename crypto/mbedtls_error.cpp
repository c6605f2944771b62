#include <mbedtls/error.h>
#include <psa/crypto.h>

#include <cstdio>
#include <mutex>

#include "crypto/internal/mbedtls_error.h"

namespace attestd::crypto::detail {

std::string mbedtls_message(int ret) {
  char buf[160];
  mbedtls_strerror(ret, buf, sizeof buf);
  char code[24];
  std::snprintf(code, sizeof code, " (-0x%04X)", static_cast<unsigned>(-ret));
  return std::string(buf) + code;
}

Error mbedtls_error(ErrorCode code, const std::string& what, int ret) {
  return Error(code, what + ": " + mbedtls_message(ret));
}

void ensure_psa() {
  static std::once_flag once;
  std::call_once(once, [] { (void)psa_crypto_init(); });
}

}  // namespace attestd::crypto::detail
