#include "client/lib/azurevm_claims.h"

#include <algorithm>
#include <span>
#include <variant>

#include "boot/sipa.h"
#include "boot/uefi_types.h"
#include "core/json.h"
#include "crypto/sha.h"

namespace attestd::client {

namespace {

using Field = std::variant<bool VmFacts::*, std::int64_t VmFacts::*, std::string VmFacts::*,
                           std::vector<std::int64_t> VmFacts::*>;

struct AzureVmClaim {
  const char* name;
  Field field;
};

// Every claim MAA emits at the top level of an azurevm token (the genuine tokens in
// tests/vectors/maa and Microsoft's samples), with the fact it carries.
const AzureVmClaim kClaims[] = {
    {"secureboot", &VmFacts::secure_boot},
    {"x-ms-azurevm-attestation-protocol-ver", &VmFacts::protocol_version},
    {"x-ms-azurevm-attested-pcrs", &VmFacts::attested_pcrs},
    {"x-ms-azurevm-bootdebug-enabled", &VmFacts::boot_debug},
    {"x-ms-azurevm-dbvalidated", &VmFacts::db_validated},
    {"x-ms-azurevm-dbxvalidated", &VmFacts::dbx_validated},
    {"x-ms-azurevm-debuggersdisabled", &VmFacts::debuggers_disabled},
    {"x-ms-azurevm-default-securebootkeysvalidated", &VmFacts::default_keys_validated},
    {"x-ms-azurevm-elam-enabled", &VmFacts::elam_enabled},
    {"x-ms-azurevm-flightsigning-enabled", &VmFacts::flight_signing},
    {"x-ms-azurevm-hvci-policy", &VmFacts::hvci_policy},
    {"x-ms-azurevm-hypervisordebug-enabled", &VmFacts::hypervisor_debug},
    {"x-ms-azurevm-is-windows", &VmFacts::is_windows},
    {"x-ms-azurevm-kerneldebug-enabled", &VmFacts::kernel_debug},
    {"x-ms-azurevm-osbuild", &VmFacts::os_build},
    {"x-ms-azurevm-osdistro", &VmFacts::os_distro},
    {"x-ms-azurevm-ostype", &VmFacts::os_type},
    {"x-ms-azurevm-osversion-major", &VmFacts::os_version_major},
    {"x-ms-azurevm-osversion-minor", &VmFacts::os_version_minor},
    {"x-ms-azurevm-signingdisabled", &VmFacts::signing_disabled},
    {"x-ms-azurevm-testsigning-enabled", &VmFacts::test_signing},
    {"x-ms-azurevm-vmid", &VmFacts::vm_id},
};

template <class... Ts>
struct Overload : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overload(Ts...) -> Overload<Ts...>;

Error missing(const std::string& name, const std::string& what) {
  return Error(ErrorCode::MissingClaim, "claim " + name + " is missing or not " + what + " (MAA always emits it)");
}

// A Secure Boot database as PCR 7 proves it, holding at least one signature.
bool database_validated(const boot::EventLog& log, std::string_view name) {
  auto value = boot::secure_boot_variable(log, name);
  if (!value) return false;
  auto signatures = boot::parse_signatures(*value);
  return signatures && !signatures->empty();
}

// PK, KEK and db as PCR 7 proves them, each one of the platform's default values.
bool default_keys_validated(const boot::EventLog& log, const std::vector<Bytes>& defaults) {
  for (const char* name : {"PK", "KEK", "db"}) {
    auto value = boot::secure_boot_variable(log, name);
    if (!value || value->empty()) return false;
    Bytes digest = crypto::sha256(*value);
    if (std::none_of(defaults.begin(), defaults.end(), [&](const Bytes& d) { return constant_time_equal(d, digest); })) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> azurevm_claim_names() {
  std::vector<std::string> names;
  for (const AzureVmClaim& c : kClaims) names.emplace_back(c.name);
  return names;
}

Result<VmFacts> derive_vm_facts(const AzureVmEvidence& e) {
  if (!e.log) return Error(ErrorCode::Internal, "derive_vm_facts: no event log");
  const boot::EventLog& log = *e.log;
  VmFacts f;
  f.secure_boot = boot::secure_boot_enabled(log).value_or(false);
  f.db_validated = database_validated(log, "db");
  f.dbx_validated = database_validated(log, "dbx");
  // Without Secure Boot enforced the keys validated nothing.
  f.default_keys_validated = f.secure_boot && default_keys_validated(log, e.default_secure_boot_keys);

  // Windows measures its boot configuration as SIPA events; a Linux boot has none, and
  // MAA then emits the values of a guest with no debugger, test or flight signing, ELAM
  // or HVCI policy (Microsoft's Ubuntu sample token).
  auto windows = boot::windows_boot_config(log);
  if (!windows) return windows.error();
  f.boot_debug = windows->boot_debugging.value_or(false);
  f.kernel_debug = windows->kernel_debug.value_or(false);
  f.hypervisor_debug = windows->hypervisor_debug.value_or(false);
  f.debuggers_disabled = !f.boot_debug && !f.kernel_debug && !f.hypervisor_debug;
  f.test_signing = windows->test_signing.value_or(false);
  f.flight_signing = windows->flight_signing.value_or(false);
  f.elam_enabled = windows->elam;
  f.hvci_policy = static_cast<std::int64_t>(std::min<std::uint64_t>(windows->hvci_policy.value_or(0), INT64_MAX));
  // MAA does not document what signingdisabled is derived from; both genuine tokens
  // (Windows and Ubuntu) carry true, and so does the emulator (docs/maa-emu.md).
  f.signing_disabled = true;

  for (unsigned pcr : e.attested_pcrs) f.attested_pcrs.push_back(pcr);
  std::sort(f.attested_pcrs.begin(), f.attested_pcrs.end());
  f.attested_pcrs.erase(std::unique(f.attested_pcrs.begin(), f.attested_pcrs.end()), f.attested_pcrs.end());
  f.os_type = e.os_type;
  f.os_distro = e.os_distro;
  f.os_build = e.os_build;
  f.os_version_major = e.os_version_major;
  f.os_version_minor = e.os_version_minor;
  f.is_windows = e.os_type == "Windows";
  f.vm_id = e.vm_id;
  f.protocol_version = e.protocol_version;
  return f;
}

Json::Value azurevm_claims(const VmFacts& f) {
  Json::Value out(Json::objectValue);
  for (const AzureVmClaim& c : kClaims) {
    Json::Value& v = out[c.name];
    std::visit(Overload{[&](bool VmFacts::*m) { v = f.*m; },
                        [&](std::int64_t VmFacts::*m) { v = Json::Int64(f.*m); },
                        [&](std::string VmFacts::*m) { v = f.*m; },
                        [&](std::vector<std::int64_t> VmFacts::*m) {
                          v = Json::Value(Json::arrayValue);
                          for (std::int64_t n : f.*m) v.append(Json::Int64(n));
                        }},
               c.field);
  }
  return out;
}

Result<VmFacts> vm_facts_from_claims(const Json::Value& claims) {
  if (!claims.isObject()) return Error(ErrorCode::MissingClaim, "the token's claims are not an object");
  VmFacts f;
  for (const AzureVmClaim& c : kClaims) {
    const std::string name = c.name;
    if (!claims.isMember(name)) return Error(ErrorCode::MissingClaim, "the azurevm token has no " + name + " claim");
    const Json::Value& v = claims[name];
    Status s = std::visit(
        Overload{[&](bool VmFacts::*m) -> Status {
                   if (!v.isBool()) return missing(name, "a boolean");
                   f.*m = v.asBool();
                   return {};
                 },
                 [&](std::int64_t VmFacts::*m) -> Status {
                   auto n = json_integer(v, 0, INT64_MAX);
                   if (!n) return missing(name, "a non-negative integer");
                   f.*m = *n;
                   return {};
                 },
                 [&](std::string VmFacts::*m) -> Status {
                   if (!v.isString()) return missing(name, "a string");
                   f.*m = v.asString();
                   return {};
                 },
                 [&](std::vector<std::int64_t> VmFacts::*m) -> Status {
                   if (!v.isArray()) return missing(name, "a list of PCR indices");
                   for (const Json::Value& pcr : v) {
                     auto n = json_integer(pcr, 0, boot::kMaxPcr);
                     if (!n) return missing(name, "a list of PCR indices (0-23)");
                     (f.*m).push_back(*n);
                   }
                   return {};
                 }},
        c.field);
    if (!s) return s.error();
  }
  return f;
}

std::vector<std::string> vm_debug_signals(const VmFacts& f) {
  std::vector<std::string> on;
  if (f.boot_debug) on.push_back("x-ms-azurevm-bootdebug-enabled is true");
  if (f.kernel_debug) on.push_back("x-ms-azurevm-kerneldebug-enabled is true");
  if (f.hypervisor_debug) on.push_back("x-ms-azurevm-hypervisordebug-enabled is true");
  if (!f.debuggers_disabled) on.push_back("x-ms-azurevm-debuggersdisabled is false");
  return on;
}

Status check_vm_policy(const verify::Policy& policy, const VmFacts& f) {
  if (policy.require_secure_boot && !f.secure_boot) {
    return Error(ErrorCode::SecureBootDisabled,
                 "the token's secureboot claim is false: the VM booted without UEFI Secure Boot (policy secure_boot)");
  }
  if (f.test_signing && !policy.allow_test_signing) {
    return Error(ErrorCode::TestSigningEnabled,
                 "x-ms-azurevm-testsigning-enabled is true: the OS loads test-signed code (policy allow_test_signing)");
  }
  if (f.flight_signing && !policy.allow_flight_signing) {
    return Error(ErrorCode::FlightSigningEnabled,
                 "x-ms-azurevm-flightsigning-enabled is true: the OS trusts flight-signed (pre-release) code (policy "
                 "allow_flight_signing)");
  }
  if (policy.os_type && f.os_type != *policy.os_type) {
    return Error(ErrorCode::OsTypeMismatch, "x-ms-azurevm-ostype is '" + f.os_type + "', not the policy's os_type '" +
                                                *policy.os_type + "'");
  }
  return {};
}

std::string os_version(const VmFacts& facts) {
  return std::to_string(facts.os_version_major) + "." + std::to_string(facts.os_version_minor);
}

Json::Value vm_facts_json(const VmFacts& vm) {
  Json::Value out(Json::objectValue);
  out["secure_boot"] = vm.secure_boot;
  Json::Value& debug = out["debug"];
  debug["boot"] = vm.boot_debug;
  debug["kernel"] = vm.kernel_debug;
  debug["hypervisor"] = vm.hypervisor_debug;
  debug["debuggers_disabled"] = vm.debuggers_disabled;
  out["test_signing"] = vm.test_signing;
  out["flight_signing"] = vm.flight_signing;
  Json::Value& os = out["os"];
  os["type"] = vm.os_type;
  os["distro"] = vm.os_distro;
  os["version"] = os_version(vm);
  os["build"] = vm.os_build;
  os["is_windows"] = vm.is_windows;
  out["attested_pcrs"] = Json::Value(Json::arrayValue);
  for (auto p : vm.attested_pcrs) out["attested_pcrs"].append(Json::Int64(p));
  out["vm_id"] = vm.vm_id;
  return out;
}

}  // namespace attestd::client
