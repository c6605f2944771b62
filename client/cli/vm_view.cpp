#include "client/cli/vm_view.h"

#include "client/cli/output.h"

namespace attestd::cli {

namespace {

std::string on_off(bool on) { return on ? "on" : "off"; }

std::string os_version(const client::VmFacts& vm) {
  return std::to_string(vm.os_version_major) + "." + std::to_string(vm.os_version_minor);
}

}  // namespace

void print_vm_rows(const client::VmFacts& vm) {
  print_row("vm secure boot", on_off(vm.secure_boot) + " (db validated: " + (vm.db_validated ? "yes" : "no") +
                               ", dbx validated: " + (vm.dbx_validated ? "yes" : "no") +
                               ", default keys: " + (vm.default_keys_validated ? "yes" : "no") + ")");
  auto signals = client::vm_debug_signals(vm);
  std::string debug;
  for (const auto& s : signals) debug += (debug.empty() ? "" : "; ") + s;
  print_row("vm debugging", signals.empty() ? "off (boot, kernel and hypervisor debuggers off; debuggers disabled)"
                                            : "ON: " + debug);
  print_row("vm signing", "test signing " + on_off(vm.test_signing) + ", flight signing " + on_off(vm.flight_signing));
  print_row("vm os", vm.os_type + " " + vm.os_distro + " " + os_version(vm) + " (build " + vm.os_build + ")");
  std::string pcrs;
  for (auto p : vm.attested_pcrs) pcrs += (pcrs.empty() ? "" : ",") + std::to_string(p);
  print_row("attested pcrs", pcrs.empty() ? "(none)" : pcrs);
  print_row("vm id", vm.vm_id);
}

Json::Value vm_json(const client::VmFacts& vm) {
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

}  // namespace attestd::cli
