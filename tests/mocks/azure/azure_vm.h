// A provisioned simulated Azure CVM for tests: swtpm, the AK, the HCL report, and the
// paravisor emulator watching the user-data index. Header-only: used by tests only.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "crypto/random.h"
#include "hal/azure_vtpm.h"
#include "tests/mocks/azure/paravisor.h"
#include "tests/mocks/azure/swtpm.h"
#include "tests/mocks/snp/test_identities.h"

namespace attestd::azuresim::test {

struct AzureVm {
  Swtpm swtpm;
  std::unique_ptr<Paravisor> paravisor;

  // `name` names the swtpm's state folder; throws when provisioning fails.
  explicit AzureVm(const std::string& name) : swtpm(name) {
    ParavisorOptions o;
    o.identity = &snpsim::test::milan();
    auto p = Paravisor::provision(swtpm.transport(), o);
    if (!p) throw std::runtime_error(p.error().describe());
    paravisor = std::move(p).value();
    paravisor->start();
  }
};

inline hal::ReportData random_report_data() {
  hal::ReportData d;
  Bytes r = *crypto::random_bytes(d.size());
  std::copy(r.begin(), r.end(), d.begin());
  return d;
}

// The source's options with a short poll and timeout, for tests.
inline hal::AzureVtpmOptions fast_options() {
  hal::AzureVtpmOptions o;
  o.poll_interval = std::chrono::milliseconds(20);
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

}  // namespace attestd::azuresim::test
