#include "verify/policy.h"

#include <json/value.h>

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "boot/sipa.h"
#include "core/file.h"
#include "core/json.h"
#include "core/text.h"
#include "verify/report_verifier.h"
#include "verify/snp_key_digest.h"

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
  f.family_id.assign(r.family_id.begin(), r.family_id.end());
  f.image_id.assign(r.image_id.begin(), r.image_id.end());
  f.guest_policy = r.policy;
  f.platform_info = r.platform_info;
  f.committed_tcb = snp::decode_tcb(f.product, r.committed_tcb);
  f.launch_tcb = snp::decode_tcb(f.product, r.launch_tcb);
  f.current_tcb = snp::decode_tcb(f.product, r.current_tcb);
  f.committed_firmware = r.committed;
  f.chip_id = Bytes(r.chip_id.begin(), r.chip_id.end());
  f.author_key_enabled = r.signer_info.author_key_en();
  if (r.version >= 5) {
    f.launch_mit_vector = r.launch_mit_vector;
    f.current_mit_vector = r.current_mit_vector;
  }
  return f;
}

bool PlatformInfoRequirement::any() const {
  return smt_enabled || tsme_enabled || ecc_enabled || rapl_disabled || ciphertext_hiding_dram_enabled ||
         alias_check_complete;
}

bool GuestPolicyRequirement::any() const {
  return min_abi || single_socket || !cxl_allowed || mem_aes_256_xts || rapl_dis || ciphertext_hiding_dram ||
         page_swap_disable;
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

Status parse_min_tcb(const Json::Value& v, TcbMinimum& out, const std::string& key = "min_tcb") {
  if (!v.isObject()) return bad(key, "must be an object");
  for (const std::string& k : v.getMemberNames()) {
    std::optional<std::uint8_t>* field = k == "bootloader" ? &out.bootloader
                                         : k == "tee"      ? &out.tee
                                         : k == "snp"      ? &out.snp
                                         : k == "microcode" ? &out.microcode
                                         : k == "fmc"      ? &out.fmc
                                                           : nullptr;
    if (!field) return bad(key + "." + k, "unknown TCB component (bootloader, tee, snp, microcode, fmc)");
    auto n = get_uint(v[k], key + "." + k, 255);
    if (!n) return n.error();
    *field = static_cast<std::uint8_t>(*n);
  }
  return ok_status();
}

// An object of booleans, each member one of `members` (name, where it is stored).
template <typename Slot>
Status parse_flags(const Json::Value& v, const std::string& key,
                   std::initializer_list<std::pair<const char*, Slot*>> members) {
  if (!v.isObject()) return bad(key, "must be an object of true/false members");
  for (const std::string& k : v.getMemberNames()) {
    auto m = std::find_if(members.begin(), members.end(), [&](const auto& p) { return k == p.first; });
    if (m == members.end()) {
      std::string list;
      for (const auto& p : members) list += (list.empty() ? "" : ", ") + std::string(p.first);
      return bad(key + "." + k, "unknown member (" + list + ")");
    }
    auto b = get_bool(v[k], key + "." + k);
    if (!b) return b.error();
    *m->second = *b;
  }
  return ok_status();
}

Status parse_platform_info(const Json::Value& v, PlatformInfoRequirement& out) {
  return parse_flags<std::optional<bool>>(v, "platform_info",
                                          {{"smt_enabled", &out.smt_enabled},
                                           {"tsme_enabled", &out.tsme_enabled},
                                           {"ecc_enabled", &out.ecc_enabled},
                                           {"rapl_disabled", &out.rapl_disabled},
                                           {"ciphertext_hiding_dram_enabled", &out.ciphertext_hiding_dram_enabled},
                                           {"alias_check_complete", &out.alias_check_complete}});
}

Result<std::pair<std::uint8_t, std::uint8_t>> get_abi(const Json::Value& v, const std::string& key) {
  auto err = bad(key, "must be a string \"major.minor\" (each 0-255)");
  if (!v.isString()) return err;
  std::string s = v.asString();
  std::size_t dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 3 || s.size() - dot - 1 == 0 || s.size() - dot - 1 > 3) return err;
  unsigned part[2] = {0, 0};
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == dot) continue;
    if (s[i] < '0' || s[i] > '9') return err;
    unsigned& n = part[i < dot ? 0 : 1];
    n = n * 10 + (s[i] - '0');
  }
  if (part[0] > 255 || part[1] > 255) return err;
  return std::pair{static_cast<std::uint8_t>(part[0]), static_cast<std::uint8_t>(part[1])};
}

