// The TCG event log of a measured UEFI boot, as data (TCG PC Client Platform Firmware
// Profile 1.05, §10: the crypto-agile format that Linux exposes in securityfs as
// binary_bios_measurements). Pure parsing and replay: no TPM access. Every length is
// checked against the log and against fixed bounds before it is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::boot {

// Bounds: a UEFI boot logs tens of KiB; anything far beyond is not a boot log.
inline constexpr std::size_t kMaxEventLogBytes = 1024 * 1024;
inline constexpr std::size_t kMaxEvents = 4096;
inline constexpr std::size_t kMaxEventDataBytes = 256 * 1024;
inline constexpr unsigned kMaxPcr = 23;

// Event types (PFP §10.4.1).
inline constexpr std::uint32_t kEvPostCode = 0x1;
inline constexpr std::uint32_t kEvNoAction = 0x3;
inline constexpr std::uint32_t kEvSeparator = 0x4;
inline constexpr std::uint32_t kEvAction = 0x5;
inline constexpr std::uint32_t kEvEventTag = 0x6;
inline constexpr std::uint32_t kEvSCrtmVersion = 0x8;
inline constexpr std::uint32_t kEvIpl = 0xD;
inline constexpr std::uint32_t kEvEfiVariableDriverConfig = 0x80000001;
inline constexpr std::uint32_t kEvEfiVariableBoot = 0x80000002;
inline constexpr std::uint32_t kEvEfiBootServicesApplication = 0x80000003;
inline constexpr std::uint32_t kEvEfiBootServicesDriver = 0x80000004;
inline constexpr std::uint32_t kEvEfiGptEvent = 0x80000006;
inline constexpr std::uint32_t kEvEfiAction = 0x80000007;
inline constexpr std::uint32_t kEvEfiPlatformFirmwareBlob = 0x80000008;
inline constexpr std::uint32_t kEvEfiHandoffTables = 0x80000009;
inline constexpr std::uint32_t kEvEfiPlatformFirmwareBlob2 = 0x8000000A;
inline constexpr std::uint32_t kEvEfiHandoffTables2 = 0x8000000B;
inline constexpr std::uint32_t kEvEfiVariableBoot2 = 0x8000000C;
inline constexpr std::uint32_t kEvEfiVariableAuthority = 0x800000E0;

inline constexpr std::uint16_t kTpmAlgSha1 = 0x0004;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000B;

struct Event {
  std::size_t index = 0;   // position in the log (the Spec ID header is not an event)
  std::size_t offset = 0;  // byte offset of the event in the log
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  Bytes sha256;            // the SHA-256 bank's digest (32 bytes)
  Bytes data;              // the event data as logged
};

struct EventLog {
  // The digest algorithms the Spec ID event declares (algorithm id -> digest size).
  std::map<std::uint16_t, std::uint16_t> algorithms;
  std::uint8_t startup_locality = 0;  // from a StartupLocality EV_NO_ACTION event, if any
  std::vector<Event> events;          // every TCG_PCR_EVENT2, EV_NO_ACTION ones included
};

// MalformedInput naming the event (index and offset) and the field: a log over
// kMaxEventLogBytes; a first event that is not the SHA-1-format Spec ID Event03; an
// algorithm list without SHA-256, with a duplicate, or with sizes that disagree with the
// algorithm; an event with a PCR over kMaxPcr, digests that do not match the declared
// list, data over kMaxEventDataBytes, a truncated field; more than kMaxEvents events.
Result<EventLog> parse_event_log(ByteView log);

// The SHA-256 PCR values the log's events extend (EV_NO_ACTION excluded), from the reset
// value (zeros; PCR 0 starts at the startup locality in its last byte). Only PCRs that
// some event extends are in the map.
std::map<unsigned, Bytes> replay_sha256(const EventLog& log);

// The first PCR (ascending) of `values` that the log does not replay to (a PCR no event
// extends must be zero), with what the log replays it to; nullopt when it explains all.
struct ReplayMismatch {
  unsigned pcr = 0;
  Bytes replayed;
};
std::optional<ReplayMismatch> replay_mismatch(const EventLog& log, const std::map<unsigned, Bytes>& values);

// "EV_EFI_BOOT_SERVICES_APPLICATION", or "0x800000ff" for an unknown type.
std::string event_type_name(std::uint32_t type);
// The inverse: a name event_type_name writes (the table's, or "0x" + 8 lowercase hex
// digits); nullopt for anything else.
std::optional<std::uint32_t> event_type_from_name(std::string_view name);

// "0" to "23", decimal without leading zeros (a PCR index as JSON keys write it).
std::optional<unsigned> parse_pcr_index(std::string_view text);

// A readable, terminal-safe, one-line description of the event's data: the EFI variable
// name ("SecureBoot", "db") and, for an authority, the certificate's subject; the device
// path's file name for an application ("\EFI\BOOT\BOOTX64.EFI"); the string of an action
// or tag ("Calling EFI Application from Boot Option"); the UKI section for systemd-stub's
// PCR 11 events (".cmdline"); "separator" (and "error" if not 0); else a hex prefix.
std::string describe_event(const Event& event);

// A Secure Boot variable as the firmware measured it: the VariableData of PCR 7's
// EV_EFI_VARIABLE_DRIVER_CONFIG event for `name` ("SecureBoot", "PK", "KEK" under
// EFI_GLOBAL_VARIABLE; "db", "dbx" under EFI_IMAGE_SECURITY_DATABASE), before PCR 7's
// separator. Event data is not what replay checks, so it counts only when its SHA-256 is
// the event's digest. nullopt (unknown) when there is no such event, more than one, or
// one whose data the digest does not prove.
std::optional<Bytes> secure_boot_variable(const EventLog& log, std::string_view name);

// Secure Boot as the firmware measured it: secure_boot_variable "SecureBoot"; nullopt
// when that is unknown, false when its value is absent or 0.
std::optional<bool> secure_boot_enabled(const EventLog& log);

// One expected event: what a correct boot measures (attest measure computes them).
struct ExpectedEvent {
  unsigned pcr = 0;
  std::uint32_t type = 0;
  Bytes sha256;
  std::string description;  // as describe_event would render the real event
};

// The first event of `pcr` in the log that differs from the expected sequence, described
// for an error message: "section .cmdline differs", "an extra event EV_... (\"...\")",
// "the event \".initrd\" is missing". nullopt when the PCR's events are the expected ones.
std::optional<std::string> first_difference(const EventLog& log, unsigned pcr,
                                            const std::vector<ExpectedEvent>& expected);

}  // namespace attestd::boot
