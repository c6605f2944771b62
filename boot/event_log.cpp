// The crypto-agile TCG event log (PC Client PFP 1.05 §10.2): parsing, replay, description.
#include "boot/event_log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "boot/device_path.h"
#include "boot/le_cursor.h"
#include "boot/uefi_types.h"
#include "core/text.h"
#include "crypto/sha.h"
#include "crypto/x509.h"

namespace attestd::boot {

namespace {

constexpr char kSpecIdSignature[16] = "Spec ID Event03";
constexpr char kStartupLocalitySignature[16] = "StartupLocality";
constexpr std::size_t kSha1Size = 20;

// The digest size an algorithm has; 0 for one we do not know (its declared size is used).
std::uint16_t known_digest_size(std::uint16_t alg) {
  switch (alg) {
    case 0x0004: return 20;  // SHA-1
    case 0x000B: return 32;  // SHA-256
    case 0x000C: return 48;  // SHA-384
    case 0x000D: return 64;  // SHA-512
    case 0x0012: return 32;  // SM3-256
    default: return 0;
  }
}
constexpr std::uint16_t kMaxDigestSize = 64;

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

Error malformed(const std::string& where, const std::string& what) {
  return Error(ErrorCode::MalformedInput, where + ": " + what);
}

std::string event_where(std::size_t index, std::size_t offset) {
  return "event " + std::to_string(index) + " at offset " + std::to_string(offset);
}

// The Spec ID event's TCG_EfiSpecIdEventStruct (PFP §10.2.1.1): the algorithm list.
Result<std::map<std::uint16_t, std::uint16_t>> parse_spec_id(ByteView data) {
  LeCursor in(data);
  auto sig = in.bytes(16, "signature");
  if (!sig) return sig.error();
  if (std::memcmp(sig->data(), kSpecIdSignature, 16) != 0) {
    return Error(ErrorCode::MalformedInput, "signature is " + printable_quoted(as_chars(*sig)) +
                                                ", not \"Spec ID Event03\" (not a crypto-agile log)");
  }
  auto header = in.bytes(4 + 4, "platformClass, version, uintnSize");
  if (!header) return header.error();
  auto count = in.u32("numberOfAlgorithms");
  if (!count) return count.error();
  if (*count == 0 || *count > 16) {
    return Error(ErrorCode::MalformedInput, "numberOfAlgorithms " + std::to_string(*count) + " is not 1..16");
  }
  std::map<std::uint16_t, std::uint16_t> algs;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto alg = in.u16("algorithmId");
    if (!alg) return alg.error();
    auto size = in.u16("digestSize");
    if (!size) return size.error();
    std::uint16_t known = known_digest_size(*alg);
    if ((known && *size != known) || *size == 0 || *size > kMaxDigestSize) {
      return Error(ErrorCode::MalformedInput,
                   "algorithm " + hex16(*alg) + " declares digestSize " + std::to_string(*size) +
                       (known ? ", not " + std::to_string(known) : ", not 1.." + std::to_string(kMaxDigestSize)));
    }
    if (!algs.emplace(*alg, *size).second) {
      return Error(ErrorCode::MalformedInput, "algorithm " + hex16(*alg) + " is listed twice");
    }
  }
  if (!algs.count(kTpmAlgSha256)) {
    return Error(ErrorCode::MalformedInput, "the algorithm list has no SHA-256 (0x000b)");
  }
  auto vendor_size = in.u8("vendorInfoSize");
  if (!vendor_size) return vendor_size.error();
  if (auto vendor = in.bytes(*vendor_size, "vendorInfo"); !vendor) return vendor.error();
  return algs;
}

// The first event: TCG_PCClientPCREvent with a SHA-1-sized digest (PFP §10.2.1).
Status parse_header_event(LeCursor& in, EventLog& log) {
  const std::string where = "the Spec ID header event";
  auto pcr = in.u32("PCRIndex");
  if (!pcr) return pcr.error().with_context(where);
  auto type = in.u32("EventType");
  if (!type) return type.error().with_context(where);
  if (*pcr != 0 || *type != kEvNoAction) {
    return malformed(where, "PCR " + std::to_string(*pcr) + " type " + event_type_name(*type) +
                                ", not EV_NO_ACTION in PCR 0 (not a crypto-agile log)");
  }
  if (auto digest = in.bytes(kSha1Size, "digest"); !digest) return digest.error().with_context(where);
  auto size = in.u32("EventSize");
  if (!size) return size.error().with_context(where);
  auto data = in.bytes(*size, "event data");
  if (!data) return data.error().with_context(where);
  auto algs = parse_spec_id(*data);
  if (!algs) return algs.error().with_context(where);
  log.algorithms = std::move(algs).value();
  return ok_status();
}

Result<Event> parse_event2(LeCursor& in, const EventLog& log, std::size_t index) {
  Event e;
  e.index = index;
  e.offset = in.offset();
  const std::string where = event_where(index, e.offset);
  auto pcr = in.u32("PCRIndex");
  if (!pcr) return pcr.error().with_context(where);
  if (*pcr > kMaxPcr) return malformed(where, "PCRIndex " + std::to_string(*pcr) + " is over " + std::to_string(kMaxPcr));
  e.pcr = *pcr;
  auto type = in.u32("EventType");
  if (!type) return type.error().with_context(where);
  e.type = *type;
  auto count = in.u32("digests count");
  if (!count) return count.error().with_context(where);
  if (*count != log.algorithms.size()) {
    return malformed(where, std::to_string(*count) + " digests, but the Spec ID event declares " +
                                std::to_string(log.algorithms.size()) + " algorithms");
  }
  std::set<std::uint16_t> seen;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto alg = in.u16("digest algorithm");
    if (!alg) return alg.error().with_context(where);
    auto declared = log.algorithms.find(*alg);
    if (declared == log.algorithms.end()) {
      return malformed(where, "digest algorithm " + hex16(*alg) + " is not declared by the Spec ID event");
    }
    if (!seen.insert(*alg).second) return malformed(where, "digest algorithm " + hex16(*alg) + " appears twice");
    auto digest = in.bytes(declared->second, "digest");
    if (!digest) return digest.error().with_context(where);
    if (*alg == kTpmAlgSha256) e.sha256 = to_bytes(*digest);
  }
  auto size = in.u32("EventSize");
  if (!size) return size.error().with_context(where);
  if (*size > kMaxEventDataBytes) {
    return malformed(where, "EventSize " + std::to_string(*size) + " is over " + std::to_string(kMaxEventDataBytes));
  }
  auto data = in.bytes(*size, "event data");
  if (!data) return data.error().with_context(where);
  e.data = to_bytes(*data);
  return e;
}

