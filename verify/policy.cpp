#include "verify/policy.h"

#include <json/value.h>

#include <algorithm>

#include "boot/sipa.h"
#include "core/file.h"
#include "core/json.h"
#include "verify/report_verifier.h"

namespace attestd::verify {

GuestFacts facts_of(const VerifiedReport& v) {
  const snp::AttestationReport& r = v.report();
  GuestFacts f;
  f.product = v.product();
  f.debug_allowed = r.policy.debug();
  f.migrate_ma_allowed = r.policy.migrate_ma();
  f.smt_allowed = r.policy.smt();
  f.smt_enabled = r.platform_info.smt_enabled();
  f.vmpl = r.vmpl;
  f.guest_svn = r.guest_svn;
  f.reported_tcb = v.reported_tcb();
  f.firmware = r.current;
  f.measurement.assign(r.measurement.begin(), r.measurement.end());
  f.host_data.assign(r.host_data.begin(), r.host_data.end());
  f.report_data.assign(r.report_data.begin(), r.report_data.end());
  f.id_key_digest.assign(r.id_key_digest.begin(), r.id_key_digest.end());
  f.author_key_digest.assign(r.author_key_digest.begin(), r.author_key_digest.end());
  return f;
}

Policy default_policy() { return Policy{}; }

// ---- parsing ----

namespace {

Error bad(const std::string& key, const std::string& why) {
  return Error(ErrorCode::MalformedPolicy, "policy key '" + key + "': " + why);
}

Result<bool> get_bool(const Json::Value& v, const std::string& key) {
  if (!v.isBool()) return bad(key, "must be true or false");
  return v.asBool();
}

Result<std::uint32_t> get_uint(const Json::Value& v, const std::string& key, std::uint32_t max) {
  auto n = json_integer(v, 0, max);
  if (!n) return bad(key, "must be an integer from 0 to " + std::to_string(max));
  return static_cast<std::uint32_t>(*n);
}

Result<Bytes> get_hex(const Json::Value& v, const std::string& key, std::size_t min_len,
                      std::size_t max_len) {
  if (!v.isString()) return bad(key, "must be a hex string");
  auto b = hex_decode(v.asString());
  if (!b) return bad(key, b.error().message());
  if (b->size() < min_len || b->size() > max_len) {
    std::string want = min_len == max_len ? std::to_string(min_len)
                                          : std::to_string(min_len) + " to " + std::to_string(max_len);
    return bad(key, "must be " + want + " bytes (" + std::to_string(min_len * 2) +
                        (min_len == max_len ? "" : "+") + " hex digits), got " + std::to_string(b->size()));
  }
  return b;
}

Result<std::vector<Bytes>> get_hex_list(const Json::Value& v, const std::string& key, std::size_t len) {
  if (!v.isArray()) return bad(key, "must be a list of hex strings");
  std::vector<Bytes> out;
  for (Json::ArrayIndex i = 0; i < v.size(); ++i) {
    auto b = get_hex(v[i], key + "[" + std::to_string(i) + "]", len, len);
    if (!b) return b.error();
    out.push_back(std::move(b).value());
  }
  return out;
}

Result<snp::FirmwareVersion> get_firmware(const Json::Value& v, const std::string& key) {
  if (!v.isString()) return bad(key, "must be a string \"major.minor.build\"");
  std::string s = v.asString();
  unsigned parts[3];
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t start = pos;
    unsigned n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 3) n = n * 10 + (s[pos++] - '0');
    if (pos == start || n > 255) return bad(key, "'" + s + "' is not major.minor.build (each 0-255)");
    parts[i] = n;
    if (i < 2) {
      if (pos >= s.size() || s[pos] != '.') return bad(key, "'" + s + "' is not major.minor.build");
      ++pos;
    }
  }
  if (pos != s.size()) return bad(key, "'" + s + "' is not major.minor.build");
  return snp::FirmwareVersion{static_cast<std::uint8_t>(parts[0]), static_cast<std::uint8_t>(parts[1]),
                              static_cast<std::uint8_t>(parts[2])};
}

Status parse_min_tcb(const Json::Value& v, TcbMinimum& out) {
  if (!v.isObject()) return bad("min_tcb", "must be an object");
  for (const std::string& k : v.getMemberNames()) {
    std::optional<std::uint8_t>* field = k == "bootloader" ? &out.bootloader
                                         : k == "tee"      ? &out.tee
                                         : k == "snp"      ? &out.snp
                                         : k == "microcode" ? &out.microcode
                                         : k == "fmc"      ? &out.fmc
                                                           : nullptr;
    if (!field) return bad("min_tcb." + k, "unknown TCB component (bootloader, tee, snp, microcode, fmc)");
    auto n = get_uint(v[k], "min_tcb." + k, 255);
    if (!n) return n.error();
    *field = static_cast<std::uint8_t>(*n);
  }
  return ok_status();
}