Status parse_guest_policy(const Json::Value& v, GuestPolicyRequirement& out) {
  if (!v.isObject()) return bad("guest_policy", "must be an object");
  Json::Value flags(Json::objectValue);
  for (const std::string& k : v.getMemberNames()) {
    if (k == "min_abi") {
      auto abi = get_abi(v[k], "guest_policy.min_abi");
      if (!abi) return abi.error();
      out.min_abi = *abi;
    } else {
      flags[k] = v[k];
    }
  }
  bool min_abi_slot = false;  // min_abi is parsed above; listed so the error names it
  return parse_flags<bool>(flags, "guest_policy",
                           {{"min_abi", &min_abi_slot},
                            {"single_socket", &out.single_socket},
                            {"cxl_allowed", &out.cxl_allowed},
                            {"mem_aes_256_xts", &out.mem_aes_256_xts},
                            {"rapl_dis", &out.rapl_dis},
                            {"ciphertext_hiding_dram", &out.ciphertext_hiding_dram},
                            {"page_swap_disable", &out.page_swap_disable}});
}

// A list of PEM texts, each one public key or one certificate: their SNP key digests.
Status parse_trusted_keys(const Json::Value& v, const std::string& key, std::vector<Bytes>& digests) {
  if (!v.isArray()) return bad(key, "must be a list of PEM public keys or certificates");
  for (Json::ArrayIndex i = 0; i < v.size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    if (!v[i].isString()) return bad(at, "must be a PEM public key or certificate (a string)");
    auto d = snp_key_digest_of_pem(v[i].asString());
    if (!d) return bad(at, d.error().message());
    digests.push_back(std::move(d).value());
  }
  return ok_status();
}

Result<std::uint64_t> get_mitigation_vector(const Json::Value& v, const std::string& key) {
  auto n = json_integer(v, 0, std::numeric_limits<std::int64_t>::max());
  if (!n) return bad(key, "must be an integer from 0 to 2^63-1 (the bits that must be set)");
  return static_cast<std::uint64_t>(*n);
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
  std::vector<Bytes> trusted_id, trusted_author;  // appended after the digests, in file order
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
      else p.id_key_digests.insert(p.id_key_digests.end(), l->begin(), l->end());
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
      else p.author_key_digests.insert(p.author_key_digests.end(), l->begin(), l->end());
    } else if (key == "trusted_id_keys") {
      st = parse_trusted_keys(v, key, trusted_id);
    } else if (key == "trusted_author_keys") {
      st = parse_trusted_keys(v, key, trusted_author);
    } else if (key == "require_id_block") {
      st = set_bool(p.require_id_block);
    } else if (key == "require_author_key") {
      st = set_bool(p.require_author_key);
    } else if (key == "platform_info") {
      st = parse_platform_info(v, p.platform_info);
    } else if (key == "guest_policy") {
      st = parse_guest_policy(v, p.guest_policy);
    } else if (key == "min_committed_tcb") {
      st = parse_min_tcb(v, p.min_committed_tcb, key);
    } else if (key == "min_launch_tcb") {
      st = parse_min_tcb(v, p.min_launch_tcb, key);
    } else if (key == "min_current_tcb") {
      st = parse_min_tcb(v, p.min_current_tcb, key);
    } else if (key == "min_build") {
      auto n = get_uint(v, key, 255);
      if (!n) st = n.error();
      else p.min_build = static_cast<std::uint8_t>(*n);
    } else if (key == "permit_provisional_firmware") {
      st = set_bool(p.permit_provisional_firmware);
    } else if (key == "family_id" || key == "image_id") {
      auto b = get_hex(v, key, 16, 16);
      if (!b) st = b.error();
      else (key == "family_id" ? p.family_id : p.image_id) = std::move(b).value();
    } else if (key == "chip_ids") {
      if (!v.isArray() || v.empty()) {
        st = bad(key, "must be a non-empty list of 64-byte CHIP_IDs (hex)");
      } else {
        auto l = get_hex_list(v, key, 64);
        if (!l) st = l.error();
        else p.chip_ids = std::move(l).value();
      }
    } else if (key == "min_launch_mitigation_vector" || key == "min_current_mitigation_vector") {
      auto n = get_mitigation_vector(v, key);
      if (!n) st = n.error();
      else (key == "min_launch_mitigation_vector" ? p.min_launch_mitigation_vector : p.min_current_mitigation_vector) = *n;
    } else {
      st = bad(key, "unknown key (see docs/policy.md)");
    }
    if (!st) return st.error();
  }
  p.id_key_digests.insert(p.id_key_digests.end(), trusted_id.begin(), trusted_id.end());
  p.author_key_digests.insert(p.author_key_digests.end(), trusted_author.begin(), trusted_author.end());
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

