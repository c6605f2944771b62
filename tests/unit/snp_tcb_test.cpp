// TCB_VERSION layouts per product and product identification (hal/snp/tcb.h).
#include <boost/test/unit_test.hpp>

#include "hal/snp/tcb.h"
#include "tests/unit/snp_test_support.h"

namespace attestd::snp {
namespace {

using test::code_name;
using test::name_of;

std::string_view product_of_name(std::string_view name) {
  auto r = product_from_name(name);
  return r ? product_name(*r) : r.error().name();
}

std::string_view product_of_cpuid(std::uint8_t family, std::uint8_t model) {
  return product_name(product_from_cpuid(family, model));
}

// A Turin TCB built by hand: FMC 1, BL 2, TEE 4, SNP 0x18, ucode 0x3B.
constexpr std::uint64_t kTurinRaw = 0x3B00000018040201;

}  // namespace

BOOST_AUTO_TEST_SUITE(snp_tcb)

BOOST_AUTO_TEST_CASE(product_names_are_kds_names) {
  BOOST_TEST(product_name(Product::Milan) == "Milan");
  BOOST_TEST(product_name(Product::Genoa) == "Genoa");
  BOOST_TEST(product_name(Product::Turin) == "Turin");
  BOOST_TEST(product_name(Product::Unknown) == "Unknown");
}

BOOST_AUTO_TEST_CASE(vcek_product_name_with_stepping_is_its_line) {
  BOOST_TEST(product_of_name("Milan-B0") == "Milan");
  BOOST_TEST(product_of_name("Genoa-B1") == "Genoa");
  BOOST_TEST(product_of_name("Turin-B0") == "Turin");
}

BOOST_AUTO_TEST_CASE(bare_vcek_product_names_are_accepted) {
  BOOST_TEST(product_of_name("Milan") == "Milan");
  BOOST_TEST(product_of_name("Genoa") == "Genoa");
  BOOST_TEST(product_of_name("Turin") == "Turin");
}

BOOST_AUTO_TEST_CASE(other_product_names_are_unknown_product) {
  for (std::string_view name : {"Bergamo", "", "milan-B0", "GENOA", "MilanX", "Milan-",
                                "Milan B0", "Genoa-B1 ", "-B0"}) {
    BOOST_TEST_CONTEXT("name \"" << name << "\"") {
      BOOST_TEST(code_name(product_from_name(name)) == name_of(ErrorCode::UnknownProduct));
    }
  }
}

BOOST_AUTO_TEST_CASE(cpuid_family_19_models_0_to_f_are_milan) {
  BOOST_TEST(product_of_cpuid(0x19, 0x00) == "Milan");
  BOOST_TEST(product_of_cpuid(0x19, 0x01) == "Milan");
  BOOST_TEST(product_of_cpuid(0x19, 0x0F) == "Milan");
}

BOOST_AUTO_TEST_CASE(cpuid_family_19_models_10_to_1f_are_genoa) {
  BOOST_TEST(product_of_cpuid(0x19, 0x10) == "Genoa");
  BOOST_TEST(product_of_cpuid(0x19, 0x1F) == "Genoa");
  BOOST_TEST(product_of_cpuid(0x19, 0x20) == "Unknown");
}

BOOST_AUTO_TEST_CASE(cpuid_family_19_models_a0_to_af_are_genoa) {
  BOOST_TEST(product_of_cpuid(0x19, 0x9F) == "Unknown");
  BOOST_TEST(product_of_cpuid(0x19, 0xA0) == "Genoa");
  BOOST_TEST(product_of_cpuid(0x19, 0xAF) == "Genoa");
  BOOST_TEST(product_of_cpuid(0x19, 0xB0) == "Unknown");
}

BOOST_AUTO_TEST_CASE(cpuid_family_1a_models_0_to_11_are_turin) {
  BOOST_TEST(product_of_cpuid(0x1A, 0x00) == "Turin");
  BOOST_TEST(product_of_cpuid(0x1A, 0x11) == "Turin");
  BOOST_TEST(product_of_cpuid(0x1A, 0x12) == "Unknown");
}

BOOST_AUTO_TEST_CASE(cpuid_of_other_families_is_unknown) {
  BOOST_TEST(product_of_cpuid(0x00, 0x00) == "Unknown");  // a v2 report's reserved bytes
  BOOST_TEST(product_of_cpuid(0x17, 0x31) == "Unknown");  // Rome
  BOOST_TEST(product_of_cpuid(0x1B, 0x00) == "Unknown");
}

BOOST_AUTO_TEST_CASE(milan_tcb_decodes_bytes_0_1_6_7) {
  // 0xD208000000000003: ucode 0xD2, SNP 0x08, TEE 0, BL 3 (Azure's CURRENT_TCB).
  TcbVersion t = decode_tcb(Product::Milan, 0xD208000000000003);
  BOOST_TEST(t.bootloader == 3);
  BOOST_TEST(t.tee == 0);
  BOOST_TEST(t.snp == 8);
  BOOST_TEST(t.microcode == 210);
  BOOST_TEST(t.fmc == 0);
}

BOOST_AUTO_TEST_CASE(genoa_tcb_uses_the_milan_layout) {
  BOOST_CHECK(decode_tcb(Product::Genoa, 0x1B1B00000000000A) ==
              (TcbVersion{.fmc = 0, .bootloader = 10, .tee = 0, .snp = 27, .microcode = 27}));
}

BOOST_AUTO_TEST_CASE(turin_tcb_decodes_bytes_0_1_2_3_7) {
  TcbVersion t = decode_tcb(Product::Turin, kTurinRaw);
  BOOST_TEST(t.fmc == 1);
  BOOST_TEST(t.bootloader == 2);
  BOOST_TEST(t.tee == 4);
  BOOST_TEST(t.snp == 24);
  BOOST_TEST(t.microcode == 59);
}

BOOST_AUTO_TEST_CASE(the_same_value_reads_differently_on_milan_and_turin) {
  TcbVersion milan = decode_tcb(Product::Milan, kTurinRaw);
  BOOST_TEST(milan.bootloader == 1);
  BOOST_TEST(milan.tee == 2);
  BOOST_TEST(milan.snp == 0);
  BOOST_TEST(milan.microcode == 59);
}

BOOST_AUTO_TEST_CASE(unknown_product_uses_the_milan_layout) {
  BOOST_CHECK(decode_tcb(Product::Unknown, 0x7308000000000003) ==
              decode_tcb(Product::Milan, 0x7308000000000003));
}

BOOST_AUTO_TEST_CASE(encode_tcb_inverts_decode_tcb) {
  BOOST_TEST(encode_tcb(Product::Turin, decode_tcb(Product::Turin, kTurinRaw)) == kTurinRaw);
  BOOST_TEST(encode_tcb(Product::Milan, decode_tcb(Product::Milan, 0xD208000000000003)) ==
             0xD208000000000003);
  BOOST_TEST(encode_tcb(Product::Genoa, {.fmc = 0, .bootloader = 10, .tee = 0, .snp = 27,
                                         .microcode = 27}) == 0x1B1B00000000000AULL);
}

BOOST_AUTO_TEST_CASE(encode_tcb_drops_fmc_outside_turin) {
  TcbVersion t{.fmc = 9, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
  BOOST_TEST(encode_tcb(Product::Milan, t) == 0x7308000000000003ULL);
}

BOOST_AUTO_TEST_CASE(reserved_tcb_bytes_depend_on_the_layout) {
  constexpr std::uint64_t kByte3 = 0x0000000001000000;  // Turin SNP, Milan reserved
  constexpr std::uint64_t kByte4 = 0x0000000100000000;  // reserved in both
  constexpr std::uint64_t kByte6 = 0x0001000000000000;  // Milan SNP, Turin reserved
  BOOST_TEST(!tcb_reserved_bytes_zero(Product::Milan, kByte3));
  BOOST_TEST(tcb_reserved_bytes_zero(Product::Turin, kByte3));
  BOOST_TEST(!tcb_reserved_bytes_zero(Product::Milan, kByte4));
  BOOST_TEST(!tcb_reserved_bytes_zero(Product::Turin, kByte4));
  BOOST_TEST(tcb_reserved_bytes_zero(Product::Genoa, kByte6));
  BOOST_TEST(!tcb_reserved_bytes_zero(Product::Turin, kByte6));
  BOOST_TEST(tcb_reserved_bytes_zero(Product::Milan, 0x7308000000000003));
}

BOOST_AUTO_TEST_CASE(describe_tcb_names_each_svn) {
  BOOST_TEST(describe_tcb(Product::Milan, 0x7308000000000003) == "bl=3 tee=0 snp=8 ucode=115");
  BOOST_TEST(describe_tcb(Product::Turin, kTurinRaw) == "fmc=1 bl=2 tee=4 snp=24 ucode=59");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snp