Result<unsigned> pcr_key(const std::string& key, const std::string& k) {
  auto n = boot::parse_pcr_index(k);
  if (!n) return bad(key + "." + k, "is not a PCR index (0-23)");
  return *n;
}

Status parse_pcrs(const Json::Value& v, std::map<unsigned, std::vector<Bytes>>& out) {
  if (!v.isObject()) return bad("pcrs", "must be an object: PCR index -> list of allowed SHA-256 values (hex)");
  for (const std::string& k : v.getMemberNames()) {
    auto pcr = pcr_key("pcrs", k);
    if (!pcr) return pcr.error();
    if (!v[k].isArray() || v[k].empty()) return bad("pcrs." + k, "must be a non-empty list of SHA-256 values (hex)");
    auto l = get_hex_list(v[k], "pcrs." + k, 32);
    if (!l) return l.error();
    out[*pcr] = std::move(l).value();
  }
  return ok_status();
}

Status parse_boot_events(const Json::Value& v, std::map<unsigned, std::vector<boot::ExpectedEvent>>& out) {
  if (!v.isObject()) return bad("boot_events", "must be an object: PCR index -> list of expected events");
  for (const std::string& k : v.getMemberNames()) {
    auto pcr = pcr_key("boot_events", k);
    if (!pcr) return pcr.error();
    const Json::Value& list = v[k];
    if (!list.isArray()) return bad("boot_events." + k, "must be a list of {\"type\", \"digest\", \"description\"}");
    std::vector<boot::ExpectedEvent> events;
    for (Json::ArrayIndex i = 0; i < list.size(); ++i) {
      const std::string at = "boot_events." + k + "[" + std::to_string(i) + "]";
      const Json::Value& e = list[i];
      if (!e.isObject() || !e["type"].isString() || !e["description"].isString() || e.size() != 3) {
        return bad(at, "must be {\"type\": name, \"digest\": SHA-256 hex, \"description\": text}");
      }
      auto type = boot::event_type_from_name(e["type"].asString());
      if (!type) return bad(at + ".type", "'" + e["type"].asString() + "' is not an event type name");
      auto digest = get_hex(e["digest"], at + ".digest", 32, 32);
      if (!digest) return digest.error();
      events.push_back({*pcr, *type, std::move(digest).value(), e["description"].asString()});
    }
    out[*pcr] = std::move(events);
  }
  return ok_status();
}

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
  auto doc = parse_json(text, "policy");
  if (!doc) return Error(ErrorCode::MalformedPolicy, doc.error().message());
  const Json::Value& root = *doc;
  if (!root.isObject()) return Error(ErrorCode::MalformedPolicy, "policy must be a JSON object");
  Policy p;
  for (const std::string& key : root.getMemberNames()) {
    const Json::Value& v = root[key];
    Status st;
    auto set_bool = [&](bool& dst) {
      auto b = get_bool(v, key);
      if (!b) return Status(b.error());
      dst = *b;
      return ok_status();
    };
    if (key == "comment") {
      // free text for the policy's author
    } else if (key == "allow_debug") {
      st = set_bool(p.allow_debug);
    } else if (key == "allow_migration_agent") {
      st = set_bool(p.allow_migration_agent);
    } else if (key == "allow_smt") {
      st = set_bool(p.allow_smt);
    } else if (key == "vmpls") {
      if (!v.isArray() || v.empty()) {
        st = bad(key, "must be a non-empty list of VMPLs (0-3)");
      } else {
        for (Json::ArrayIndex i = 0; i < v.size() && st; ++i) {
          auto n = get_uint(v[i], key + "[" + std::to_string(i) + "]", 3);
          if (!n) st = n.error();
          else p.vmpls.push_back(*n);
        }
      }
    } else if (key == "min_tcb") {
      st = parse_min_tcb(v, p.min_tcb);
    } else if (key == "min_guest_svn") {
      auto n = get_uint(v, key, 0xFFFFFFFFu);
      if (!n) st = n.error();
      else p.min_guest_svn = *n;
    } else if (key == "min_firmware") {
      auto f = get_firmware(v, key);
      if (!f) st = f.error();
      else p.min_firmware = *f;
    } else if (key == "measurements") {
      auto l = get_hex_list(v, key, 48);
      if (!l) st = l.error();
      else p.measurements = std::move(l).value();
    } else if (key == "host_data") {
      auto b = get_hex(v, key, 32, 32);
      if (!b) st = b.error();
      else p.host_data = std::move(b).value();
    } else if (key == "report_data") {
      auto b = get_hex(v, key, 1, 64);
      if (!b) st = b.error();
      else p.report_data = std::move(b).value();
    } else if (key == "id_key_digests") {
      auto l = get_hex_list(v, key, 48);
      if (!l) st = l.error();
      else p.id_key_digests = std::move(l).value();
    } else if (key == "compliance_status") {
      if (v.isNull()) {
        p.compliance_status.reset();
      } else if (v.isString() && !v.asString().empty()) {
        p.compliance_status = v.asString();
      } else {
        st = bad(key, "must be a non-empty string, or null to require none");
      }
    } else if (key == "clock_skew_seconds") {
      auto n = get_uint(v, key, 3600);
      if (!n) st = n.error();
      else p.clock_skew_seconds = *n;
    } else if (key == "runtime_binding") {
      if (v.isString() && v.asString() == "report-data") {
        p.runtime_binding = Policy::RuntimeBinding::ReportData;
      } else if (v.isString() && v.asString() == "vtpm-user-data") {
        p.runtime_binding = Policy::RuntimeBinding::VtpmUserData;
      } else {
        st = bad(key, "must be \"report-data\" or \"vtpm-user-data\"");
      }
    } else if (key == "pcrs") {
      st = parse_pcrs(v, p.pcrs);
    } else if (key == "secure_boot") {
      st = set_bool(p.require_secure_boot);
    } else if (key == "allow_test_signing") {
      st = set_bool(p.allow_test_signing);
    } else if (key == "allow_flight_signing") {
      st = set_bool(p.allow_flight_signing);
    } else if (key == "os_type") {
      if (v.isString() && !v.asString().empty()) {
        p.os_type = v.asString();
      } else {
        st = bad(key, "must be a non-empty string, e.g. \"Linux\" or \"Windows\"");
      }
    } else if (key == "boot_events") {
      st = parse_boot_events(v, p.boot_events);
    } else if (key == "author_key_digests") {
      auto l = get_hex_list(v, key, 48);
      if (!l) st = l.error();
      else p.author_key_digests = std::move(l).value();
    } else {
      st = bad(key, "unknown key (see docs/policy.md)");
    }
    if (!st) return st.error();
  }
  return p;
}

