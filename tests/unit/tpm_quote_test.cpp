// TPM2 quote verification on the genuine Azure vector: the quote by the AK that the HCL
// report's runtime claims publish (HCLAkPub), whose extraData is the VM's user data.
#include <boost/test/unit_test.hpp>

#include <json/value.h>

#include "core/json.h"
#include "crypto/base64.h"
#include "hal/azure_vtpm.h"
#include "hal/tpm/quote.h"
#include "hal/tpm/tpm.h"
#include "tests/support.h"

namespace attestd {
namespace {

struct GenuineAzure {
  hal::TpmQuote quote;
  snp::HclReport hcl;
  crypto::PublicKey ak;
  Bytes user_data;
};

GenuineAzure genuine() {
  auto doc = parse_json(test::read_vector_text("azure/hcl_evidence_with_user_data.json"), "vector");
  if (!doc) throw std::runtime_error(doc.error().describe());
  const Json::Value& q = (*doc)["tpm_quote"];
  auto hcl_bytes = crypto::base64_decode_any((*doc)["hcl_report"].asString());
  auto hcl = snp::parse_hcl_report(*hcl_bytes);
  if (!hcl) throw std::runtime_error(hcl.error().describe());
  hal::TpmQuote quote;
  quote.attest = *hex_decode(q["message"].asString());
  // The vector stores the raw RSA signature; a TPM hands out TPMT_SIGNATURE.
  quote.signature = hal::tpm::rsassa_signature(hal::tpm::kAlgSha256, *hex_decode(q["signature"].asString()));
  for (const Json::Value& v : q["pcrs"]) quote.pcr_values.push_back(*hex_decode(v.asString()));
  auto ak = hal::hcl_ak_public_key(hcl->runtime_claims);
  if (!ak) throw std::runtime_error(ak.error().describe());
  auto user = hal::hcl_user_data(hcl->runtime_claims);
  return {quote, *hcl, *ak, *user};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tpm_quote)

BOOST_AUTO_TEST_CASE(genuine_azure_quote_verifies_with_the_hcl_ak_and_carries_the_user_data) {
  GenuineAzure g = genuine();
  BOOST_TEST(g.ak.bits() == 2048u);
  BOOST_TEST(g.user_data.size() == 64u);
  // The guest asked for a 48-byte nonce (SHA-384 sized) padded with zeros to 64 bytes of
  // user-data; the quote's extraData is those 48 bytes.
  BOOST_TEST(all_zero(ByteView(g.user_data).subspan(48)));
  Bytes nonce(g.user_data.begin(), g.user_data.begin() + 48);
  auto info = hal::tpm::verify_quote(g.quote, g.ak, nonce);
  BOOST_REQUIRE_MESSAGE(info, test::why(info));
  BOOST_TEST(info->pcrs.size() == 24u);
  BOOST_TEST(info->pcr_hash_alg == hal::tpm::kAlgSha256);
  BOOST_TEST(info->extra_data == nonce);
}

BOOST_AUTO_TEST_CASE(genuine_quote_with_other_qualifying_data_is_a_nonce_mismatch) {
  GenuineAzure g = genuine();
  auto info = hal::tpm::verify_quote(g.quote, g.ak, g.user_data);  // all 64 bytes: not what was quoted
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().name() == "NonceMismatch");
}

BOOST_AUTO_TEST_CASE(genuine_quote_with_a_changed_pcr_value_is_rejected) {
  GenuineAzure g = genuine();
  g.quote.pcr_values[7][0] ^= 1;
  auto info = hal::tpm::verify_quote(g.quote, g.ak, ByteView(g.user_data).first(48));
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().name() == "QuoteInvalid");
  BOOST_TEST(info.error().message().find("pcrDigest") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(genuine_quote_with_a_changed_attest_byte_is_an_invalid_quote) {
  GenuineAzure g = genuine();
  g.quote.attest[40] ^= 1;
  auto info = hal::tpm::verify_quote(g.quote, g.ak, ByteView(g.user_data).first(48));
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().name() == "QuoteInvalid");
}

BOOST_AUTO_TEST_CASE(genuine_quote_does_not_verify_with_another_vms_ak) {
  GenuineAzure g = genuine();
  auto other = snp::parse_hcl_report(test::read_vector("snp/trustee_azure_milan_hcl/hcl-report.bin"));
  BOOST_REQUIRE(other);
  auto other_ak = hal::hcl_ak_public_key(other->runtime_claims);
  BOOST_REQUIRE(other_ak);
  auto info = hal::tpm::verify_quote(g.quote, *other_ak, ByteView(g.user_data).first(48));
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().name() == "QuoteInvalid");
}

BOOST_AUTO_TEST_CASE(every_truncation_of_the_genuine_attest_is_malformed_input) {
  GenuineAzure g = genuine();
  for (std::size_t n = 0; n < g.quote.attest.size(); ++n) {
    auto info = hal::tpm::parse_quote_attest(ByteView(g.quote.attest).first(n));
    BOOST_REQUIRE(!info);
    BOOST_TEST(info.error().name() == "MalformedInput");
  }
}

BOOST_AUTO_TEST_CASE(claims_without_hclakpub_are_malformed_input) {
  auto r = hal::hcl_ak_public_key(R"({"keys":[{"kid":"HCLEkPub","kty":"RSA","e":"AQAB","n":"AQAB"}]})");
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().describe() == "MalformedInput: HCL runtime claims have no key with kid \"HCLAkPub\"");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd
