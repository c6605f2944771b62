// HMAC (RFC 2104) over the SHA-2 digests, by mbedTLS.
#pragma once

#include "core/bytes.h"
#include "crypto/sha.h"

namespace attestd::crypto {

// HMAC-`alg`(key, data): digest_size(alg) bytes.
Bytes hmac(HashAlg alg, ByteView key, ByteView data);

}  // namespace attestd::crypto
