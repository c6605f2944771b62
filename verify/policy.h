// The relying party's rules for a guest (docs/policy.md): which guests to accept.
// Evaluated over GuestFacts, so the same policy serves a verified report and (later)
// the SEV-SNP claims of a verified MAA token.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boot/event_log.h"
#include "core/bytes.h"
#include "hal/snp/report.h"
#include "hal/snp/tcb.h"

namespace attestd::verify {

class VerifiedReport;

// What a verified piece of evidence says about the guest and its platform.
struct GuestFacts {
  snp::Product product = snp::Product::Unknown;
  bool debug_allowed = false;      // POLICY.DEBUG
  bool migrate_ma_allowed = false; // POLICY.MIGRATE_MA
  bool smt_allowed = false;        // POLICY.SMT
  std::optional<bool> smt_enabled; // PLATFORM_INFO.SMT_EN, when known
  std::uint32_t vmpl = 0;
  std::uint32_t guest_svn = 0;
  snp::TcbVersion reported_tcb;
  std::optional<snp::FirmwareVersion> firmware;  // CURRENT major.minor.build
  Bytes measurement, host_data, report_data, id_key_digest, author_key_digest;
  Bytes family_id, image_id;  // 16 bytes each
  // What a report carries and an MAA token does not (nullopt there): a rule on any of
  // them fails closed for a token, naming the policy key.
  std::optional<snp::GuestPolicy> guest_policy;  // the whole POLICY (ABI version, bits)
  std::optional<snp::PlatformInfo> platform_info;
  std::optional<snp::TcbVersion> committed_tcb, launch_tcb, current_tcb;
  std::optional<snp::FirmwareVersion> committed_firmware;
  std::optional<Bytes> chip_id;  // 64 bytes (zero when the host masks it)
  std::optional<bool> author_key_enabled;  // SIGNER_INFO.AUTHOR_KEY_EN
  // LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR: version 5 reports only.
  std::optional<std::uint64_t> launch_mit_vector, current_mit_vector;
};

GuestFacts facts_of(const VerifiedReport& report);

struct TcbMinimum {
  std::optional<std::uint8_t> bootloader, tee, snp, microcode, fmc;
};

// PLATFORM_INFO bits the policy pins (policy key "platform_info"): each set or clear, as given.
struct PlatformInfoRequirement {
  std::optional<bool> smt_enabled, tsme_enabled, ecc_enabled, rapl_disabled,
      ciphertext_hiding_dram_enabled, alias_check_complete;
  bool any() const;
};

// The least restrictive guest POLICY accepted (policy key "guest_policy", go-sev-guest's
// GuestPolicy): the ABI version at least min_abi; a restriction bit (single_socket, …)
// required when true; CXL refused unless cxl_allowed.
struct GuestPolicyRequirement {
  std::optional<std::pair<std::uint8_t, std::uint8_t>> min_abi;  // major, minor
  bool single_socket = false;
  bool cxl_allowed = true;
  bool mem_aes_256_xts = false;
  bool rapl_dis = false;
  bool ciphertext_hiding_dram = false;
  bool page_swap_disable = false;
  bool any() const;
};

struct Policy {
  bool allow_debug = false;
  bool allow_migration_agent = false;
  bool allow_smt = true;
  std::vector<std::uint32_t> vmpls;       // empty: any VMPL
  TcbMinimum min_tcb;                     // against REPORTED_TCB
  std::optional<std::uint32_t> min_guest_svn;
  std::optional<snp::FirmwareVersion> min_firmware;
  std::vector<Bytes> measurements;        // empty: any measurement
  std::optional<Bytes> host_data;
  std::optional<Bytes> report_data;       // a prefix of REPORT_DATA; the rest must be zero
  std::vector<Bytes> id_key_digests;      // empty: any
  std::vector<Bytes> author_key_digests;  // empty: any
  // "trusted_id_keys" and "trusted_author_keys" (PEM public keys or certificates) add
  // their SNP key digests to the two lists above.
  PlatformInfoRequirement platform_info;
  GuestPolicyRequirement guest_policy;
  TcbMinimum min_committed_tcb, min_launch_tcb, min_current_tcb;
  std::optional<std::uint8_t> min_build;  // CURRENT_BUILD and COMMITTED_BUILD
  // Provisional firmware: COMMITTED_TCB or the committed version differs from the current.
  bool permit_provisional_firmware = true;
  std::optional<Bytes> family_id, image_id;  // 16 bytes each
  std::vector<Bytes> chip_ids;               // empty: any chip
  std::optional<std::uint64_t> min_launch_mitigation_vector, min_current_mitigation_vector;
  bool require_id_block = false;    // ID_KEY_DIGEST not zero
  bool require_author_key = false;  // AUTHOR_KEY_EN set (implies require_id_block)
  // Tokens only: the x-ms-compliance-status the attestation service must vouch with
  // (NonCompliantUvm otherwise); nullopt requires none.
  std::optional<std::string> compliance_status = std::string("azure-compliant-cvm");
  // Tokens only: how far exp/nbf may be off from the verifier's clock.
  std::int64_t clock_skew_seconds = 60;
  // attestd answers only: how a SevSnpVm token binds the agent's runtime data.
  // ReportData: x-ms-runtime is that runtime data (REPORT_DATA is its SHA-256; SNP guests).
  // VtpmUserData: x-ms-runtime is an Azure paravisor's runtime claims, whose user-data is
  // its SHA-256 (the azure-vtpm evidence source). AzureGuest tokens always bind through the
  // paravisor's claims: the token's verified shape, never its contents, says which.
  enum class RuntimeBinding { ReportData, VtpmUserData };
  RuntimeBinding runtime_binding = RuntimeBinding::ReportData;
  // The measured boot (attestd answers from a vTPM; docs/measured-boot.md).
  // PCR index -> the SHA-256 values allowed; empty: the guest's code is not pinned.
  std::map<unsigned, std::vector<Bytes>> pcrs;
  // The boot must have run with UEFI Secure Boot enforced (policy key "secure_boot"): on
  // the vTPM path as the event log shows it, and an azurevm token's "secureboot" claim.
  bool require_secure_boot = true;
  // azurevm tokens only: whether the guest OS may trust test-signed or flight-signed code
  // (x-ms-azurevm-testsigning-enabled, -flightsigning-enabled), and the OS type it must be
  // (x-ms-azurevm-ostype, e.g. "Linux"; nullopt: any).
  bool allow_test_signing = false;
  bool allow_flight_signing = false;
  std::optional<std::string> os_type;
  // PCR index -> the events a correct boot measures there (attest measure --policy-out):
  // used only to name the first event that differs when a PCR is not allowed.
  std::map<unsigned, std::vector<boot::ExpectedEvent>> boot_events;
};

// What a verified vTPM quote and the event log replayed to it say about the boot.
struct BootFacts {
  std::map<unsigned, Bytes> pcrs;      // the quoted SHA-256 values
  std::optional<bool> secure_boot;     // as the firmware measured it into PCR 7
  const boot::EventLog* log = nullptr; // the replayed log, to name what differs
};

// SecureBootDisabled when the policy requires Secure Boot and the log does not show it
// enabled; then, from a Windows boot configuration in the log (boot::windows_boot_config),
// DebugMode, TestSigningEnabled, FlightSigningEnabled unless the policy allows them; then
// PcrMismatch naming every pinned PCR whose value the policy does not allow,
// in ascending order, each with the first event that differs from the policy's
// boot_events when it has them for that PCR: "PCR 4: the event … differs (…); PCR 11:
// section .cmdline differs (…)".
Status check_boot_policy(const Policy& policy, const BootFacts& facts);

// The policy used when none is given: accept any genuine guest that cannot be debugged
// and has no migration agent; for tokens, also require MAA's "azure-compliant-cvm".
Policy default_policy();

// Strict: unknown keys, wrong types and wrong lengths are MalformedPolicy errors that
// name the key.
Result<Policy> parse_policy(std::string_view json);
Result<Policy> load_policy(const std::string& path);

// The first rule the guest breaks, in a fixed order (debug first; docs/policy.md's
// table), with its own error name: DebugMode, MigrationAgentAllowed, SmtNotAllowed,
// PlatformMismatch, AbiTooOld, GuestPolicyMismatch, VmplMismatch, TcbTooLow,
// ProvisionalFirmware, GuestSvnTooLow, FirmwareTooOld, MeasurementMismatch,
// HostDataMismatch, ReportDataMismatch, FamilyIdMismatch, ImageIdMismatch,
// ChipIdNotAllowed, IdBlockMissing, IdKeyMismatch, AuthorKeyMismatch, MitigationTooLow.
// A rule on a fact the evidence does not carry (an MAA token's) fails with the rule's
// error, naming the policy key.
Status check_policy(const Policy& policy, const GuestFacts& facts);

}  // namespace attestd::verify
