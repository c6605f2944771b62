// snp-sim reports (make_report, sign_report): complete, parseable, signed by the chip key.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "crypto/keys.h"
#include "hal/snp/report.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/unit/snp_test_support.h"
#include "tests/unit/test_snpsim_support.h"

namespace attestd::snpsim {
namespace {

using snp::AttestationReport;
using snp::Product;
using snp::test::code_name;
using test::pattern;
using test::report_digest;
using test::report_signature_rs;

constexpr std::uint64_t kDebugBit = std::uint64_t{1} << 19;

Bytes report_bytes(const SimIdentity& id, const ReportRequest& req) {
  auto r = make_report(id, req);
  if (!r) throw std::runtime_error(r.error().describe());
  return *r;
}

AttestationReport report_of(const SimIdentity& id, const ReportRequest& req = {}) {
  auto r = snp::parse_report(report_bytes(id, req));
  if (!r) throw std::runtime_error(r.error().describe());
  return *r;
}

Status verify_with(const crypto::Certificate& cert, const Bytes& report) {
  auto parsed = snp::parse_report(report);
  if (!parsed) return parsed.error();
  return cert.public_key().verify_digest(crypto::SignatureScheme::EcdsaSha384,
                                         report_digest(report), report_signature_rs(*parsed));
}

// The Milan identity, labelled as another product: enough to check product-dependent
// fields (CPUID, TCB layout) without generating that product's RSA keys.
SimIdentity relabelled(const SimIdentity& id, Product product) {
  SimIdentity copy = id;
  copy.product = product;
  return copy;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_report)

BOOST_AUTO_TEST_CASE(a_report_is_1184_bytes_that_parse_report_accepts) {
  Bytes b = report_bytes(test::milan(), {});
  BOOST_TEST(b.size() == 0x4A0u);
  BOOST_TEST(code_name(snp::parse_report(b)) == "Ok");
}

BOOST_AUTO_TEST_CASE(the_signature_verifies_with_the_vcek) {
  const SimIdentity& id = test::milan();
  BOOST_TEST(code_name(verify_with(id.vcek, report_bytes(id, {}))) == "Ok");
}

BOOST_AUTO_TEST_CASE(the_signature_does_not_verify_with_another_key) {
  const SimIdentity& id = test::milan();
  Bytes b = report_bytes(id, {});
  BOOST_TEST(code_name(verify_with(id.vlek, b)) == "BadSignature");
  BOOST_TEST(code_name(verify_with(test::turin().vcek, b)) == "BadSignature");
}

BOOST_AUTO_TEST_CASE(signature_fields_are_little_endian_and_zero_above_48_bytes) {
  AttestationReport r = report_of(test::milan());
  BOOST_TEST(all_zero(ByteView(r.signature_r).subspan(48)));
  BOOST_TEST(all_zero(ByteView(r.signature_s).subspan(48)));
  BOOST_TEST(r.signature_algo == 1u);
}

BOOST_AUTO_TEST_CASE(a_vlek_report_names_the_vlek_and_verifies_with_it) {
  const SimIdentity& id = test::milan();
  ReportRequest req;
  req.use_vlek = true;
  Bytes b = report_bytes(id, req);
  BOOST_TEST((snp::parse_report(b)->signer_info.signing_key() == snp::SigningKey::Vlek));
  BOOST_TEST(code_name(verify_with(id.vlek, b)) == "Ok");
  BOOST_TEST(code_name(verify_with(id.vcek, b)) == "BadSignature");
}

BOOST_AUTO_TEST_CASE(a_vcek_report_names_the_vcek) {
  AttestationReport r = report_of(test::milan());
  BOOST_TEST(r.signer_info.raw == 0u);
  BOOST_TEST((r.signer_info.signing_key() == snp::SigningKey::Vcek));
}

BOOST_AUTO_TEST_CASE(requested_fields_are_reported) {
  ReportRequest req;
  req.policy = 0x30000 | kDebugBit;
  req.measurement = pattern<48>(0x10);
  req.host_data = pattern<32>(0x40);
  req.report_data = pattern<64>(0x80);
  req.vmpl = 2;
  req.guest_svn = 7;
  req.family_id = pattern<16>(0x01);
  req.image_id = pattern<16>(0x21);
  req.id_key_digest = pattern<48>(0x31);
  req.author_key_digest = pattern<48>(0x61);
  req.author_key_en = true;
  req.firmware = {1, 57, 3};
  req.platform_info = 0x25;
  AttestationReport r = report_of(test::milan(), req);
  BOOST_TEST(r.policy.raw == 0xB0000u);
  BOOST_TEST(r.policy.debug());
  BOOST_TEST(r.measurement == req.measurement);
  BOOST_TEST(r.host_data == req.host_data);
  BOOST_TEST(r.report_data == req.report_data);
  BOOST_TEST(r.vmpl == 2u);
  BOOST_TEST(r.guest_svn == 7u);
  BOOST_TEST(r.family_id == req.family_id);
  BOOST_TEST(r.image_id == req.image_id);
  BOOST_TEST(r.id_key_digest == req.id_key_digest);
  BOOST_TEST(r.author_key_digest == req.author_key_digest);
  BOOST_TEST(r.signer_info.author_key_en());
  BOOST_TEST(r.current.str() == "1.57.3");
  BOOST_TEST(r.committed.str() == "1.57.3");
  BOOST_TEST(r.platform_info.raw == 0x25u);
}

BOOST_AUTO_TEST_CASE(defaults_are_a_production_guest_with_smt) {
  AttestationReport r = report_of(test::milan());
  BOOST_TEST(r.policy.raw == 0x30000u);
  BOOST_TEST(!r.policy.debug());
  BOOST_TEST(r.platform_info.raw == 1u);
  BOOST_TEST(r.current.str() == "1.55.21");
  BOOST_TEST(r.vmpl == 0u);
  BOOST_TEST(all_zero(r.report_data));
}

BOOST_AUTO_TEST_CASE(the_version_defaults_by_product) {
  BOOST_TEST(report_of(test::milan()).version == 3u);
  BOOST_TEST(report_of(relabelled(test::milan(), Product::Genoa)).version == 3u);
  BOOST_TEST(report_of(test::turin()).version == 5u);
}

BOOST_AUTO_TEST_CASE(versions_2_3_and_5_can_be_requested) {
  for (std::uint32_t v : {2u, 3u, 5u}) {
    ReportRequest req;
    req.version = v;
    BOOST_TEST(report_of(test::milan(), req).version == v);
  }
}

BOOST_AUTO_TEST_CASE(a_version_parse_report_does_not_know_is_refused) {
  ReportRequest req;
  req.version = 6;
  BOOST_TEST(code_name(make_report(test::milan(), req)) == "UnsupportedReportVersion");
}

BOOST_AUTO_TEST_CASE(cpuid_names_the_product_from_version_3) {
  struct Case {
    Product product;
    std::uint8_t fam, mod, step;
  } cases[] = {{Product::Milan, 0x19, 0x01, 0x01},
               {Product::Genoa, 0x19, 0x11, 0x01},
               {Product::Turin, 0x1A, 0x02, 0x00}};
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(snp::product_name(c.product)) {
      AttestationReport r = report_of(relabelled(test::milan(), c.product));
      BOOST_TEST(r.cpuid_fam_id == c.fam);
      BOOST_TEST(r.cpuid_mod_id == c.mod);
      BOOST_TEST(r.cpuid_step == c.step);
      BOOST_TEST((snp::report_product(r) == c.product));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_version_2_report_has_no_cpuid) {
  ReportRequest req;
  req.version = 2;
  AttestationReport r = report_of(test::milan(), req);
  BOOST_TEST(r.cpuid_fam_id == 0u);
  BOOST_TEST(r.cpuid_mod_id == 0u);
  BOOST_TEST(r.cpuid_step == 0u);
}

BOOST_AUTO_TEST_CASE(every_tcb_is_the_certified_tcb) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      AttestationReport r = report_of(*id);
      std::uint64_t expected = snp::encode_tcb(id->product, id->tcb);
      BOOST_TEST(r.reported_tcb == expected);
      BOOST_TEST(r.current_tcb == expected);
      BOOST_TEST(r.committed_tcb == expected);
      BOOST_TEST(r.launch_tcb == expected);
    }
  }
  BOOST_TEST(report_of(test::milan()).reported_tcb == 0x7308000000000003u);
  BOOST_TEST(report_of(test::turin()).reported_tcb == 0x0100000001010101u);
}

