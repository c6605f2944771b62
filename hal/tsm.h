// Evidence from configfs-tsm (Linux 6.7+, Documentation/ABI/testing/configfs-tsm): a
// report entry is a directory made under /sys/kernel/config/tsm/report; writing its
// 64-byte `inblob` (and `privlevel`) asks for a report, reading `outblob` returns it and
// `auxblob` the host's certificate table. Every write advances `generation`; if it moved
// by more than our own writes, someone else used the entry and the report may not be ours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hal/evidence.h"

namespace attestd::hal {

inline constexpr const char* kTsmReportRoot = "/sys/kernel/config/tsm/report";

// The file operations the source performs, as real system calls. A test derives from it
// to play the kernel's part around the real operations on a scratch directory.
class TsmFilesystem {
 public:
  virtual ~TsmFilesystem() = default;
  virtual Status make_dir(const std::string& path);
  virtual Status remove_dir(const std::string& path);
  virtual bool exists(const std::string& path);
  // Reads at most `max` bytes; more is a DeviceError (configfs attributes are bounded).
  virtual Result<Bytes> read(const std::string& path, std::size_t max);
  // One write(2) of the whole buffer to an existing attribute (no create, no rename).
  virtual Status write(const std::string& path, ByteView data);
};

struct TsmOptions {
  std::string root = kTsmReportRoot;
  std::uint32_t privlevel = 0;  // the VMPL asked for, 0-3; written only when non-zero
  std::shared_ptr<TsmFilesystem> fs = std::make_shared<TsmFilesystem>();
};

inline constexpr std::size_t kMaxTsmBlob = 64 * 1024;

class TsmSource : public EvidenceSource {
 public:
  explicit TsmSource(TsmOptions options = {});
  std::string name() const override { return "tsm"; }
  // DeviceError for a failed file operation, a provider other than "sev_guest", a
  // generation that moved under us or a report that does not carry our REPORT_DATA;
  // Usage for privlevel above 3; MalformedReport/MalformedCertTable for blobs that do not
  // parse. The entry is removed on every path.
  Result<Evidence> get_evidence(const ReportData& report_data) override;

  // Whether an SEV-SNP guest driver serves this configfs-tsm: the tsm module loads on any
  // guest (an Azure CVM behind its paravisor included), so the report folder alone proves
  // nothing. Makes and removes one entry and reads its `provider`; NoEvidenceSource
  // naming why when it is not "sev_guest".
  Status probe();

 private:
  TsmOptions options_;
};

}  // namespace attestd::hal
