// /dev/sev-guest (hal/sev_guest.h) against the simulated device: the uapi, the requests
// sent, the certificate-length retry, busy hosts and firmware errors.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "hal/sev_guest.h"
#include "hal/snp/report.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/sim_source.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "verify/report_verifier.h"

namespace attestd::hal {
namespace {

using snpsim::SimSevGuestDevice;

const UnixTime kAt = 1748736000;  // 2025-06-01T00:00:00Z

ReportData data_of(std::uint8_t seed) {
  ReportData d;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(seed + i);
  return d;
}

// A source over a fresh mock; the mock stays reachable through `device`.
struct Rig {
  explicit Rig(SevGuestOptions options, snpsim::ReportRequest base = {}) {
    auto owned = std::make_unique<SimSevGuestDevice>(snpsim::test::milan(), base);
    device = owned.get();
    options.busy_backoff_ms = 1;
    source = std::make_unique<SevGuestSource>(std::move(owned), options);
  }
  SimSevGuestDevice* device;
  std::unique_ptr<SevGuestSource> source;
};

SevGuestOptions plain(std::uint32_t vmpl = 0) {
  SevGuestOptions o;
  o.vmpl = vmpl;
  o.extended = false;
  return o;
}

SevGuestOptions extended(std::uint32_t initial = 4096) {
  SevGuestOptions o;
  o.initial_certs_len = initial;
  return o;
}

std::uint32_t pages_needed_for_host_certificates() {
  auto size = snp::serialize_cert_table(snpsim::host_certificates(snpsim::test::milan())).size();
  return static_cast<std::uint32_t>((size + 4095) / 4096 * 4096);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hal_sev_guest)

BOOST_AUTO_TEST_CASE(uapi_structures_and_ioctl_numbers_are_the_kernels) {
  BOOST_TEST(sizeof(uapi::SnpReportReq) == 96u);
  BOOST_TEST(sizeof(uapi::SnpReportResp) == 4000u);
  BOOST_TEST(sizeof(uapi::SnpExtReportReq) == 112u);
  BOOST_TEST(sizeof(uapi::SnpGuestRequestIoctl) == 32u);
  BOOST_TEST(uapi::kSnpGetReport == 0xC0205300ul);
  BOOST_TEST(uapi::kSnpGetDerivedKey == 0xC0205301ul);
  BOOST_TEST(uapi::kSnpGetExtReport == 0xC0205302ul);
  uapi::SnpGuestRequestIoctl io{};
  io.exitinfo2 = 0x0000000100000016ull;
  BOOST_TEST(io.fw_error == 0x16u);
  BOOST_TEST(io.vmm_error == 1u);
}

BOOST_AUTO_TEST_CASE(a_plain_report_carries_the_report_data_and_vmpl_and_verifies) {
  Rig rig(plain(2));
  auto ev = rig.source->get_evidence(data_of(7));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(ev->source == "sev-guest");
  BOOST_TEST(ev->certificates.empty());
  auto parsed = snp::parse_report(ev->report);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(hex_encode(parsed->report_data) == hex_encode(data_of(7)));
  BOOST_TEST(parsed->vmpl == 2u);

  verify::RootStore store;
  store.add(snpsim::sim_product_chain(snpsim::test::milan()));
  verify::VerifyOptions options;
  options.at = kAt;
  options.roots = &store;
  std::vector<crypto::Certificate> certs{snpsim::test::milan().vcek};
  auto verified = verify::verify_report(ev->report, certs, options);
  BOOST_TEST(verified.ok(), test::why(verified));
  BOOST_TEST(rig.device->counters().ioctls == 1);
  BOOST_TEST(rig.device->counters().reports == 1);
}

BOOST_AUTO_TEST_CASE(a_plain_report_is_not_trusted_without_the_sim_root) {
  Rig rig(plain());
  auto ev = rig.source->get_evidence(data_of(1));
  BOOST_REQUIRE(ev.ok());
  std::vector<crypto::Certificate> certs{snpsim::test::milan().vcek};
  verify::VerifyOptions options;
  options.at = kAt;
  auto verified = verify::verify_report(ev->report, certs, options);
  BOOST_REQUIRE(!verified.ok());
  BOOST_TEST(verified.error().name() == "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(an_extended_report_retries_once_with_the_length_the_host_needs) {
  Rig rig(extended(4096));
  std::uint32_t needed = pages_needed_for_host_certificates();
  BOOST_REQUIRE(needed > 4096u);
  auto ev = rig.source->get_evidence(data_of(3));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(rig.device->certs_lens() == (std::vector<std::uint32_t>{4096u, needed}),
             boost::test_tools::per_element());
  BOOST_TEST(rig.device->counters().ioctls == 2);
  BOOST_TEST(rig.device->counters().too_small == 1);
  BOOST_TEST(rig.device->counters().ext_reports == 1);
  BOOST_TEST((ev->certificates == snpsim::host_certificates(snpsim::test::milan())));
}

BOOST_AUTO_TEST_CASE(an_extended_report_with_a_large_enough_buffer_takes_one_ioctl) {
  Rig rig(extended(16384));
  auto ev = rig.source->get_evidence(data_of(3));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(rig.device->counters().ioctls == 1);
  BOOST_TEST(ev->certificates.size() == 3u);
  BOOST_TEST((ev->certificates[0].guid == snp::kVcekGuid));
}

BOOST_AUTO_TEST_CASE(an_extended_report_from_a_host_without_certificates_has_none) {
  Rig rig(extended(4096));
  rig.device->set_certificates({});
  auto ev = rig.source->get_evidence(data_of(3));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(ev->certificates.empty());
  BOOST_TEST(ev->report.size() == snp::kReportSize);
}

BOOST_AUTO_TEST_CASE(a_host_needing_more_than_16_kib_is_a_device_error_without_a_second_request) {
  Rig rig(extended(4096));
  rig.device->set_certificates({{snp::kVcekGuid, Bytes(20000, 0x30)}});
  auto ev = rig.source->get_evidence(data_of(3));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() ==
             "DeviceError: SNP_GET_EXT_REPORT: the host needs a 20480-byte certificate buffer (had 4096, at most 16384)");
  BOOST_TEST(rig.device->counters().ioctls == 1);
}

BOOST_AUTO_TEST_CASE(a_busy_host_is_retried) {
  Rig rig(plain());
  rig.device->fail_busy(2);
  auto ev = rig.source->get_evidence(data_of(5));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(rig.device->counters().busy == 2);
  BOOST_TEST(rig.device->counters().ioctls == 3);
}

BOOST_AUTO_TEST_CASE(a_host_busy_beyond_the_retries_is_a_device_error) {
  SevGuestOptions o = plain();
  o.busy_retries = 2;
  Rig rig(o);
  rig.device->fail_busy(10);
  auto ev = rig.source->get_evidence(data_of(5));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() ==
             "DeviceError: SNP_GET_REPORT: Device or resource busy (errno 16), fw_error 0x0, vmm_error 0x0");
  BOOST_TEST(rig.device->counters().ioctls == 3);
}

BOOST_AUTO_TEST_CASE(a_firmware_error_is_a_device_error_naming_fw_error) {
  Rig rig(extended());
  rig.device->fail_firmware(0x16);
  auto ev = rig.source->get_evidence(data_of(5));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() ==
             "DeviceError: SNP_GET_EXT_REPORT: Input/output error (errno 5), fw_error 0x16, vmm_error 0x0");
  BOOST_TEST(rig.device->counters().ioctls == 1);
}

