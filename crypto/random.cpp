#include "crypto/random.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <unistd.h>

#include <mutex>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/internal/rng.h"

namespace attestd::crypto {

namespace {

struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context ctr;
  std::mutex mu;
  int seed_status = 0;
  pid_t seeded_in = ::getpid();  // a forked child would repeat its parent's output: reseeded

  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&ctr);
    static const char kPersonalization[] = "attestd";
    seed_status = mbedtls_ctr_drbg_seed(&ctr, mbedtls_entropy_func, &entropy,
                                        reinterpret_cast<const unsigned char*>(kPersonalization),
                                        sizeof kPersonalization - 1);
  }
};

Drbg& drbg() {
  static Drbg* d = new Drbg();  // never destroyed: usable from any thread until exit
  return *d;
}

}  // namespace

namespace detail {
int rng(void*, unsigned char* out, std::size_t len) {
  Drbg& d = drbg();
  if (d.seed_status != 0) return d.seed_status;
  std::lock_guard<std::mutex> lock(d.mu);
  if (pid_t pid = ::getpid(); pid != d.seeded_in) {
    static const char kForked[] = "attestd: forked";
    int ret = mbedtls_ctr_drbg_reseed(&d.ctr, reinterpret_cast<const unsigned char*>(kForked), sizeof kForked - 1);
    if (ret != 0) return ret;
    d.seeded_in = pid;
  }
  // mbedtls_ctr_drbg_random handles at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call.
  while (len > 0) {
    std::size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    int ret = mbedtls_ctr_drbg_random(&d.ctr, out, n);
    if (ret != 0) return ret;
    out += n;
    len -= n;
  }
  return 0;
}
}  // namespace detail

Result<Bytes> random_bytes(std::size_t n) {
  Bytes out(n);
  int ret = detail::rng(nullptr, out.data(), out.size());
  if (ret != 0) return detail::mbedtls_error(ErrorCode::CryptoError, "random generator", ret);
  return out;
}

}  // namespace attestd::crypto
