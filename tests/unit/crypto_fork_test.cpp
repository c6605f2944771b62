// A forked child must not repeat its parent's randomness: our DRBG (nonces, keys) is
// reseeded in the child, and PSA's (TLS 1.3 key shares) reseeds itself (mbedTLS 3.6's
// psa_crypto_random.c checks getpid()), which the second case holds the pinned mbedTLS to.
// Python programs fork often (multiprocessing), with an attestd session open.
#include <boost/test/unit_test.hpp>

#include <psa/crypto.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <functional>

#include "crypto/internal/mbedtls_error.h"
#include "crypto/random.h"

using namespace attestd;

namespace {

// 32 bytes from `draw` in a forked child (which exits at once, never returning into
// Boost.Test), and 32 from the parent after the fork.
std::pair<Bytes, Bytes> child_and_parent(const std::function<Bytes()>& draw) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    Bytes b = draw();
    ssize_t n = ::write(fds[1], b.data(), b.size());
    ::_exit(n == static_cast<ssize_t>(b.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  Bytes child(32);
  std::size_t got = 0;
  while (got < child.size()) {
    ssize_t n = ::read(fds[0], child.data() + got, child.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  BOOST_REQUIRE(got == child.size());
  return {child, draw()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_fork)

BOOST_AUTO_TEST_CASE(a_forked_child_draws_other_random_bytes_than_its_parent) {
  BOOST_REQUIRE(crypto::random_bytes(32).ok());  // seeded before the fork
  auto [child, parent] = child_and_parent([] { return *crypto::random_bytes(32); });
  BOOST_TEST(child != parent);
}

BOOST_AUTO_TEST_CASE(psa_in_the_pinned_mbedtls_reseeds_in_a_forked_child) {
  crypto::detail::ensure_psa();
  auto psa_draw = [] {
    Bytes b(32);
    if (psa_generate_random(b.data(), b.size()) != PSA_SUCCESS) return Bytes{};
    return b;
  };
  BOOST_REQUIRE(!psa_draw().empty());
  auto [child, parent] = child_and_parent(psa_draw);
  BOOST_TEST(!parent.empty());
  BOOST_TEST(child != parent);
}

BOOST_AUTO_TEST_SUITE_END()
