// snp-sim's guest front-ends: the CUSE /dev/sev-guest ioctl protocol (played against the
// real hal::SevGuestSource, with this test doing the kernel's part of FUSE's unrestricted
// ioctls), the configfs-tsm tree (against the real hal::TsmSource) and, where /dev/fuse is
// usable, `snp-sim serve --tsm` mounted for real.
#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "core/file.h"
#include "hal/derived_key.h"
#include "hal/sev_guest.h"
#include "hal/snp/report.h"
#include "hal/tsm.h"
#include "tests/mocks/snp/cuse_ioctl.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/mocks/snp/tsm_tree.h"
#include "tests/process.h"
#include "tests/support.h"
#include "verify/report_verifier.h"

namespace attestd::snpsim {
namespace {

namespace uapi = hal::uapi;
const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z

hal::ReportData data_of(std::uint8_t seed) {
  hal::ReportData d;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(seed + 3 * i);
  return d;
}

// The kernel's half of an unrestricted CUSE ioctl (fs/fuse/ioctl.c): gather what the
// server asks to read from the caller, repeat, and finally scatter its answer into the
// buffers it named. The caller is this process, so its addresses are ours.
class CuseKernel : public hal::SevGuestDevice {
 public:
  explicit CuseKernel(hal::SevGuestDevice& server) : server_(server) {}
  int ioctl(unsigned long request, void* arg) override {
    std::vector<IoSpan> out_spans;
    Bytes in;
    std::size_t out_size = 0;
    for (int round = 0; round < 8; ++round) {
      CuseIoctlStep step = cuse_sev_guest_ioctl(server_, request, reinterpret_cast<std::uint64_t>(arg), in, out_size);
      if (!step.retry) {
        std::size_t at = 0;
        for (const IoSpan& s : out_spans) {
          if (at >= step.out_data.size()) break;
          std::size_t n = std::min(s.length, step.out_data.size() - at);
          std::memcpy(reinterpret_cast<void*>(s.address), step.out_data.data() + at, n);
          at += n;
        }
        if (at != step.out_data.size()) return -EIO;  // more data than buffers
        return step.result;
      }
      ++retries;
      in.clear();
      for (const IoSpan& s : step.in) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(s.address);
        in.insert(in.end(), p, p + s.length);
      }
      out_spans = step.out;
      out_size = 0;
      for (const IoSpan& s : out_spans) out_size += s.length;
    }
    return -EIO;  // a server that never stops asking
  }
  int retries = 0;

 private:
  hal::SevGuestDevice& server_;
};

struct CuseRig {
  explicit CuseRig(ReportRequest base = {}) : device(test::milan(), base), kernel(device) {}
  SimSevGuestDevice device;
  CuseKernel kernel;
};

// A source over the rig that does not own it.
class Borrowed : public hal::SevGuestDevice {
 public:
  explicit Borrowed(hal::SevGuestDevice& d) : d_(d) {}
  int ioctl(unsigned long request, void* arg) override { return d_.ioctl(request, arg); }

