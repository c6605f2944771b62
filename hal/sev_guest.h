// Evidence from the Linux SEV guest driver, /dev/sev-guest. The request structures are the
// kernel's uapi (include/uapi/linux/sev-guest.h), checked here at compile time; the
// response body is the firmware's MSG_REPORT_RSP (SEV-SNP ABI spec 56860, table
// "MSG_REPORT_RSP Message Structure"). A malformed request can make the firmware fail
// and the kernel then wipes the guest's VMPCK for good, so requests are checked before
// they are sent, not after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hal/evidence.h"

namespace attestd::hal {

namespace uapi {

struct SnpReportReq {
  std::uint8_t user_data[64];
  std::uint32_t vmpl;
  std::uint8_t rsvd[28];  // must be zero
};

struct SnpReportResp {
  std::uint8_t data[4000];
};

struct SnpExtReportReq {
  SnpReportReq data;
  std::uint64_t certs_address;
  std::uint32_t certs_len;  // in: buffer size (page multiple); out on EIO/INVALID_LEN: needed
};

// SNP_GET_DERIVED_KEY's request: the firmware's MSG_KEY_REQ (message version 1).
struct SnpDerivedKeyReq {
  std::uint32_t root_key_select;  // bit 0: 0 VCEK, 1 VMRK; bits 2:1 KEY_SEL; the rest zero
  std::uint32_t rsvd;             // must be zero
  std::uint64_t guest_field_select;
  std::uint32_t vmpl;       // at least the caller's VMPL
  std::uint32_t guest_svn;  // at most the launch's GUEST_SVN
  std::uint64_t tcb_version;  // at most the committed TCB
};

// MSG_KEY_RSP: u32 status, 28 reserved bytes, the 32-byte key.
struct SnpDerivedKeyResp {
  std::uint8_t data[64];
};

struct SnpGuestRequestIoctl {
  std::uint8_t msg_version;  // 1
  std::uint64_t req_data;
  std::uint64_t resp_data;
  union {
    std::uint64_t exitinfo2;
    struct {
      std::uint32_t fw_error;   // low half of exitinfo2
      std::uint32_t vmm_error;  // high half
    };
  };
};

// _IOWR('S', nr, struct snp_guest_request_ioctl): dir 3 << 30 | size << 16 | 'S' << 8 | nr.
constexpr unsigned long iowr_s(unsigned nr) {
  return (3ul << 30) | (static_cast<unsigned long>(sizeof(SnpGuestRequestIoctl)) << 16) |
         (static_cast<unsigned long>('S') << 8) | nr;
}
inline constexpr unsigned long kSnpGetReport = iowr_s(0x0);
inline constexpr unsigned long kSnpGetDerivedKey = iowr_s(0x1);
inline constexpr unsigned long kSnpGetExtReport = iowr_s(0x2);
inline constexpr std::uint8_t kMsgVersion = 1;
// exitinfo2's vmm_error when the certificate buffer is too small (certs_len says how big).
inline constexpr std::uint32_t kVmmErrInvalidLen = 1;
// The kernel refuses certificate buffers above SEV_FW_BLOB_MAX_SIZE (16 KiB) or not a
// multiple of the page size with EINVAL.
inline constexpr std::uint32_t kPageSize = 4096;
inline constexpr std::uint32_t kMaxCertsLen = 0x4000;

// MSG_REPORT_RSP: u32 status, u32 report_size, 24 reserved bytes, then the report.
inline constexpr std::size_t kReportRspHeader = 0x20;
inline constexpr std::uint32_t kReportRspSuccess = 0;

// MSG_KEY_RSP's layout and status values (SEV-SNP ABI spec 56860, "MSG_KEY_RSP").
inline constexpr std::size_t kKeyRspKeyOffset = 0x20;
inline constexpr std::size_t kDerivedKeySize = 32;
inline constexpr std::uint32_t kStatusInvalidParam = 0x16;
inline constexpr std::uint32_t kStatusInvalidKey = 0x27;

static_assert(sizeof(SnpReportReq) == 96);
static_assert(sizeof(SnpDerivedKeyReq) == 32);
static_assert(offsetof(SnpDerivedKeyReq, guest_field_select) == 8);
static_assert(offsetof(SnpDerivedKeyReq, vmpl) == 16);
static_assert(offsetof(SnpDerivedKeyReq, guest_svn) == 20);
static_assert(offsetof(SnpDerivedKeyReq, tcb_version) == 24);
static_assert(sizeof(SnpDerivedKeyResp) == 64);
static_assert(offsetof(SnpReportReq, vmpl) == 64);
static_assert(sizeof(SnpReportResp) == 4000);
static_assert(sizeof(SnpExtReportReq) == 112);
static_assert(offsetof(SnpExtReportReq, certs_address) == 96);
static_assert(offsetof(SnpExtReportReq, certs_len) == 104);
static_assert(sizeof(SnpGuestRequestIoctl) == 32);
static_assert(offsetof(SnpGuestRequestIoctl, req_data) == 8);
static_assert(offsetof(SnpGuestRequestIoctl, resp_data) == 16);
static_assert(offsetof(SnpGuestRequestIoctl, exitinfo2) == 24);
static_assert(kSnpGetReport == 0xC0205300ul);
static_assert(kSnpGetDerivedKey == 0xC0205301ul);
static_assert(kSnpGetExtReport == 0xC0205302ul);

}  // namespace uapi

// The device behind the ioctls, so tests (and a CUSE device) can stand in for the kernel.
class SevGuestDevice {
 public:
  virtual ~SevGuestDevice() = default;
  // The ioctl; 0 on success or -errno. `arg` is a uapi::SnpGuestRequestIoctl.
  virtual int ioctl(unsigned long request, void* arg) = 0;
};

// /dev/sev-guest itself.
class LinuxSevGuestDevice : public SevGuestDevice {
 public:
  // DeviceError (naming the path and errno text) when it cannot be opened.
  static Result<std::unique_ptr<LinuxSevGuestDevice>> open(const std::string& path = "/dev/sev-guest");
  ~LinuxSevGuestDevice() override;
  LinuxSevGuestDevice(const LinuxSevGuestDevice&) = delete;
  LinuxSevGuestDevice& operator=(const LinuxSevGuestDevice&) = delete;
  int ioctl(unsigned long request, void* arg) override;

 private:
  explicit LinuxSevGuestDevice(int fd) : fd_(fd) {}
  int fd_;
};

struct SevGuestOptions {
  std::uint32_t vmpl = 0;  // 0-3; anything else is refused before any ioctl
  bool extended = true;    // SNP_GET_EXT_REPORT: the host's certificates too
  // First certificate buffer (a page multiple up to uapi::kMaxCertsLen); a host that
  // needs more says so and the request is repeated once with that size.
  std::uint32_t initial_certs_len = 2 * uapi::kPageSize;
  // EBUSY/EAGAIN (the host is throttling guest requests): retried this many times,
  // the delay doubling from busy_backoff_ms.
  int busy_retries = 5;
  int busy_backoff_ms = 10;
};

// One guest request on `device`, repeated while the host is busy (EBUSY/EAGAIN) as
// `options` says; 0 or -errno, `io` holding what the driver wrote back.
int send_guest_request(SevGuestDevice& device, const SevGuestOptions& options, unsigned long request, void* req,
                       void* resp, uapi::SnpGuestRequestIoctl& io);
// DeviceError for a failed request: its name, the errno text, fw_error and vmm_error.
Error guest_request_error(unsigned long request, int rc, const uapi::SnpGuestRequestIoctl& io);

class SevGuestSource : public EvidenceSource {
 public:
  SevGuestSource(std::unique_ptr<SevGuestDevice> device, SevGuestOptions options);
  std::string name() const override { return "sev-guest"; }
  // Usage for a VMPL above 3 or a bad initial_certs_len; DeviceError naming the errno
  // text, fw_error and vmm_error for a failed ioctl or a response status other than 0;
  // MalformedReport/MalformedCertTable for a response that does not parse.
  Result<Evidence> get_evidence(const ReportData& report_data) override;

 private:
  std::unique_ptr<SevGuestDevice> device_;
  SevGuestOptions options_;
};

}  // namespace attestd::hal
