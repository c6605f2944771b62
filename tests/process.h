// Running the project's programs from tests, as a user would.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include <atomic>
#include <cstdlib>
#include <string>

#include <fcntl.h>

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

// A program started in the background for a test, stopped by its own PID.
class BackgroundProcess {
 public:
  // Runs argv[0] with stdout and stderr appended to `log`.
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundProcess() { stop(); }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return false;
    }
    return true;
  }
  // SIGTERM, then SIGKILL after `grace`; returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
      exit_status_ = 137;
      pid_ = -1;
    }
    return exit_status_;
  }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Waits (bounded) until `path` exists and is not empty; returns its content.
inline std::string wait_for_file(const std::string& path, std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = read_text_file(path);
    if (text && !text->empty() && text->back() == '\n') return *text;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

inline std::string attest() { return bin_dir() + "/attest"; }
inline std::string vec(const std::string& rel) { return vector_path(rel); }

}  // namespace attestd::test
