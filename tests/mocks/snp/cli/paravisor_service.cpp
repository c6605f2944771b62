#include "tests/mocks/snp/cli/paravisor_service.h"

#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "core/file.h"
#include "hal/tpm/transport.h"
#include "tests/mocks/azure/paravisor.h"

namespace attestd::snpsim {

Status serve_paravisor(const SimIdentity& identity, const ReportRequest& base, const ParavisorServiceOptions& options) {
  // The watcher thread inherits the blocked signals; this thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop, s);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  azuresim::ParavisorOptions po;
  po.identity = &identity;
  po.report = base;
  po.report_time = std::chrono::milliseconds(options.report_ms);
  // The kernel's TPM driver holds the real limit; Azure's index is 2600 bytes, swtpm's 2048.
  auto paravisor = azuresim::Paravisor::provision(std::make_shared<hal::tpm::DeviceTransport>(options.tpm_path), po);
  if (!paravisor) return paravisor.error().with_context("paravisor on " + options.tpm_path);
  (*paravisor)->start();
  std::fprintf(stderr, "snp-sim: paravisor on %s: AK at 0x%08x, HCL report at NV 0x%08x, watching NV 0x%08x "
               "(%s test identity, policy 0x%llx, %d ms a report)\n",
               options.tpm_path.c_str(), po.ak_handle, po.hcl_report_index, po.user_data_index,
               std::string(snp::product_name(identity.product)).c_str(),
               static_cast<unsigned long long>(base.policy), options.report_ms);
  if (!options.ready_file.empty()) {
    if (Status s = write_file(options.ready_file, Bytes{'r', 'e', 'a', 'd', 'y', '\n'}); !s) return s;
  }
  int sig = 0;
  sigwait(&stop, &sig);
  (*paravisor)->stop();
  std::fprintf(stderr, "snp-sim: paravisor: %s, stopping after %u reports\n", strsignal(sig),
               (*paravisor)->reports_published());
  return ok_status();
}

}  // namespace attestd::snpsim
