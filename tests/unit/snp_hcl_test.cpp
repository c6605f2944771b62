// The Azure HCL report (hal/snp/hcl.h), on the genuine reports of two Azure CVMs.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "crypto/base64.h"
#include "hal/snp/hcl.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"

namespace attestd::snp {
namespace {

using attestd::test::read_vector;
using attestd::test::read_vector_text;
using test::code_name;
using test::name_of;

constexpr char kHclVector[] = "snp/trustee_azure_milan_hcl/hcl-report.bin";
constexpr std::size_t kSnpAt = 0x20;
constexpr std::size_t kRequestAt = 0x4C0;
constexpr std::size_t kClaimsAt = 0x4D4;

// The evidence file carries the HCL report as padded base64url.
Bytes hcl_with_user_data() {
  std::string text = read_vector_text("azure/hcl_evidence_with_user_data.json");
  auto json = parse_json(text, "evidence");
  if (!json) throw std::runtime_error(json.error().describe());
  auto bytes = crypto::base64url_decode((*json)["hcl_report"].asString());
  if (!bytes) throw std::runtime_error(bytes.error().describe());
  return std::move(bytes).value();
}

HclReport parse_ok(const Bytes& b) {
  auto r = parse_hcl_report(b);
  if (!r) throw std::runtime_error(r.error().describe());
  return std::move(r).value();
}

std::string_view parse_code(const Bytes& b) { return code_name(parse_hcl_report(b)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(snp_hcl)

BOOST_AUTO_TEST_CASE(genuine_hcl_report_parses) {
  Bytes bytes = read_vector(kHclVector);
  BOOST_TEST(bytes.size() == 2600u);
  HclReport r = parse_ok(bytes);
  BOOST_TEST(r.version == 1u);
  BOOST_TEST(r.report_size == 2346u);
  BOOST_TEST(r.request_type == 2u);
  BOOST_TEST(r.status == 0u);
  BOOST_TEST(r.request_data.data_size == 1130u);
  BOOST_TEST(r.request_data.version == 1u);
  BOOST_TEST(r.request_data.report_type == 2u);
  BOOST_TEST(r.request_data.hash_type == 1u);
  BOOST_TEST(r.request_data.variable_data_size == 1110u);
  BOOST_TEST(r.runtime_claims.size() == 1110u);
  BOOST_TEST(r.runtime_claims.rfind("{\"keys\":[{\"kid\":\"HCLAkPub\"", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(its_snp_report_is_the_standalone_vector) {
  HclReport r = parse_ok(read_vector(kHclVector));
  Bytes standalone = read_vector("snp/trustee_azure_milan_hcl/report.bin");
  BOOST_TEST((r.snp_report_bytes == standalone));
  auto parsed = parse_report(standalone);
  BOOST_REQUIRE(parsed.ok());
  BOOST_CHECK(r.snp_report == *parsed);
}

BOOST_AUTO_TEST_CASE(its_runtime_claims_are_bound) {
  HclReport r = parse_ok(read_vector(kHclVector));
  Status s = check_runtime_binding(r);
  BOOST_TEST(code_name(s) == "Ok");
}

BOOST_AUTO_TEST_CASE(one_altered_claims_byte_is_runtime_data_mismatch) {
  Bytes b = read_vector(kHclVector);
  b[kClaimsAt + 9] = 'K';  // "kid" -> "Kid"
  HclReport r = parse_ok(b);
  BOOST_TEST(code_name(check_runtime_binding(r)) == name_of(ErrorCode::RuntimeDataMismatch));
}

BOOST_AUTO_TEST_CASE(nonzero_upper_report_data_is_runtime_data_mismatch) {
  Bytes b = read_vector(kHclVector);
  b[kSnpAt + 0x50 + 63] = 1;  // REPORT_DATA[63]
  HclReport r = parse_ok(b);
  Status s = check_runtime_binding(r);
  BOOST_TEST(code_name(s) == name_of(ErrorCode::RuntimeDataMismatch));
  BOOST_TEST(s.error().message().find("REPORT_DATA[32:64]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hash_types_other_than_sha256_are_unsupported_for_binding) {
  Bytes b = read_vector(kHclVector);
  test::put_u32(b, kRequestAt + 12, 2);  // SHA-384: parses, cannot be checked
  HclReport r = parse_ok(b);
  Status s = check_runtime_binding(r);
  BOOST_TEST(code_name(s) == name_of(ErrorCode::MalformedHclReport));
  BOOST_TEST(s.error().message().find("unsupported") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_hash_type_is_malformed) {
  Bytes b = read_vector(kHclVector);
  for (std::uint32_t t : {0u, 4u}) {
    BOOST_TEST_CONTEXT("hash_type " << t) {
      test::put_u32(b, kRequestAt + 12, t);
      BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedHclReport));
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_signature_is_malformed) {
  Bytes b = read_vector(kHclVector);
  b[3] = 'B';
  auto r = parse_hcl_report(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedHclReport));
  BOOST_TEST(r.error().message() == "signature is 0x48434c42, not \"HCLA\"");
}

BOOST_AUTO_TEST_CASE(truncated_fixed_part_is_malformed) {
  Bytes b = read_vector(kHclVector);
  for (std::size_t n : {std::size_t{0}, std::size_t{0x20}, kClaimsAt - 1}) {
    BOOST_TEST_CONTEXT(n << " bytes") {
      BOOST_TEST(parse_code(Bytes(b.begin(), b.begin() + n)) ==
                 name_of(ErrorCode::MalformedHclReport));
    }
  }
}

BOOST_AUTO_TEST_CASE(buffer_cut_at_report_size_still_parses) {
  Bytes b = read_vector(kHclVector);
  b.resize(2346);  // the zero padding of the NV index is not part of the report
  BOOST_TEST(code_name(check_runtime_binding(parse_ok(b))) == "Ok");
}

BOOST_AUTO_TEST_CASE(variable_data_beyond_the_buffer_is_malformed) {
  Bytes b = read_vector(kHclVector);
  b.resize(2345);  // one byte short of the claims' end
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedHclReport));
  Bytes huge = read_vector(kHclVector);
  test::put_u32(huge, kRequestAt + 16, 0xFFFFFFFF);
  BOOST_TEST(parse_code(huge) == name_of(ErrorCode::MalformedHclReport));
}

BOOST_AUTO_TEST_CASE(inconsistent_data_size_is_malformed) {
  Bytes b = read_vector(kHclVector);
  test::put_u32(b, kRequestAt, 1131);
  auto r = parse_hcl_report(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedHclReport));
  BOOST_TEST(r.error().message() == "data_size 1131 is not 20 + variable_data_size 1110");
}

BOOST_AUTO_TEST_CASE(inconsistent_report_size_is_malformed) {
  Bytes b = read_vector(kHclVector);
  test::put_u32(b, 0x08, 2347);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedHclReport));
  test::put_u32(b, 0x08, 4000);  // beyond the 2600-byte buffer
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedHclReport));
}

BOOST_AUTO_TEST_CASE(non_snp_report_type_is_malformed) {
  Bytes b = read_vector(kHclVector);
  test::put_u32(b, kRequestAt + 8, 4);  // TDX
  auto r = parse_hcl_report(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedHclReport));
  BOOST_TEST(r.error().message() == "report_type 4 is not SNP (2): a TDX report");
}

BOOST_AUTO_TEST_CASE(snp_report_errors_keep_their_code) {
  Bytes b = read_vector(kHclVector);
  test::put_u32(b, kSnpAt, 6);  // SNP VERSION
  auto r = parse_hcl_report(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::UnsupportedReportVersion));
  b = read_vector(kHclVector);
  b[kSnpAt + 0x4C] = 1;  // a reserved byte of the SNP report
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::ReservedFieldSet));
}

