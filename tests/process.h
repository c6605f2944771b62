// Running the project's programs from tests, as a user would.
#pragma once

#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "core/file.h"
#include "tests/support.h"

namespace attestd::test {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `command` under /bin/sh with stdout and stderr captured.
inline RunResult run(const std::string& command) {
  static std::atomic<int> counter{0};
  std::string base = tmp_dir() + "/run." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::string full = "(" + command + ") >" + base + ".out 2>" + base + ".err </dev/null";
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto out = read_text_file(base + ".out");
  auto err = read_text_file(base + ".err");
  r.out = out ? *out : "";
  r.err = err ? *err : "";
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

inline std::string attest() { return bin_dir() + "/attest"; }
inline std::string vec(const std::string& rel) { return vector_path(rel); }

}  // namespace attestd::test
