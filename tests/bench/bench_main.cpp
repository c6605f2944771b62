// attestd-bench report [VECTOR_DIR] [SECONDS] | token OUT_DIR [SECONDS [TOKENS]] | agent OUT_JSON [SECONDS] |
//               deployed OUT_JSON
#include <cstdio>
#include <cstring>

#include "tests/bench/bench.h"

namespace attestd::bench {
int bench_agent(int argc, char** argv);     // tests/bench/bench_agent.cpp
int bench_deployed(int argc, char** argv);  // tests/bench/bench_agent.cpp
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "report") == 0) return attestd::bench::bench_report(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "token") == 0) return attestd::bench::bench_token(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "agent") == 0) return attestd::bench::bench_agent(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "deployed") == 0) return attestd::bench::bench_deployed(argc - 1, argv + 1);
  std::fprintf(stderr,
               "usage: attestd-bench report [VECTOR_DIR] [SECONDS] | token OUT_DIR [SECONDS [TOKENS]] |"
               " agent OUT_JSON [SECONDS] | deployed OUT_JSON\n");
  return 2;
}