Status check_min(const std::optional<std::uint8_t>& min, std::uint8_t have, const std::string& name) {
  if (min && have < *min) {
    return Error(ErrorCode::TcbTooLow, name + " SVN " + std::to_string(have) +
                                           " is below the required " + std::to_string(*min));
  }
  return ok_status();
}

// `field` is empty for REPORTED_TCB, whose messages name only the component.
Status check_tcb(const TcbMinimum& min, const snp::TcbVersion& have, const std::string& field) {
  const std::string at = field.empty() ? "" : field + " ";
  for (Status s : {check_min(min.bootloader, have.bootloader, at + "bootloader"),
                   check_min(min.tee, have.tee, at + "TEE"), check_min(min.snp, have.snp, at + "SNP firmware"),
                   check_min(min.microcode, have.microcode, at + "microcode"), check_min(min.fmc, have.fmc, at + "FMC")}) {
    if (!s) return s;
  }
  return ok_status();
}

std::string tcb_text(snp::Product product, const snp::TcbVersion& tcb) {
  return "(" + snp::describe_tcb(product, snp::encode_tcb(product, tcb)) + ")";
}

bool tcb_set(const TcbMinimum& m) { return m.bootloader || m.tee || m.snp || m.microcode || m.fmc; }

// A rule on a fact this evidence does not carry: refused, naming the key.
Error lacks(ErrorCode code, const std::string& key, const std::string& field) {
  return Error(code, "policy key '" + key + "' needs " + field +
                         ", which this evidence does not carry (an MAA token has no claim for it)");
}

Status check_platform_info(const PlatformInfoRequirement& want, const std::optional<snp::PlatformInfo>& have) {
  if (!want.any()) return ok_status();
  if (!have) return lacks(ErrorCode::PlatformMismatch, "platform_info", "PLATFORM_INFO");
  const struct {
    const char* key;
    const std::optional<bool>& want;
    bool have;
  } bits[] = {{"smt_enabled", want.smt_enabled, have->smt_enabled()},
              {"tsme_enabled", want.tsme_enabled, have->tsme_enabled()},
              {"ecc_enabled", want.ecc_enabled, have->ecc_enabled()},
              {"rapl_disabled", want.rapl_disabled, have->rapl_disabled()},
              {"ciphertext_hiding_dram_enabled", want.ciphertext_hiding_dram_enabled,
               have->ciphertext_hiding_enabled()},
              {"alias_check_complete", want.alias_check_complete, have->alias_check_complete()}};
  for (const auto& b : bits) {
    if (b.want && *b.want != b.have) {
      return Error(ErrorCode::PlatformMismatch, std::string("PLATFORM_INFO ") + b.key + " is " +
                                                    (b.have ? "true" : "false") + " (policy key 'platform_info." +
                                                    b.key + "' requires " + (*b.want ? "true" : "false") + ")");
    }
  }
  return ok_status();
}

