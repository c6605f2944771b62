// snp-sim certificate chains: they verify like AMD's, and never as AMD's.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "crypto/x509.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"

namespace attestd::snpsim {
namespace {

using snp::test::code_name;

const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z

// AMD's Milan ASK, ARK and ASVK, as published by KDS.
std::vector<crypto::Certificate> amd_milan_certs() {
  auto certs = crypto::Certificate::parse_all(attestd::test::read_vector("amd-roots/milan.pem"));
  if (!certs) throw std::runtime_error(certs.error().describe());
  return *certs;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_chain)

BOOST_AUTO_TEST_CASE(vcek_chains_through_the_ask_to_the_ark) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      std::vector<crypto::Certificate> ask{id->ask}, ark{id->ark};
      auto root = crypto::verify_chain(id->vcek, ask, ark, kAt);
      BOOST_REQUIRE_MESSAGE(root.ok(), (root.ok() ? std::string() : root.error().describe()));
      BOOST_TEST((*root == id->ark));
    }
  }
}

BOOST_AUTO_TEST_CASE(vlek_chains_through_the_asvk_to_the_ark) {
  const SimIdentity& id = test::milan();
  std::vector<crypto::Certificate> asvk{id.asvk}, ark{id.ark};
  auto root = crypto::verify_chain(id.vlek, asvk, ark, kAt);
  BOOST_REQUIRE_MESSAGE(root.ok(), (root.ok() ? std::string() : root.error().describe()));
  BOOST_TEST((*root == id.ark));
}

BOOST_AUTO_TEST_CASE(vcek_does_not_chain_through_the_asvk) {
  const SimIdentity& id = test::milan();
  std::vector<crypto::Certificate> asvk{id.asvk}, ark{id.ark};
  BOOST_TEST(code_name(crypto::verify_chain(id.vcek, asvk, ark, kAt)) == "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(another_products_ark_does_not_verify_the_vcek) {
  std::vector<crypto::Certificate> ask{test::milan().ask}, turin_ark{test::turin().ark};
  BOOST_TEST(code_name(crypto::verify_chain(test::milan().vcek, ask, turin_ark, kAt)) ==
             "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(amds_milan_ark_does_not_verify_the_sim_vcek) {
  std::vector<crypto::Certificate> amd = amd_milan_certs();
  std::vector<crypto::Certificate> amd_ark, intermediates{test::milan().ask};
  for (const auto& c : amd) {
    if (c.is_self_issued()) amd_ark.push_back(c);
    else intermediates.push_back(c);
  }
  BOOST_REQUIRE(amd_ark.size() == 1u);
  BOOST_REQUIRE(amd_ark[0].subject_common_name() == "ARK-Milan");
  BOOST_TEST(code_name(crypto::verify_chain(test::milan().vcek, intermediates, amd_ark, kAt)) ==
             "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(the_chain_is_not_valid_after_2049) {
  const SimIdentity& id = test::milan();
  std::vector<crypto::Certificate> ask{id.ask}, ark{id.ark};
  const UnixTime k2050 = 2524608000;  // 2050-01-01T00:00:00Z
  BOOST_TEST(code_name(crypto::verify_chain(id.vcek, ask, ark, k2050)) == "CertificateExpired");
}

BOOST_AUTO_TEST_CASE(sim_product_chain_holds_the_identitys_cas) {
  const SimIdentity& id = test::turin();
  verify::ProductChain chain = sim_product_chain(id);
  BOOST_TEST((chain.product == snp::Product::Turin));
  BOOST_TEST((chain.ark == id.ark));
  BOOST_TEST((chain.ask == id.ask));
  BOOST_REQUIRE(chain.asvk.has_value());
  BOOST_TEST((*chain.asvk == id.asvk));
  BOOST_TEST(chain.origin == "snp-sim");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