BOOST_AUTO_TEST_CASE(vmpl_4_is_refused_before_any_ioctl) {
  Rig rig(plain(4));
  auto ev = rig.source->get_evidence(data_of(5));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() == "Usage: sev-guest: VMPL 4 is not 0-3");
  BOOST_TEST(rig.device->counters().ioctls == 0);
}

BOOST_AUTO_TEST_CASE(a_certificate_buffer_that_is_not_whole_pages_is_refused_before_any_ioctl) {
  Rig rig(extended(5000));
  auto ev = rig.source->get_evidence(data_of(5));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().name() == "Usage");
  BOOST_TEST(rig.device->counters().ioctls == 0);
}

BOOST_AUTO_TEST_CASE(the_mock_answers_vmpl_4_with_invalid_param_status_as_the_firmware_does) {
  SimSevGuestDevice device(snpsim::test::milan());
  uapi::SnpReportReq req{};
  req.vmpl = 4;
  auto resp = std::make_unique<uapi::SnpReportResp>();
  uapi::SnpGuestRequestIoctl io{};
  io.msg_version = 1;
  io.req_data = reinterpret_cast<std::uintptr_t>(&req);
  io.resp_data = reinterpret_cast<std::uintptr_t>(resp.get());
  BOOST_TEST(device.ioctl(uapi::kSnpGetReport, &io) == 0);
  std::uint32_t status;
  std::memcpy(&status, resp->data, 4);
  BOOST_TEST(status == snpsim::kStatusInvalidParam);
  BOOST_TEST(device.counters().rejected_by_firmware == 1);
}

BOOST_AUTO_TEST_CASE(the_mock_refuses_a_message_version_other_than_1_with_einval) {
  SimSevGuestDevice device(snpsim::test::milan());
  uapi::SnpReportReq req{};
  auto resp = std::make_unique<uapi::SnpReportResp>();
  uapi::SnpGuestRequestIoctl io{};
  io.msg_version = 2;
  io.req_data = reinterpret_cast<std::uintptr_t>(&req);
  io.resp_data = reinterpret_cast<std::uintptr_t>(resp.get());
  BOOST_TEST(device.ioctl(uapi::kSnpGetReport, &io) == -EINVAL);
  BOOST_TEST(device.counters().rejected_by_kernel == 1);
}

BOOST_AUTO_TEST_CASE(the_sim_source_binds_report_data_and_supplies_the_host_certificates) {
  snpsim::SimEvidenceSource source(snpsim::test::milan());
  auto ev = source.get_evidence(data_of(9));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(ev->source == "sim");
  auto parsed = snp::parse_report(ev->report);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(hex_encode(parsed->report_data) == hex_encode(data_of(9)));
  BOOST_TEST((ev->certificates == snpsim::host_certificates(snpsim::test::milan())));
}

// attest report checks what a source answered before writing it: a report for other data
// (a broken driver, a relaying host) is refused, naming both values.
BOOST_AUTO_TEST_CASE(evidence_for_other_report_data_does_not_bind_the_data_asked_for) {
  snpsim::SimEvidenceSource source(snpsim::test::milan());
  auto ev = source.get_evidence(data_of(9));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(check_binding(*ev, data_of(9)).ok());
  Status other = check_binding(*ev, data_of(10));
  BOOST_REQUIRE(!other.ok());
  BOOST_TEST(error_name(other.error().code()) == "ReportDataMismatch");
  BOOST_TEST(other.error().message() == "the sim report's REPORT_DATA is " + hex_encode(data_of(9)) + ", but " +
                                            hex_encode(data_of(10)) + " was asked for");
  ev->report.resize(100);
  BOOST_TEST(error_name(check_binding(*ev, data_of(9)).error().code()) == "MalformedReport");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::hal
