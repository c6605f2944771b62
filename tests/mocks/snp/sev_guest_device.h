// A simulated /dev/sev-guest: the kernel driver's ioctl ABI over snp-sim. It checks what
// the kernel and the firmware check, answers as they do (MSG_REPORT_RSP or MSG_KEY_RSP in
// resp_data, the
// certificate table in the caller's buffer, -EIO with vmm_error 1 and the needed length
// for a buffer too small) and counts what it saw. Independent of any test framework, so
// the same object can back a CUSE device.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "hal/sev_guest.h"
#include "hal/snp/cert_table.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

// MSG_REPORT_RSP/MSG_KEY_RSP status values (SEV-SNP ABI spec 56860, table "MSG_REPORT_RSP").
inline constexpr std::uint32_t kStatusSuccess = 0x00;
inline constexpr std::uint32_t kStatusInvalidParam = hal::uapi::kStatusInvalidParam;

struct SevGuestDeviceCounters {
  int ioctls = 0;             // every call
  int reports = 0;            // SNP_GET_REPORT answered with a report
  int ext_reports = 0;        // SNP_GET_EXT_REPORT answered with a report
  int derived_keys = 0;       // SNP_GET_DERIVED_KEY answered (any MSG_KEY_RSP status)
  int too_small = 0;          // SNP_GET_EXT_REPORT refused for its buffer size
  int busy = 0;               // answered -EBUSY
  int rejected_by_kernel = 0;    // -EINVAL/-ENOTTY before reaching the firmware
  int rejected_by_firmware = 0;  // malformed requests the firmware answered with an error
};

class SimSevGuestDevice : public hal::SevGuestDevice {
 public:
  // `base` supplies everything but REPORT_DATA and VMPL, which come from each request.
  SimSevGuestDevice(const SimIdentity& identity, ReportRequest base = {});

  int ioctl(unsigned long request, void* arg) override;

  // The certificate table SNP_GET_EXT_REPORT returns; default VCEK, ASK, ARK (VLEK,
  // ASVK, ARK when base.use_vlek). Empty: the host has no certificates (certs_len 0).
  void set_certificates(std::vector<snp::CertTableEntry> entries);
  // The VMPL the guest's requests come from (its VMPCK): a derived key for a lower VMPL
  // is refused (snpsim::derive_key). Default 0.
  void set_guest_vmpl(std::uint32_t vmpl);
  // The next `n` ioctls answer -EBUSY (the host throttling guest requests).
  void fail_busy(int n);
  // The next ioctl fails as a firmware error does: -EIO with this fw_error.
  void fail_firmware(std::uint32_t fw_error);
  SevGuestDeviceCounters counters() const;
  // The certs_len of the SNP_GET_EXT_REPORTs seen, in order (the last 256: a device
  // behind a long-running CUSE front-end must not grow without end).
  static constexpr std::size_t kMaxRecordedCertsLens = 256;
  std::vector<std::uint32_t> certs_lens() const;

 private:
  int get_report(const hal::uapi::SnpReportReq& req, std::uint64_t resp_data, int& answered);
  int get_derived_key(const hal::uapi::SnpDerivedKeyReq& req, std::uint64_t resp_data);

  const SimIdentity& identity_;
  ReportRequest base_;
  mutable std::mutex mu_;
  std::vector<snp::CertTableEntry> certificates_;
  std::uint32_t guest_vmpl_ = 0;
  int busy_left_ = 0;
  std::optional<std::uint32_t> fw_error_;
  SevGuestDeviceCounters counters_;
  std::vector<std::uint32_t> certs_lens_;
};

// VCEK, ASK, ARK of the identity (VLEK, ASVK, ARK with use_vlek), as a host supplies them.
std::vector<snp::CertTableEntry> host_certificates(const SimIdentity& identity, bool use_vlek = false);

}  // namespace attestd::snpsim
