// Windows' boot configuration as its boot manager and OS loader measure it: SIPA events
// (the Windows SDK's wbcl.h), each a type, a size and data, carried in the data of
// EV_EVENT_TAG events (TCG_PCClientTaggedEvent has the same layout). An event type with
// the aggregation bit (0x40000000) holds further SIPA events. Pure parsing, bounded.
// A Linux boot has no SIPA events; its EV_EVENT_TAG events (systemd-stub's load options
// and initrd tags) carry other tag ids and are passed over.
#pragma once

#include <cstdint>
#include <optional>

#include "boot/event_log.h"

namespace attestd::boot {

// The SIPA event types read here (wbcl.h, SIPAEVENTTYPE_* + n).
inline constexpr std::uint32_t kSipaAggregation = 0x40000000;
inline constexpr std::uint32_t kSipaBootDebugging = 0x00040001;   // SIPAEVENT_BOOTDEBUGGING
inline constexpr std::uint32_t kSipaOsKernelDebug = 0x00050001;   // SIPAEVENT_OSKERNELDEBUG
inline constexpr std::uint32_t kSipaCodeIntegrity = 0x00050002;   // SIPAEVENT_CODEINTEGRITY
inline constexpr std::uint32_t kSipaTestSigning = 0x00050003;     // SIPAEVENT_TESTSIGNING
inline constexpr std::uint32_t kSipaHypervisorDebug = 0x0005000D; // SIPAEVENT_HYPERVISOR_DEBUG
inline constexpr std::uint32_t kSipaFlightSigning = 0x00050021;   // SIPAEVENT_FLIGHTSIGNING
inline constexpr std::uint32_t kSipaElamFirst = 0x00090001;       // SIPAEVENT_ELAM_KEYNAME
inline constexpr std::uint32_t kSipaElamLast = 0x00090004;        // SIPAEVENT_ELAM_MEASURED
inline constexpr std::uint32_t kSipaVbsHvciPolicy = 0x000A0007;   // SIPAEVENT_VBS_HVCI_POLICY
inline constexpr unsigned kMaxSipaDepth = 8;

struct WindowsBootConfig {
  // Each as the last event of its type says (a debug flag: true if any says so);
  // nullopt when no event of that type was logged.
  std::optional<bool> boot_debugging, kernel_debug, hypervisor_debug, test_signing, flight_signing, code_integrity;
  std::optional<std::uint64_t> hvci_policy;
  bool elam = false;  // an early-launch anti-malware driver was measured (any ELAM event)
  bool any = false;   // the log holds at least one of the events above: a Windows boot
};

// MalformedInput naming the event (index) and SIPA type: a boolean SIPA event whose data
// is not one byte, an HVCI policy that is not 4 or 8 bytes, aggregation nested deeper than
// kMaxSipaDepth, or an event holding any of these whose data does not hash to its
// SHA-256 digest (replay proves the digest, not the data). Tagged events whose data is not
// a whole sequence of SIPA events are not SIPA and are passed over.
Result<WindowsBootConfig> windows_boot_config(const EventLog& log);

}  // namespace attestd::boot
