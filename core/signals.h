// Stopping a server program: SIGTERM and SIGINT are taken synchronously by the main
// thread (blocked in every thread, then waited for); SIGPIPE is ignored.
#pragma once

#include <signal.h>

namespace attestd {

class StopSignals {
 public:
  // Construct before starting any thread, so that every thread inherits the mask.
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    signal(SIGPIPE, SIG_IGN);
  }
  // Blocks until SIGTERM or SIGINT; returns which.
  int wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

}  // namespace attestd