 private:
  hal::SevGuestDevice& d_;
};

Status verify_sim(const Bytes& report) {
  verify::RootStore store;
  store.add(sim_product_chain(test::milan()));
  verify::VerifyOptions options;
  options.at = kAt;
  options.roots = &store;
  std::vector<crypto::Certificate> certs{test::milan().vcek};
  auto v = verify::verify_report(report, certs, options);
  if (!v) return v.error();
  return ok_status();
}

BOOST_AUTO_TEST_SUITE(snp_frontends)

BOOST_AUTO_TEST_CASE(cuse_extended_report_through_the_retry_protocol_including_the_length_retry) {
  ReportRequest base;
  base.measurement.fill(0xAB);
  CuseRig rig(base);
  hal::SevGuestOptions options;
  options.initial_certs_len = 4096;  // too small for VCEK + ASK + ARK: -EIO and the size
  hal::SevGuestSource source(std::make_unique<Borrowed>(rig.kernel), options);
  auto ev = source.get_evidence(data_of(5));
  BOOST_REQUIRE_MESSAGE(ev.ok(), attestd::test::why(ev));
  auto parsed = snp::parse_report(ev->report);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(hex_encode(parsed->report_data) == hex_encode(data_of(5)));
  BOOST_TEST(parsed->measurement[0] == 0xAB);
  BOOST_TEST(ev->certificates.size() == 3u);
  BOOST_TEST(verify_sim(ev->report).ok());
  auto counters = rig.device.counters();
  BOOST_TEST(counters.too_small == 1);
  BOOST_TEST(counters.ext_reports == 1);
  BOOST_TEST(rig.device.certs_lens().size() == 2u);
  BOOST_TEST(rig.device.certs_lens()[1] > 4096u);
  // Each ioctl took the struct, then the request, then the certificate buffer.
  BOOST_TEST(rig.kernel.retries == 6);
}

BOOST_AUTO_TEST_CASE(cuse_plain_report_at_a_vmpl) {
  CuseRig rig;
  hal::SevGuestOptions options;
  options.extended = false;
  options.vmpl = 1;
  hal::SevGuestSource source(std::make_unique<Borrowed>(rig.kernel), options);
  auto ev = source.get_evidence(data_of(9));
  BOOST_REQUIRE_MESSAGE(ev.ok(), attestd::test::why(ev));
  BOOST_TEST(ev->certificates.empty());
  BOOST_TEST(snp::parse_report(ev->report)->vmpl == 1u);
  BOOST_TEST(verify_sim(ev->report).ok());
  BOOST_TEST(rig.kernel.retries == 2);
}

BOOST_AUTO_TEST_CASE(cuse_derived_key_through_the_retry_protocol_is_the_devices_key) {
  ReportRequest base;
  base.measurement.fill(0xAB);
  CuseRig rig(base);
  hal::DerivedKeyRequest request;
  request.root = hal::RootKey::Vmrk;
  request.fields = hal::guest_field::kMeasurement | hal::guest_field::kPolicy;
  auto through_cuse = hal::get_derived_key(rig.kernel, request);
  BOOST_REQUIRE_MESSAGE(through_cuse.ok(), attestd::test::why(through_cuse));
  SimSevGuestDevice direct(test::milan(), base);
  auto expected = hal::get_derived_key(direct, request);
  BOOST_REQUIRE(expected.ok());
  BOOST_TEST(hex_encode(*through_cuse) == hex_encode(*expected));
  BOOST_TEST(rig.device.counters().derived_keys == 1);
  BOOST_TEST(rig.kernel.retries == 2);  // the struct, then the 32-byte request and 64-byte response

  // The firmware's refusal comes back as MSG_KEY_RSP status, through the same protocol.
  request.guest_svn = 1;  // above the launch's 0
  auto refused = hal::get_derived_key(rig.kernel, request);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message().find("MSG_KEY_RSP status 0x16") == 0u, refused.error().message());
}

BOOST_AUTO_TEST_CASE(cuse_refuses_what_the_driver_refuses_and_passes_firmware_errors_back) {
  CuseRig rig;
  uapi::SnpReportReq req{};
  uapi::SnpReportResp resp{};
  uapi::SnpGuestRequestIoctl io{};
  io.msg_version = uapi::kMsgVersion;
  io.req_data = reinterpret_cast<std::uint64_t>(&req);
  io.resp_data = reinterpret_cast<std::uint64_t>(&resp);

  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetExtReport + 7, &io) == -ENOTTY);
  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetReport, nullptr) == -EFAULT);
  io.msg_version = 0;
  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetReport, &io) == -EINVAL);
  io.msg_version = uapi::kMsgVersion;

  // A firmware error: -EIO, the caller's struct says which, and nothing else is written.
  std::memset(resp.data, 0xEE, sizeof resp.data);
  rig.device.fail_firmware(0x16);
  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetReport, &io) == -EIO);
  BOOST_TEST(io.fw_error == 0x16u);
  BOOST_TEST(io.req_data == reinterpret_cast<std::uint64_t>(&req));  // the caller's pointers stay
  BOOST_TEST(resp.data[0] == 0xEE);
  BOOST_TEST(resp.data[sizeof resp.data - 1] == 0xEE);

  // A certificate buffer too small: -EIO, vmm_error 1, the size needed in the request;
  // the response and the buffer untouched.
  {
    uapi::SnpExtReportReq small{};
    std::vector<std::uint8_t> page(4096, 0xEE);
    small.certs_address = reinterpret_cast<std::uint64_t>(page.data());
    small.certs_len = 4096;
    uapi::SnpGuestRequestIoctl eio{};
    eio.msg_version = uapi::kMsgVersion;
    eio.req_data = reinterpret_cast<std::uint64_t>(&small);
    eio.resp_data = reinterpret_cast<std::uint64_t>(&resp);
    BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetExtReport, &eio) == -EIO);
    BOOST_TEST(eio.vmm_error == uapi::kVmmErrInvalidLen);
    BOOST_TEST(small.certs_len > 4096u);
    BOOST_TEST(small.certs_address == reinterpret_cast<std::uint64_t>(page.data()));
    BOOST_TEST(page[0] == 0xEE);
    BOOST_TEST(resp.data[0] == 0xEE);
  }

  // A certificate buffer that is not whole pages: -EINVAL, the buffer never read.
  uapi::SnpExtReportReq ext{};
  ext.certs_address = 0x10;  // would fault if followed
  ext.certs_len = 5000;
  io.req_data = reinterpret_cast<std::uint64_t>(&ext);
  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetExtReport, &io) == -EINVAL);
  // -ENOTTY and -EFAULT come from the front-end itself; these two from the device.
  BOOST_TEST(rig.device.counters().rejected_by_kernel == 2);

  // A good plain report through the same protocol.
  io.req_data = reinterpret_cast<std::uint64_t>(&req);
  req.user_data[0] = 0x42;
  BOOST_TEST(rig.kernel.ioctl(uapi::kSnpGetReport, &io) == 0);
  std::uint32_t status = 0, size = 0;
  std::memcpy(&status, resp.data, 4);
  std::memcpy(&size, resp.data + 4, 4);
  BOOST_TEST(status == 0u);
  BOOST_TEST(size == 1184u);
}

