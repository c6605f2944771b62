#include <boost/test/unit_test.hpp>

#include "crypto/x509.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::crypto;
using attestd::test::read_vector;

namespace {
const UnixTime kToday = *parse_rfc3339("2026-11-23T00:00:00Z");

std::vector<Certificate> milan_roots() { return *Certificate::parse_all(read_vector("amd-roots/milan.pem")); }
const Certificate& find(const std::vector<Certificate>& cs, const std::string& cn) {
  for (const auto& c : cs) {
    if (c.subject_common_name() == cn) return c;
  }
  throw std::runtime_error("no " + cn);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_x509)

BOOST_AUTO_TEST_CASE(amds_milan_bundle_parses_into_ask_ark_asvk) {
  auto cs = milan_roots();
  BOOST_REQUIRE(cs.size() == 3u);
  const Certificate& ark = find(cs, "ARK-Milan");
  BOOST_TEST(ark.is_self_issued());
  BOOST_TEST(ark.is_ca());
  BOOST_TEST(ark.public_key().bits() == 4096u);
  BOOST_TEST(ark.signature_algorithm() == "RSASSA-PSS");
  BOOST_TEST(find(cs, "SEV-Milan").issuer().find("CN=ARK-Milan") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(vcek_fields_and_kds_extension_bytes) {
  auto vcek = *Certificate::from_der(read_vector("snp/go-sev-guest_milan/vcek.der"));
  BOOST_TEST(vcek.subject_common_name() == "SEV-VCEK");
  BOOST_TEST(!vcek.is_ca());
  BOOST_TEST(format_rfc3339(vcek.not_before()) == "2022-09-24T00:55:28Z");
  BOOST_TEST((*vcek.public_key().curve() == EcCurve::P384));
  BOOST_TEST(hex_encode(*vcek.extension("1.3.6.1.4.1.3704.1.2")) == "16084d696c616e2d4230");  // IA5 "Milan-B0"
  BOOST_TEST(hex_encode(*vcek.extension("1.3.6.1.4.1.3704.1.3.8")) == "020144");           // ucodeSPL 68
  BOOST_TEST(!vcek.extension("1.3.6.1.4.1.3704.1.5").has_value());
}

BOOST_AUTO_TEST_CASE(pem_and_der_of_a_certificate_are_the_same_certificate) {
  auto vcek = *Certificate::from_der(read_vector("snp/virtee-sev_milan/vcek.der"));
  auto again = Certificate::parse_all(as_bytes(vcek.pem()));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((again->front() == vcek));
}

BOOST_AUTO_TEST_CASE(chain_verifies_at_a_time_inside_every_validity_and_names_the_root) {
  auto cs = milan_roots();
  auto vcek = *Certificate::from_der(read_vector("snp/virtee-sev_milan/vcek.der"));
  auto root = verify_chain(vcek, cs, std::vector{find(cs, "ARK-Milan")}, kToday);
  BOOST_REQUIRE_MESSAGE(root.ok(), test::why(root));
  BOOST_TEST(root->subject_common_name() == "ARK-Milan");
}

BOOST_AUTO_TEST_CASE(chain_outside_validity_is_expired_with_the_dates) {
  auto cs = milan_roots();
  auto vlek = *Certificate::from_der(read_vector("snp/trustee_milan_vlek/vlek.der"));
  auto r = verify_chain(vlek, cs, std::vector{find(cs, "ARK-Milan")}, kToday);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "CertificateExpired");
  BOOST_TEST(verify_chain(vlek, cs, std::vector{find(cs, "ARK-Milan")}, *parse_rfc3339("2025-06-01T00:00:00Z")).ok());
}

BOOST_AUTO_TEST_CASE(chain_to_another_root_is_untrusted) {
  auto genoa = *Certificate::parse_all(read_vector("amd-roots/genoa.pem"));
  auto vcek = *Certificate::from_der(read_vector("snp/virtee-sev_milan/vcek.der"));
  auto r = verify_chain(vcek, genoa, std::vector{find(genoa, "ARK-Genoa")}, kToday);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(error_name(r.error().code()) == "UntrustedChain");
  BOOST_TEST(error_name(verify_chain(vcek, {}, {}, kToday).error().code()) == "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(issued_certificates_carry_the_requested_extensions_and_chain) {
  auto ca_key = *PrivateKey::generate_ec(EcCurve::P384);
  CertificateSpec ca;
  ca.subject = "CN=test-root,O=attestd tests";
  ca.serial = {1};
  ca.not_before = kToday - 86400;
  ca.not_after = kToday + 86400;
  ca.is_ca = true;
  ca.key_usage = 0x04 | 0x02;
  auto root = issue_certificate(ca, ca_key.public_key(), ca_key, nullptr);
  BOOST_REQUIRE_MESSAGE(root.ok(), test::why(root));
  auto leaf_key = *PrivateKey::generate_ec(EcCurve::P256);
  CertificateSpec leaf;
  leaf.subject = "CN=leaf,O=attestd tests";
  leaf.serial = {0x80, 0x01};
  leaf.not_before = kToday - 3600;
  leaf.not_after = kToday + 3600;
  leaf.dns_names = {"maa.test"};
  leaf.extensions.push_back({"1.3.6.1.4.1.3704.1.3.1", false, der_integer(3)});
  leaf.extensions.push_back({"1.3.6.1.4.1.3704.1.2", false, der_ia5_string("Milan-B0")});
  auto cert = issue_certificate(leaf, leaf_key.public_key(), ca_key, &*root);
  BOOST_REQUIRE_MESSAGE(cert.ok(), test::why(cert));
  BOOST_TEST(hex_encode(*cert->extension("1.3.6.1.4.1.3704.1.3.1")) == "020103");
  BOOST_TEST(hex_encode(*cert->extension("1.3.6.1.4.1.3704.1.2")) == "16084d696c616e2d4230");
  BOOST_TEST((cert->public_key() == leaf_key.public_key()));
  BOOST_TEST(hex_encode(cert->serial()) == "008001");
  BOOST_TEST(verify_chain(*cert, {}, std::vector{*root}, kToday).ok());
  BOOST_TEST(error_name(verify_chain(*cert, {}, std::vector{*root}, kToday + 7200).error().code()) == "CertificateExpired");
}

BOOST_AUTO_TEST_CASE(amds_extensions_read_as_mbedtls_parsed_them) {
  auto cs = milan_roots();
  const Certificate& ark = find(cs, "ARK-Milan");
  BOOST_TEST((ark.basic_constraints() == BasicConstraints{true, std::nullopt}));
  BOOST_TEST(*ark.key_usage() == (kKeyUsageKeyCertSign | kKeyUsageCrlSign));
  BOOST_TEST((find(cs, "SEV-Milan").basic_constraints() == BasicConstraints{true, 0}));
  BOOST_TEST(*find(cs, "SEV-Milan").key_usage() == kKeyUsageKeyCertSign);
  auto vcek = *Certificate::from_der(read_vector("snp/virtee-sev_milan/vcek.der"));
  BOOST_TEST(!vcek.basic_constraints().has_value());
  BOOST_TEST(!vcek.key_usage().has_value());
  BOOST_TEST(!vcek.extended_key_usage().has_value());
  BOOST_TEST(vcek.names_issuer(find(cs, "SEV-Milan")));
  BOOST_TEST(!vcek.names_issuer(find(cs, "ARK-Milan")));
}

namespace {
struct TestChain {
  PrivateKey root_key, mid_key, leaf_key;
  Certificate root, mid;
};
TestChain test_chain() {
  auto root_key = *PrivateKey::generate_ec(EcCurve::P384);
  auto mid_key = *PrivateKey::generate_ec(EcCurve::P384);
  CertificateSpec ca;
  ca.subject = "CN=root,O=attestd tests";
  ca.serial = {1};
  ca.not_before = kToday - 86400;
  ca.not_after = kToday + 86400;
  ca.is_ca = true;
  ca.key_usage = kKeyUsageKeyCertSign;
  auto root = *issue_certificate(ca, root_key.public_key(), root_key, nullptr);
  ca.subject = "CN=mid,O=attestd tests";
  ca.max_path_len = 0;
  auto mid = *issue_certificate(ca, mid_key.public_key(), root_key, &root);
  return {root_key, mid_key, *PrivateKey::generate_ec(EcCurve::P384), root, mid};
}
CertificateSpec leaf_spec(UnixTime from, UnixTime to) {
  CertificateSpec leaf;
  leaf.subject = "CN=leaf,O=attestd tests";
  leaf.serial = {2};
  leaf.not_before = from;
  leaf.not_after = to;
  leaf.basic_constraints = false;
  return leaf;
}
}  // namespace

BOOST_AUTO_TEST_CASE(issued_certificates_can_leave_out_basic_constraints_and_carry_eku) {
  TestChain t = test_chain();
  CertificateSpec spec = leaf_spec(kToday - 60, kToday + 60);
  spec.extended_key_usage = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  auto leaf = issue_certificate(spec, t.leaf_key.public_key(), t.mid_key, &t.mid);
  BOOST_REQUIRE_MESSAGE(leaf.ok(), test::why(leaf));
  BOOST_TEST(!leaf->basic_constraints().has_value());
  BOOST_TEST(!leaf->is_ca());
  BOOST_TEST((*leaf->extended_key_usage() == std::vector<std::string>{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}));
}

BOOST_AUTO_TEST_CASE(a_path_verifies_link_by_link) {
  TestChain t = test_chain();
  auto leaf = *issue_certificate(leaf_spec(kToday - 60, kToday + 60), t.leaf_key.public_key(), t.mid_key, &t.mid);
  BOOST_TEST(verify_path(std::vector{leaf, t.mid, t.root}, kToday).ok());
}

BOOST_AUTO_TEST_CASE(a_path_whose_leaf_the_anchor_signed_past_the_intermediate_is_untrusted) {
  TestChain t = test_chain();
  // Named as the intermediate's child, signed by the root: mbedTLS alone would find the
  // root as the leaf's parent only if the names matched; here they do not, and the
  // signature by the intermediate's key does not hold either.
  auto by_root = *issue_certificate(leaf_spec(kToday - 60, kToday + 60), t.leaf_key.public_key(), t.root_key, &t.root);
  Status s = verify_path(std::vector{by_root, t.mid, t.root}, kToday);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "UntrustedChain");
  BOOST_TEST(s.error().message() == "'leaf' is issued by 'CN=root, O=attestd tests', not by 'CN=mid, O=attestd tests'");
  // The same leaf verifies with verify_chain, which takes any path to a root it finds.
  BOOST_TEST(verify_chain(by_root, std::vector{t.mid}, std::vector{t.root}, kToday).ok());
}

BOOST_AUTO_TEST_CASE(a_path_signed_by_another_key_than_its_issuers_is_untrusted) {
  TestChain t = test_chain();
  auto forged = *issue_certificate(leaf_spec(kToday - 60, kToday + 60), t.leaf_key.public_key(), t.root_key, &t.mid);
  Status s = verify_path(std::vector{forged, t.mid, t.root}, kToday);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "UntrustedChain");
  BOOST_TEST(s.error().message().find("not correctly signed") != std::string::npos, s.error().message());
}

// Paths use the intermediate and the anchor as parsed, linked behind a copy of the leaf
// for mbedTLS: a verification must leave them as they were for the next one.
BOOST_AUTO_TEST_CASE(the_same_certificates_verify_and_refuse_paths_in_turn) {
  TestChain t = test_chain();
  auto leaf = *issue_certificate(leaf_spec(kToday - 60, kToday + 60), t.leaf_key.public_key(), t.mid_key, &t.mid);
  auto forged = *issue_certificate(leaf_spec(kToday - 60, kToday + 60), t.leaf_key.public_key(), t.root_key, &t.mid);
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST(verify_path(std::vector{leaf, t.mid, t.root}, kToday).ok(), "round " << round);
    BOOST_TEST(error_name(verify_path(std::vector{forged, t.mid, t.root}, kToday).error().code()) == "UntrustedChain");
    BOOST_TEST(verify_path(std::vector{t.mid, t.root}, kToday).ok());
    // The leaf alone under the anchor: the intermediate is not still linked behind it.
    BOOST_TEST(error_name(verify_path(std::vector{leaf, t.root}, kToday).error().code()) == "UntrustedChain");
    BOOST_TEST(error_name(verify_chain(leaf, {}, std::vector{t.root}, kToday).error().code()) == "UntrustedChain");
    BOOST_TEST(error_name(verify_path(std::vector{leaf, t.mid, t.root}, kToday + 7200).error().code()) ==
               "CertificateExpired");
  }
}

