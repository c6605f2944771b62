// Revocation (crypto/crl.h, verify/revocation.h, hal/kds_crl.h): CRLs that snp-sim's test
// ARK signs in AMD's form, checked for their signer, their update window and the serials
// they revoke; and fetched from a local KDS with a cache that lasts until nextUpdate.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>

#include <unistd.h>

#include "core/file.h"
#include "crypto/base64.h"
#include "crypto/crl.h"
#include "hal/kds_crl.h"
#include "tests/mocks/snp/crl.h"
#include "tests/mocks/snp/kds_server.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"
#include "verify/revocation.h"

namespace attestd::verify {
namespace {

namespace fs = std::filesystem;
using snp::test::code_name;
using snpsim::test::milan;

const UnixTime kAt = 1780272000;  // 2026-06-01T00:00:00Z
const UnixTime kDay = 86400;

crypto::RevocationList parsed(const Result<Bytes>& der) {
  BOOST_REQUIRE_MESSAGE(der.ok(), test::why(der));
  auto crl = crypto::RevocationList::parse(*der);
  BOOST_REQUIRE_MESSAGE(crl.ok(), test::why(crl));
  return *crl;
}

ProductChain milan_chain() { return snpsim::sim_product_chain(milan()); }

Status check_vcek(const crypto::RevocationList& crl, UnixTime at = kAt) {
  return check_revocation(crl, milan_chain(), milan().vcek, KeyKind::Vcek, at);
}

// PEM body lines of 64 characters.
std::string base64_lines(const Bytes& der) {
  std::string b64 = crypto::base64_encode(der), out;
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out;
}

std::string message_of(const Status& s) { return s.ok() ? "" : s.error().message(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(revocation)

BOOST_AUTO_TEST_CASE(a_crl_parses_with_its_issuer_window_and_serials) {
  snpsim::CrlSpec spec;
  spec.this_update = kAt - kDay;
  spec.next_update = kAt + 7 * kDay;
  spec.revoked_serials = {milan().vcek.serial()};
  crypto::RevocationList crl = parsed(snpsim::make_crl(spec, milan().ark, milan().ark_key));
  BOOST_TEST(crl.issuer() == milan().ark.subject());
  BOOST_TEST(crl.this_update() == kAt - kDay);
  BOOST_TEST(crl.next_update() == kAt + 7 * kDay);
  BOOST_REQUIRE(crl.revoked().size() == 1u);
  BOOST_TEST(crl.revoked()[0].serial == milan().vcek.serial());
  BOOST_TEST(crl.signature_algorithm() == "RSASSA-PSS");
}

BOOST_AUTO_TEST_CASE(a_pem_crl_parses_as_its_der) {
  auto der = snpsim::make_ark_crl(milan(), kAt);
  BOOST_REQUIRE(der.ok());
  std::string pem = "-----BEGIN X509 CRL-----\n" + base64_lines(*der) + "-----END X509 CRL-----\n";
  auto crl = crypto::RevocationList::parse(as_bytes(pem));
  BOOST_REQUIRE_MESSAGE(crl.ok(), test::why(crl));
  BOOST_TEST(crl->der() == *der);
}

BOOST_AUTO_TEST_CASE(a_current_crl_of_the_ark_that_revokes_nothing_passes) {
  BOOST_TEST(code_name(check_vcek(parsed(snpsim::make_ark_crl(milan(), kAt)))) == "Ok");
}

BOOST_AUTO_TEST_CASE(a_revoked_vcek_is_certificate_revoked_naming_it_and_its_serial) {
  Status s = check_vcek(parsed(snpsim::make_ark_crl(milan(), kAt, {milan().vcek.serial()})));
  BOOST_TEST(code_name(s) == "CertificateRevoked");
  BOOST_TEST(message_of(s).find("VCEK 'SEV-VCEK' (serial " + hex_encode(milan().vcek.serial()) + ")") == 0u);
}

BOOST_AUTO_TEST_CASE(a_revoked_ask_is_certificate_revoked_naming_it) {
  Status s = check_vcek(parsed(snpsim::make_ark_crl(milan(), kAt, {Bytes{0x7f}, milan().ask.serial()})));
  BOOST_TEST(code_name(s) == "CertificateRevoked");
  BOOST_TEST(message_of(s).find("ASK 'SEV-Milan' (serial " + hex_encode(milan().ask.serial()) + ")") == 0u);
}

BOOST_AUTO_TEST_CASE(a_revoked_asvk_revokes_the_vlek_chain_but_not_the_vcek_chain) {
  crypto::RevocationList crl = parsed(snpsim::make_ark_crl(milan(), kAt, {milan().asvk.serial()}));
  Status vlek = check_revocation(crl, milan_chain(), milan().vlek, KeyKind::Vlek, kAt);
  BOOST_TEST(code_name(vlek) == "CertificateRevoked");
  BOOST_TEST(message_of(vlek).find("ASVK ") == 0u);
  BOOST_TEST(code_name(check_vcek(crl)) == "Ok");
}

BOOST_AUTO_TEST_CASE(a_crl_signed_by_another_key_is_crl_invalid) {
  snpsim::CrlSpec spec;
  spec.this_update = kAt - kDay;
  spec.next_update = kAt + kDay;
  Status s = check_vcek(parsed(snpsim::make_crl(spec, milan().ark, milan().ask_key)));
  BOOST_TEST(code_name(s) == "CrlInvalid");
  BOOST_TEST(message_of(s).find("signature does not verify with the key of 'ARK-Milan'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_crl_the_ark_signed_with_pkcs1_v1_5_is_crl_invalid) {
  // AMD signs with RSASSA-PSS SHA-384 (MGF1 SHA-384, salt 48) only; a list in another form
  // is not AMD's, whoever's key made it.
  snpsim::CrlSpec spec;
  spec.this_update = kAt - kDay;
  spec.next_update = kAt + kDay;
  spec.pkcs1_v1_5 = true;
  Status s = check_vcek(parsed(snpsim::make_crl(spec, milan().ark, milan().ark_key)));
  BOOST_TEST(code_name(s) == "CrlInvalid");
  BOOST_TEST(message_of(s).find("not RSASSA-PSS with SHA-384") != std::string::npos, message_of(s));
}

BOOST_AUTO_TEST_CASE(a_pem_file_with_two_crls_is_malformed_input) {
  // Only one list is checked: a second one (the VLEK's, another revocation) must not be
  // dropped unseen.
  auto one = snpsim::make_ark_crl(milan(), kAt);
  auto two = snpsim::make_ark_crl(milan(), kAt, {milan().vcek.serial()});
  BOOST_REQUIRE(one.ok() && two.ok());
  std::string pem = "-----BEGIN X509 CRL-----\n" + base64_lines(*one) + "-----END X509 CRL-----\n" +
                    "-----BEGIN X509 CRL-----\n" + base64_lines(*two) + "-----END X509 CRL-----\n";
  auto crl = crypto::RevocationList::parse(as_bytes(pem));
  BOOST_REQUIRE(!crl.ok());
  BOOST_TEST(crl.error().name() == "MalformedInput");
  BOOST_TEST(crl.error().message().find("one X509 CRL block") != std::string::npos, crl.error().message());
  auto junk = crypto::RevocationList::parse(
      as_bytes("-----BEGIN X509 CRL-----\n" + base64_lines(*one) + "-----END X509 CRL-----\ntrailing junk\n"));
  BOOST_TEST(!junk.ok());
}

BOOST_AUTO_TEST_CASE(another_products_crl_is_crl_invalid_naming_its_issuer) {
  Status s = check_vcek(parsed(snpsim::make_ark_crl(snpsim::test::turin(), kAt)));
  BOOST_TEST(code_name(s) == "CrlInvalid");
  BOOST_TEST(message_of(s).find("CN=ARK-Turin', not by '") != std::string::npos, message_of(s));
}

BOOST_AUTO_TEST_CASE(a_crl_past_its_next_update_is_crl_invalid) {
  Status s = check_vcek(parsed(snpsim::make_ark_crl(milan(), kAt)), kAt + 31 * kDay);
  BOOST_TEST(code_name(s) == "CrlInvalid");
  BOOST_TEST(message_of(s).find("to 2026-07-01T00:00:00Z, not at 2026-07-02T00:00:00Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_crl_not_yet_valid_is_crl_invalid) {
  Status s = check_vcek(parsed(snpsim::make_ark_crl(milan(), kAt)), kAt - 2 * kDay);
  BOOST_TEST(code_name(s) == "CrlInvalid");
  BOOST_TEST(message_of(s).find("valid from 2026-05-31T00:00:00Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_truncated_crl_is_malformed_input) {
  auto der = snpsim::make_ark_crl(milan(), kAt);
  BOOST_REQUIRE(der.ok());
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, der->size() / 2, der->size() - 1}) {
    BOOST_TEST_CONTEXT("cut at " << cut) {
      auto crl = crypto::RevocationList::parse(ByteView(der->data(), cut));
      BOOST_TEST(code_name(crl) == "MalformedInput");
    }
  }
}

BOOST_AUTO_TEST_CASE(trailing_bytes_after_a_crl_are_malformed_input) {
  auto der = snpsim::make_ark_crl(milan(), kAt);
  BOOST_REQUIRE(der.ok());
  der->push_back(0);
  auto crl = crypto::RevocationList::parse(*der);
  BOOST_TEST(code_name(crl) == "MalformedInput");
  // mbedTLS itself refuses the CRL's outer SEQUENCE not spanning the input.
  BOOST_TEST(crl.error().message().find("Actual length differs from expected length") != std::string::npos,
             crl.error().message());
}

BOOST_AUTO_TEST_CASE(a_crl_without_next_update_is_malformed_input) {
  snpsim::CrlSpec spec;
  spec.this_update = kAt - kDay;
  auto der = snpsim::make_crl(spec, milan().ark, milan().ark_key);
  BOOST_REQUIRE(der.ok());
  auto crl = crypto::RevocationList::parse(*der);
  BOOST_TEST(code_name(crl) == "MalformedInput");
  BOOST_TEST(crl.error().message().find("no nextUpdate") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_certificate_is_not_a_crl) {
  BOOST_TEST(code_name(crypto::RevocationList::parse(milan().vcek.der())) == "MalformedInput");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- KDS ----

namespace {

std::string scratch(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = test::tmp_dir() + "/crl-" + name + "-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter++);
  fs::remove_all(dir);
  return dir;
}

std::unique_ptr<snpsim::SimKds> kds_with_crl(UnixTime made_at) {
  auto kds = snpsim::SimKds::start({&milan()});
  BOOST_REQUIRE_MESSAGE(kds.ok(), test::why(kds));
  auto der = snpsim::make_ark_crl(milan(), made_at);
  BOOST_REQUIRE(der.ok());
  (*kds)->set_crl(snp::Product::Milan, false, *der);
  return std::move(kds).value();
}

hal::VcekSourceOptions options_for(const snpsim::SimKds& kds, UnixTime at) {
  hal::VcekSourceOptions o;
  o.kds_base = kds.url();
  o.at = at;
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kds_crl)

BOOST_AUTO_TEST_CASE(the_crl_urls_name_the_key_kind_and_product) {
  BOOST_TEST(*hal::kds_crl_url(hal::kAmdKdsBase, snp::Product::Genoa, KeyKind::Vcek) ==
             "https://kdsintf.amd.com/vcek/v1/Genoa/crl");
  BOOST_TEST(*hal::kds_crl_url(hal::kAmdKdsBase, snp::Product::Turin, KeyKind::Vlek) ==
             "https://kdsintf.amd.com/vlek/v1/Turin/crl");
  BOOST_TEST(code_name(hal::kds_crl_url(hal::kAmdKdsBase, snp::Product::Unknown, KeyKind::Vcek)) ==
             "UnknownProduct");
}

BOOST_AUTO_TEST_CASE(the_crl_is_fetched_from_kds_and_checked) {
  auto kds = kds_with_crl(kAt);
  auto crl = hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, options_for(*kds, kAt));
  BOOST_REQUIRE_MESSAGE(crl.ok(), test::why(crl));
  BOOST_TEST(crl->next_update() == kAt + 30 * kDay);
  BOOST_TEST(kds->targets() == std::vector<std::string>{"/vcek/v1/Milan/crl"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_cached_crl_serves_until_its_next_update_and_is_fetched_again_after) {
  auto kds = kds_with_crl(kAt);
  hal::VcekSourceOptions o = options_for(*kds, kAt);
  o.cache_dir = scratch("cache");
  BOOST_REQUIRE(hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, o).ok());
  BOOST_TEST(fs::exists(o.cache_dir + "/Milan/crl-vcek.der"));
  o.at = kAt + 29 * kDay;
  BOOST_REQUIRE(hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, o).ok());
  BOOST_TEST(kds->targets().size() == 1u);
  // Past nextUpdate the cached copy is dropped; KDS now serves a newer list.
  o.at = kAt + 31 * kDay;
  auto newer = snpsim::make_ark_crl(milan(), o.at);
  BOOST_REQUIRE(newer.ok());
  kds->set_crl(snp::Product::Milan, false, *newer);
  auto crl = hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, o);
  BOOST_REQUIRE_MESSAGE(crl.ok(), test::why(crl));
  BOOST_TEST(crl->next_update() == o.at + 30 * kDay);
  BOOST_TEST(kds->targets().size() == 2u);
  BOOST_TEST(*read_file(o.cache_dir + "/Milan/crl-vcek.der", 1 << 20) == *newer);
  fs::remove_all(o.cache_dir);
}

BOOST_AUTO_TEST_CASE(a_stale_crl_from_kds_is_crl_invalid_and_not_cached) {
  auto kds = kds_with_crl(kAt - 60 * kDay);
  hal::VcekSourceOptions o = options_for(*kds, kAt);
  o.cache_dir = scratch("stale");
  auto crl = hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, o);
  BOOST_TEST(code_name(crl) == "CrlInvalid");
  BOOST_TEST(!fs::exists(o.cache_dir + "/Milan/crl-vcek.der"));
  fs::remove_all(o.cache_dir);
}

BOOST_AUTO_TEST_CASE(no_crl_at_kds_is_crl_unavailable) {
  auto kds = kds_with_crl(kAt);
  auto crl = hal::fetch_crl(snp::Product::Milan, KeyKind::Vlek, milan().ark, options_for(*kds, kAt));
  BOOST_TEST(code_name(crl) == "CrlUnavailable");
  BOOST_TEST(crl.error().message().find("/vlek/v1/Milan/crl: HTTP 404") != std::string::npos);
}

hal::VcekChain milan_vcek_chain() {
  auto ext = read_kds_extensions(milan().vcek);
  BOOST_REQUIRE(ext.ok());
  return hal::VcekChain{milan().vcek, milan().ask, milan().ark, *ext, "certificate table"};
}

BOOST_AUTO_TEST_CASE(require_refuses_a_chain_without_a_crl_and_best_effort_goes_on) {
  auto kds = snpsim::SimKds::start({&milan()});
  BOOST_REQUIRE(kds.ok());
  hal::VcekSourceOptions o = options_for(**kds, kAt);
  auto required = hal::check_chain_revocation(milan_vcek_chain(), hal::CrlMode::Require, o);
  BOOST_TEST(code_name(required) == "CrlUnavailable");
  auto best = hal::check_chain_revocation(milan_vcek_chain(), hal::CrlMode::BestEffort, o);
  BOOST_REQUIRE_MESSAGE(best.ok(), test::why(best));
  BOOST_TEST(best->find("not checked (best-effort: CrlUnavailable: ") == 0u, *best);
  auto off = hal::check_chain_revocation(milan_vcek_chain(), hal::CrlMode::Off, o);
  BOOST_REQUIRE(off.ok());
  BOOST_TEST(*off == "not checked (crl: off)");
  BOOST_TEST((*kds)->targets().size() == 2u);  // off never asks
}

BOOST_AUTO_TEST_CASE(a_revoked_vcek_fails_in_require_and_in_best_effort) {
  auto kds = snpsim::SimKds::start({&milan()});
  BOOST_REQUIRE(kds.ok());
  auto der = snpsim::make_ark_crl(milan(), kAt, {milan().vcek.serial()});
  BOOST_REQUIRE(der.ok());
  (*kds)->set_crl(snp::Product::Milan, false, *der);
  hal::VcekSourceOptions o = options_for(**kds, kAt);
  for (hal::CrlMode mode : {hal::CrlMode::Require, hal::CrlMode::BestEffort}) {
    BOOST_TEST_CONTEXT(hal::crl_mode_name(mode)) {
      BOOST_TEST(code_name(hal::check_chain_revocation(milan_vcek_chain(), mode, o)) == "CertificateRevoked");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_current_crl_that_revokes_nothing_passes_require) {
  auto kds = kds_with_crl(kAt);
  auto r = hal::check_chain_revocation(milan_vcek_chain(), hal::CrlMode::Require, options_for(*kds, kAt));
  BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
  BOOST_TEST(*r == "not revoked (CRL valid until 2026-07-01T00:00:00Z)");
}

BOOST_AUTO_TEST_CASE(no_kds_configured_is_crl_unavailable) {
  hal::VcekSourceOptions o;
  o.kds_base.clear();
  BOOST_TEST(code_name(hal::fetch_crl(snp::Product::Milan, KeyKind::Vcek, milan().ark, o)) == "CrlUnavailable");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::verify
