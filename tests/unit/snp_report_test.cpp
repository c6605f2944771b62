// ATTESTATION_REPORT parsing and serialisation (hal/snp/report.h), on genuine reports.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "core/bytes.h"
#include "hal/snp/report.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"

namespace attestd::snp {
namespace {

using attestd::test::read_vector;
using test::code_name;
using test::name_of;

constexpr char kGoSevGuestMilan[] = "snp/go-sev-guest_milan/report.bin";
constexpr char kVirteeMilan[] = "snp/virtee-sev_milan/report.bin";
constexpr char kLunalGenoaV5[] = "snp/lunal-attestation-rs_genoa_v5/report.bin";
constexpr char kTrusteeMilanVlek[] = "snp/trustee_milan_vlek/report.bin";
constexpr char kAzureMilan[] = "snp/trustee_azure_milan_hcl/report.bin";

AttestationReport parse_vector(const std::string& rel) {
  auto r = parse_report(read_vector(rel));
  if (!r) throw std::runtime_error(rel + ": " + r.error().describe());
  return std::move(r).value();
}

std::string_view parse_code(const Bytes& b) { return code_name(parse_report(b)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(snp_report)

BOOST_AUTO_TEST_CASE(every_genuine_report_parses) {
  for (const auto& rel : test::report_vectors()) {
    BOOST_TEST_CONTEXT(rel) {
      auto r = parse_report(read_vector(rel));
      BOOST_TEST(code_name(r) == "Ok");
      if (!r) BOOST_TEST_MESSAGE(r.error().describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(serialize_inverts_parse_for_every_genuine_report) {
  for (const auto& rel : test::report_vectors()) {
    BOOST_TEST_CONTEXT(rel) {
      Bytes bytes = read_vector(rel);
      auto r = parse_report(bytes);
      BOOST_REQUIRE(r.ok());
      BOOST_TEST(serialize_report(*r) == bytes, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(go_sev_guest_milan_allows_debugging) {
  AttestationReport r = parse_vector(kGoSevGuestMilan);
  BOOST_TEST(r.version == 2u);
  BOOST_TEST(r.policy.raw == 0xB0000u);
  BOOST_TEST(r.policy.debug());
  BOOST_TEST(r.policy.smt());
  BOOST_TEST(!r.policy.migrate_ma());
  BOOST_TEST(!r.policy.single_socket());
  BOOST_TEST(r.policy.abi_major() == 0);
  BOOST_TEST(r.policy.abi_minor() == 0);
}

BOOST_AUTO_TEST_CASE(virtee_milan_v2_has_no_product_in_cpuid) {
  AttestationReport r = parse_vector(kVirteeMilan);
  BOOST_TEST(r.version == 2u);
  BOOST_TEST(r.cpuid_fam_id == 0);
  BOOST_TEST(product_name(report_product(r)) == "Unknown");
}

BOOST_AUTO_TEST_CASE(lunal_genoa_v5_is_genoa_model_a0) {
  AttestationReport r = parse_vector(kLunalGenoaV5);
  BOOST_TEST(r.version == 5u);
  BOOST_TEST(r.cpuid_fam_id == 0x19);
  BOOST_TEST(r.cpuid_mod_id == 0xA0);
  BOOST_TEST(r.cpuid_step == 2);
  BOOST_TEST(product_name(report_product(r)) == "Genoa");
}

BOOST_AUTO_TEST_CASE(lunal_genoa_v5_has_mitigation_vectors) {
  AttestationReport r = parse_vector(kLunalGenoaV5);
  BOOST_TEST(r.launch_mit_vector == 0xBu);
  BOOST_TEST(r.current_mit_vector == 0xBu);
}

BOOST_AUTO_TEST_CASE(lunal_genoa_v5_platform_and_firmware) {
  AttestationReport r = parse_vector(kLunalGenoaV5);
  BOOST_TEST(r.platform_info.raw == 0x25u);
  BOOST_TEST(r.platform_info.smt_enabled());
  BOOST_TEST(!r.platform_info.tsme_enabled());
  BOOST_TEST(r.platform_info.ecc_enabled());
  BOOST_TEST(r.platform_info.alias_check_complete());
  BOOST_TEST(!r.platform_info.tio_enabled());
  BOOST_TEST(r.current.str() == "1.55.49");
  BOOST_TEST(describe_tcb(report_product(r), r.reported_tcb) == "bl=10 tee=0 snp=27 ucode=27");
}

BOOST_AUTO_TEST_CASE(trustee_milan_vlek_is_signed_by_a_vlek_at_vmpl_1) {
  AttestationReport r = parse_vector(kTrusteeMilanVlek);
  BOOST_TEST(r.version == 3u);
  BOOST_TEST(static_cast<int>(r.signer_info.signing_key()) ==
             static_cast<int>(SigningKey::Vlek));
  BOOST_TEST(r.vmpl == 1u);
  BOOST_TEST(product_name(report_product(r)) == "Milan");
  // A VLEK is not tied to a chip: AWS leaves CHIP_ID zero even with MASK_CHIP_KEY clear.
  BOOST_TEST(!r.signer_info.mask_chip_key());
  BOOST_TEST(all_zero(r.chip_id));
}

BOOST_AUTO_TEST_CASE(azure_current_tcb_is_above_reported_tcb) {
  AttestationReport r = parse_vector(kAzureMilan);
  BOOST_TEST(r.current_tcb == 0xD208000000000003u);
  BOOST_TEST(r.reported_tcb == 0x7308000000000003u);
  BOOST_TEST(describe_tcb(Product::Milan, r.current_tcb) == "bl=3 tee=0 snp=8 ucode=210");
  BOOST_TEST(describe_tcb(Product::Milan, r.reported_tcb) == "bl=3 tee=0 snp=8 ucode=115");
  BOOST_TEST(r.committed_tcb == r.reported_tcb);
  BOOST_TEST(r.launch_tcb == r.reported_tcb);
}

BOOST_AUTO_TEST_CASE(azure_report_carries_guest_identity) {
  AttestationReport r = parse_vector(kAzureMilan);
  BOOST_TEST(r.guest_svn == 5u);
  BOOST_TEST(r.policy.raw == 0x3001Fu);
  BOOST_TEST(r.policy.abi_minor() == 31);
  BOOST_TEST(r.family_id[0] == 1);
  BOOST_TEST(r.image_id[0] == 2);
  BOOST_TEST(r.current.str() == "1.52.4");
}

BOOST_AUTO_TEST_CASE(signature_is_stored_little_endian_at_0x2a0_and_0x2e8) {
  Bytes bytes = read_vector(kAzureMilan);
  AttestationReport r = parse_vector(kAzureMilan);
  BOOST_TEST(std::equal(r.signature_r.begin(), r.signature_r.end(), bytes.begin() + 0x2A0));
  BOOST_TEST(std::equal(r.signature_s.begin(), r.signature_s.end(), bytes.begin() + 0x2E8));
  // P-384 values fill 48 bytes; the little-endian zero extension is the top 24.
  BOOST_TEST(all_zero(ByteView(r.signature_r).subspan(48)));
  BOOST_TEST(all_zero(ByteView(r.signature_s).subspan(48)));
}

BOOST_AUTO_TEST_CASE(signed_area_is_the_first_0x2a0_bytes) {
  Bytes bytes = read_vector(kAzureMilan);
  ByteView area = signed_area(bytes);
  BOOST_TEST(area.size() == 0x2A0u);
  BOOST_TEST(area.data() == bytes.data());
  BOOST_TEST(signed_area(ByteView(bytes).first(10)).empty());
}

BOOST_AUTO_TEST_CASE(truncated_reports_are_malformed) {
  Bytes bytes = read_vector(kAzureMilan);
  for (std::size_t n : {0u, 1u, 1183u}) {
    BOOST_TEST_CONTEXT(n << " bytes") {
      auto r = parse_report(ByteView(bytes).first(n));
      BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedReport));
      BOOST_TEST(r.error().message() ==
                 "truncated: " + std::to_string(n) + " bytes, expected 1184");
    }
  }
}

BOOST_AUTO_TEST_CASE(oversized_report_is_malformed) {
  Bytes bytes = read_vector(kAzureMilan);
  bytes.push_back(0);
  auto r = parse_report(bytes);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedReport));
  BOOST_TEST(r.error().message() == "oversized: 1185 bytes, expected 1184");
}

BOOST_AUTO_TEST_CASE(versions_other_than_2_to_5_are_unsupported) {
  Bytes bytes = read_vector(kTrusteeMilanVlek);
  for (std::uint32_t v : {0u, 1u, 6u, 0xFFFFFFFFu}) {
    BOOST_TEST_CONTEXT("version " << v) {
      Bytes b = bytes;
      test::put_u32(b, 0x000, v);
      BOOST_TEST(parse_code(b) == name_of(ErrorCode::UnsupportedReportVersion));
    }
  }
}

BOOST_AUTO_TEST_CASE(version_4_parses_with_the_version_3_layout) {
  Bytes b = read_vector(kTrusteeMilanVlek);  // a v3 report
  test::put_u32(b, 0x000, 4);
  auto r = parse_report(b);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->version == 4u);
  BOOST_TEST(r->cpuid_fam_id == 0x19);
  b[0x1F8] = 1;  // LAUNCH_MIT_VECTOR exists only from version 5
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
}

BOOST_AUTO_TEST_CASE(signature_algorithm_other_than_ecdsa_p384_is_malformed) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u32(b, 0x034, 2);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedReport));
  test::put_u32(b, 0x034, 0);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedReport));
}

BOOST_AUTO_TEST_CASE(vmpl_above_3_is_malformed) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u32(b, 0x030, 3);
  BOOST_TEST(parse_code(b) == "Ok");
  test::put_u32(b, 0x030, 4);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedReport));
}