BOOST_AUTO_TEST_CASE(evidence_hcl_report_is_padded_base64url) {
  std::string text = read_vector_text("azure/hcl_evidence_with_user_data.json");
  auto json = parse_json(text, "evidence");
  BOOST_REQUIRE(json.ok());
  std::string encoded = (*json)["hcl_report"].asString();
  BOOST_TEST(encoded.find_first_of("-_") != std::string::npos);
  BOOST_TEST(encoded.back() == '=');
  BOOST_TEST(hcl_with_user_data().size() == 2600u);
}

BOOST_AUTO_TEST_CASE(evidence_hcl_report_parses_and_binds_its_claims) {
  HclReport r = parse_ok(hcl_with_user_data());
  BOOST_TEST(r.snp_report.version == 3u);
  BOOST_TEST(product_name(report_product(r.snp_report)) == "Milan");
  BOOST_TEST(code_name(check_runtime_binding(r)) == "Ok");
}

BOOST_AUTO_TEST_CASE(evidence_runtime_claims_carry_user_data) {
  HclReport r = parse_ok(hcl_with_user_data());
  BOOST_TEST(r.runtime_claims.find("\"user-data\":\"982F5C6E45DF0ED3") != std::string::npos);
  auto claims = parse_json(r.runtime_claims, "runtime claims");
  BOOST_REQUIRE(claims.ok());
  BOOST_TEST((*claims)["user-data"].asString().size() == 128u);  // 64 bytes in hex
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snp
