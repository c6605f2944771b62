// The Azure vTPM evidence source against swtpm with the paravisor emulator: the flow a
// guest runs on Azure, checked end to end (HCL, SNP report chain, runtime binding, quote).
#include <boost/test/unit_test.hpp>

#include "crypto/random.h"
#include "crypto/sha.h"
#include "hal/azure_vtpm.h"
#include "tests/mocks/azure/azure_vm.h"
#include "tests/mocks/azure/hcl_writer.h"
#include "tests/mocks/azure/paravisor.h"
#include "tests/mocks/azure/swtpm.h"
#include "tests/mocks/snp/test_identities.h"
#include "verify/report_verifier.h"

namespace attestd {
namespace {

using azuresim::test::fast_options;
using azuresim::test::random_report_data;

azuresim::test::AzureVm& vm() {
  static azuresim::test::AzureVm instance("azure");
  return instance;
}

// A TPM on which something measures at run time: after the first TPM2_Quote it answers,
// it extends PCR 9 once (as a kernel measuring a late initrd or a service would).
class ExtendAfterQuote : public hal::tpm::TpmTransport {
 public:
  explicit ExtendAfterQuote(std::shared_ptr<hal::tpm::TpmTransport> inner) : inner_(std::move(inner)) {}
  Result<Bytes> transact(ByteView command) override {
    auto r = inner_->transact(command);
    const bool is_quote = command.size() >= 10 && command[6] == 0 && command[7] == 0 && command[8] == 0x01 &&
                          command[9] == 0x58;  // TPM_CC_Quote
    const bool answered = r && r->size() >= 10 && all_zero(ByteView(*r).subspan(6, 4));  // TPM_RC_SUCCESS, not RETRY
    if (answered && is_quote && !extended_) {
      extended_ = true;
      hal::tpm::Tpm tpm(inner_);
      if (Status s = tpm.pcr_extend(9, Bytes(32, 0x5A)); !s) return s.error();
    }
    return r;
  }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::shared_ptr<hal::tpm::TpmTransport> inner_;
  bool extended_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tpm_azure)

BOOST_AUTO_TEST_CASE(a_pcr_extended_between_quote_and_read_is_read_again_consistently) {
  auto transport = std::make_shared<ExtendAfterQuote>(vm().swtpm.transport());
  hal::AzureVtpmOptions o = fast_options();
  o.event_log_path = "";  // no log: the quote and the values must agree by themselves
  hal::AzureVtpmSource source(transport, o);
  hal::ReportData data = random_report_data();
  auto e = source.get_evidence(data);
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  // What a client checks: the values hash to the signed digest.
  auto info = hal::tpm::verify_quote(*e->quote, *hal::hcl_ak_public_key(*e->runtime_claims), crypto::sha256(data));
  BOOST_TEST(info.ok(), test::why(info));
}

BOOST_AUTO_TEST_CASE(hcl_writer_output_parses_back_to_the_same_report_and_claims) {
  const auto& id = snpsim::test::milan();
  std::string claims = azuresim::azure_runtime_claims(id.vcek.public_key(), Bytes(64, 0xAB));
  snpsim::ReportRequest req;
  auto report = snpsim::make_report(id, req);
  BOOST_REQUIRE(report);
  Bytes hcl = azuresim::write_hcl_report(*report, claims, 2048);
  BOOST_TEST(hcl.size() == 2048u);
  auto parsed = snp::parse_hcl_report(hcl);
  BOOST_REQUIRE_MESSAGE(parsed, test::why(parsed));
  BOOST_TEST(parsed->snp_report_bytes == *report);
  BOOST_TEST(parsed->runtime_claims == claims);
  BOOST_TEST(claims.find(R"("user-data":"ABABAB)") != std::string::npos);  // uppercase, as Azure writes it
}

BOOST_AUTO_TEST_CASE(fresh_vm_hcl_report_publishes_the_ak_and_zero_user_data) {
  hal::AzureVtpmSource source(vm().swtpm.transport(), fast_options());
  auto hcl = source.read_hcl_report();
  BOOST_REQUIRE_MESSAGE(hcl, test::why(hcl));
  BOOST_TEST(snp::check_runtime_binding(*hcl).ok());
  auto ak = hal::hcl_ak_public_key(hcl->runtime_claims);
  BOOST_REQUIRE_MESSAGE(ak, test::why(ak));
  BOOST_TEST((*ak == vm().paravisor->ak()));
  BOOST_TEST(hcl->runtime_claims.find("vm-configuration") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(get_evidence_binds_the_report_data_as_user_data_and_quotes_its_digest) {
  hal::AzureVtpmSource source(vm().swtpm.transport(), fast_options());
  hal::ReportData data = random_report_data();
  auto e = source.get_evidence(data);
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  BOOST_TEST(e->source == "azure-vtpm");
  BOOST_REQUIRE(e->hcl_report && e->runtime_claims && e->quote);

  auto user = hal::hcl_user_data(*e->runtime_claims);
  BOOST_REQUIRE(user);
  BOOST_TEST(*user == to_bytes(data));

  // The SNP report verifies against the sim root, and binds the claims.
  verify::RootStore roots;
  roots.add(snpsim::sim_product_chain(snpsim::test::milan()));
  verify::VerifyOptions options;
  options.roots = &roots;
  std::vector<crypto::Certificate> certs{snpsim::test::milan().vcek};
  auto verified = verify::verify_report(e->report, certs, options);
  BOOST_REQUIRE_MESSAGE(verified, test::why(verified));
  auto hcl = snp::parse_hcl_report(*e->hcl_report);
  BOOST_REQUIRE(hcl);
  BOOST_TEST(snp::check_runtime_binding(*hcl).ok());

  // The quote is over SHA-256(report data), by HCLAkPub.
  auto info = hal::tpm::verify_quote(*e->quote, *hal::hcl_ak_public_key(*e->runtime_claims),
                                     crypto::sha256(data));
  BOOST_REQUIRE_MESSAGE(info, test::why(info));
  BOOST_TEST(info->pcrs == (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12}));
  auto checked = hal::check_azure_evidence(*e, data);
  BOOST_TEST(checked.ok(), test::why(checked));
}

BOOST_AUTO_TEST_CASE(evidence_checked_against_other_report_data_is_a_report_data_mismatch) {
  hal::AzureVtpmSource source(vm().swtpm.transport(), fast_options());
  hal::ReportData data = random_report_data();
  auto e = source.get_evidence(data);
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  hal::ReportData other = data;
  other[5] ^= 1;
  auto checked = hal::check_azure_evidence(*e, other);
  BOOST_REQUIRE(!checked);
  BOOST_TEST(checked.error().name() == "ReportDataMismatch");
}

BOOST_AUTO_TEST_CASE(a_paravisor_that_never_answers_is_a_device_error_after_the_timeout) {
  azuresim::test::Swtpm tpm("silent");
  azuresim::ParavisorOptions o;
  o.identity = &snpsim::test::milan();
  auto p = azuresim::Paravisor::provision(tpm.transport(), o);  // provisioned, never started
  BOOST_REQUIRE_MESSAGE(p, test::why(p));
  hal::AzureVtpmOptions opts = fast_options();
  opts.timeout = std::chrono::milliseconds(300);
  hal::AzureVtpmSource source(tpm.transport(), opts);
  auto e = source.get_evidence(random_report_data());
  BOOST_REQUIRE(!e);
  BOOST_TEST(e.error().name() == "DeviceError");
  BOOST_TEST(e.error().message().find("did not publish") != std::string::npos, e.error().message());
}

BOOST_AUTO_TEST_CASE(the_source_names_a_dead_swtpm_and_recovers_when_it_restarts) {
  azuresim::test::Swtpm tpm("azure-restart");
  azuresim::ParavisorOptions o;
  o.identity = &snpsim::test::milan();
  auto p = azuresim::Paravisor::provision(tpm.transport(), o);
  BOOST_REQUIRE_MESSAGE(p, test::why(p));
  (*p)->start();
  hal::AzureVtpmSource source(tpm.transport(), fast_options());
  BOOST_REQUIRE(source.get_evidence(random_report_data()).ok());

  tpm.kill();
  auto down = source.get_evidence(random_report_data());
  BOOST_REQUIRE(!down);
  BOOST_TEST(down.error().describe() == "DeviceError: user-data: NV index 0x1400002: TPM2_NV_ReadPublic: TPM socket "
                                        "127.0.0.1:" + std::to_string(tpm.port()) + ": connect: Connection refused");

  tpm.restart();  // same state: the AK, the HCL index and the user-data index are still there
  hal::ReportData data = random_report_data();
  auto up = source.get_evidence(data);
  BOOST_REQUIRE_MESSAGE(up, test::why(up));
  auto checked = hal::check_azure_evidence(*up, data);
  BOOST_TEST(checked.ok(), test::why(checked));
  (*p)->stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd
