#include "hal/sev_guest.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <algorithm>

#include "core/text.h"
#include "hal/snp/report.h"

namespace attestd::hal {

namespace {

const char* request_name(unsigned long request) {
  return request == uapi::kSnpGetExtReport    ? "SNP_GET_EXT_REPORT"
         : request == uapi::kSnpGetDerivedKey ? "SNP_GET_DERIVED_KEY"
                                              : "SNP_GET_REPORT";
}

}  // namespace

Error guest_request_error(unsigned long request, int rc, const uapi::SnpGuestRequestIoctl& io) {
  return Error(ErrorCode::DeviceError, std::string(request_name(request)) + ": " + std::strerror(-rc) +
                                           " (errno " + std::to_string(-rc) + "), fw_error " +
                                           hex_number(io.fw_error) + ", vmm_error " + hex_number(io.vmm_error));
}

namespace {

// A buffer the kernel can pin page by page.
struct PageBuffer {
  explicit PageBuffer(std::size_t n)
      : size(n), data(static_cast<std::uint8_t*>(std::aligned_alloc(uapi::kPageSize, n))) {
    if (data) std::memset(data, 0, n);
  }
  ~PageBuffer() { std::free(data); }
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  std::size_t size;
  std::uint8_t* data;
};

bool valid_certs_len(std::uint32_t n) {
  return n > 0 && n % uapi::kPageSize == 0 && n <= uapi::kMaxCertsLen;
}

// MSG_REPORT_RSP -> the report bytes.
Result<Bytes> report_from_response(const uapi::SnpReportResp& resp) {
  std::uint32_t status, size;
  std::memcpy(&status, resp.data, 4);
  std::memcpy(&size, resp.data + 4, 4);
  if (status != uapi::kReportRspSuccess) {
    return Error(ErrorCode::DeviceError, "MSG_REPORT_RSP status " + hex_number(status));
  }
  if (size != snp::kReportSize) {
    return Error(ErrorCode::MalformedReport,
                 "MSG_REPORT_RSP report_size " + hex_number(size) + ", expected " + hex_number(snp::kReportSize));
  }
  const std::uint8_t* report = resp.data + uapi::kReportRspHeader;
  return Bytes(report, report + snp::kReportSize);
}

}  // namespace

Result<std::unique_ptr<LinuxSevGuestDevice>> LinuxSevGuestDevice::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorCode::DeviceError, "cannot open " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<LinuxSevGuestDevice>(new LinuxSevGuestDevice(fd));
}

LinuxSevGuestDevice::~LinuxSevGuestDevice() { ::close(fd_); }

int LinuxSevGuestDevice::ioctl(unsigned long request, void* arg) {
  int rc;
  do {
    rc = ::ioctl(fd_, request, arg);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : 0;
}

SevGuestSource::SevGuestSource(std::unique_ptr<SevGuestDevice> device, SevGuestOptions options)
    : device_(std::move(device)), options_(options) {}

int send_guest_request(SevGuestDevice& device, const SevGuestOptions& options, unsigned long request, void* req,
                       void* resp, uapi::SnpGuestRequestIoctl& io) {
  int delay_ms = options.busy_backoff_ms;
  for (int attempt = 0;; ++attempt) {
    std::memset(&io, 0, sizeof io);
    io.msg_version = uapi::kMsgVersion;
    io.req_data = reinterpret_cast<std::uintptr_t>(req);
    io.resp_data = reinterpret_cast<std::uintptr_t>(resp);
    int rc = device.ioctl(request, &io);
    if ((rc != -EBUSY && rc != -EAGAIN) || attempt >= options.busy_retries) return rc;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    delay_ms = std::min(delay_ms * 2, 1000);
  }
}

Result<Evidence> SevGuestSource::get_evidence(const ReportData& report_data) {
  if (options_.vmpl > 3) {
    return Error(ErrorCode::Usage, "sev-guest: VMPL " + std::to_string(options_.vmpl) + " is not 0-3");
  }
  if (options_.extended && !valid_certs_len(options_.initial_certs_len)) {
    return Error(ErrorCode::Usage, "sev-guest: certificate buffer of " + std::to_string(options_.initial_certs_len) +
                                       " bytes is not a multiple of 4096 up to 16384");
  }
  uapi::SnpExtReportReq ext;
  std::memset(&ext, 0, sizeof ext);  // reserved bytes and padding zero
  std::memcpy(ext.data.user_data, report_data.data(), report_data.size());
  ext.data.vmpl = options_.vmpl;
  auto resp = std::make_unique<uapi::SnpReportResp>();
  uapi::SnpGuestRequestIoctl io;

  Evidence evidence;
  evidence.source = name();
  if (!options_.extended) {
    std::memset(resp.get(), 0, sizeof *resp);
    int rc = send_guest_request(*device_, options_, uapi::kSnpGetReport, &ext.data, resp.get(), io);
    if (rc != 0) return guest_request_error(uapi::kSnpGetReport, rc, io);
    auto report = report_from_response(*resp);
    if (!report) return report.error();
    evidence.report = std::move(report).value();
  } else {
    std::uint32_t len = options_.initial_certs_len;
    std::unique_ptr<PageBuffer> certs;
    for (int round = 0;; ++round) {
      certs = std::make_unique<PageBuffer>(len);
      if (!certs->data) return Error(ErrorCode::Internal, "sev-guest: out of memory");
      ext.certs_address = reinterpret_cast<std::uintptr_t>(certs->data);
      ext.certs_len = len;
      std::memset(resp.get(), 0, sizeof *resp);
      int rc = send_guest_request(*device_, options_, uapi::kSnpGetExtReport, &ext, resp.get(), io);
      if (rc == 0) break;
      if (rc == -EIO && io.vmm_error == uapi::kVmmErrInvalidLen && round == 0) {
        std::uint32_t needed = ext.certs_len;
        std::uint32_t rounded = (needed + uapi::kPageSize - 1) / uapi::kPageSize * uapi::kPageSize;
        if (needed <= len || !valid_certs_len(rounded)) {
          return Error(ErrorCode::DeviceError, "SNP_GET_EXT_REPORT: the host needs a " + std::to_string(needed) +
                                                   "-byte certificate buffer (had " + std::to_string(len) +
                                                   ", at most " + std::to_string(uapi::kMaxCertsLen) + ")");
        }
        len = rounded;
        continue;
      }
      return guest_request_error(uapi::kSnpGetExtReport, rc, io);
    }
    auto report = report_from_response(*resp);
    if (!report) return report.error();
    evidence.report = std::move(report).value();
    ByteView blob(certs->data, certs->size);
    if (!all_zero(blob)) {  // a host without certificates leaves the buffer empty
      auto table = snp::parse_cert_table(blob);
      if (!table) return table.error().with_context("sev-guest certificates");
      evidence.certificates = std::move(table).value();
    }
  }
  auto parsed = snp::parse_report(evidence.report);
  if (!parsed) return parsed.error().with_context("sev-guest report");
  // The firmware answers the request it was sent; anything else is a broken device.
  if (!std::equal(report_data.begin(), report_data.end(), parsed->report_data.begin()) ||
      parsed->vmpl != options_.vmpl) {
    return Error(ErrorCode::DeviceError, "sev-guest: the report does not carry the requested REPORT_DATA and VMPL");
  }
  return evidence;
}

}  // namespace attestd::hal
