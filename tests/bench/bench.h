// make bench helpers: each mode prints one JSON object; tests/bench/bench.py adds the peers.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdlib>

namespace attestd::bench {

// Operations per CPU second of `op` (which returns true on success), run for `seconds` of
// this process's CPU time. CPU time, not wall time: on a machine whose cores others share,
// time spent descheduled would count against whichever side ran then, and a ratio of two
// wall-clock rates measured a few seconds apart moved by half between runs.
template <typename F>
double per_second(F&& op, double seconds) {
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  if (!op()) std::abort();
  std::size_t n = 0;
  const double start = cpu();
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) {
      if (!op()) std::abort();
      ++n;
    }
    elapsed = cpu() - start;
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

int bench_report(int argc, char** argv);
int bench_token(int argc, char** argv);

}  // namespace attestd::bench