BOOST_AUTO_TEST_CASE(a_requested_reported_tcb_replaces_the_certified_one) {
  ReportRequest req;
  req.reported_tcb = snp::TcbVersion{.bootloader = 3, .tee = 0, .snp = 9, .microcode = 115};
  AttestationReport r = report_of(test::milan(), req);
  BOOST_TEST(r.reported_tcb == 0x7309000000000003u);
  BOOST_TEST(r.current_tcb == 0x7309000000000003u);
}

BOOST_AUTO_TEST_CASE(chip_id_is_the_identitys) {
  const SimIdentity& id = test::milan();
  AttestationReport r = report_of(id);
  BOOST_TEST(Bytes(r.chip_id.begin(), r.chip_id.end()) == id.chip_id,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(chip_id_override_is_reported) {
  ReportRequest req;
  req.chip_id_override = pattern<64>(0xA0);
  BOOST_TEST(report_of(test::milan(), req).chip_id == *req.chip_id_override);
}

BOOST_AUTO_TEST_CASE(a_masked_chip_id_is_zero) {
  ReportRequest req;
  req.mask_chip_id = true;
  BOOST_TEST(all_zero(report_of(test::milan(), req).chip_id));
}

BOOST_AUTO_TEST_CASE(report_id_is_random_and_report_id_ma_is_all_ff) {
  AttestationReport a = report_of(test::milan()), b = report_of(test::milan());
  BOOST_TEST((a.report_id != b.report_id));
  BOOST_TEST(std::all_of(a.report_id_ma.begin(), a.report_id_ma.end(),
                         [](std::uint8_t x) { return x == 0xFF; }));
}

BOOST_AUTO_TEST_CASE(a_policy_without_reserved_bit_17_is_refused) {
  ReportRequest req;
  req.policy = 0x10000;
  BOOST_TEST(code_name(make_report(test::milan(), req)) == "ReservedFieldSet");
}

BOOST_AUTO_TEST_CASE(vmpl_above_3_is_refused) {
  ReportRequest req;
  req.vmpl = 4;
  BOOST_TEST(code_name(make_report(test::milan(), req)) == "MalformedReport");
}

BOOST_AUTO_TEST_CASE(sign_report_resigns_a_modified_report) {
  const SimIdentity& id = test::milan();
  Bytes b = report_bytes(id, {});
  b[0x04] = 0x2A;  // GUEST_SVN
  BOOST_TEST(code_name(verify_with(id.vcek, b)) == "BadSignature");
  BOOST_REQUIRE(sign_report(id, false, b).ok());
  BOOST_TEST(code_name(verify_with(id.vcek, b)) == "Ok");
  BOOST_TEST(snp::parse_report(b)->guest_svn == 0x2Au);
}

BOOST_AUTO_TEST_CASE(sign_report_refuses_a_buffer_of_the_wrong_size) {
  Bytes b(100);
  BOOST_TEST(code_name(sign_report(test::milan(), false, b)) == "MalformedReport");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
