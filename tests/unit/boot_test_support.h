// Helpers shared by the boot_* suites: a UKI built and signed the way `make image` does
// (objcopy onto Debian's systemd-stub, sbsign with the ovmf package's snakeoil key), and
// crypto-agile event logs written byte by byte from the PC Client PFP layout.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/file.h"
#include "crypto/sha.h"
#include "tests/process.h"
#include "tests/support.h"

namespace attestd::boot::test {

inline const std::string kStub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
inline const std::string kSnakeoilKey = "/usr/share/ovmf/PkKek-1-snakeoil.key";
inline const std::string kSnakeoilCert = "/usr/share/ovmf/PkKek-1-snakeoil.pem";
inline const std::string kSnakeoilVars = "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd";
inline const std::string kPlainVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";

inline void write_text(const std::string& path, const std::string& text) {
  if (auto s = write_file(path, as_bytes(text)); !s) throw std::runtime_error(s.error().describe());
}

// A UKI in its own folder: the section files (kept for systemd-measure), the unsigned
// image and the signed one. `cmdline` varies between tests that need two UKIs.
struct TestUki {
  std::string dir, linux, osrel, cmdline, initrd, unsigned_efi, signed_efi;
};

inline TestUki build_uki(const std::string& name, const std::string& cmdline = "console=ttyS0 quiet") {
  TestUki u;
  u.dir = attestd::test::tmp_dir() + "/uki-" + name;
  auto mk = attestd::test::run("rm -rf " + u.dir + " && mkdir -p " + u.dir);
  if (mk.exit_code != 0) throw std::runtime_error(mk.err);
  u.linux = u.dir + "/linux";
  u.osrel = u.dir + "/osrel";
  u.cmdline = u.dir + "/cmdline";
  u.initrd = u.dir + "/initrd";
  u.unsigned_efi = u.dir + "/uki.efi";
  u.signed_efi = u.dir + "/uki.signed.efi";
  // Stand-ins for the kernel and initramfs: nothing is run here, only measured. The kernel
  // must be a PE image (the firmware measures it when Secure Boot is off): the stub is one.
  std::string initrd(3001, '\0');
  for (std::size_t i = 0; i < initrd.size(); ++i) initrd[i] = static_cast<char>(i * 13 + 1);
  auto cp = attestd::test::run("cp " + kStub + " " + u.linux);
  if (cp.exit_code != 0) throw std::runtime_error(cp.err);
  write_text(u.initrd, initrd);
  write_text(u.osrel, "ID=attestd-test\nVERSION_ID=1\n");
  write_text(u.cmdline, cmdline);
  auto r = attestd::test::run(
      "objcopy --add-section .osrel=" + u.osrel + " --change-section-vma .osrel=0x20000" +
      " --add-section .cmdline=" + u.cmdline + " --change-section-vma .cmdline=0x30000" +
      " --add-section .linux=" + u.linux + " --change-section-vma .linux=0x40000" +
      " --add-section .initrd=" + u.initrd + " --change-section-vma .initrd=0x50000 " + kStub + " " + u.unsigned_efi +
      " && echo snakeoil | sbsign --key " + kSnakeoilKey + " --cert " + kSnakeoilCert + " --output " + u.signed_efi +
      " " + u.unsigned_efi);
  if (r.exit_code != 0) throw std::runtime_error("building the test UKI failed: " + r.err);
  return u;
}

inline Bytes read_or_throw(const std::string& path) {
  auto b = read_file(path, 64 * 1024 * 1024);
  if (!b) throw std::runtime_error(b.error().describe());
  return std::move(b).value();
}

// Little-endian appends.
inline void put16(Bytes& b, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void append(Bytes& b, ByteView more) { b.insert(b.end(), more.begin(), more.end()); }

struct LogEvent {
  std::uint32_t pcr, type;
  Bytes data;
  Bytes sha256;  // empty: SHA-256 of data
};

// The Spec ID header event (SHA-1 format) declaring `algs` (id, size), then the events
// with a digest per algorithm (SHA-1 zeros; SHA-256 as given).
inline Bytes write_log(const std::vector<LogEvent>& events,
                       const std::vector<std::pair<std::uint16_t, std::uint16_t>>& algs = {{0x0004, 20},
                                                                                           {0x000B, 32}}) {
  Bytes spec(as_bytes(std::string_view("Spec ID Event03\0", 16)).begin(), as_bytes(std::string_view("Spec ID Event03\0", 16)).end());
  put32(spec, 0);                             // platformClass
  append(spec, Bytes{0, 2, 0, 2});            // specVersionMinor, Major, errata, uintnSize
  put32(spec, static_cast<std::uint32_t>(algs.size()));
  for (auto [alg, size] : algs) {
    put16(spec, alg);
    put16(spec, size);
  }
  spec.push_back(0);  // vendorInfoSize
  Bytes log;
  put32(log, 0);
  put32(log, 0x3);  // EV_NO_ACTION
  append(log, Bytes(20, 0));
  put32(log, static_cast<std::uint32_t>(spec.size()));
  append(log, spec);
  for (const auto& e : events) {
    put32(log, e.pcr);
    put32(log, e.type);
    put32(log, static_cast<std::uint32_t>(algs.size()));
    for (auto [alg, size] : algs) {
      put16(log, alg);
      if (alg == 0x000B) {
        append(log, e.sha256.empty() ? crypto::sha256(e.data) : e.sha256);
      } else {
        append(log, Bytes(size, 0));
      }
    }
    put32(log, static_cast<std::uint32_t>(e.data.size()));
    append(log, e.data);
  }
  return log;
}

}  // namespace attestd::boot::test
