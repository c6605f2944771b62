// snp-sim evidence through the real verifier (verify/report_verifier.h): accepted only
// when the caller trusts the sim's chain, and the mismatches the sim can make are caught.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/unit/snp_test_support.h"
#include "verify/report_verifier.h"
#include "verify/roots.h"

namespace attestd::snpsim {
namespace {

using snp::test::code_name;

const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z

verify::RootStore trusting(const SimIdentity& id) {
  verify::RootStore store;
  store.add(sim_product_chain(id));
  return store;
}

Result<verify::VerifiedReport> verify_sim(const SimIdentity& id, const ReportRequest& req,
                                          const verify::RootStore& store) {
  auto report = make_report(id, req);
  if (!report) return report.error();
  std::vector<crypto::Certificate> certs{req.use_vlek ? id.vlek : id.vcek};
  verify::VerifyOptions options;
  options.at = kAt;
  options.roots = &store;
  return verify::verify_report(*report, certs, options);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_verifier)

BOOST_AUTO_TEST_CASE(a_vcek_report_verifies_when_the_sim_chain_is_trusted) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      verify::RootStore store = trusting(*id);
      auto v = verify_sim(*id, {}, store);
      BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? std::string() : v.error().describe()));
      BOOST_TEST((v->product() == id->product));
      BOOST_TEST((v->signing_key() == verify::KeyKind::Vcek));
      BOOST_TEST(v->chain().origin == "snp-sim");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_vlek_report_verifies_when_the_sim_chain_is_trusted) {
  verify::RootStore store = trusting(test::milan());
  ReportRequest req;
  req.use_vlek = true;
  auto v = verify_sim(test::milan(), req, store);
  BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? std::string() : v.error().describe()));
  BOOST_TEST((v->signing_key() == verify::KeyKind::Vlek));
}

BOOST_AUTO_TEST_CASE(amds_roots_alone_reject_sim_evidence) {
  BOOST_TEST(code_name(verify_sim(test::milan(), {}, verify::RootStore::amd())) ==
             "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(another_reported_tcb_is_a_tcb_mismatch) {
  verify::RootStore store = trusting(test::milan());
  ReportRequest req;
  req.reported_tcb = snp::TcbVersion{.bootloader = 3, .tee = 0, .snp = 9, .microcode = 115};
  BOOST_TEST(code_name(verify_sim(test::milan(), req, store)) == "TcbMismatch");
}

BOOST_AUTO_TEST_CASE(another_chip_id_is_a_chip_id_mismatch) {
  verify::RootStore store = trusting(test::milan());
  ReportRequest req;
  req.chip_id_override = std::array<std::uint8_t, 64>{0x01};
  BOOST_TEST(code_name(verify_sim(test::milan(), req, store)) == "ChipIdMismatch");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
