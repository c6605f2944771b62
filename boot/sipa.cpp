#include "boot/sipa.h"

#include <vector>

#include "boot/le_cursor.h"
#include "core/text.h"
#include "crypto/sha.h"

namespace attestd::boot {

namespace {

struct SipaEvent {
  std::uint32_t type;
  ByteView data;
};

// The SIPA events that tile `data` exactly, or nullopt when it is not such a sequence.
std::optional<std::vector<SipaEvent>> split(ByteView data) {
  std::vector<SipaEvent> out;
  std::size_t off = 0;
  while (off < data.size()) {
    if (!within(data.size(), off, 8)) return std::nullopt;
    const std::uint32_t type = le32_at(data, off);
    const std::uint32_t size = le32_at(data, off + 4);
    if (!within(data.size(), off + 8, size)) return std::nullopt;
    out.push_back({type, data.subspan(off + 8, size)});
    off += 8 + size;
  }
  return out;
}

class Reader {
 public:
  explicit Reader(WindowsBootConfig& out) : out_(out) {}

  // Whether `data` held a SIPA configuration event; an error for a malformed one.
  Result<bool> read(ByteView data, unsigned depth) {
    auto events = split(data);
    if (!events) return false;
    bool seen = false;
    for (const SipaEvent& e : *events) {
      auto r = one(e, depth);
      if (!r) return r.error();
      seen = seen || *r;
    }
    return seen;
  }

 private:
  Result<bool> one(const SipaEvent& e, unsigned depth) {
    if (e.type & kSipaAggregation) {
      if (depth >= kMaxSipaDepth) {
        return Error(ErrorCode::MalformedInput, "SIPA aggregation nested deeper than " + std::to_string(kMaxSipaDepth));
      }
      return read(e.data, depth + 1);
    }
    auto flag = [&](std::optional<bool>& dst, bool sticky) -> Result<bool> {
      if (e.data.size() != 1) {
        return Error(ErrorCode::MalformedInput, "SIPA event " + hex_number(e.type, 8) + " has " + std::to_string(e.data.size()) +
                                                    " bytes of data, not the one byte of a boolean");
      }
      const bool v = e.data[0] != 0;
      dst = sticky ? (dst.value_or(false) || v) : v;
      return true;
    };
    switch (e.type) {
      case kSipaBootDebugging: return flag(out_.boot_debugging, true);
      case kSipaOsKernelDebug: return flag(out_.kernel_debug, true);
      case kSipaHypervisorDebug: return flag(out_.hypervisor_debug, true);
      case kSipaTestSigning: return flag(out_.test_signing, true);
      case kSipaFlightSigning: return flag(out_.flight_signing, true);
      case kSipaCodeIntegrity: return flag(out_.code_integrity, false);
      case kSipaVbsHvciPolicy:
        if (e.data.size() == 4) out_.hvci_policy = le32_at(e.data, 0);
        else if (e.data.size() == 8) out_.hvci_policy = le64_at(e.data, 0);
        else {
          return Error(ErrorCode::MalformedInput, "SIPA event " + hex_number(e.type, 8) + " (HVCI policy) has " +
                                                      std::to_string(e.data.size()) + " bytes of data, not 4 or 8");
        }
        return true;
      default:
        if (e.type >= kSipaElamFirst && e.type <= kSipaElamLast) {
          out_.elam = true;
          return true;
        }
        return false;
    }
  }

  WindowsBootConfig& out_;
};

}  // namespace

Result<WindowsBootConfig> windows_boot_config(const EventLog& log) {
  WindowsBootConfig config;
  Reader reader(config);
  for (const Event& e : log.events) {
    if (e.type != kEvEventTag) continue;
    auto seen = reader.read(e.data, 0);
    if (!seen) return seen.error().with_context("event " + std::to_string(e.index));
    if (!*seen) continue;
    if (!constant_time_equal(crypto::sha256(e.data), e.sha256)) {
      return Error(ErrorCode::MalformedInput, "event " + std::to_string(e.index) +
                                                  ": its Windows boot configuration (SIPA) data does not hash to "
                                                  "its digest, so the log does not prove it");
    }
    config.any = true;
  }
  return config;
}

}  // namespace attestd::boot