Status check_guest_policy(const GuestPolicyRequirement& want, const std::optional<snp::GuestPolicy>& have) {
  if (!want.any()) return ok_status();
  if (!have) return lacks(ErrorCode::GuestPolicyMismatch, "guest_policy", "the whole guest POLICY");
  if (want.min_abi && std::pair{have->abi_major(), have->abi_minor()} < *want.min_abi) {
    return Error(ErrorCode::AbiTooOld, "the guest POLICY's ABI version " + std::to_string(have->abi_major()) + "." +
                                           std::to_string(have->abi_minor()) + " is below the required " +
                                           std::to_string(want.min_abi->first) + "." +
                                           std::to_string(want.min_abi->second));
  }
  if (!want.cxl_allowed && have->cxl_allow()) {
    return Error(ErrorCode::GuestPolicyMismatch, "the guest POLICY allows CXL (policy key 'guest_policy.cxl_allowed')");
  }
  const struct {
    const char* key;
    bool want, have;
  } required[] = {{"single_socket", want.single_socket, have->single_socket()},
                  {"mem_aes_256_xts", want.mem_aes_256_xts, have->mem_aes_256_xts()},
                  {"rapl_dis", want.rapl_dis, have->rapl_dis()},
                  {"ciphertext_hiding_dram", want.ciphertext_hiding_dram, have->ciphertext_hiding()},
                  {"page_swap_disable", want.page_swap_disable, have->page_swap_disable()}};
  for (const auto& r : required) {
    if (r.want && !r.have) {
      return Error(ErrorCode::GuestPolicyMismatch, std::string("the guest POLICY does not set ") + r.key +
                                                       " (policy key 'guest_policy." + r.key + "')");
    }
  }
  return ok_status();
}

Status check_tcb_history(const Policy& p, const GuestFacts& f) {
  const struct {
    const char* key;
    const char* field;
    const TcbMinimum& min;
    const std::optional<snp::TcbVersion>& have;
  } tcbs[] = {{"min_committed_tcb", "COMMITTED_TCB", p.min_committed_tcb, f.committed_tcb},
              {"min_launch_tcb", "LAUNCH_TCB", p.min_launch_tcb, f.launch_tcb},
              {"min_current_tcb", "CURRENT_TCB", p.min_current_tcb, f.current_tcb}};
  for (const auto& t : tcbs) {
    if (!tcb_set(t.min)) continue;
    if (!t.have) return lacks(ErrorCode::TcbTooLow, t.key, t.field);
    if (Status s = check_tcb(t.min, *t.have, t.field); !s) return s;
  }
  if (!p.permit_provisional_firmware) {
    const char* key = "permit_provisional_firmware";
    if (!f.committed_tcb || !f.current_tcb) return lacks(ErrorCode::ProvisionalFirmware, key, "COMMITTED_TCB");
    if (!f.committed_firmware || !f.firmware) return lacks(ErrorCode::ProvisionalFirmware, key, "the committed version");
    if (*f.committed_tcb != *f.current_tcb) {
      return Error(ErrorCode::ProvisionalFirmware, "COMMITTED_TCB " + tcb_text(f.product, *f.committed_tcb) +
                                                       " differs from CURRENT_TCB " + tcb_text(f.product, *f.current_tcb));
    }
    if (*f.committed_firmware != *f.firmware) {
      return Error(ErrorCode::ProvisionalFirmware, "the committed firmware " + f.committed_firmware->str() +
                                                       " differs from the current " + f.firmware->str());
    }
  }
  return ok_status();
}

Status check_min_build(const Policy& p, const GuestFacts& f) {
  if (!p.min_build) return ok_status();
  if (!f.firmware || !f.committed_firmware) return lacks(ErrorCode::FirmwareTooOld, "min_build", "CURRENT_BUILD");
  for (auto [name, build] : {std::pair{"CURRENT_BUILD", f.firmware->build},
                             std::pair{"COMMITTED_BUILD", f.committed_firmware->build}}) {
    if (build < *p.min_build) {
      return Error(ErrorCode::FirmwareTooOld, std::string(name) + " " + std::to_string(build) +
                                                  " is below the required " + std::to_string(*p.min_build));
    }
  }
  return ok_status();
}