Result<Policy> load_policy(const std::string& path) {
  auto text = read_text_file(path, kMaxJsonSize);
  if (!text) return text.error();
  auto p = parse_policy(*text);
  if (!p) return p.error().with_context(path);
  return p;
}

// ---- evaluation ----

namespace {

bool in_list(const std::vector<Bytes>& list, const Bytes& value) {
  return std::any_of(list.begin(), list.end(), [&](const Bytes& b) { return constant_time_equal(b, value); });
}

Status check_min(const std::optional<std::uint8_t>& min, std::uint8_t have, const char* name) {
  if (min && have < *min) {
    return Error(ErrorCode::TcbTooLow, std::string(name) + " SVN " + std::to_string(have) +
                                           " is below the required " + std::to_string(*min));
  }
  return ok_status();
}

}  // namespace

Status check_policy(const Policy& p, const GuestFacts& f) {
  if (f.debug_allowed && !p.allow_debug) {
    return Error(ErrorCode::DebugMode,
                 "Attestation validation failed (enclave is in debug mode): the guest policy allows debugging");
  }
  if (f.migrate_ma_allowed && !p.allow_migration_agent) {
    return Error(ErrorCode::MigrationAgentAllowed, "the guest policy allows a migration agent");
  }
  if (!p.allow_smt) {
    if (f.smt_enabled.value_or(false)) {
      return Error(ErrorCode::SmtNotAllowed, "SMT is enabled on the platform");
    }
    if (f.smt_allowed) return Error(ErrorCode::SmtNotAllowed, "the guest policy allows SMT");
  }
  if (!p.vmpls.empty() && std::find(p.vmpls.begin(), p.vmpls.end(), f.vmpl) == p.vmpls.end()) {
    return Error(ErrorCode::VmplMismatch, "VMPL " + std::to_string(f.vmpl) + " is not allowed");
  }
  for (Status s : {check_min(p.min_tcb.bootloader, f.reported_tcb.bootloader, "bootloader"),
                   check_min(p.min_tcb.tee, f.reported_tcb.tee, "TEE"),
                   check_min(p.min_tcb.snp, f.reported_tcb.snp, "SNP firmware"),
                   check_min(p.min_tcb.microcode, f.reported_tcb.microcode, "microcode"),
                   check_min(p.min_tcb.fmc, f.reported_tcb.fmc, "FMC")}) {
    if (!s) return s;
  }
  if (p.min_guest_svn && f.guest_svn < *p.min_guest_svn) {
    return Error(ErrorCode::GuestSvnTooLow, "GUEST_SVN " + std::to_string(f.guest_svn) +
                                                " is below the required " + std::to_string(*p.min_guest_svn));
  }
  if (p.min_firmware) {
    if (!f.firmware) return Error(ErrorCode::FirmwareTooOld, "the firmware version is not known");
    if (*f.firmware < *p.min_firmware) {
      return Error(ErrorCode::FirmwareTooOld, "firmware " + f.firmware->str() + " is older than " +
                                                  p.min_firmware->str());
    }
  }
  if (!p.measurements.empty() && !in_list(p.measurements, f.measurement)) {
    return Error(ErrorCode::MeasurementMismatch,
                 "measurement " + hex_encode(f.measurement) + " is not in the policy's allow-list");
  }
  if (p.host_data && !constant_time_equal(*p.host_data, f.host_data)) {
    return Error(ErrorCode::HostDataMismatch, "HOST_DATA " + hex_encode(f.host_data) +
                                                  " differs from the policy's " + hex_encode(*p.host_data));
  }
  if (p.report_data) {
    const Bytes& want = *p.report_data;
    bool ok = f.report_data.size() >= want.size() &&
              constant_time_equal(ByteView(f.report_data).first(want.size()), want) &&
              all_zero(ByteView(f.report_data).subspan(want.size()));
    if (!ok) {
      return Error(ErrorCode::ReportDataMismatch,
                   "REPORT_DATA " + hex_encode(f.report_data) + " is not the expected " + hex_encode(want));
    }
  }
  if (!p.id_key_digests.empty() && !in_list(p.id_key_digests, f.id_key_digest)) {
    return Error(ErrorCode::IdKeyMismatch, "ID key digest " + hex_encode(f.id_key_digest) + " is not allowed");
  }
  if (!p.author_key_digests.empty() && !in_list(p.author_key_digests, f.author_key_digest)) {
    return Error(ErrorCode::AuthorKeyMismatch,
                 "author key digest " + hex_encode(f.author_key_digest) + " is not allowed");
  }
  return ok_status();
}

