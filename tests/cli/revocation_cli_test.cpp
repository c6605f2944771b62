// attest verify-report --crl: revocation as a user checks it, on snp-sim evidence with
// CRLs signed by the sim's test ARK, from a file and from a local KDS.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "core/file.h"
#include "core/json.h"
#include "tests/mocks/snp/crl.h"
#include "tests/mocks/snp/kds_server.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z
const std::string kAtFlag = " --at 2025-06-01T00:00:00Z";

// A directory with a sim report, the sim's VCEK and CA bundle, and crl.der revoking
// `serials`; returns the verify-report command (without --crl).
std::string prepare(const std::string& name, std::vector<Bytes> serials = {}) {
  const auto& id = snpsim::test::milan();
  std::string dir = tmp_dir() + "/revocation_cli_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto report = snpsim::make_report(id, {});
  BOOST_REQUIRE(report.ok());
  BOOST_REQUIRE(write_file(dir + "/report.bin", *report).ok());
  BOOST_REQUIRE(write_file(dir + "/vcek.pem", as_bytes(id.vcek.pem())).ok());
  BOOST_REQUIRE(write_file(dir + "/ca_bundle.pem", as_bytes(id.ask.pem() + id.ark.pem() + id.asvk.pem())).ok());
  auto crl = snpsim::make_ark_crl(id, kAt, std::move(serials));
  BOOST_REQUIRE(crl.ok());
  BOOST_REQUIRE(write_file(dir + "/crl.der", *crl).ok());
  return attest() + " verify-report " + dir + "/report.bin --certs " + dir + "/vcek.pem --trust-sim-root " + dir +
         "/ca_bundle.pem" + kAtFlag;
}

std::string dir_of(const std::string& name) { return tmp_dir() + "/revocation_cli_" + name; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_revocation)

BOOST_AUTO_TEST_CASE(a_current_crl_file_that_revokes_nothing_verifies_and_says_so) {
  std::string cmd = prepare("good");
  RunResult r = run(cmd + " --crl " + dir_of("good") + "/crl.der");
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("revocation            not revoked (CRL from " + dir_of("good") +
                        "/crl.der, valid until 2025-07-01T00:00:00Z)") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(a_crl_file_revoking_the_vcek_fails_with_certificate_revoked) {
  std::string cmd = prepare("revoked_vcek", {snpsim::test::milan().vcek.serial()});
  RunResult r = run(cmd + " --crl " + dir_of("revoked_vcek") + "/crl.der");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CertificateRevoked), r.err);
  BOOST_TEST(r.err.find("attest verify-report: CertificateRevoked: VCEK 'SEV-VCEK' (serial ") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(a_crl_file_revoking_the_ask_fails_with_certificate_revoked) {
  std::string cmd = prepare("revoked_ask", {snpsim::test::milan().ask.serial()});
  RunResult r = run(cmd + " --crl " + dir_of("revoked_ask") + "/crl.der --json");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CertificateRevoked), r.err);
  auto out = parse_json(r.out, "output");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST((*out)["error"]["name"].asString() == "CertificateRevoked");
}

BOOST_AUTO_TEST_CASE(a_crl_file_that_is_not_a_crl_is_crl_invalid) {
  std::string cmd = prepare("not_a_crl");
  RunResult r = run(cmd + " --crl " + dir_of("not_a_crl") + "/vcek.pem");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CrlInvalid), r.err);
  BOOST_TEST(r.err.find("attest verify-report: CrlInvalid: --crl ") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(an_expired_crl_file_is_crl_invalid) {
  std::string cmd = prepare("expired");
  cmd.replace(cmd.find(kAtFlag), kAtFlag.size(), " --at 2025-08-01T00:00:00Z");
  RunResult r = run(cmd + " --crl " + dir_of("expired") + "/crl.der");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CrlInvalid), r.err);
  BOOST_TEST(r.err.find("not at 2025-08-01T00:00:00Z") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(crl_fetch_asks_the_local_kds_for_the_products_crl) {
  std::string cmd = prepare("fetch", {snpsim::test::milan().vcek.serial()});
  auto kds = snpsim::SimKds::start({&snpsim::test::milan()});
  BOOST_REQUIRE(kds.ok());
  RunResult missing = run(cmd + " --crl fetch --kds-url " + (*kds)->url());
  BOOST_TEST(missing.exit_code == exit_code(ErrorCode::CrlUnavailable), missing.err);
  BOOST_TEST(missing.err.find("/vcek/v1/Milan/crl: HTTP 404") != std::string::npos, missing.err);
  (*kds)->set_crl(snp::Product::Milan, false, *read_file(dir_of("fetch") + "/crl.der", 1 << 20));
  RunResult revoked = run(cmd + " --crl fetch --kds-url " + (*kds)->url());
  BOOST_TEST(revoked.exit_code == exit_code(ErrorCode::CertificateRevoked), revoked.err);
  BOOST_TEST((*kds)->targets() == std::vector<std::string>({"/vcek/v1/Milan/crl", "/vcek/v1/Milan/crl"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