bool has_prefix(const Bytes& data, const char (&signature)[16]) {
  return data.size() >= 16 && std::memcmp(data.data(), signature, 16) == 0;
}

// Printable ASCII up to the first NUL, made terminal-safe.
std::string ascii_text(ByteView data) {
  std::string_view s = as_chars(data);
  if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  return terminal_safe(s);
}

// Text that may be UTF-16LE (systemd-stub, S-CRTM version) or ASCII (grub, edk2 actions).
bool looks_utf16(ByteView data) {
  if (data.size() < 2 || data.size() % 2) return false;
  for (std::size_t i = 1; i < data.size(); i += 2) {
    if (data[i] != 0 && data[i - 1] < 0x80) return false;
  }
  return data[1] == 0;
}

std::string hex_prefix(ByteView data);

// An empty string (OVMF's S-CRTM version is a lone NUL) shows its bytes instead.
std::string text_of(ByteView data) {
  std::string text = looks_utf16(data) ? terminal_safe(utf16le_to_utf8(data, true)) : ascii_text(data);
  return text.empty() ? hex_prefix(data) : text;
}

std::string hex_prefix(ByteView data) {
  constexpr std::size_t kShown = 16;
  if (data.empty()) return "(no data)";
  std::string s = hex_encode(data.first(std::min(kShown, data.size())));
  return data.size() > kShown ? s + "... (" + std::to_string(data.size()) + " bytes)" : s;
}