BOOST_AUTO_TEST_CASE(each_reserved_range_must_be_zero) {
  Bytes bytes = read_vector(kLunalGenoaV5);  // v5: the fewest reserved bytes
  // First and last byte of every range reserved in all versions.
  for (std::size_t off : {0x04Cu, 0x04Fu, 0x18Bu, 0x19Fu, 0x1EBu, 0x1EFu, 0x208u, 0x29Fu,
                          0x330u, 0x49Fu}) {
    BOOST_TEST_CONTEXT("offset 0x" << std::hex << off) {
      auto r = parse_report(test::with_byte(bytes, off, 0x01));
      BOOST_TEST(code_name(r) == name_of(ErrorCode::ReservedFieldSet));
    }
  }
}

BOOST_AUTO_TEST_CASE(reserved_error_names_the_offset) {
  auto r = parse_report(test::with_byte(read_vector(kLunalGenoaV5), 0x1EB, 0x80));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "RESERVED at 0x1EB..0x1EB is not zero");
}

BOOST_AUTO_TEST_CASE(cpuid_bytes_are_reserved_in_version_2) {
  Bytes v2 = read_vector(kVirteeMilan);
  for (std::size_t off : {0x188u, 0x189u, 0x18Au}) {
    BOOST_TEST_CONTEXT("offset 0x" << std::hex << off) {
      BOOST_TEST(parse_code(test::with_byte(v2, off, 0x19)) ==
                 name_of(ErrorCode::ReservedFieldSet));
    }
  }
}

