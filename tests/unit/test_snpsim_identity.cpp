// snp-sim identities (tests/mocks/snp/sim.h): deterministic keys, and certificates shaped
// like AMD KDS's, compared with the genuine VCEKs/VLEK in the shared vectors.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "crypto/x509.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"
#include "tests/unit/test_snpsim_support.h"
#include "verify/chain.h"
#include "verify/kds.h"

namespace attestd::snpsim {
namespace {

using snp::Product;
using snp::test::code_name;
using test::kds_oids_in;

constexpr char kOid[] = "1.3.6.1.4.1.3704.1.";

Bytes integer(std::uint64_t v) { return crypto::der_integer(v); }
Bytes ia5(std::string_view s) { return crypto::der_ia5_string(s); }

Bytes ext(const crypto::Certificate& c, const std::string& arcs) {
  auto v = c.extension(kOid + arcs);
  return v ? *v : Bytes{};
}

Bytes vector_der(const std::string& rel) { return attestd::test::read_vector(rel); }

// A second machine: another seed, and every option that changes certificates set.
SimOptions other_machine_options() {
  SimOptions o;
  o.seed = "another machine";
  o.tcb = snp::TcbVersion{.bootloader = 2, .tee = 1, .snp = 7, .microcode = 210};
  Bytes chip(64);
  for (std::size_t i = 0; i < chip.size(); ++i) chip[i] = static_cast<std::uint8_t>(0xC0 + i);
  o.chip_id = chip;
  o.csp_id = "cloud.example.invalid";
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_identity)

BOOST_AUTO_TEST_CASE(same_options_give_byte_identical_keys_and_certificates) {
  const SimIdentity& cached = test::milan();
  auto fresh = make_identity(SimOptions{});
  BOOST_REQUIRE(fresh.ok());
  BOOST_TEST(fresh->ark.der() == cached.ark.der(), boost::test_tools::per_element());
  BOOST_TEST(fresh->ask.der() == cached.ask.der(), boost::test_tools::per_element());
  BOOST_TEST(fresh->asvk.der() == cached.asvk.der(), boost::test_tools::per_element());
  BOOST_TEST(fresh->vcek.der() == cached.vcek.der(), boost::test_tools::per_element());
  BOOST_TEST(fresh->vlek.der() == cached.vlek.der(), boost::test_tools::per_element());
  for (auto [a, b] : {std::pair{&fresh->ark_key, &cached.ark_key},
                      {&fresh->ask_key, &cached.ask_key},
                      {&fresh->asvk_key, &cached.asvk_key},
                      {&fresh->vcek_key, &cached.vcek_key},
                      {&fresh->vlek_key, &cached.vlek_key}}) {
    BOOST_TEST(a->der() == b->der(), boost::test_tools::per_element());
  }
  BOOST_TEST(fresh->chip_id == cached.chip_id, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(another_seed_gives_other_keys_and_chip_id) {
  const SimIdentity& a = test::milan();
  // Keys derive from seed, product and role only: the other options do not matter here.
  const SimIdentity& b = test::identity(other_machine_options());
  BOOST_TEST(!(a.ark.public_key() == b.ark.public_key()));
  BOOST_TEST(!(a.ask.public_key() == b.ask.public_key()));
  BOOST_TEST(!(a.asvk.public_key() == b.asvk.public_key()));
  BOOST_TEST(!(a.vcek.public_key() == b.vcek.public_key()));
  BOOST_TEST(!(a.vlek.public_key() == b.vlek.public_key()));
  BOOST_TEST(a.ark.der() != b.ark.der());
}

BOOST_AUTO_TEST_CASE(the_chip_id_derives_from_the_seed_unless_given) {
  const SimIdentity& a = test::milan();
  const SimIdentity& b = test::identity(other_machine_options());
  BOOST_TEST(a.chip_id.size() == 64u);
  BOOST_TEST(!all_zero(a.chip_id));
  BOOST_TEST(b.chip_id == *other_machine_options().chip_id, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(default_tcb_per_product) {
  auto described = [](Product p, const snp::TcbVersion& t) {
    return snp::describe_tcb(p, snp::encode_tcb(p, t));
  };
  BOOST_TEST(described(Product::Milan, test::milan().tcb) == "bl=3 tee=0 snp=8 ucode=115");
  BOOST_TEST(described(Product::Turin, test::turin().tcb) == "fmc=1 bl=1 tee=1 snp=1 ucode=1");
  BOOST_TEST(described(Product::Genoa, default_tcb(Product::Genoa)) ==
             "bl=10 tee=0 snp=27 ucode=27");
}

BOOST_AUTO_TEST_CASE(subjects_keep_amd_common_names_under_a_test_only_organisation) {
  const SimIdentity& id = test::milan();
  const std::string base =
      "OU=Engineering, C=US, L=Santa Clara, ST=CA, O=attestd snp-sim (TEST ONLY), CN=";
  BOOST_TEST(id.ark.subject() == base + "ARK-Milan");
  BOOST_TEST(id.ask.subject() == base + "SEV-Milan");
  BOOST_TEST(id.asvk.subject() == base + "SEV-VLEK-Milan");
  BOOST_TEST(id.vcek.subject() == base + "SEV-VCEK");
  BOOST_TEST(id.vlek.subject() == base + "SEV-VLEK");
  BOOST_TEST(id.vcek.issuer() == base + "SEV-Milan");
  BOOST_TEST(id.vlek.issuer() == base + "SEV-VLEK-Milan");
  BOOST_TEST(test::turin().ask.subject_common_name() == "SEV-Turin");
}

BOOST_AUTO_TEST_CASE(ark_ask_and_asvk_are_cas_the_leaves_are_not) {
  const SimIdentity& id = test::milan();
  BOOST_TEST(id.ark.is_ca());
  BOOST_TEST(id.ark.is_self_issued());
  BOOST_TEST(id.ask.is_ca());
  BOOST_TEST(id.asvk.is_ca());
  BOOST_TEST(!id.vcek.is_ca());
  BOOST_TEST(!id.vlek.is_ca());
}

BOOST_AUTO_TEST_CASE(every_certificate_carries_the_structure_of_amds_of_its_role) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      for (auto [cert, role] : {std::pair{&id->ark, verify::ChainRole::Ark}, std::pair{&id->ask, verify::ChainRole::Ask},
                                std::pair{&id->asvk, verify::ChainRole::Asvk}, std::pair{&id->vcek, verify::ChainRole::Vcek},
                                std::pair{&id->vlek, verify::ChainRole::Vlek}}) {
        Status s = verify::check_role(*cert, role);
        BOOST_TEST(s.ok(), verify::chain_role_name(role) << ": " << (s.ok() ? "" : s.error().describe()));
      }
      BOOST_TEST(!id->vcek.basic_constraints().has_value());  // as AMD's: no extension at all
    }
  }
}

BOOST_AUTO_TEST_CASE(keys_are_rsa_4096_for_the_cas_and_p384_for_the_leaves) {
  const SimIdentity& id = test::milan();
  for (const auto* c : {&id.ark, &id.ask, &id.asvk}) {
    BOOST_TEST((c->public_key().type() == crypto::KeyType::Rsa));
    BOOST_TEST(c->public_key().bits() == 4096u);
  }
  for (const auto* c : {&id.vcek, &id.vlek}) {
    BOOST_TEST((c->public_key().curve() == crypto::EcCurve::P384));
  }
}

BOOST_AUTO_TEST_CASE(certificates_are_signed_with_pkcs1_sha384_not_pss) {
  const SimIdentity& id = test::milan();
  for (const auto* c : {&id.ark, &id.ask, &id.asvk, &id.vcek, &id.vlek}) {
    BOOST_TEST(c->signature_algorithm() == "RSA with SHA-384");
  }
}

BOOST_AUTO_TEST_CASE(certificates_are_valid_from_2024_to_2049_and_have_amds_serials) {
  const SimIdentity& id = test::milan();
  for (const auto* c : {&id.ark, &id.ask, &id.asvk, &id.vcek, &id.vlek}) {
    BOOST_TEST(format_rfc3339(c->not_before()) == "2024-01-01T00:00:00Z");
    BOOST_TEST(format_rfc3339(c->not_after()) == "2049-12-31T23:59:59Z");
  }
  BOOST_TEST(id.ark.serial() == (Bytes{0x01, 0x00, 0x00}), boost::test_tools::per_element());
  BOOST_TEST(id.ask.serial() == (Bytes{0x01, 0x00, 0x01}), boost::test_tools::per_element());
  BOOST_TEST(id.vcek.serial() == (Bytes{0x00}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(milan_vcek_lists_the_kds_extensions_of_the_genuine_milan_vcek) {
  std::vector<std::string> genuine =
      kds_oids_in(vector_der("snp/go-sev-guest_milan/vcek.der"));
  BOOST_TEST(kds_oids_in(test::milan().vcek.der()) == genuine, boost::test_tools::per_element());
  BOOST_TEST(genuine == (std::vector<std::string>{"1", "2", "3.1", "3.2", "3.4", "3.5", "3.6",
                                                  "3.7", "3.3", "3.8", "4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(turin_vcek_lists_the_kds_extensions_of_the_genuine_turin_vcek) {
  std::vector<std::string> genuine =
      kds_oids_in(vector_der("snp/virtee-sev_turin_chain_only/vcek.der"));
  BOOST_TEST(kds_oids_in(test::turin().vcek.der()) == genuine, boost::test_tools::per_element());
  BOOST_TEST(genuine == (std::vector<std::string>{"1", "2", "3.9", "3.1", "3.2", "3.3", "3.5",
                                                  "3.6", "3.7", "3.8", "4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(vlek_lists_the_kds_extensions_of_the_genuine_vlek) {
  std::vector<std::string> genuine = kds_oids_in(vector_der("snp/trustee_milan_vlek/vlek.der"));
  BOOST_TEST(kds_oids_in(test::milan().vlek.der()) == genuine, boost::test_tools::per_element());
  BOOST_TEST(genuine.back() == "5");
}

BOOST_AUTO_TEST_CASE(milan_vcek_extension_values) {
  const SimIdentity& id = test::milan();
  const crypto::Certificate& c = id.vcek;
  BOOST_TEST(ext(c, "1") == integer(0), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "2") == ia5("Milan-B0"), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.1") == integer(3), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.2") == integer(0), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.3") == integer(8), boost::test_tools::per_element());
  for (const char* spl : {"3.4", "3.5", "3.6", "3.7"}) {
    BOOST_TEST(ext(c, spl) == integer(0), boost::test_tools::per_element());
  }
  BOOST_TEST(ext(c, "3.8") == (Bytes{0x02, 0x01, 0x73}), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "4") == id.chip_id, boost::test_tools::per_element());
  BOOST_TEST(!c.extension("1.3.6.1.4.1.3704.1.3.9"));
  BOOST_TEST(!c.extension("1.3.6.1.4.1.3704.1.5"));
}

BOOST_AUTO_TEST_CASE(turin_vcek_has_an_8_byte_hwid_and_an_fmc_spl) {
  const SimIdentity& id = test::turin();
  const crypto::Certificate& c = id.vcek;
  BOOST_TEST(ext(c, "1") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "2") == ia5("Turin"), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.9") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.1") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.2") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.3") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.8") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(!c.extension("1.3.6.1.4.1.3704.1.3.4"));
  Bytes hwid = ext(c, "4");
  BOOST_TEST(hwid.size() == 8u);
  BOOST_TEST(hwid == Bytes(id.chip_id.begin(), id.chip_id.begin() + 8),
             boost::test_tools::per_element());
  BOOST_TEST(all_zero(ByteView(id.chip_id).subspan(8)));
}

BOOST_AUTO_TEST_CASE(vlek_carries_the_csp_id_and_no_hwid) {
  const crypto::Certificate& c = test::milan().vlek;
  BOOST_TEST(ext(c, "5") == ia5("snp-sim.invalid"), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "2") == ia5("Milan"), boost::test_tools::per_element());
  BOOST_TEST(ext(c, "3.3") == integer(8), boost::test_tools::per_element());
  BOOST_TEST(!c.extension("1.3.6.1.4.1.3704.1.4"));
}

BOOST_AUTO_TEST_CASE(options_tcb_chip_id_and_csp_id_are_certified) {
  const SimIdentity& id = test::identity(other_machine_options());
  BOOST_TEST(ext(id.vcek, "3.1") == integer(2), boost::test_tools::per_element());
  BOOST_TEST(ext(id.vcek, "3.2") == integer(1), boost::test_tools::per_element());
  BOOST_TEST(ext(id.vcek, "3.3") == integer(7), boost::test_tools::per_element());
  BOOST_TEST(ext(id.vcek, "3.8") == (Bytes{0x02, 0x02, 0x00, 0xD2}),
             boost::test_tools::per_element());
  BOOST_TEST(ext(id.vcek, "4") == *other_machine_options().chip_id,
             boost::test_tools::per_element());
  BOOST_TEST(ext(id.vlek, "5") == ia5("cloud.example.invalid"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_verifiers_kds_reader_reads_back_tcb_and_hwid) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      auto kds = verify::read_kds_extensions(id->vcek);
      BOOST_REQUIRE_MESSAGE(kds.ok(), (kds.ok() ? std::string() : kds.error().describe()));
      BOOST_TEST((kds->kind == verify::KeyKind::Vcek));
      BOOST_TEST((kds->product == id->product));
      BOOST_TEST((kds->tcb == id->tcb));
      std::size_t hwid_size = id->product == Product::Turin ? 8 : 64;
      BOOST_TEST(*kds->hwid == Bytes(id->chip_id.begin(), id->chip_id.begin() + hwid_size),
                 boost::test_tools::per_element());
    }
  }
  auto vlek = verify::read_kds_extensions(test::milan().vlek);
  BOOST_REQUIRE(vlek.ok());
  BOOST_TEST((vlek->kind == verify::KeyKind::Vlek));
  BOOST_TEST(*vlek->csp_id == "snp-sim.invalid");
}

BOOST_AUTO_TEST_CASE(unknown_product_is_refused) {
  SimOptions o;
  o.product = Product::Unknown;
  BOOST_TEST(code_name(make_identity(o)) == "UnknownProduct");
}

BOOST_AUTO_TEST_CASE(chip_id_of_the_wrong_size_is_refused) {
  SimOptions o;
  o.chip_id = Bytes(8, 0x11);
  BOOST_TEST(code_name(make_identity(o)) == "MalformedInput");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