std::string describe_variable(const Event& e) {
  auto v = parse_variable_data(e.data);
  if (!v) return "malformed UEFI_VARIABLE_DATA: " + hex_prefix(e.data);
  std::string name = terminal_safe(v->name);
  if (e.type != kEvEfiVariableAuthority) return name;
  // EFI_SIGNATURE_DATA: SignatureOwner (GUID), then the X.509 certificate.
  if (v->data.size() > 16) {
    auto cert = crypto::Certificate::from_der(ByteView(v->data).subspan(16));
    if (cert) return name + ": " + terminal_safe(cert->subject());
  }
  return name + ": " + hex_prefix(v->data);
}

std::string describe_image_load(const Event& e) {
  // UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, device path length, path.
  ByteView data = e.data;
  constexpr std::size_t kFixed = 32;
  if (data.size() < kFixed) return "malformed UEFI_IMAGE_LOAD_EVENT: " + hex_prefix(data);
  std::uint64_t path_len = le64_at(data, 24);
  if (path_len > data.size() - kFixed) return "malformed UEFI_IMAGE_LOAD_EVENT: device path overruns the event";
  return render_device_path(data.subspan(kFixed, static_cast<std::size_t>(path_len)));
}

std::string describe_gpt(const Event& e) {
  // UEFI_GPT_DATA: the 92-byte EFI_PARTITION_TABLE_HEADER, NumberOfPartitions (u64), entries.
  constexpr std::size_t kHeader = 92;
  if (e.data.size() < kHeader + 8) return "malformed UEFI_GPT_DATA: " + hex_prefix(e.data);
  EfiGuid disk{};
  std::copy_n(e.data.begin() + 56, 16, disk.begin());
  return "GPT disk " + guid_to_string(disk) + ", " + std::to_string(le64_at(e.data, kHeader)) + " partitions";
}

std::string describe_blob(const Event& e) {
  ByteView data = e.data;
  if (e.type == kEvEfiPlatformFirmwareBlob2 && !data.empty() && data.size() >= 1u + data[0] + 16u) {
    return ascii_text(data.subspan(1, data[0]));
  }
  if (data.size() != 16) return "firmware blob: " + hex_prefix(data);
  char buf[64];
  std::snprintf(buf, sizeof buf, "firmware blob at 0x%llx, %llu bytes",
                static_cast<unsigned long long>(le64_at(data, 0)), static_cast<unsigned long long>(le64_at(data, 8)));
  return buf;
}

std::string describe_separator(const Event& e) {
  if (e.data.size() == 4 && all_zero(e.data)) return "separator";
  return "separator error (" + hex_prefix(e.data) + ")";
}

std::string describe_no_action(const Event& e) {
  if (has_prefix(e.data, kStartupLocalitySignature) && e.data.size() == 17) {
    return "StartupLocality " + std::to_string(e.data[16]);
  }
  return ascii_text(ByteView(e.data).first(std::min<std::size_t>(16, e.data.size())));
}

// A tagged event (PFP §10.4.2, TCG_PCClientTaggedEvent): taggedEventID, size, data.
std::string describe_tagged(const Event& e) {
  if (e.data.size() < 8 || le32_at(e.data, 4) != e.data.size() - 8) return hex_prefix(e.data);
  char id[16];
  std::snprintf(id, sizeof id, "0x%08x", le32_at(e.data, 0));
  return std::string("tag ") + id + ": " + text_of(ByteView(e.data).subspan(8));
}

std::string what_differs(const ExpectedEvent& expected) {
  if (expected.type == kEvIpl && !expected.description.empty() && expected.description[0] == '.') {
    return "section " + expected.description + " differs";
  }
  return "the event " + event_type_name(expected.type) + " (\"" + expected.description + "\") differs";
}

}  // namespace

Result<EventLog> parse_event_log(ByteView bytes) {
  if (bytes.size() > kMaxEventLogBytes) {
    return Error(ErrorCode::MalformedInput, "event log: " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                                                std::to_string(kMaxEventLogBytes));
  }
  EventLog log;
  LeCursor in(bytes);
  if (auto header = parse_header_event(in, log); !header) return header.error().with_context("event log");
  while (!in.at_end()) {
    if (log.events.size() == kMaxEvents) {
      return Error(ErrorCode::MalformedInput, "event log: more than " + std::to_string(kMaxEvents) + " events");
    }
    auto e = parse_event2(in, log, log.events.size());
    if (!e) return e.error().with_context("event log");
    if (e->type == kEvNoAction && e->pcr == 0 && has_prefix(e->data, kStartupLocalitySignature)) {
      if (e->data.size() != 17) {
        return malformed("event log: " + event_where(e->index, e->offset),
                         "StartupLocality event data is " + std::to_string(e->data.size()) + " bytes, not 17");
      }
      log.startup_locality = e->data[16];
    }
    log.events.push_back(std::move(e).value());
  }
  return log;
}