BOOST_AUTO_TEST_CASE(mitigation_vectors_are_reserved_before_version_5) {
  for (const char* rel : {kVirteeMilan, kTrusteeMilanVlek}) {
    BOOST_TEST_CONTEXT(rel) {
      Bytes b = read_vector(rel);
      BOOST_TEST(parse_code(test::with_byte(b, 0x1F8, 1)) ==
                 name_of(ErrorCode::ReservedFieldSet));
      BOOST_TEST(parse_code(test::with_byte(b, 0x207, 1)) ==
                 name_of(ErrorCode::ReservedFieldSet));
    }
  }
}

BOOST_AUTO_TEST_CASE(policy_bit_17_cleared_is_reserved_field_set) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u64(b, 0x008, test::get_u64(b, 0x008) & ~(std::uint64_t{1} << 17));
  auto r = parse_report(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::ReservedFieldSet));
  BOOST_TEST(r.error().message().find("bit 17") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(policy_bits_26_to_63_are_reserved) {
  Bytes bytes = read_vector(kAzureMilan);
  for (unsigned bit : {26u, 40u, 63u}) {
    BOOST_TEST_CONTEXT("bit " << bit) {
      Bytes b = bytes;
      test::put_u64(b, 0x008, test::get_u64(b, 0x008) | std::uint64_t{1} << bit);
      BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
    }
  }
}

BOOST_AUTO_TEST_CASE(policy_bits_21_to_25_are_named_options) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u64(b, 0x008, test::get_u64(b, 0x008) | std::uint64_t{0x1F} << 21);
  auto r = parse_report(b);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->policy.cxl_allow());
  BOOST_TEST(r->policy.mem_aes_256_xts());
  BOOST_TEST(r->policy.rapl_dis());
  BOOST_TEST(r->policy.ciphertext_hiding());
  BOOST_TEST(r->policy.page_swap_disable());
  BOOST_TEST(!r->policy.debug());
}

