// The SEV-SNP ATTESTATION_REPORT (ABI spec 56860, Table "ATTESTATION_REPORT Structure"),
// versions 2, 3 and 5 (4, which shipping firmware emits, with the v3 layout): strict, total parsing and its exact inverse. No I/O, no crypto.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/snp/tcb.h"

namespace attestd::snp {

inline constexpr std::size_t kReportSize = 0x4A0;
// The signature covers bytes 0x000..0x29F.
inline constexpr std::size_t kSignedSize = 0x2A0;

// GUEST_POLICY (spec table "Guest Policy Structure"): set by the guest owner at launch.
struct GuestPolicy {
  std::uint64_t raw = 0;

  std::uint8_t abi_minor() const { return static_cast<std::uint8_t>(raw); }
  std::uint8_t abi_major() const { return static_cast<std::uint8_t>(raw >> 8); }
  bool smt() const { return bit(16); }
  // Bit 17 is reserved and must be one; parse_report rejects reports where it is not.
  bool migrate_ma() const { return bit(18); }
  bool debug() const { return bit(19); }
  bool single_socket() const { return bit(20); }
  bool cxl_allow() const { return bit(21); }
  bool mem_aes_256_xts() const { return bit(22); }
  bool rapl_dis() const { return bit(23); }
  bool ciphertext_hiding() const { return bit(24); }
  bool page_swap_disable() const { return bit(25); }  // ABI 1.58
  bool operator==(const GuestPolicy&) const = default;

 private:
  bool bit(unsigned n) const { return (raw >> n) & 1; }
};

// PLATFORM_INFO (spec table "PLATFORM_INFO Field"): the host's configuration.
struct PlatformInfo {
  std::uint64_t raw = 0;

  bool smt_enabled() const { return bit(0); }
  bool tsme_enabled() const { return bit(1); }
  bool ecc_enabled() const { return bit(2); }
  bool rapl_disabled() const { return bit(3); }
  bool ciphertext_hiding_enabled() const { return bit(4); }
  bool alias_check_complete() const { return bit(5); }
  // Bit 6: IOMMU_WRITE_SAFE on Turin firmware (named by go-sev-guest forks; not yet in
  // every public revision of the spec). Accepted by the parser, interpreted by no one.
  bool iommu_write_safe() const { return bit(6); }
  bool tio_enabled() const { return bit(7); }  // ABI 1.58
  bool operator==(const PlatformInfo&) const = default;

 private:
  bool bit(unsigned n) const { return (raw >> n) & 1; }
};

// SIGNING_KEY (report offset 0x48, bits 4:2); values 2-6 are reserved and rejected.
enum class SigningKey : std::uint8_t { Vcek = 0, Vlek = 1, None = 7 };

struct SignerInfo {
  std::uint32_t raw = 0;

  bool author_key_en() const { return raw & 1; }
  bool mask_chip_key() const { return (raw >> 1) & 1; }
  SigningKey signing_key() const { return static_cast<SigningKey>((raw >> 2) & 7); }
  bool operator==(const SignerInfo&) const = default;
};

// An SNP firmware version, ordered by (major, minor, build).
struct FirmwareVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint8_t build = 0;

  auto operator<=>(const FirmwareVersion&) const = default;
  // "1.55.21"
  std::string str() const;
};

// Every field of a report, in host order. Fields a version does not have are zero.
struct AttestationReport {
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  GuestPolicy policy;
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t vmpl = 0;
  std::uint32_t signature_algo = 0;
  std::uint64_t current_tcb = 0;
  PlatformInfo platform_info;
  SignerInfo signer_info;
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, 48> measurement{};
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{};
  std::array<std::uint8_t, 48> author_key_digest{};
  std::array<std::uint8_t, 32> report_id{};
  std::array<std::uint8_t, 32> report_id_ma{};
  std::uint64_t reported_tcb = 0;
  std::uint8_t cpuid_fam_id = 0;  // v3+
  std::uint8_t cpuid_mod_id = 0;  // v3+
  std::uint8_t cpuid_step = 0;    // v3+
  std::array<std::uint8_t, 64> chip_id{};
  std::uint64_t committed_tcb = 0;
  FirmwareVersion current;
  FirmwareVersion committed;
  std::uint64_t launch_tcb = 0;
  std::uint64_t launch_mit_vector = 0;   // v5
  std::uint64_t current_mit_vector = 0;  // v5
  // ECDSA P-384 R and S, zero-extended little-endian as stored in the report.
  std::array<std::uint8_t, 72> signature_r{};
  std::array<std::uint8_t, 72> signature_s{};

  bool operator==(const AttestationReport&) const = default;
};

// Exactly kReportSize bytes, else MalformedReport. VERSION not 2 to 5:
// UnsupportedReportVersion. SIGNATURE_ALGO other than 1 (ECDSA P-384 with SHA-384) or
// VMPL above 3: MalformedReport. A reserved byte or bit that is not zero (including
// version-dependent ones, reserved SIGNING_KEY values and, when CPUID names the product,
// the TCB layouts' reserved bytes) or POLICY bit 17 clear: ReservedFieldSet, naming the
// field and its offset. Total: any input yields a report or an error.
Result<AttestationReport> parse_report(ByteView bytes);

// The exact inverse: serialize_report(*parse_report(b)) == b for every accepted b.
Bytes serialize_report(const AttestationReport& report);

// The signed bytes, report_bytes[0, kSignedSize); empty if report_bytes is shorter.
ByteView signed_area(ByteView report_bytes);

// The product named by CPUID_FAM_ID/CPUID_MOD_ID (version 3 and later); Unknown for v2,
// which does not say — the VCEK's productName must decide then.
Product report_product(const AttestationReport& report);

}  // namespace attestd::snp
