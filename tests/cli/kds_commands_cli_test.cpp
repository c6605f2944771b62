// attest fetch ca|vcek|crl, export-certs and verify-chain as a user runs them: on the
// genuine Turin chain-only and Milan vectors, and on snp-sim's chain served by a local KDS.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "core/file.h"
#include "core/json.h"
#include "crypto/crl.h"
#include "hal/snp/cert_table.h"
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

std::string fresh_dir(const std::string& name) {
  std::string dir = tmp_dir() + "/kds_cli_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The sim's ASK/ARK/ASVK bundle in `dir`, for --trust-sim-root.
std::string sim_bundle(const std::string& dir) {
  const auto& id = snpsim::test::milan();
  BOOST_REQUIRE(write_file(dir + "/ca_bundle.pem", as_bytes(id.ask.pem() + id.ark.pem() + id.asvk.pem())).ok());
  return dir + "/ca_bundle.pem";
}

Bytes read_all(const std::string& path) {
  auto b = read_file(path, 1 << 20);
  BOOST_REQUIRE_MESSAGE(b.ok(), path);
  return *b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_kds_commands)

BOOST_AUTO_TEST_CASE(verify_chain_accepts_the_genuine_turin_chain_without_a_report) {
  const std::string v = "snp/virtee-sev_turin_chain_only/";
  RunResult r = run(attest() + " verify-chain --certs " + vec(v + "vcek.der") + " --certs " + vec(v + "ca_bundle.pem") +
                    kAtFlag);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("OK: certificate chain verified") == 0u, r.out);
  BOOST_TEST(r.out.find("VCEK 'SEV-VCEK' <- SEV-Turin <- ARK-Turin (AMD)") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("revocation            not checked (no --crl)") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(verify_chain_refuses_the_turin_vcek_before_its_validity) {
  RunResult r = run(attest() + " verify-chain --certs " + vec("snp/virtee-sev_turin_chain_only/vcek.der") +
                    " --at 2024-01-01T00:00:00Z --json");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CertificateExpired), r.err);
  auto out = parse_json(r.out, "output");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST((*out)["error"]["name"].asString() == "CertificateExpired");
}

BOOST_AUTO_TEST_CASE(verify_chain_refuses_a_milan_vcek_with_turins_bundle) {
  RunResult r = run(attest() + " verify-chain --certs " + vec("snp/virtee-sev_milan/vcek.der") + " --certs " +
                    vec("snp/virtee-sev_turin_chain_only/ca_bundle.pem") + kAtFlag);
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::UntrustedChain), r.err);
  BOOST_TEST(r.err.find("attest verify-chain: UntrustedChain: ") == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(verify_chain_with_a_crl_revoking_the_ask_is_certificate_revoked) {
  const auto& id = snpsim::test::milan();
  std::string dir = fresh_dir("verify_chain_crl");
  BOOST_REQUIRE(write_file(dir + "/vcek.pem", as_bytes(id.vcek.pem())).ok());
  auto crl = snpsim::make_ark_crl(id, kAt, {id.ask.serial()});
  BOOST_REQUIRE(crl.ok());
  BOOST_REQUIRE(write_file(dir + "/crl.der", *crl).ok());
  std::string cmd = attest() + " verify-chain --certs " + dir + "/vcek.pem --trust-sim-root " + sim_bundle(dir) + kAtFlag;
  RunResult ok = run(cmd);
  BOOST_TEST(ok.exit_code == 0, ok.err);
  RunResult r = run(cmd + " --crl " + dir + "/crl.der");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::CertificateRevoked), r.err);
  BOOST_TEST(r.err.find("CertificateRevoked: ASK 'SEV-Milan' (serial ") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(export_certs_writes_each_table_entry_named_by_its_guid) {
  std::string dir = fresh_dir("export");
  const std::string v = "snp/virtee-sev_milan/";
  auto bundle = crypto::Certificate::parse_all(read_all(vec(v + "ca_bundle.pem")));
  BOOST_REQUIRE(bundle.ok());
  BOOST_REQUIRE(bundle->size() >= 2u);
  Bytes vcek = read_all(vec(v + "vcek.der"));
  snp::Guid other{};
  other[0] = 0x11;
  std::vector<snp::CertTableEntry> table = {{snp::kVcekGuid, vcek},
                                            {snp::kAskGuid, (*bundle)[0].der()},
                                            {snp::kArkGuid, (*bundle)[1].der()},
                                            {other, Bytes{1, 2, 3}}};
  BOOST_REQUIRE(write_file(dir + "/certs.bin", snp::serialize_cert_table(table)).ok());
  RunResult r = run(attest() + " export-certs " + dir + "/certs.bin --out " + dir + "/out");
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST((read_all(dir + "/out/vcek.der") == vcek));
  BOOST_TEST((read_all(dir + "/out/ask.der") == (*bundle)[0].der()));
  BOOST_TEST((read_all(dir + "/out/ark.der") == (*bundle)[1].der()));
  BOOST_TEST((read_all(dir + "/out/" + snp::guid_to_string(other) + ".der") == Bytes{1, 2, 3}));
  BOOST_TEST(r.out.find(dir + "/out/vcek.der\n") == 0u, r.out);
}

BOOST_AUTO_TEST_CASE(export_certs_of_a_file_that_is_no_table_is_malformed_cert_table) {
  RunResult r = run(attest() + " export-certs " + vec("snp/virtee-sev_milan/vcek.der") + " --out " +
                    fresh_dir("export_bad"));
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::MalformedCertTable), r.err);
}

