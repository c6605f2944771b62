// What Azure's paravisor does for an SEV-SNP CVM, done against a (sw)TPM for tests:
// provisions the AK at 0x81000003 and the HCL report in NV 0x01400001 (an snp-sim report
// whose REPORT_DATA[0:32] is SHA-256 of runtime claims that publish the AK as HCLAkPub),
// then watches NV 0x01400002 and, when new user data appears, publishes a freshly signed
// HCL report whose claims carry it as "user-data" (after `report_time`, as Azure's does).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/azure_vtpm.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "hal/tpm/tpm.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::azuresim {

struct ParavisorOptions {
  const snpsim::SimIdentity* identity = nullptr;  // required: signs the SNP reports
  snpsim::ReportRequest report;                     // measurement, policy...; report_data is ours
  std::uint32_t hcl_report_index = hal::kAzureHclReportIndex;
  std::uint32_t user_data_index = hal::kAzureUserDataIndex;
  std::uint32_t ak_handle = hal::kAzureAkHandle;
  // swtpm's largest NV index is 2048 bytes (Azure's is 2600): the report is padded to it.
  std::uint16_t hcl_index_size = 2048;
  std::chrono::milliseconds poll_interval{50};
  // The latency model (docs/performance.md): how long regenerating the report takes once
  // new user data is seen (seconds on Azure). One report at a time, as Azure's one HCL
  // index allows: user data written meanwhile waits for this report to be published.
  std::chrono::milliseconds report_time{0};
  std::string vm_unique_id = "7E57AB1E-0000-4000-8000-000000000001";
  // When both are set, provision also issues the AK a certificate from this CA (subject
  // CN=vm_unique_id, as Azure's vTPM CA names the VM) and writes its DER to NV
  // ak_cert_index, sized to it, as Azure provisions the AK certificate.
  const crypto::PrivateKey* ak_ca_key = nullptr;
  const crypto::Certificate* ak_ca = nullptr;
  std::uint32_t ak_cert_index = hal::kAzureAkCertIndex;
};

class Paravisor {
 public:
  // Creates and persists the AK (reusing one already at the handle), defines the HCL
  // index and publishes a report with 64 zero bytes as user-data, as on a fresh VM.
  static Result<std::unique_ptr<Paravisor>> provision(std::shared_ptr<hal::tpm::TpmTransport> transport,
                                                      ParavisorOptions options);
  ~Paravisor();
  Paravisor(const Paravisor&) = delete;
  Paravisor& operator=(const Paravisor&) = delete;

  // Starts / stops the thread that watches the user-data index.
  void start();
  void stop();

  // Publishes a report for `user_data` now (what the watcher does on a change).
  Status publish(ByteView user_data);
  const crypto::PublicKey& ak() const { return ak_; }
  // How many reports were published (the initial one included).
  unsigned reports_published() const { return published_; }

 private:
  Paravisor(std::shared_ptr<hal::tpm::TpmTransport> transport, ParavisorOptions options, crypto::PublicKey ak);
  void watch();

  hal::tpm::Tpm tpm_;
  ParavisorOptions options_;
  crypto::PublicKey ak_;
  Bytes last_user_data_;
  std::atomic<unsigned> published_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
};

}  // namespace attestd::azuresim
