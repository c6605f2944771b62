#include "client/cli/vm_view.h"

#include "client/cli/output.h"

namespace attestd::cli {

namespace {

std::string on_off(bool on) { return on ? "on" : "off"; }

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
  print_row("vm os", vm.os_type + " " + vm.os_distro + " " + client::os_version(vm) + " (build " + vm.os_build + ")");
  std::string pcrs;
  for (auto p : vm.attested_pcrs) pcrs += (pcrs.empty() ? "" : ",") + std::to_string(p);
  print_row("attested pcrs", pcrs.empty() ? "(none)" : pcrs);
  print_row("vm id", vm.vm_id);
}

}  // namespace attestd::cli
