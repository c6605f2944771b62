// The structure of the signing chain (verify/chain.h): VCEK <- ASK <- ARK and
// VLEK <- ASVK <- ARK, each certificate carrying its role's basicConstraints, keyUsage and
// (no) extendedKeyUsage as AMD's do. The bad chains are issued here with the snp-sim
// identity's own keys, so each differs from a good chain in one respect only.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <vector>

#include "crypto/x509.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"
#include "verify/report_verifier.h"
#include "verify/roots.h"

namespace attestd::snpsim {
namespace {

using snp::test::code_name;

const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z
const char* kServerAuth = "1.3.6.1.5.5.7.3.1";

const SimIdentity& id() { return test::milan(); }

// The sim's VCEK spec, changed by `change`, issued by `issuer_key` under `issuer`.
crypto::Certificate vcek_with(const std::function<void(crypto::CertificateSpec&)>& change,
                              const crypto::PrivateKey& issuer_key, const crypto::Certificate& issuer) {
  crypto::CertificateSpec spec = leaf_certificate_spec(id(), false);
  change(spec);
  auto cert = crypto::issue_certificate(spec, id().vcek_key.public_key(), issuer_key, &issuer);
  if (!cert) throw std::runtime_error(cert.error().describe());
  return *cert;
}

crypto::Certificate vcek_with(const std::function<void(crypto::CertificateSpec&)>& change) {
  return vcek_with(change, id().ask_key, id().ask);
}

// An ASK like the sim's, changed by `change`, issued by the ARK.
crypto::Certificate ask_with(const std::function<void(crypto::CertificateSpec&)>& change) {
  crypto::CertificateSpec spec;
  spec.subject = id().ask.subject();
  spec.serial = {0x01, 0x00, 0x01};
  spec.not_before = id().ask.not_before();
  spec.not_after = id().ask.not_after();
  spec.is_ca = true;
  spec.max_path_len = 0;
  spec.key_usage = crypto::kKeyUsageKeyCertSign;
  change(spec);
  auto cert = crypto::issue_certificate(spec, id().ask_key.public_key(), id().ark_key, &id().ark);
  if (!cert) throw std::runtime_error(cert.error().describe());
  return *cert;
}

Result<verify::VerifiedReport> verify_with(const crypto::Certificate& vcek, const verify::ProductChain& chain,
                                           UnixTime at = kAt) {
  auto report = make_report(id(), {});
  if (!report) return report.error();
  verify::RootStore store;
  store.add(chain);
  std::vector<crypto::Certificate> certs{vcek};
  verify::VerifyOptions options;
  options.at = at;
  options.roots = &store;
  return verify::verify_report(*report, certs, options);
}

Result<verify::VerifiedReport> verify_with(const crypto::Certificate& vcek) {
  return verify_with(vcek, sim_product_chain(id()));
}

std::string message(const Result<verify::VerifiedReport>& r) { return r ? std::string() : r.error().message(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_chain_structure)

BOOST_AUTO_TEST_CASE(the_sim_vcek_as_issued_verifies) {
  auto v = verify_with(id().vcek);
  BOOST_TEST(v.ok(), attestd::test::why(v));
}

BOOST_AUTO_TEST_CASE(a_vcek_signed_directly_by_the_ark_is_untrusted) {
  auto v = verify_with(vcek_with([](crypto::CertificateSpec&) {}, id().ark_key, id().ark));
  BOOST_TEST(code_name(v) == "UntrustedChain");
  BOOST_TEST(message(v).find("'SEV-VCEK' is issued by") != std::string::npos, message(v));
  BOOST_TEST(message(v).find("CN=ARK-Milan") != std::string::npos, message(v));
  BOOST_TEST(message(v).find("VCEK <- ASK <- ARK") != std::string::npos, message(v));
}

BOOST_AUTO_TEST_CASE(a_vcek_naming_the_ask_but_signed_by_the_ark_is_untrusted) {
  auto v = verify_with(vcek_with([](crypto::CertificateSpec&) {}, id().ark_key, id().ask));
  BOOST_TEST(code_name(v) == "UntrustedChain");
  BOOST_TEST(message(v).find("not correctly signed") != std::string::npos, message(v));
}

BOOST_AUTO_TEST_CASE(a_vcek_naming_another_issuer_is_untrusted) {
  // Signed by the ASK's key, but under another name: the issuer/subject link is broken.
  crypto::CertificateSpec other;
  other.subject = "OU=Engineering,C=US,L=Santa Clara,ST=CA,O=attestd snp-sim (TEST ONLY),CN=SEV-Genoa";
  other.serial = {0x01};
  other.not_before = id().ask.not_before();
  other.not_after = id().ask.not_after();
  other.is_ca = true;
  other.key_usage = crypto::kKeyUsageKeyCertSign;
  auto renamed_ask = crypto::issue_certificate(other, id().ask_key.public_key(), id().ark_key, &id().ark);
  BOOST_REQUIRE(renamed_ask.ok());
  auto v = verify_with(vcek_with([](crypto::CertificateSpec&) {}, id().ask_key, *renamed_ask));
  BOOST_TEST(code_name(v) == "UntrustedChain");
  BOOST_TEST(message(v).find("CN=SEV-Genoa") != std::string::npos, message(v));
}

BOOST_AUTO_TEST_CASE(a_leaf_whose_key_usage_is_only_keycertsign_is_malformed) {
  auto v = verify_with(vcek_with([](crypto::CertificateSpec& s) { s.key_usage = crypto::kKeyUsageKeyCertSign; }));
  BOOST_TEST(code_name(v) == "MalformedCertificate");
  BOOST_TEST(message(v) == "VCEK 'SEV-VCEK' has keyUsage keyCertSign; AMD's VCEKs carry no keyUsage", message(v));
}

BOOST_AUTO_TEST_CASE(a_leaf_with_eku_serverauth_is_malformed) {
  auto v = verify_with(vcek_with([](crypto::CertificateSpec& s) { s.extended_key_usage = {kServerAuth}; }));
  BOOST_TEST(code_name(v) == "MalformedCertificate");
  BOOST_TEST(message(v) ==
                 "VCEK 'SEV-VCEK' has extendedKeyUsage 1.3.6.1.5.5.7.3.1; AMD's certificates carry no "
                 "extendedKeyUsage",
             message(v));
}

BOOST_AUTO_TEST_CASE(a_ca_flagged_leaf_is_malformed) {
  auto v = verify_with(vcek_with([](crypto::CertificateSpec& s) {
    s.basic_constraints = true;
    s.is_ca = true;
  }));
  BOOST_TEST(code_name(v) == "MalformedCertificate");
  BOOST_TEST(message(v) == "VCEK 'SEV-VCEK' has basicConstraints cA; AMD's VCEKs carry no basicConstraints",
             message(v));
}

BOOST_AUTO_TEST_CASE(an_ask_that_is_not_a_ca_is_malformed) {
  verify::ProductChain chain = sim_product_chain(id());
  chain.ask = ask_with([](crypto::CertificateSpec& s) {
    s.is_ca = false;
    s.max_path_len = -1;
  });
  auto v = verify_with(id().vcek, chain);
  BOOST_TEST(code_name(v) == "MalformedCertificate");
  BOOST_TEST(message(v) ==
                 "ASK 'SEV-Milan' has basicConstraints not a CA; AMD's ASKs carry basicConstraints cA, pathLen 0",
             message(v));
}

BOOST_AUTO_TEST_CASE(an_ask_without_a_path_length_limit_is_malformed) {
  verify::ProductChain chain = sim_product_chain(id());
  chain.ask = ask_with([](crypto::CertificateSpec& s) { s.max_path_len = -1; });
  auto v = verify_with(id().vcek, chain);
  BOOST_TEST(code_name(v) == "MalformedCertificate");
  BOOST_TEST(message(v) == "ASK 'SEV-Milan' has basicConstraints cA; AMD's ASKs carry basicConstraints cA, pathLen 0",
             message(v));
}

BOOST_AUTO_TEST_CASE(a_vlek_through_the_ask_instead_of_the_asvk_is_untrusted) {
  auto report = make_report(id(), ReportRequest{.use_vlek = true});
  BOOST_REQUIRE(report.ok());
  crypto::CertificateSpec spec = leaf_certificate_spec(id(), true);
  auto vlek = crypto::issue_certificate(spec, id().vlek_key.public_key(), id().ask_key, &id().ask);
  BOOST_REQUIRE(vlek.ok());
  verify::RootStore store;
  store.add(sim_product_chain(id()));
  std::vector<crypto::Certificate> certs{*vlek};
  verify::VerifyOptions options;
  options.at = kAt;
  options.roots = &store;
  auto v = verify::verify_report(*report, certs, options);
  BOOST_TEST(code_name(v) == "UntrustedChain");
  BOOST_TEST(message(v).find("VLEK <- ASVK <- ARK") != std::string::npos, message(v));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
