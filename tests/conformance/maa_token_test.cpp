// The genuine MAA tokens in tests/vectors/maa.
#include <boost/test/unit_test.hpp>

#include "client/lib/maa_token.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::client;

namespace {
const std::string kWeu = "https://sharedweu.weu.attest.azure.net";

std::string token(const std::string& file) {
  std::string t = test::read_vector_text("maa/" + file);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(conformance_maa_token)

BOOST_AUTO_TEST_CASE(the_genuine_azureguest_token_verifies_inside_its_validity) {
  auto keys = StaticMaaKeys::from_file(test::vector_path("maa/maa_signing_keys.json"));
  BOOST_REQUIRE_MESSAGE(keys.ok(), test::why(keys));
  auto t = verify_maa_token(token("azureguest_sharedweu_2023.jwt"), kWeu, *keys, *parse_rfc3339("2023-03-30T12:00:00Z"), 60);
  BOOST_REQUIRE_MESSAGE(t.ok(), test::why(t));
  BOOST_TEST(t->kid() == "dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=");
  auto snp = snp_claims(*t);
  BOOST_REQUIRE_MESSAGE(snp.ok(), test::why(snp));
  BOOST_TEST((snp->shape == TokenShape::AzureGuest));
  BOOST_TEST(!snp->facts.debug_allowed);
  BOOST_TEST(snp->facts.reported_tcb.microcode == 115);
  BOOST_TEST(hex_encode(snp->facts.measurement).substr(0, 16) == "8962535933f5c4b4");
  BOOST_TEST(check_token(*t, verify::default_policy(), {}).ok());
}

BOOST_AUTO_TEST_CASE(the_genuine_azureguest_token_is_expired_today) {
  auto keys = StaticMaaKeys::from_file(test::vector_path("maa/maa_signing_keys.json"));
  auto t = verify_maa_token(token("azureguest_sharedweu_2023.jwt"), kWeu, *keys, *parse_rfc3339("2026-11-23T00:00:00Z"), 60);
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().name() == "TokenExpired");
}

BOOST_AUTO_TEST_CASE(the_genuine_token_is_refused_for_another_instance) {
  auto keys = StaticMaaKeys::from_file(test::vector_path("maa/maa_signing_keys.json"));
  // The sharedeus2 instance's keys do not include sharedweu's kid... but the set holds both:
  // the issuer check is what refuses it.
  auto t = verify_maa_token(token("azureguest_sharedweu_2023.jwt"), "https://sharedeus2.eus2.attest.azure.net", *keys,
                            *parse_rfc3339("2023-03-30T12:00:00Z"), 60);
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().name() == "UntrustedIssuer");
}

// The last character of the signature carries 2 bits of data and 4 unused bits: 'A' and
// 'B' both decode to the same bytes. Only the canonical text is the token MAA signed.
BOOST_AUTO_TEST_CASE(the_genuine_token_with_a_noncanonical_signature_encoding_is_malformed) {
  auto keys = StaticMaaKeys::from_file(test::vector_path("maa/maa_signing_keys.json"));
  BOOST_REQUIRE_MESSAGE(keys.ok(), test::why(keys));
  std::string t = token("azureguest_sharedweu_2023.jwt");
  BOOST_REQUIRE(t.back() == 'A');
  t.back() = 'B';
  auto v = verify_maa_token(t, kWeu, *keys, *parse_rfc3339("2023-03-30T12:00:00Z"), 60);
  BOOST_REQUIRE(!v.ok());
  BOOST_TEST(v.error().name() == "MalformedToken");
  BOOST_TEST(v.error().message().find("signature") != std::string::npos, v.error().message());
  BOOST_TEST(v.error().message().find("non-canonical") != std::string::npos, v.error().message());
}

BOOST_AUTO_TEST_CASE(maa_urls_are_normalised_to_scheme_and_host) {
  BOOST_TEST(*normalize_maa_url("https://SharedWEU.weu.attest.azure.net/") == kWeu);
  BOOST_TEST(*normalize_maa_url("http://127.0.0.1:8443/", PlainHttp::LoopbackAllowed) == "http://127.0.0.1:8443");
  BOOST_TEST(*normalize_maa_url("http://[::1]", PlainHttp::LoopbackAllowed) == "http://[::1]");
  BOOST_TEST(normalize_maa_url("http://127.0.0.1:8443").error().name() == "Usage");
  BOOST_TEST(normalize_maa_url("http://localhost:8443", PlainHttp::LoopbackAllowed).error().name() == "Usage");
  BOOST_TEST(normalize_maa_url("http://maa.example", PlainHttp::LoopbackAllowed).error().name() == "Usage");
  BOOST_TEST(!normalize_maa_url("sharedweu.weu.attest.azure.net").ok());
  BOOST_TEST(!normalize_maa_url("https://x/attest").ok());
  BOOST_TEST(!normalize_maa_url("ftp://x").ok());
}

BOOST_AUTO_TEST_SUITE_END()
