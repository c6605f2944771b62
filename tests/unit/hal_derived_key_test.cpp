// SNP_GET_DERIVED_KEY: hal::get_derived_key against snp-sim's /dev/sev-guest, whose
// MSG_KEY_REQ answer (tests/mocks/snp/derived_key.h) mixes in exactly the selected fields
// and refuses what the firmware refuses.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "hal/derived_key.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"

namespace attestd::snpsim {
namespace {

namespace f = hal::guest_field;

// A launch with every field the key can mix in set to something.
ReportRequest launch() {
  ReportRequest r;
  r.policy = 0x30000;
  r.image_id.fill(0x11);
  r.family_id.fill(0x22);
  r.measurement.fill(0x33);
  r.guest_svn = 5;
  return r;
}

hal::DerivedKeyRequest request(std::uint64_t fields, hal::RootKey root = hal::RootKey::Vcek) {
  hal::DerivedKeyRequest r;
  r.root = root;
  r.fields = fields;
  r.guest_svn = 3;
  r.tcb_version = snp::encode_tcb(snp::Product::Milan, test::milan().tcb);
  return r;
}

Result<hal::DerivedKey> key_of(const ReportRequest& base, const hal::DerivedKeyRequest& r, std::uint32_t guest_vmpl = 0) {
  SimSevGuestDevice device(test::milan(), base);
  device.set_guest_vmpl(guest_vmpl);
  return hal::get_derived_key(device, r);
}

std::string hex_of(const Result<hal::DerivedKey>& k) {
  BOOST_REQUIRE_MESSAGE(k.ok(), attestd::test::why(k));
  return hex_encode(*k);
}

BOOST_AUTO_TEST_SUITE(hal_derived_key)

BOOST_AUTO_TEST_CASE(the_same_request_on_the_same_guest_gives_the_same_key) {
  std::string a = hex_of(key_of(launch(), request(f::kAll)));
  std::string b = hex_of(key_of(launch(), request(f::kAll)));
  BOOST_TEST(a == b);
  BOOST_TEST(a.size() == 64u);
  BOOST_TEST(a != std::string(64, '0'));
}

BOOST_AUTO_TEST_CASE(each_selected_launch_field_changes_the_key) {
  const std::string base = hex_of(key_of(launch(), request(f::kAll)));
  ReportRequest policy = launch(), image = launch(), family = launch(), measurement = launch();
  policy.policy |= 1ull << 20;  // single socket
  image.image_id[0] ^= 1;
  family.family_id[15] ^= 1;
  measurement.measurement[47] ^= 1;
  BOOST_TEST(hex_of(key_of(policy, request(f::kAll))) != base, "policy");
  BOOST_TEST(hex_of(key_of(image, request(f::kAll))) != base, "image-id");
  BOOST_TEST(hex_of(key_of(family, request(f::kAll))) != base, "family-id");
  BOOST_TEST(hex_of(key_of(measurement, request(f::kAll))) != base, "measurement");
}

BOOST_AUTO_TEST_CASE(the_selected_guest_svn_tcb_and_the_vmpl_change_the_key) {
  const std::string base = hex_of(key_of(launch(), request(f::kAll)));
  hal::DerivedKeyRequest svn = request(f::kAll), tcb = request(f::kAll), vmpl = request(f::kAll);
  svn.guest_svn = 4;
  snp::TcbVersion lower = test::milan().tcb;
  lower.snp -= 1;
  tcb.tcb_version = snp::encode_tcb(snp::Product::Milan, lower);
  vmpl.vmpl = 1;  // always mixed in
  BOOST_TEST(hex_of(key_of(launch(), svn)) != base, "svn");
  BOOST_TEST(hex_of(key_of(launch(), tcb)) != base, "tcb");
  BOOST_TEST(hex_of(key_of(launch(), vmpl)) != base, "vmpl");
}

BOOST_AUTO_TEST_CASE(an_unselected_field_does_not_change_the_key) {
  // Everything selected but the measurement: a different measurement, the same key.
  const std::uint64_t all_but_measurement = f::kAll & ~f::kMeasurement;
  ReportRequest other = launch();
  other.measurement.fill(0x99);
  BOOST_TEST(hex_of(key_of(launch(), request(all_but_measurement))) ==
             hex_of(key_of(other, request(all_but_measurement))));
  // Nothing selected: neither the launch nor the request's SVN and TCB matter.
  ReportRequest changed = other;
  changed.policy |= 1ull << 20;
  changed.image_id.fill(0);
  hal::DerivedKeyRequest r = request(0);
  r.guest_svn = 0;
  r.tcb_version = 0;
  BOOST_TEST(hex_of(key_of(launch(), request(0))) == hex_of(key_of(changed, r)));
  // But selecting a field is itself part of the key.
  BOOST_TEST(hex_of(key_of(launch(), request(0))) != hex_of(key_of(launch(), request(f::kPolicy))));
}

BOOST_AUTO_TEST_CASE(vcek_and_vmrk_roots_give_different_keys_and_so_do_chips) {
  std::string vcek = hex_of(key_of(launch(), request(f::kMeasurement, hal::RootKey::Vcek)));
  std::string vmrk = hex_of(key_of(launch(), request(f::kMeasurement, hal::RootKey::Vmrk)));
  BOOST_TEST(vcek != vmrk);
  SimSevGuestDevice genoa(test::genoa(), launch());
  hal::DerivedKeyRequest r = request(f::kMeasurement);
  r.tcb_version = 0;
  auto other_chip = hal::get_derived_key(genoa, r);
  BOOST_TEST(hex_of(other_chip) != hex_of(key_of(launch(), r)));
}

BOOST_AUTO_TEST_CASE(a_vmpl_below_the_guests_own_is_refused_with_invalid_param) {
  hal::DerivedKeyRequest r = request(f::kPolicy);
  r.vmpl = 1;
  auto k = key_of(launch(), r, /*guest_vmpl=*/2);
  BOOST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().name() == "DeviceError");
  BOOST_TEST(k.error().message().find("MSG_KEY_RSP status 0x16 (INVALID_PARAM") == 0u, k.error().message());
  r.vmpl = 2;
  BOOST_TEST(key_of(launch(), r, 2).ok());
}

BOOST_AUTO_TEST_CASE(a_guest_svn_above_the_launchs_is_refused_with_invalid_param) {
  hal::DerivedKeyRequest r = request(f::kGuestSvn);
  r.guest_svn = launch().guest_svn + 1;
  auto k = key_of(launch(), r);
  BOOST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().message().find("status 0x16 (INVALID_PARAM") != std::string::npos, k.error().message());
  r.guest_svn = launch().guest_svn;
  BOOST_TEST(key_of(launch(), r).ok());
}