BOOST_AUTO_TEST_CASE(fetch_ca_vcek_and_crl_from_a_local_kds) {
  const auto& id = snpsim::test::milan();
  auto kds = snpsim::SimKds::start({&id});
  BOOST_REQUIRE(kds.ok());
  auto crl = snpsim::make_ark_crl(id, kAt);
  BOOST_REQUIRE(crl.ok());
  (*kds)->set_crl(snp::Product::Milan, false, *crl);
  std::string dir = fresh_dir("fetch");
  auto report = snpsim::make_report(id, {});
  BOOST_REQUIRE(report.ok());
  BOOST_REQUIRE(write_file(dir + "/report.bin", *report).ok());
  std::string common = " --kds-url " + (*kds)->url() + " --trust-sim-root " + sim_bundle(dir) + kAtFlag;

  RunResult ca = run(attest() + " fetch ca Milan --out " + dir + "/ca" + common);
  BOOST_TEST(ca.exit_code == 0, ca.err);
  BOOST_TEST(std::string(as_chars(read_all(dir + "/ca/ark.pem"))) == id.ark.pem());
  BOOST_TEST(std::string(as_chars(read_all(dir + "/ca/ask.pem"))) == id.ask.pem());

  RunResult vcek = run(attest() + " fetch vcek " + dir + "/report.bin --out " + dir + "/vcek --cache " + dir +
                       "/cache" + common);
  BOOST_TEST(vcek.exit_code == 0, vcek.err);
  BOOST_TEST((read_all(dir + "/vcek/vcek.der") == id.vcek.der()));

  RunResult fetched = run(attest() + " fetch crl Milan --out " + dir + "/crl" + common);
  BOOST_TEST(fetched.exit_code == 0, fetched.err);
  BOOST_TEST((read_all(dir + "/crl/crl.der") == *crl));

  RunResult vlek = run(attest() + " fetch crl Milan --vlek --out " + dir + "/crl" + common);
  BOOST_TEST(vlek.exit_code == exit_code(ErrorCode::CrlUnavailable), vlek.err);
  auto targets = (*kds)->targets();
  BOOST_REQUIRE(targets.size() == 4u);
  BOOST_TEST(targets[0] == "/vcek/v1/Milan/cert_chain");
  BOOST_TEST(targets[1].find("/vcek/v1/Milan/" + hex_encode(id.chip_id) + "?blSPL=") == 0u, targets[1]);
  BOOST_TEST(targets[2] == "/vcek/v1/Milan/crl");
  BOOST_TEST(targets[3] == "/vlek/v1/Milan/crl");
}

BOOST_AUTO_TEST_CASE(fetch_ca_refuses_a_chain_that_is_not_the_pinned_one) {
  auto kds = snpsim::SimKds::start({&snpsim::test::milan()});
  BOOST_REQUIRE(kds.ok());
  RunResult r = run(attest() + " fetch ca Milan --out " + fresh_dir("fetch_untrusted") + " --kds-url " +
                    (*kds)->url() + kAtFlag);
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::UntrustedChain), r.err);
}

BOOST_AUTO_TEST_SUITE_END()
