// make bench helpers: each mode prints one JSON object; tests/bench/bench.py adds the peers.
#pragma once

#include <chrono>
#include <cstdlib>

namespace attestd::bench {

// Operations per second of `op` (which returns true on success), run for `seconds`.
template <typename F>
double per_second(F&& op, double seconds) {
  using Clock = std::chrono::steady_clock;
  if (!op()) std::abort();
  std::size_t n = 0;
  auto start = Clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) {
      if (!op()) std::abort();
      ++n;
    }
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

int bench_report(int argc, char** argv);
int bench_token(int argc, char** argv);

}  // namespace attestd::bench