Status check_ids(const Policy& p, const GuestFacts& f) {
  if (p.family_id && !constant_time_equal(*p.family_id, f.family_id)) {
    return Error(ErrorCode::FamilyIdMismatch,
                 "FAMILY_ID " + hex_encode(f.family_id) + " differs from the policy's " + hex_encode(*p.family_id));
  }
  if (p.image_id && !constant_time_equal(*p.image_id, f.image_id)) {
    return Error(ErrorCode::ImageIdMismatch,
                 "IMAGE_ID " + hex_encode(f.image_id) + " differs from the policy's " + hex_encode(*p.image_id));
  }
  if (!p.chip_ids.empty()) {
    if (!f.chip_id) return lacks(ErrorCode::ChipIdNotAllowed, "chip_ids", "CHIP_ID");
    if (!in_list(p.chip_ids, *f.chip_id)) {
      return Error(ErrorCode::ChipIdNotAllowed,
                   "CHIP_ID " + hex_encode(*f.chip_id) + " is not in the policy's allow-list" +
                       (all_zero(*f.chip_id) ? " (it is zero: the host masks the chip ID)" : ""));
    }
  }
  return ok_status();
}

Status check_id_block(const Policy& p, const GuestFacts& f) {
  if ((p.require_id_block || p.require_author_key) && all_zero(f.id_key_digest)) {
    return Error(ErrorCode::IdBlockMissing, "ID_KEY_DIGEST is zero: the guest was launched without an ID block");
  }
  if (p.require_author_key) {
    if (!f.author_key_enabled) {
      if (all_zero(f.author_key_digest)) {
        return Error(ErrorCode::IdBlockMissing, "AUTHOR_KEY_DIGEST is zero: the ID block has no author key");
      }
    } else if (!*f.author_key_enabled) {
      return Error(ErrorCode::IdBlockMissing, "AUTHOR_KEY_EN is clear: the ID block has no author key");
    }
  }
  return ok_status();
}

Status check_mitigations(const Policy& p, const GuestFacts& f) {
  const struct {
    const char* key;
    const char* field;
    const std::optional<std::uint64_t>& min;
    const std::optional<std::uint64_t>& have;
  } vectors[] = {{"min_launch_mitigation_vector", "LAUNCH_MIT_VECTOR", p.min_launch_mitigation_vector, f.launch_mit_vector},
                 {"min_current_mitigation_vector", "CURRENT_MIT_VECTOR", p.min_current_mitigation_vector,
                  f.current_mit_vector}};
  for (const auto& v : vectors) {
    if (!v.min) continue;
    if (!v.have) {
      return Error(ErrorCode::MitigationTooLow, std::string("policy key '") + v.key + "' needs " + v.field +
                                                    ", which only a version 5 report carries");
    }
    if ((*v.have & *v.min) != *v.min) {
      return Error(ErrorCode::MitigationTooLow, std::string(v.field) + " " + hex_number(*v.have) + " lacks the bits " +
                                                    hex_number(*v.min & ~*v.have) + " of the required " + hex_number(*v.min));
    }
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
  if (Status s = check_platform_info(p.platform_info, f.platform_info); !s) return s;
  if (Status s = check_guest_policy(p.guest_policy, f.guest_policy); !s) return s;
  if (!p.vmpls.empty() && std::find(p.vmpls.begin(), p.vmpls.end(), f.vmpl) == p.vmpls.end()) {
    return Error(ErrorCode::VmplMismatch, "VMPL " + std::to_string(f.vmpl) + " is not allowed");
  }
  if (Status s = check_tcb(p.min_tcb, f.reported_tcb, ""); !s) return s;
  if (Status s = check_tcb_history(p, f); !s) return s;
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
  if (Status s = check_min_build(p, f); !s) return s;
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
  if (Status s = check_ids(p, f); !s) return s;
  if (Status s = check_id_block(p, f); !s) return s;
  if (!p.id_key_digests.empty() && !in_list(p.id_key_digests, f.id_key_digest)) {
    return Error(ErrorCode::IdKeyMismatch, "ID key digest " + hex_encode(f.id_key_digest) + " is not allowed");
  }
  if (!p.author_key_digests.empty() && !in_list(p.author_key_digests, f.author_key_digest)) {
    return Error(ErrorCode::AuthorKeyMismatch,
                 "author key digest " + hex_encode(f.author_key_digest) + " is not allowed");
  }
  if (Status s = check_mitigations(p, f); !s) return s;
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
