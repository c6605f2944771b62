// Cryptographically secure random bytes (mbedTLS CTR-DRBG over the OS entropy source).
#pragma once

#include <cstddef>

#include "core/bytes.h"

namespace attestd::crypto {

Result<Bytes> random_bytes(std::size_t n);

}  // namespace attestd::crypto
