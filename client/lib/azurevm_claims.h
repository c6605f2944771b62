// The VM-layer claims of an Azure guest attestation token (x-ms-attestation-type
// "azurevm"): "secureboot" and the x-ms-azurevm-* claims MAA derives from the vTPM's
// evidence and the request. One table serves both directions, as maa_claims does for
// x-ms-sevsnpvm-*: the emulator derives the claims from what it verified, the verifier
// reads verified claims back into VmFacts. docs/maa-emu.md ("AzureGuest claims") says how
// each is derived and where the emulator cannot do as MAA does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <json/value.h>

#include "boot/event_log.h"
#include "core/bytes.h"
#include "verify/policy.h"

namespace attestd::client {

// What an azurevm token says about the VM: one member per claim MAA always emits.
struct VmFacts {
  bool secure_boot = false;                 // secureboot
  std::string protocol_version;             // x-ms-azurevm-attestation-protocol-ver
  std::vector<std::int64_t> attested_pcrs;  // x-ms-azurevm-attested-pcrs, ascending
  bool boot_debug = false;                  // x-ms-azurevm-bootdebug-enabled
  bool db_validated = false;                // x-ms-azurevm-dbvalidated
  bool dbx_validated = false;               // x-ms-azurevm-dbxvalidated
  bool debuggers_disabled = false;          // x-ms-azurevm-debuggersdisabled
  bool default_keys_validated = false;      // x-ms-azurevm-default-securebootkeysvalidated
  bool elam_enabled = false;                // x-ms-azurevm-elam-enabled
  bool flight_signing = false;              // x-ms-azurevm-flightsigning-enabled
  std::int64_t hvci_policy = 0;             // x-ms-azurevm-hvci-policy
  bool hypervisor_debug = false;            // x-ms-azurevm-hypervisordebug-enabled
  bool is_windows = false;                  // x-ms-azurevm-is-windows
  bool kernel_debug = false;                // x-ms-azurevm-kerneldebug-enabled
  std::string os_build;                     // x-ms-azurevm-osbuild
  std::string os_distro;                    // x-ms-azurevm-osdistro
  std::string os_type;                      // x-ms-azurevm-ostype
  std::int64_t os_version_major = 0;        // x-ms-azurevm-osversion-major
  std::int64_t os_version_minor = 0;        // x-ms-azurevm-osversion-minor
  bool signing_disabled = false;            // x-ms-azurevm-signingdisabled
  bool test_signing = false;                // x-ms-azurevm-testsigning-enabled
  std::string vm_id;                        // x-ms-azurevm-vmid
};

// The names of the claims MAA always emits in an azurevm token, in the table's order.
std::vector<std::string> azurevm_claim_names();

// What maa-emu verified of an AzureGuest request, from which the claims follow.
struct AzureVmEvidence {
  const boot::EventLog* log = nullptr;  // TcgLogs, replayed to the quoted PCRs
  std::vector<unsigned> attested_pcrs;  // the PCR indices the quote covers
  std::string os_type, os_distro, os_build;  // OSType, OSDistro, OSBuild of the request
  std::int64_t os_version_major = 0, os_version_minor = 0;  // OSVersionMajor, OSVersionMinor
  std::string vm_id;             // the HCL runtime claims' vm-configuration.vmUniqueId
  std::string protocol_version;  // AttestationProtocolVersion ("2.0")
  // SHA-256 of the PK, KEK and db values (EFI_SIGNATURE_LIST sequences) that count as the
  // platform's default Secure Boot keys. MAA compares with Azure's own templates, which it
  // does not publish; the emulator is told which keys are its platform's defaults.
  std::vector<Bytes> default_secure_boot_keys;
};

// The facts MAA derives (docs/maa-emu.md, "AzureGuest claims"): secure boot and the
// db/dbx/default-keys claims from PCR 7's Secure Boot variables; the debug, signing, ELAM
// and HVCI claims from Windows' boot configuration (SIPA events), or a Linux guest's
// values when the log has none; the rest from the request and the runtime claims.
// MalformedInput (boot::windows_boot_config) for boot configuration events that are
// malformed or that the log does not prove; Internal without a log.
Result<VmFacts> derive_vm_facts(const AzureVmEvidence& evidence);

// The claims as MAA writes them, at the token's top level.
Json::Value azurevm_claims(const VmFacts& facts);

// The facts of a verified azurevm token (its whole claims). Every claim of
// azurevm_claim_names() must be present with MAA's type (booleans, integers, strings, a
// list of PCR indices 0-23): a missing or mistyped one is MissingClaim naming it.
Result<VmFacts> vm_facts_from_claims(const Json::Value& token_claims);

// The VM-layer debug signals that are on, each as "x-ms-azurevm-kerneldebug-enabled is
// true" (boot, kernel and hypervisor debugging; debuggers not disabled). Empty: none.
std::vector<std::string> vm_debug_signals(const VmFacts& facts);

// "major.minor" of x-ms-azurevm-osversion-major and -minor.
std::string os_version(const VmFacts& facts);

// The VM layer for programs (attest --json, the Python package): {"secure_boot", "debug":
// {"boot", "kernel", "hypervisor", "debuggers_disabled"}, "test_signing", "flight_signing",
// "os": {"type", "distro", "version", "build", "is_windows"}, "attested_pcrs": [...], "vm_id"}
Json::Value vm_facts_json(const VmFacts& facts);

// The policy over the VM layer, after debug and compliance: secure_boot and a secureboot
// claim that is false (SecureBootDisabled), then test signing (TestSigningEnabled), flight
// signing (FlightSigningEnabled) unless allowed, then os_type (OsTypeMismatch).
Status check_vm_policy(const verify::Policy& policy, const VmFacts& facts);

}  // namespace attestd::client
