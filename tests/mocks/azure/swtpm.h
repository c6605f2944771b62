// A swtpm for a test: started on free loopback ports with its state under ATTESTD_TMP,
// stopped (by its PID) when the object goes. Header-only: used by tests, not by programs.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "hal/tpm/tpm.h"
#include "hal/tpm/transport.h"
#include "tests/process.h"
#include "tests/support.h"

namespace attestd::azuresim::test {

// A port the kernel just handed out on 127.0.0.1 (free now; a race is retried by Swtpm).
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline std::string find_program(const std::string& name) {
  std::string path = attestd::test::env_or("PATH", "/usr/bin:/bin");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = dir + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

class Swtpm {
 public:
  // `name` names the state folder; throws when swtpm is missing or will not start.
  explicit Swtpm(const std::string& name) {
    std::string program = find_program("swtpm");
    if (program.empty()) throw std::runtime_error("swtpm not found (apt-get install swtpm swtpm-tools)");
    dir_ = attestd::test::tmp_dir() + "/swtpm-" + name + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    program_ = program;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      ctrl_port_ = free_port();
      transport_ = std::make_shared<hal::tpm::SocketTransport>("127.0.0.1", port_, std::chrono::milliseconds(5000));
      if (launch()) return;
    }
    throw std::runtime_error("swtpm did not start; see " + dir_ + "/swtpm.log");
  }
  ~Swtpm() {
    if (process_) process_->stop();
    std::filesystem::remove_all(dir_);
  }

  // Kills swtpm by its PID with SIGKILL, as a crash would; its state stays in dir().
  void kill() {
    if (!process_) return;
    ::kill(process_->pid(), SIGKILL);
    for (int i = 0; i < 250 && process_->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    process_.reset();
  }
  // Starts swtpm again on the same ports with the same state (TPM2_Startup(CLEAR), as after
  // a reboot); throws when it will not start.
  void restart() {
    kill();
    if (!launch()) throw std::runtime_error("swtpm did not restart; see " + dir_ + "/swtpm.log");
  }

  std::shared_ptr<hal::tpm::TpmTransport> transport() const { return transport_; }
  std::uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // TPM2TOOLS_TCTI value for tpm2-tools.
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

 private:
  // Runs swtpm on port_ and ctrl_port_ and waits until it answers through transport_.
  bool launch() {
    process_ = std::make_unique<attestd::test::BackgroundProcess>(
        std::vector<std::string>{program_, "socket", "--tpm2", "--tpmstate", "dir=" + dir_, "--server",
                                 "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1", "--ctrl",
                                 "type=tcp,port=" + std::to_string(ctrl_port_) + ",bindaddr=127.0.0.1", "--flags",
                                 "startup-clear"},
        dir_ + "/swtpm.log");
    for (int i = 0; i < 100 && process_->running(); ++i) {
      hal::tpm::Tpm tpm(transport_);
      if (tpm.get_random(8)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process_->stop();
    process_.reset();
    return false;
  }

  std::string program_, dir_;
  std::uint16_t port_ = 0, ctrl_port_ = 0;
  std::unique_ptr<attestd::test::BackgroundProcess> process_;
  std::shared_ptr<hal::tpm::SocketTransport> transport_;
};

}  // namespace attestd::azuresim::test
