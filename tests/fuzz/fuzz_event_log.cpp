// libFuzzer target: parse_event_log is total, and so is everything a client does with a
// parsed log (replay, descriptions, Secure Boot state, differences from expected events),
// and what maa-emu derives from one (Windows' SIPA configuration, signature lists).
#include <cstddef>
#include <cstdint>

#include "boot/event_log.h"
#include "boot/sipa.h"
#include "boot/uefi_types.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto log = attestd::boot::parse_event_log(attestd::ByteView(data, size));
  if (!log) return 0;
  auto pcrs = attestd::boot::replay_sha256(*log);
  for (const auto& [pcr, value] : pcrs) {
    if (pcr > attestd::boot::kMaxPcr || value.size() != 32) __builtin_trap();
  }
  for (const auto& e : log->events) {
    if (e.sha256.size() != 32) __builtin_trap();
    (void)attestd::boot::describe_event(e);
  }
  (void)attestd::boot::secure_boot_enabled(*log);
  for (const char* name : {"PK", "KEK", "db", "dbx"}) (void)attestd::boot::secure_boot_variable(*log, name);
  // Event data rarely hashes to a fuzzed digest: the signature-list walk gets every event's data.
  for (const auto& e : log->events) {
    auto n = attestd::boot::parse_signatures(e.data);
    if (n && n->size() > e.data.size() / 16) __builtin_trap();
  }
  (void)attestd::boot::windows_boot_config(*log);
  std::vector<attestd::boot::ExpectedEvent> none;
  for (unsigned pcr : {4u, 7u, 11u}) (void)attestd::boot::first_difference(*log, pcr, none);
  return 0;
}