BOOST_AUTO_TEST_CASE(a_certificate_not_yet_valid_is_certificate_expired_with_the_dates) {
  TestChain t = test_chain();
  auto future = *issue_certificate(leaf_spec(kToday + 60, kToday + 120), t.leaf_key.public_key(), t.mid_key, &t.mid);
  Status s = verify_path(std::vector{future, t.mid, t.root}, kToday);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "CertificateExpired");
  BOOST_TEST(s.error().message() == "'CN=leaf, O=attestd tests' is valid from 2026-11-23T00:01:00Z to "
                                    "2026-11-23T00:02:00Z, not at 2026-11-23T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(der_integers_are_minimal_and_non_negative) {
  BOOST_TEST(hex_encode(der_integer(0)) == "020100");
  BOOST_TEST(hex_encode(der_integer(127)) == "02017f");
  BOOST_TEST(hex_encode(der_integer(217)) == "020200d9");
  BOOST_TEST(hex_encode(der_integer(0x80000000)) == "02050080000000");
}

BOOST_AUTO_TEST_CASE(garbage_is_a_malformed_certificate_not_a_crash) {
  for (std::string s : {std::string(), std::string("hello"), std::string("-----BEGIN CERTIFICATE-----\n"),
                        std::string("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
                        std::string("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n")}) {
    auto r = Certificate::parse_all(as_bytes(s));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(error_name(r.error().code()) == "MalformedCertificate");
  }
}

BOOST_AUTO_TEST_SUITE_END()