BOOST_AUTO_TEST_CASE(platform_info_bits_8_to_63_are_reserved) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u64(b, 0x040, 0x1FF);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
  test::put_u64(b, 0x040, 0xFF);
  auto r = parse_report(b);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->platform_info.tio_enabled());
  BOOST_TEST(r->platform_info.ciphertext_hiding_enabled());
  BOOST_TEST(r->platform_info.rapl_disabled());
}

BOOST_AUTO_TEST_CASE(signer_info_bits_5_to_31_are_reserved) {
  Bytes b = read_vector(kAzureMilan);
  test::put_u32(b, 0x048, 1u << 5);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
}

BOOST_AUTO_TEST_CASE(signing_key_values_2_to_6_are_reserved) {
  Bytes b = read_vector(kAzureMilan);
  for (std::uint32_t key = 2; key <= 6; ++key) {
    BOOST_TEST_CONTEXT("SIGNING_KEY " << key) {
      test::put_u32(b, 0x048, key << 2);
      BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
    }
  }
  test::put_u32(b, 0x048, 7u << 2 | 3u);
  auto r = parse_report(b);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(static_cast<int>(r->signer_info.signing_key()) ==
             static_cast<int>(SigningKey::None));
  BOOST_TEST(r->signer_info.author_key_en());
  BOOST_TEST(r->signer_info.mask_chip_key());
}

BOOST_AUTO_TEST_CASE(tcb_reserved_bytes_are_checked_when_cpuid_names_the_product) {
  // Byte 2 of CURRENT_TCB (0x3A) is reserved in the Genoa layout.
  Bytes genoa = read_vector(kLunalGenoaV5);
  auto r = parse_report(test::with_byte(genoa, 0x03A, 1));
  BOOST_TEST(code_name(r) == name_of(ErrorCode::ReservedFieldSet));
  BOOST_TEST(r.error().message().find("CURRENT_TCB") != std::string::npos);
  BOOST_TEST(parse_code(test::with_byte(genoa, 0x1F2, 1)) ==
             name_of(ErrorCode::ReservedFieldSet));  // LAUNCH_TCB byte 2
}

BOOST_AUTO_TEST_CASE(tcb_bytes_are_not_judged_without_a_product) {
  // A v2 report does not say which layout applies: any byte may be meaningful.
  BOOST_TEST(parse_code(test::with_byte(read_vector(kVirteeMilan), 0x03A, 1)) == "Ok");
}

BOOST_AUTO_TEST_CASE(mitigation_vectors_are_fields_in_version_5) {
  Bytes b = read_vector(kLunalGenoaV5);
  test::put_u64(b, 0x200, 0x8000000000000001);
  auto r = parse_report(b);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->current_mit_vector == 0x8000000000000001u);
}

BOOST_AUTO_TEST_CASE(parse_is_total_under_single_byte_corruption) {
  // Every byte replaced by 0xFF, then by its complement: a value or a named error, and
  // every accepted variant still serialises back to its bytes.
  Bytes bytes = read_vector(kLunalGenoaV5);
  std::size_t accepted = 0;
  for (std::size_t off = 0; off < bytes.size(); ++off) {
    for (std::uint8_t v : {std::uint8_t{0xFF}, static_cast<std::uint8_t>(~bytes[off])}) {
      Bytes b = test::with_byte(bytes, off, v);
      auto r = parse_report(b);
      if (!r) continue;
      ++accepted;
      if (serialize_report(*r) != b) BOOST_ERROR("round trip differs at offset " << off);
    }
  }
  BOOST_TEST(accepted > 0u);
}

BOOST_AUTO_TEST_CASE(firmware_versions_order_by_major_minor_build) {
  FirmwareVersion a{.major = 1, .minor = 55, .build = 21};
  FirmwareVersion b{.major = 1, .minor = 55, .build = 22};
  FirmwareVersion c{.major = 1, .minor = 56, .build = 0};
  BOOST_TEST((a < b));
  BOOST_TEST((b < c));
  BOOST_TEST((a == FirmwareVersion{.major = 1, .minor = 55, .build = 21}));
  BOOST_TEST(a.str() == "1.55.21");
}

BOOST_AUTO_TEST_CASE(firmware_version_bytes_are_build_minor_major) {
  AttestationReport r = parse_vector(kTrusteeMilanVlek);  // 0x1E8: 1D 37 01
  BOOST_TEST(r.current.build == 0x1D);
  BOOST_TEST(r.current.minor == 0x37);
  BOOST_TEST(r.current.major == 1);
  BOOST_TEST(r.committed.str() == "1.55.29");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snp