std::map<unsigned, Bytes> replay_sha256(const EventLog& log) {
  std::map<unsigned, Bytes> pcrs;
  for (const Event& e : log.events) {
    if (e.type == kEvNoAction) continue;
    auto [it, inserted] = pcrs.try_emplace(e.pcr, Bytes(32, 0));
    if (inserted && e.pcr == 0) it->second[31] = log.startup_locality;
    Bytes joined = it->second;
    joined.insert(joined.end(), e.sha256.begin(), e.sha256.end());
    it->second = crypto::sha256(joined);
  }
  return pcrs;
}

std::optional<ReplayMismatch> replay_mismatch(const EventLog& log, const std::map<unsigned, Bytes>& values) {
  const std::map<unsigned, Bytes> replayed = replay_sha256(log);
  for (const auto& [pcr, value] : values) {
    auto r = replayed.find(pcr);
    Bytes want = r == replayed.end() ? Bytes(32, 0) : r->second;
    if (!constant_time_equal(want, value)) return ReplayMismatch{pcr, std::move(want)};
  }
  return std::nullopt;
}

namespace {

// PC Client PFP §10.4.1: every type's name, one table for both directions.
struct TypeName {
  std::uint32_t type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {0x0, "EV_PREBOOT_CERT"},
    {kEvPostCode, "EV_POST_CODE"},
    {0x2, "EV_UNUSED"},
    {kEvNoAction, "EV_NO_ACTION"},
    {kEvSeparator, "EV_SEPARATOR"},
    {kEvAction, "EV_ACTION"},
    {kEvEventTag, "EV_EVENT_TAG"},
    {0x7, "EV_S_CRTM_CONTENTS"},
    {kEvSCrtmVersion, "EV_S_CRTM_VERSION"},
    {0x9, "EV_CPU_MICROCODE"},
    {0xA, "EV_PLATFORM_CONFIG_FLAGS"},
    {0xB, "EV_TABLE_OF_DEVICES"},
    {0xC, "EV_COMPACT_HASH"},
    {kEvIpl, "EV_IPL"},
    {0xE, "EV_IPL_PARTITION_DATA"},
    {0xF, "EV_NONHOST_CODE"},
    {0x10, "EV_NONHOST_CONFIG"},
    {0x11, "EV_NONHOST_INFO"},
    {0x12, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {kEvEfiVariableDriverConfig, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {kEvEfiVariableBoot, "EV_EFI_VARIABLE_BOOT"},
    {kEvEfiBootServicesApplication, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {kEvEfiBootServicesDriver, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {kEvEfiGptEvent, "EV_EFI_GPT_EVENT"},
    {kEvEfiAction, "EV_EFI_ACTION"},
    {kEvEfiPlatformFirmwareBlob, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {kEvEfiHandoffTables, "EV_EFI_HANDOFF_TABLES"},
    {kEvEfiPlatformFirmwareBlob2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {kEvEfiHandoffTables2, "EV_EFI_HANDOFF_TABLES2"},
    {kEvEfiVariableBoot2, "EV_EFI_VARIABLE_BOOT2"},
    {0x80000010, "EV_EFI_HCRTM_EVENT"},
    {kEvEfiVariableAuthority, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

}  // namespace

std::string event_type_name(std::uint32_t type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", type);
  return buf;
}

std::optional<std::uint32_t> event_type_from_name(std::string_view name) {
  for (const TypeName& t : kTypeNames) {
    if (name == t.name) return t.type;
  }
  // What event_type_name writes for a type without a name: "0x" and 8 lowercase hex digits.
  if (name.size() != 10 || name.substr(0, 2) != "0x" ||
      name.find_first_not_of("0123456789abcdef", 2) != std::string_view::npos) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(std::stoul(std::string(name.substr(2)), nullptr, 16));
}

std::optional<unsigned> parse_pcr_index(std::string_view text) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string_view::npos ||
      (text.size() == 2 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned n = text.size() == 1 ? unsigned(text[0] - '0') : unsigned((text[0] - '0') * 10 + (text[1] - '0'));
  if (n > kMaxPcr) return std::nullopt;
  return n;
}

std::string describe_event(const Event& e) {
  switch (e.type) {
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableBoot:
    case kEvEfiVariableBoot2:
    case kEvEfiVariableAuthority: return describe_variable(e);
    case kEvEfiBootServicesApplication:
    case kEvEfiBootServicesDriver:
    case 0x80000005: return describe_image_load(e);
    case kEvEfiAction:
    case kEvAction:
    case kEvPostCode: return ascii_text(e.data);
    case kEvIpl:
    case kEvSCrtmVersion: return text_of(e.data);
    case kEvEventTag: return describe_tagged(e);
    case kEvSeparator: return describe_separator(e);
    case kEvEfiGptEvent: return describe_gpt(e);
    case kEvEfiPlatformFirmwareBlob:
    case kEvEfiPlatformFirmwareBlob2: return describe_blob(e);
    case kEvEfiHandoffTables:
      if (e.data.size() >= 8) return std::to_string(le64_at(e.data, 0)) + " configuration tables";
      return hex_prefix(e.data);
    case kEvEfiHandoffTables2:
      if (!e.data.empty() && e.data.size() >= 1u + e.data[0]) return ascii_text(ByteView(e.data).subspan(1, e.data[0]));
      return hex_prefix(e.data);
    case kEvNoAction: return describe_no_action(e);
    default: return hex_prefix(e.data);
  }
}

std::optional<Bytes> secure_boot_variable(const EventLog& log, std::string_view name) {
  const bool in_db = name == "db" || name == "dbx";
  const EfiGuid& vendor = in_db ? kEfiImageSecurityDatabase : kEfiGlobalVariable;
  // Replay proves digests, not data: the value counts only if the data hashes to the
  // extended digest (for EV_EFI_VARIABLE_DRIVER_CONFIG the digest is of the whole
  // UEFI_VARIABLE_DATA), only from the firmware's configuration (before PCR 7's
  // separator), and only once.
  std::optional<Bytes> found;
  for (const Event& e : log.events) {
    if (e.pcr != 7) continue;
    if (e.type == kEvSeparator) break;
    if (e.type != kEvEfiVariableDriverConfig) continue;
    auto v = parse_variable_data(e.data);
    if (!v || v->vendor != vendor || v->name != name) continue;
    if (found || !constant_time_equal(crypto::sha256(e.data), e.sha256)) return std::nullopt;
    found = std::move(v->data);
  }
  return found;
}

std::optional<bool> secure_boot_enabled(const EventLog& log) {
  auto value = secure_boot_variable(log, "SecureBoot");
  if (!value) return std::nullopt;
  return !value->empty() && (*value)[0] != 0;
}

std::optional<std::string> first_difference(const EventLog& log, unsigned pcr,
                                            const std::vector<ExpectedEvent>& expected) {
  std::vector<const Event*> actual;
  for (const Event& e : log.events) {
    if (e.pcr == pcr && e.type != kEvNoAction) actual.push_back(&e);
  }
  for (std::size_t i = 0; i < std::max(actual.size(), expected.size()); ++i) {
    if (i >= expected.size()) {
      return "an extra event " + event_type_name(actual[i]->type) + " (\"" + describe_event(*actual[i]) + "\")";
    }
    if (i >= actual.size()) return "the event \"" + expected[i].description + "\" is missing";
    const Event& a = *actual[i];
    const ExpectedEvent& x = expected[i];
    if (a.type == x.type && a.sha256 == x.sha256) continue;
    std::string described = describe_event(a);
    if (a.type == x.type && described == x.description) return what_differs(x);
    return "the event " + event_type_name(a.type) + " (\"" + described + "\") where " + event_type_name(x.type) +
           " (\"" + x.description + "\") was expected";
  }
  return std::nullopt;
}

}  // namespace attestd::boot
