#include "tests/mocks/snp/cuse_ioctl.h"

#include <cerrno>
#include <cstring>

namespace attestd::snpsim {

namespace uapi = hal::uapi;

namespace {

constexpr std::size_t kIo = sizeof(uapi::SnpGuestRequestIoctl);
constexpr std::size_t kReq = sizeof(uapi::SnpReportReq);
constexpr std::size_t kExtReq = sizeof(uapi::SnpExtReportReq);
constexpr std::size_t kResp = sizeof(uapi::SnpReportResp);
constexpr std::size_t kKeyReq = sizeof(uapi::SnpDerivedKeyReq);
constexpr std::size_t kKeyResp = sizeof(uapi::SnpDerivedKeyResp);

CuseIoctlStep answer(int result, Bytes out = {}) {
  CuseIoctlStep s;
  s.result = result;
  s.out_data = std::move(out);
  return s;
}

CuseIoctlStep retry(std::vector<IoSpan> in, std::vector<IoSpan> out) {
  CuseIoctlStep s;
  s.retry = true;
  s.in = std::move(in);
  s.out = std::move(out);
  return s;
}

template <typename T>
void append(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

// The caller's certificate buffer is fetched only when the driver would use it: present,
// whole pages, at most SEV_FW_BLOB_MAX_SIZE. Otherwise the device refuses or ignores it
// without looking.
bool wants_certs(const uapi::SnpExtReportReq& ext) {
  return ext.certs_len != 0 && ext.certs_address != 0 && ext.certs_len % uapi::kPageSize == 0 &&
         ext.certs_len <= uapi::kMaxCertsLen;
}

}  // namespace

CuseIoctlStep cuse_sev_guest_ioctl(hal::SevGuestDevice& device, unsigned long cmd, std::uint64_t arg, ByteView in,
                                   std::size_t out_size) {
  const bool ext_report = cmd == uapi::kSnpGetExtReport;
  const bool derived_key = cmd == uapi::kSnpGetDerivedKey;
  if (cmd != uapi::kSnpGetReport && !ext_report && !derived_key) return answer(-ENOTTY);
  if (arg == 0) return answer(-EFAULT);
  if (in.empty()) return retry({{arg, kIo}}, {});

  uapi::SnpGuestRequestIoctl io{};
  if (in.size() < kIo) return answer(-EIO);
  std::memcpy(&io, in.data(), kIo);
  const uapi::SnpGuestRequestIoctl caller_io = io;
  const std::size_t req_size = ext_report ? kExtReq : derived_key ? kKeyReq : kReq;
  const std::size_t resp_size = derived_key ? kKeyResp : kResp;

  if (in.size() == kIo) {
    // Requests the driver refuses before touching the buffers go to the device as they
    // are: it answers them without following the pointers.
    if (io.msg_version != uapi::kMsgVersion || io.req_data == 0 || io.resp_data == 0) {
      io.req_data = io.resp_data = 0;
      int rc = device.ioctl(cmd, &io);
      return answer(rc == 0 ? -EIO : rc);
    }
    return retry({{arg, kIo}, {io.req_data, req_size}}, {{arg, kIo}, {io.resp_data, resp_size}});
  }
  if (in.size() != kIo + req_size) return answer(-EIO);

  std::vector<std::uint8_t> req(in.begin() + kIo, in.end());
  Bytes resp(resp_size, 0);
  std::vector<std::uint8_t> certs;
  uapi::SnpExtReportReq ext{};
  if (ext_report) {
    std::memcpy(&ext, req.data(), kExtReq);
    const std::size_t certs_size = wants_certs(ext) ? ext.certs_len : 0;
    const std::size_t full = kIo + kExtReq + kResp + certs_size;
    if (out_size == kIo + kResp) {
      std::vector<IoSpan> out = {{arg, kIo}, {io.req_data, kExtReq}, {io.resp_data, kResp}};
      if (certs_size != 0) out.push_back({ext.certs_address, certs_size});
      return retry({{arg, kIo}, {io.req_data, kExtReq}}, std::move(out));
    }
    if (out_size != full) return answer(-EIO);
    certs.assign(certs_size, 0);
    if (certs_size != 0) ext.certs_address = reinterpret_cast<std::uint64_t>(certs.data());
    std::memcpy(req.data(), &ext, kExtReq);
  } else if (out_size != kIo + resp_size) {
    return answer(-EIO);
  }

  // Run it on the device with our copies in place of the caller's buffers.
  io.req_data = reinterpret_cast<std::uint64_t>(req.data());
  io.resp_data = reinterpret_cast<std::uint64_t>(resp.data());
  int rc = device.ioctl(cmd, &io);

  // Written back with the caller's own pointers. On success: everything (the driver
  // fills resp_data and the certificate buffer). On failure only what the driver writes:
  // the ioctl struct when exitinfo2 says something, and the request's certs_len after
  // INVALID_LEN; FUSE copies a shorter answer into the first buffers only.
  io.req_data = caller_io.req_data;
  io.resp_data = caller_io.resp_data;
  // The driver writes back only the request's certs_len (the size needed, after
  // INVALID_LEN), so the caller's own request goes back with that field alone updated.
  auto append_caller_request = [&](Bytes& out) {
    uapi::SnpExtReportReq back{}, caller_ext{};
    std::memcpy(&back, req.data(), kExtReq);
    std::memcpy(&caller_ext, in.data() + kIo, kExtReq);
    caller_ext.certs_len = back.certs_len;
    append(out, caller_ext);
  };
  Bytes out;
  if (rc != 0) {
    if (io.exitinfo2 == 0) return answer(rc);
    append(out, io);
    if (ext_report && io.vmm_error == uapi::kVmmErrInvalidLen) append_caller_request(out);
    return answer(rc, std::move(out));
  }
  append(out, io);
  if (ext_report) append_caller_request(out);
  out.insert(out.end(), resp.begin(), resp.end());
  out.insert(out.end(), certs.begin(), certs.end());
  return answer(rc, std::move(out));
}

}  // namespace attestd::snpsim
