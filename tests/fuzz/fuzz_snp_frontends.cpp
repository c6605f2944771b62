// libFuzzer target: snp-sim's guest front-ends take their input from the guest kernel
// (CUSE ioctl buffers) and from any guest process (configfs-tsm paths and writes). Both
// must answer everything with a result or an errno, bounded, without following a
// caller's pointer. The first byte picks the front-end.
//   0: one CUSE ioctl step: cmd selector, out size (u16), then the gathered input bytes;
//   1: a sequence of configfs-tsm operations: op, path length, path, value length, value.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/mocks/snp/cuse_ioctl.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/mocks/snp/tsm_tree.h"

namespace {

using namespace attestd;
namespace uapi = hal::uapi;

constexpr std::size_t kMaxOut = sizeof(uapi::SnpGuestRequestIoctl) + sizeof(uapi::SnpExtReportReq) +
                                sizeof(uapi::SnpReportResp) + uapi::kMaxCertsLen;

void cuse(const std::uint8_t* data, std::size_t size) {
  static snpsim::SimSevGuestDevice device(snpsim::test::milan());
  if (size < 3) return;
  const unsigned long cmds[] = {uapi::kSnpGetReport, uapi::kSnpGetExtReport, uapi::kSnpGetDerivedKey, 0x5300};
  unsigned long cmd = cmds[data[0] % 4];
  std::size_t out_size = data[1] | (std::size_t{data[2]} << 8);
  ByteView in(data + 3, size - 3);
  // A caller address that would fault if anything followed it.
  snpsim::CuseIoctlStep step = snpsim::cuse_sev_guest_ioctl(device, cmd, 0x10, in, out_size);
  if (step.retry) {
    std::size_t total = 0;
    for (const auto& s : step.out) total += s.length;
    if (step.in.empty() || total > kMaxOut) __builtin_trap();
  } else if (step.result > 0 || step.out_data.size() > kMaxOut) {
    __builtin_trap();
  }
}

void tsm(const std::uint8_t* data, std::size_t size) {
  static snpsim::TsmTree tree(snpsim::test::milan(), {}, snpsim::host_certificates(snpsim::test::milan()));
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    std::string s(reinterpret_cast<const char*>(data + at), std::min(n, size - at));
    at += s.size();
    return s;
  };
  while (at + 2 <= size) {
    std::uint8_t op = data[at++];
    std::string path = take(data[at++] % 48);
    std::string value = at < size ? take(data[at++] % 80) : std::string();
    int rc = 0;
    Bytes out;
    switch (op % 6) {
      case 0: rc = tree.make_dir(path); break;
      case 1: rc = tree.remove_dir(path); break;
      case 2: rc = tree.read(path, out); break;
      case 3: rc = tree.write(path, ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size())); break;
      case 4: {
        snpsim::TsmTree::Attr a;
        rc = tree.getattr(path, a);
        break;
      }
      default: {
        std::vector<std::string> names;
        rc = tree.list(path, names);
      }
    }
    if (rc > 0 || rc < -4095) __builtin_trap();
    if (rc == 0 && out.size() > 64 * 1024) __builtin_trap();
  }
  // Keep the tree bounded across runs.
  std::vector<std::string> entries;
  if (tree.list("/report", entries) == 0) {
    for (const auto& e : entries) tree.remove_dir("/report/" + e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) cuse(data + 1, size - 1);
  else tsm(data + 1, size - 1);
  return 0;
}