// hal::TsmSource's file operations, answered by the tree as the FUSE mount would.
class TreeFs : public hal::TsmFilesystem {
 public:
  explicit TreeFs(TsmTree& tree) : tree_(tree) {}
  Status make_dir(const std::string& path) override { return check(tree_.make_dir(path), path); }
  Status remove_dir(const std::string& path) override { return check(tree_.remove_dir(path), path); }
  bool exists(const std::string& path) override {
    TsmTree::Attr a;
    return tree_.getattr(path, a) == 0;
  }
  Result<Bytes> read(const std::string& path, std::size_t max) override {
    Bytes value;
    if (Status s = check(tree_.read(path, value), path); !s) return s.error();
    if (value.size() > max) return Error(ErrorCode::DeviceError, path + ": too long");
    return value;
  }
  Status write(const std::string& path, ByteView data) override { return check(tree_.write(path, data), path); }

 private:
  static Status check(int rc, const std::string& path) {
    if (rc == 0) return ok_status();
    return Error(ErrorCode::DeviceError, path + ": " + std::strerror(-rc));
  }
  TsmTree& tree_;
};

BOOST_AUTO_TEST_CASE(tsm_tree_serves_hal_tsm_source_and_the_entry_is_removed) {
  ReportRequest base;
  base.policy = 0x30000 | (1ull << 19);  // a debug guest: the report says so
  TsmTree tree(test::milan(), base, host_certificates(test::milan()));
  hal::TsmOptions options;
  options.root = "/report";
  options.privlevel = 2;
  options.fs = std::make_shared<TreeFs>(tree);
  hal::TsmSource source(options);
  auto ev = source.get_evidence(data_of(1));
  BOOST_REQUIRE_MESSAGE(ev.ok(), attestd::test::why(ev));
  auto parsed = snp::parse_report(ev->report);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(hex_encode(parsed->report_data) == hex_encode(data_of(1)));
  BOOST_TEST(parsed->vmpl == 2u);
  BOOST_TEST(parsed->policy.debug());
  BOOST_TEST(ev->certificates.size() == 3u);
  BOOST_TEST(verify_sim(ev->report).ok());
  std::vector<std::string> left;
  BOOST_TEST(tree.list("/report", left) == 0);
  BOOST_TEST(left.empty());
}

