#include "crypto/hmac.h"

#include <mbedtls/md.h>

namespace attestd::crypto {

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  mbedtls_md_type_t type = alg == HashAlg::Sha256   ? MBEDTLS_MD_SHA256
                           : alg == HashAlg::Sha384 ? MBEDTLS_MD_SHA384
                                                    : MBEDTLS_MD_SHA512;
  Bytes out(digest_size(alg));
  // mbedtls_md_hmac fails only for an unknown digest type, which `type` never is.
  mbedtls_md_hmac(mbedtls_md_info_from_type(type), key.data(), key.size(), data.data(), data.size(), out.data());
  return out;
}

}  // namespace attestd::crypto
