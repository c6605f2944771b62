// snp-sim's configfs-tsm (Documentation/ABI/testing/configfs-tsm, drivers/virt/coco/tsm.c
// as of Linux 6.12) as a file tree, for the FUSE front-end mounted at
// /sys/kernel/config/tsm: `report/` accepts mkdir and rmdir; each entry holds
//
//   inblob          (w)  up to 64 bytes, committed when the file is closed; the sev_guest
//                        provider makes reports only from exactly 64 (REPORT_DATA)
//   outblob         (r)  the attestation report, made on first read after a write;
//                        -EINVAL before any inblob or with one that is not 64 bytes
//   auxblob         (r)  the host's certificate table (GHCB layout), empty when none
//   provider        (r)  "sev_guest\n"
//   generation      (r)  "N\n": the number of writes to the entry so far
//   privlevel       (rw) "N\n", 0-3 and not below privlevel_floor
//   privlevel_floor (r)  "0\n"
//
// Every write advances the generation; a report is made again only when the generation
// moved since the last one, as the kernel does. Paths are absolute within the mount
// ("/report/e1/inblob"); results are 0 or -errno, the errors the kernel gives.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "hal/snp/cert_table.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

inline constexpr std::size_t kTsmInblobMax = 64;

class TsmTree {
 public:
  // `base` supplies everything but REPORT_DATA and VMPL. `certificates` is the table
  // auxblob shows (host_certificates(identity) for a host that has them).
  TsmTree(const SimIdentity& identity, ReportRequest base, std::vector<snp::CertTableEntry> certificates);

  struct Attr {
    bool directory = false;
    unsigned mode = 0;  // permission bits
  };
  int getattr(const std::string& path, Attr& attr) const;
  int list(const std::string& path, std::vector<std::string>& names) const;
  int make_dir(const std::string& path);
  int remove_dir(const std::string& path);
  // The whole value of a readable attribute (configfs reads an attribute in one piece).
  int read(const std::string& path, Bytes& value);
  // A whole write to an attribute: text attributes are stored per write(2), inblob when
  // the writer closes it. -EFBIG for an inblob above 64 bytes, -EINVAL for a privlevel
  // that is not a number from privlevel_floor to 3, -EACCES for read-only attributes.
  int write(const std::string& path, ByteView value);
  // Whether `path` is a binary attribute (whose writes are buffered until close).
  static bool is_binary(const std::string& path);

  int reports_made() const;

 private:
  struct Entry {
    std::uint8_t inblob[kTsmInblobMax] = {};
    std::size_t inblob_len = 0;  // 0: never written
    std::uint32_t privlevel = 0;
    std::uint64_t write_generation = 0;
    std::uint64_t read_generation = ~std::uint64_t{0};
    Bytes outblob, auxblob;
  };
  // The entry and attribute name of an attribute path that allows `access` (0444 read,
  // 0200 write); -ENOENT, -EISDIR or -EACCES otherwise. Called with mu_ held.
  int attribute(const std::string& path, unsigned access, Entry*& entry, std::string& attr);
  // Splits "/report/NAME[/ATTR]"; false for anything else.
  static bool split(const std::string& path, std::string& entry, std::string& attr, int& depth);

  const SimIdentity& identity_;
  ReportRequest base_;
  Bytes cert_table_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  int reports_made_ = 0;
};

}  // namespace attestd::snpsim
