#include "tests/mocks/snp/sev_guest_device.h"

#include <cerrno>
#include <cstring>

#include "tests/mocks/snp/derived_key.h"

namespace attestd::snpsim {

namespace uapi = hal::uapi;

std::vector<snp::CertTableEntry> host_certificates(const SimIdentity& identity, bool use_vlek) {
  if (use_vlek) {
    return {{snp::kVlekGuid, identity.vlek.der()}, {snp::kAskGuid, identity.asvk.der()},
            {snp::kArkGuid, identity.ark.der()}};
  }
  return {{snp::kVcekGuid, identity.vcek.der()}, {snp::kAskGuid, identity.ask.der()},
          {snp::kArkGuid, identity.ark.der()}};
}

SimSevGuestDevice::SimSevGuestDevice(const SimIdentity& identity, ReportRequest base)
    : identity_(identity), base_(base), certificates_(host_certificates(identity, base.use_vlek)) {}

void SimSevGuestDevice::set_certificates(std::vector<snp::CertTableEntry> entries) {
  std::lock_guard<std::mutex> lock(mu_);
  certificates_ = std::move(entries);
}

void SimSevGuestDevice::set_guest_vmpl(std::uint32_t vmpl) {
  std::lock_guard<std::mutex> lock(mu_);
  guest_vmpl_ = vmpl;
}

void SimSevGuestDevice::fail_busy(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_left_ = n;
}

void SimSevGuestDevice::fail_firmware(std::uint32_t fw_error) {
  std::lock_guard<std::mutex> lock(mu_);
  fw_error_ = fw_error;
}

SevGuestDeviceCounters SimSevGuestDevice::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

std::vector<std::uint32_t> SimSevGuestDevice::certs_lens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return certs_lens_;
}

// The firmware's answer to MSG_REPORT_REQ, written as MSG_REPORT_RSP into resp_data.
// A request the firmware rejects (VMPL above 3, reserved bytes set) gets status
// INVALID_PARAM and no report, as the ABI specifies.
int SimSevGuestDevice::get_report(const uapi::SnpReportReq& req, std::uint64_t resp_data, int& answered) {
  auto* resp = reinterpret_cast<uapi::SnpReportResp*>(resp_data);
  std::memset(resp, 0, sizeof *resp);
  bool reserved_zero = true;
  for (std::uint8_t b : req.rsvd) reserved_zero = reserved_zero && b == 0;
  std::uint32_t status = kStatusSuccess, size = 0;
  Bytes report;
  if (req.vmpl > 3 || !reserved_zero) {
    status = kStatusInvalidParam;
    ++counters_.rejected_by_firmware;
  } else {
    ReportRequest r = base_;
    std::memcpy(r.report_data.data(), req.user_data, sizeof req.user_data);
    r.vmpl = req.vmpl;
    auto made = make_report(identity_, r);
    if (!made) return -EIO;
    report = std::move(made).value();
    size = static_cast<std::uint32_t>(report.size());
    ++answered;
  }
  std::memcpy(resp->data, &status, 4);
  std::memcpy(resp->data + 4, &size, 4);
  if (!report.empty()) std::memcpy(resp->data + uapi::kReportRspHeader, report.data(), report.size());
  return 0;
}

// MSG_KEY_RSP into resp_data: the status, and the key when it is 0 (snpsim::derive_key).
int SimSevGuestDevice::get_derived_key(const uapi::SnpDerivedKeyReq& req, std::uint64_t resp_data) {
  auto* resp = reinterpret_cast<uapi::SnpDerivedKeyResp*>(resp_data);
  KeyAnswer answer = derive_key(identity_, base_, guest_vmpl_, req);
  if (answer.status != kStatusSuccess) ++counters_.rejected_by_firmware;
  ++counters_.derived_keys;
  std::memset(resp, 0, sizeof *resp);
  std::memcpy(resp->data, &answer.status, 4);
  std::memcpy(resp->data + uapi::kKeyRspKeyOffset, answer.key.data(), answer.key.size());
  return 0;
}

int SimSevGuestDevice::ioctl(unsigned long request, void* arg) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.ioctls;
  auto* io = static_cast<uapi::SnpGuestRequestIoctl*>(arg);
  if (request != uapi::kSnpGetReport && request != uapi::kSnpGetExtReport && request != uapi::kSnpGetDerivedKey) {
    ++counters_.rejected_by_kernel;
    return -ENOTTY;
  }
  // The kernel: a message version and both buffers are required.
  if (io == nullptr || io->msg_version != uapi::kMsgVersion || io->req_data == 0 || io->resp_data == 0) {
    ++counters_.rejected_by_kernel;
    return -EINVAL;
  }
  io->exitinfo2 = 0;
  if (busy_left_ > 0) {
    --busy_left_;
    ++counters_.busy;
    return -EBUSY;
  }
  if (fw_error_) {
    io->fw_error = *fw_error_;
    fw_error_.reset();
    ++counters_.rejected_by_firmware;
    return -EIO;
  }
  if (request == uapi::kSnpGetDerivedKey) {
    const auto* req = reinterpret_cast<const uapi::SnpDerivedKeyReq*>(io->req_data);
    return get_derived_key(*req, io->resp_data);
  }
  if (request == uapi::kSnpGetReport) {
    const auto* req = reinterpret_cast<const uapi::SnpReportReq*>(io->req_data);
    return get_report(*req, io->resp_data, counters_.reports);
  }
  auto* ext = reinterpret_cast<uapi::SnpExtReportReq*>(io->req_data);
  if (certs_lens_.size() >= kMaxRecordedCertsLens) certs_lens_.erase(certs_lens_.begin());
  certs_lens_.push_back(ext->certs_len);
  // The kernel: without a buffer this is a plain report request; a buffer must be whole
  // pages and at most SEV_FW_BLOB_MAX_SIZE.
  if (ext->certs_len == 0 || ext->certs_address == 0) {
    return get_report(ext->data, io->resp_data, counters_.ext_reports);
  }
  if (ext->certs_len % uapi::kPageSize != 0 || ext->certs_len > uapi::kMaxCertsLen) {
    ++counters_.rejected_by_kernel;
    return -EINVAL;
  }
  Bytes table = certificates_.empty() ? Bytes{} : snp::serialize_cert_table(certificates_);
  std::uint32_t needed = static_cast<std::uint32_t>((table.size() + uapi::kPageSize - 1) / uapi::kPageSize *
                                                    uapi::kPageSize);
  if (needed > ext->certs_len) {
    ext->certs_len = needed;
    io->vmm_error = uapi::kVmmErrInvalidLen;
    ++counters_.too_small;
    return -EIO;
  }
  int rc = get_report(ext->data, io->resp_data, counters_.ext_reports);
  if (rc != 0) return rc;
  auto* certs = reinterpret_cast<std::uint8_t*>(ext->certs_address);
  std::memset(certs, 0, ext->certs_len);
  if (!table.empty()) std::memcpy(certs, table.data(), table.size());
  return 0;
}

}  // namespace attestd::snpsim
