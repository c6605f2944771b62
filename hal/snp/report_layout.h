// The ATTESTATION_REPORT byte layout, exactly as the AMD-SP writes it (SEV-SNP ABI spec
// 56860, Table "ATTESTATION_REPORT Structure", report versions 2, 3 and 5). Only
// report.cpp and test fixtures should need it; everyone else uses AttestationReport.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace attestd::snp::layout {

static_assert(std::endian::native == std::endian::little,
              "the report is little-endian and is copied in and out with memcpy");

template <std::size_t N>
using Field = std::array<std::uint8_t, N>;

#pragma pack(push, 1)
struct Report {
  std::uint32_t version;             // 0x000
  std::uint32_t guest_svn;           // 0x004
  std::uint64_t policy;              // 0x008
  Field<16> family_id;               // 0x010
  Field<16> image_id;                // 0x020
  std::uint32_t vmpl;                // 0x030
  std::uint32_t signature_algo;      // 0x034
  std::uint64_t current_tcb;         // 0x038
  std::uint64_t platform_info;       // 0x040
  std::uint32_t signer_info;         // 0x048: AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY
  std::uint32_t reserved_04c;        // 0x04C
  Field<64> report_data;             // 0x050
  Field<48> measurement;             // 0x090
  Field<32> host_data;               // 0x0C0
  Field<48> id_key_digest;           // 0x0E0
  Field<48> author_key_digest;       // 0x110
  Field<32> report_id;               // 0x140
  Field<32> report_id_ma;            // 0x160
  std::uint64_t reported_tcb;        // 0x180
  std::uint8_t cpuid_fam_id;         // 0x188 (v3+; reserved in v2)
  std::uint8_t cpuid_mod_id;         // 0x189 (v3+; reserved in v2)
  std::uint8_t cpuid_step;           // 0x18A (v3+; reserved in v2)
  Field<21> reserved_18b;            // 0x18B
  Field<64> chip_id;                 // 0x1A0
  std::uint64_t committed_tcb;       // 0x1E0
  std::uint8_t current_build;        // 0x1E8
  std::uint8_t current_minor;        // 0x1E9
  std::uint8_t current_major;        // 0x1EA
  std::uint8_t reserved_1eb;         // 0x1EB
  std::uint8_t committed_build;      // 0x1EC
  std::uint8_t committed_minor;      // 0x1ED
  std::uint8_t committed_major;      // 0x1EE
  std::uint8_t reserved_1ef;         // 0x1EF
  std::uint64_t launch_tcb;          // 0x1F0
  std::uint64_t launch_mit_vector;   // 0x1F8 (v5; reserved before)
  std::uint64_t current_mit_vector;  // 0x200 (v5; reserved before)
  Field<152> reserved_208;           // 0x208
  // SIGNATURE (0x2A0, 0x200 bytes) in the ECDSA P-384 format (spec table "ECDSA
  // Signature Format"): R and S zero-extended little-endian, then reserved.
  Field<72> signature_r;             // 0x2A0
  Field<72> signature_s;             // 0x2E8
  Field<368> reserved_330;           // 0x330
};
#pragma pack(pop)

static_assert(sizeof(Report) == 0x4A0);
static_assert(offsetof(Report, version) == 0x000);
static_assert(offsetof(Report, guest_svn) == 0x004);
static_assert(offsetof(Report, policy) == 0x008);
static_assert(offsetof(Report, family_id) == 0x010);
static_assert(offsetof(Report, image_id) == 0x020);
static_assert(offsetof(Report, vmpl) == 0x030);
static_assert(offsetof(Report, signature_algo) == 0x034);
static_assert(offsetof(Report, current_tcb) == 0x038);
static_assert(offsetof(Report, platform_info) == 0x040);
static_assert(offsetof(Report, signer_info) == 0x048);
static_assert(offsetof(Report, reserved_04c) == 0x04C);
static_assert(offsetof(Report, report_data) == 0x050);
static_assert(offsetof(Report, measurement) == 0x090);
static_assert(offsetof(Report, host_data) == 0x0C0);
static_assert(offsetof(Report, id_key_digest) == 0x0E0);
static_assert(offsetof(Report, author_key_digest) == 0x110);
static_assert(offsetof(Report, report_id) == 0x140);
static_assert(offsetof(Report, report_id_ma) == 0x160);
static_assert(offsetof(Report, reported_tcb) == 0x180);
static_assert(offsetof(Report, cpuid_fam_id) == 0x188);
static_assert(offsetof(Report, cpuid_mod_id) == 0x189);
static_assert(offsetof(Report, cpuid_step) == 0x18A);
static_assert(offsetof(Report, reserved_18b) == 0x18B);
static_assert(offsetof(Report, chip_id) == 0x1A0);
static_assert(offsetof(Report, committed_tcb) == 0x1E0);
static_assert(offsetof(Report, current_build) == 0x1E8);
static_assert(offsetof(Report, current_minor) == 0x1E9);
static_assert(offsetof(Report, current_major) == 0x1EA);
static_assert(offsetof(Report, reserved_1eb) == 0x1EB);
static_assert(offsetof(Report, committed_build) == 0x1EC);
static_assert(offsetof(Report, committed_minor) == 0x1ED);
static_assert(offsetof(Report, committed_major) == 0x1EE);
static_assert(offsetof(Report, reserved_1ef) == 0x1EF);
static_assert(offsetof(Report, launch_tcb) == 0x1F0);
static_assert(offsetof(Report, launch_mit_vector) == 0x1F8);
static_assert(offsetof(Report, current_mit_vector) == 0x200);
static_assert(offsetof(Report, reserved_208) == 0x208);
static_assert(offsetof(Report, signature_r) == 0x2A0);
static_assert(offsetof(Report, signature_s) == 0x2E8);
static_assert(offsetof(Report, reserved_330) == 0x330);

}  // namespace attestd::snp::layout
