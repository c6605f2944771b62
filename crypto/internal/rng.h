// Private to crypto/: the process-wide DRBG as an mbedTLS f_rng callback.
#pragma once

#include <cstddef>

namespace attestd::crypto::detail {

// f_rng for mbedTLS functions; p_rng is ignored (pass nullptr). Thread-safe.
int rng(void* p_rng, unsigned char* out, std::size_t len);

}  // namespace attestd::crypto::detail