Status check_boot_policy(const Policy& p, const BootFacts& f) {
  if (p.require_secure_boot && !f.secure_boot.value_or(false)) {
    return Error(ErrorCode::SecureBootDisabled,
                 f.secure_boot ? "the firmware measured SecureBoot = 0: the guest booted without Secure Boot"
                               : "the event log has no SecureBoot measurement in PCR 7 that its digest proves "
                                 "(one, before the separator, whose data hashes to the digest): Secure Boot is "
                                 "not shown enforced");
  }
  // What a Windows boot configures (SIPA events), read off the verified log whatever MAA
  // protocol the token came by: a SevSnpVm token says nothing of it.
  if (f.log) {
    auto config = boot::windows_boot_config(*f.log);
    if (!config) return config.error().with_context("the event log's boot configuration");
    std::string debug;
    for (auto [on, name] : {std::pair{config->boot_debugging, "boot debugging"},
                            std::pair{config->kernel_debug, "kernel debugging"},
                            std::pair{config->hypervisor_debug, "hypervisor debugging"}}) {
      if (on.value_or(false)) debug += (debug.empty() ? "" : ", ") + std::string(name);
    }
    if (!debug.empty() && !p.allow_debug) {
      return Error(ErrorCode::DebugMode, "the event log's boot configuration enables " + debug);
    }
    if (config->test_signing.value_or(false) && !p.allow_test_signing) {
      return Error(ErrorCode::TestSigningEnabled, "the event log's boot configuration enables test signing");
    }
    if (config->flight_signing.value_or(false) && !p.allow_flight_signing) {
      return Error(ErrorCode::FlightSigningEnabled, "the event log's boot configuration enables flight signing");
    }
  }
  // Every pinned PCR that differs, in ascending order: another UKI changes PCR 4 (its
  // digest) and PCR 11 (its sections) together, and only the latter says which section.
  std::string why;
  for (const auto& [pcr, allowed] : p.pcrs) {
    auto have = f.pcrs.find(pcr);
    std::string reason;
    if (have == f.pcrs.end()) {
      reason = "PCR " + std::to_string(pcr) + " is pinned by the policy but not quoted";
    } else if (!in_list(allowed, have->second)) {
      reason = "PCR " + std::to_string(pcr) + " is " + hex_encode(have->second) + ", not an allowed value";
      auto expected = p.boot_events.find(pcr);
      if (expected != p.boot_events.end() && f.log) {
        auto diff = boot::first_difference(*f.log, pcr, expected->second);
        reason = "PCR " + std::to_string(pcr) + ": " + diff.value_or("the events are the expected ones, the value is not") +
                 " (" + hex_encode(have->second) + " is not an allowed value)";
      }
    }
    if (!reason.empty()) why += (why.empty() ? "" : "; ") + reason;
  }
  if (!why.empty()) return Error(ErrorCode::PcrMismatch, why);
  return ok_status();
}

}  // namespace attestd::verify