BOOST_AUTO_TEST_CASE(a_tcb_above_the_committed_one_in_any_component_is_refused) {
  for (int component = 0; component < 4; ++component) {
    snp::TcbVersion above = test::milan().tcb;
    if (component == 0) above.bootloader += 1;
    if (component == 1) above.tee += 1;
    if (component == 2) above.snp += 1;
    if (component == 3) above.microcode += 1;
    hal::DerivedKeyRequest r = request(f::kTcbVersion);
    r.tcb_version = snp::encode_tcb(snp::Product::Milan, above);
    auto k = key_of(launch(), r);
    BOOST_REQUIRE(!k.ok());
    BOOST_TEST(k.error().message().find("INVALID_PARAM") != std::string::npos, "component " << component);
  }
  hal::DerivedKeyRequest reserved = request(f::kTcbVersion);
  reserved.tcb_version |= 0xFFull << 16;  // Milan's reserved bytes 2-5
  BOOST_TEST(!key_of(launch(), reserved).ok());
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_usage_errors_and_never_reach_the_device) {
  SimSevGuestDevice device(test::milan(), launch());
  hal::DerivedKeyRequest r = request(f::kPolicy);
  r.vmpl = 4;
  auto k = hal::get_derived_key(device, r);
  BOOST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().name() == "Usage");
  BOOST_TEST(k.error().message() == "sev-guest: VMPL 4 is not 0-3");
  r = request(f::kAll | (1u << 6));  // launch mitigation vector: message version 2
  k = hal::get_derived_key(device, r);
  BOOST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().message().find("sev-guest: guest field select 0x7f has bits beyond") == 0u, k.error().message());
  BOOST_TEST(device.counters().ioctls == 0);
}

BOOST_AUTO_TEST_CASE(field_and_root_names_parse_strictly) {
  BOOST_TEST(*hal::parse_guest_fields("") == 0u);
  BOOST_TEST(*hal::parse_guest_fields("tcb,policy") == (f::kTcbVersion | f::kPolicy));
  BOOST_TEST(*hal::parse_guest_fields("policy,image-id,family-id,measurement,svn,tcb") == f::kAll);
  BOOST_TEST(hal::guest_fields_name(f::kTcbVersion | f::kPolicy) == "policy,tcb");
  BOOST_TEST(hal::guest_fields_name(0) == "none");
  auto unknown = hal::parse_guest_fields("policy,chip-id");
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(unknown.error().message() ==
             "--fields: 'chip-id' is not policy, image-id, family-id, measurement, svn or tcb");
  auto twice = hal::parse_guest_fields("svn,svn");
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST(twice.error().message() == "--fields: 'svn' is named twice");
  auto empty = hal::parse_guest_fields("policy,");
  BOOST_REQUIRE(!empty.ok());
  BOOST_TEST(empty.error().message().find("--fields: '' is not") == 0u, empty.error().message());
  BOOST_TEST((*hal::parse_root_key("vmrk") == hal::RootKey::Vmrk));
  auto root = hal::parse_root_key("vlek");
  BOOST_REQUIRE(!root.ok());
  BOOST_TEST(root.error().message() == "--root: 'vlek' is not vcek or vmrk");
}

BOOST_AUTO_TEST_CASE(the_sim_refuses_reserved_bits_and_a_vlek_it_does_not_have) {
  SimSevGuestDevice device(test::milan(), launch());
  auto send = [&](hal::uapi::SnpDerivedKeyReq req) {
    hal::uapi::SnpDerivedKeyResp resp{};
    hal::uapi::SnpGuestRequestIoctl io{};
    BOOST_REQUIRE(hal::send_guest_request(device, {}, hal::uapi::kSnpGetDerivedKey, &req, &resp, io) == 0);
    std::uint32_t status;
    std::memcpy(&status, resp.data, 4);
    return status;
  };
  hal::uapi::SnpDerivedKeyReq ok{};
  BOOST_TEST(send(ok) == 0u);
  hal::uapi::SnpDerivedKeyReq r = ok;
  r.rsvd = 1;
  BOOST_TEST(send(r) == hal::uapi::kStatusInvalidParam);
  r = ok;
  r.root_key_select = 1u << 3;
  BOOST_TEST(send(r) == hal::uapi::kStatusInvalidParam);
  r = ok;
  r.root_key_select = 3u << 1;  // KEY_SEL 3: reserved
  BOOST_TEST(send(r) == hal::uapi::kStatusInvalidParam);
  r = ok;
  r.root_key_select = 2u << 1;  // KEY_SEL 2: the VLEK, which this launch does not have
  BOOST_TEST(send(r) == hal::uapi::kStatusInvalidKey);
  BOOST_TEST(device.counters().derived_keys == 5);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace attestd::snpsim