BOOST_AUTO_TEST_CASE(tsm_tree_generation_caching_and_the_kernels_errors) {
  TsmTree tree(test::milan(), {}, {});
  BOOST_TEST(tree.make_dir("/report/a") == 0);
  BOOST_TEST(tree.make_dir("/report/a") == -EEXIST);
  BOOST_TEST(tree.make_dir("/elsewhere") == -ENOENT);
  BOOST_TEST(tree.make_dir("/report/a/sub") == -EPERM);
  BOOST_TEST(tree.remove_dir("/report") == -EPERM);

  auto text_of = [&](const std::string& p) {
    Bytes v;
    int rc = tree.read(p, v);
    return rc == 0 ? std::string(v.begin(), v.end()) : "errno " + std::to_string(-rc);
  };
  BOOST_TEST(text_of("/report/a/provider") == "sev_guest\n");
  BOOST_TEST(text_of("/report/a/generation") == "0\n");
  BOOST_TEST(text_of("/report/a/privlevel_floor") == "0\n");
  Bytes v;
  BOOST_TEST(tree.read("/report/a/inblob", v) == -EACCES);
  BOOST_TEST(tree.write("/report/a/outblob", Bytes{1}) == -EACCES);
  BOOST_TEST(tree.write("/report/a/inblob", Bytes(65, 1)) == -EFBIG);
  BOOST_TEST(tree.write("/report/a/privlevel", Bytes{'4', '\n'}) == -EINVAL);
  BOOST_TEST(tree.write("/report/a/privlevel", Bytes{'x'}) == -EINVAL);
  BOOST_TEST(tree.write("/report/a/privlevel", Bytes{'0', '8'}) == -EINVAL);  // octal, as kstrtouint
  BOOST_TEST(text_of("/report/a/generation") == "0\n");  // refused writes do not count
  BOOST_TEST(text_of("/report/a/outblob") == "errno " + std::to_string(EINVAL));  // no inblob yet

  // The sev_guest provider takes exactly 64 bytes of REPORT_DATA.
  BOOST_TEST(tree.write("/report/a/inblob", Bytes{1, 2, 3}) == 0);
  BOOST_TEST(text_of("/report/a/outblob") == "errno " + std::to_string(EINVAL));
  Bytes inblob(64, 0);
  inblob[0] = 1;
  BOOST_TEST(tree.write("/report/a/inblob", inblob) == 0);
  BOOST_TEST(tree.write("/report/a/privlevel", Bytes{'0', 'x', '1', '\n'}) == 0);
  BOOST_TEST(text_of("/report/a/privlevel") == "1\n");
  BOOST_TEST(text_of("/report/a/generation") == "3\n");
  Bytes out1, out2, aux;
  BOOST_TEST(tree.read("/report/a/outblob", out1) == 0);
  BOOST_TEST(tree.read("/report/a/auxblob", aux) == 0);
  BOOST_TEST(tree.read("/report/a/outblob", out2) == 0);
  BOOST_TEST(tree.reports_made() == 1);  // the same generation: the same report
  BOOST_TEST(out1 == out2);
  BOOST_TEST(aux.empty());               // a host without certificates
  auto parsed = snp::parse_report(out1);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed->report_data[0] == 1);
  BOOST_TEST(parsed->vmpl == 1u);
  inblob[0] = 9;
  BOOST_TEST(tree.write("/report/a/inblob", inblob) == 0);
  BOOST_TEST(tree.read("/report/a/outblob", out2) == 0);
  BOOST_TEST(tree.reports_made() == 2);
  BOOST_TEST(snp::parse_report(out2)->report_data[0] == 9);
  BOOST_TEST(tree.remove_dir("/report/a") == 0);
  BOOST_TEST(tree.read("/report/a/outblob", out2) == -ENOENT);
}

// `snp-sim serve --tsm DIR`, mounted with FUSE, read by hal::TsmSource through the
// kernel's VFS. Needs /dev/fuse and the right to mount (root); CUSE is exercised in the
// guest image (make e2e), since a host rarely has /dev/cuse.
bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool mounted(const std::string& path) {
  auto info = read_text_file("/proc/self/mountinfo");
  return info && info->find(" " + path + " ") != std::string::npos;
}

bool fuse_usable() { return ::access("/dev/fuse", R_OK | W_OK) == 0 && ::geteuid() == 0; }

BOOST_AUTO_TEST_CASE(snp_sim_serve_mounts_configfs_tsm_with_fuse,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::test_tools::assertion_result(fuse_usable());
                     })) {
  std::string dir = attestd::test::tmp_dir() + "/fuse-tsm." + std::to_string(::getpid());
  std::string keys = dir + "/keys", mnt = dir + "/tsm", ready = dir + "/ready";
  BOOST_REQUIRE(save_identity(test::milan(), keys).ok());
  BOOST_REQUIRE(::mkdir(mnt.c_str(), 0755) == 0 || errno == EEXIST);
  attestd::test::BackgroundProcess serve({attestd::test::bin_dir() + "/snp-sim", "serve", "--keys", keys, "--tsm", mnt, "--ready-file",
                                 ready, "--measurement", std::string(96, 'c')},
                                dir + "/serve.log");
  for (int i = 0; i < 100 && !exists(ready) && serve.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_REQUIRE_MESSAGE(exists(ready), "snp-sim serve did not start: " + [&] {
                          auto log = read_text_file(dir + "/serve.log");
                          return log ? *log : std::string("(no log)");
                        }());
  hal::TsmOptions options;
  options.root = mnt + "/report";
  hal::TsmSource source(options);
  auto ev = source.get_evidence(data_of(7));
  BOOST_CHECK_MESSAGE(ev.ok(), attestd::test::why(ev));
  if (ev) {
    BOOST_TEST(snp::parse_report(ev->report)->measurement[0] == 0xCC);
    BOOST_TEST(ev->certificates.size() == 3u);
    BOOST_TEST(verify_sim(ev->report).ok());
  }
  BOOST_TEST(serve.stop() == 0);
  BOOST_TEST(!mounted(mnt));  // snp-sim unmounted it
  if (mounted(mnt)) ::umount2(mnt.c_str(), MNT_DETACH);  // never leave a dead mount in build/tmp
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace attestd::snpsim
