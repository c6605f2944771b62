// snp-sim identities on disk (save_identity, load_identity).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <sys/stat.h>

#include "core/file.h"
#include "core/json.h"
#include "crypto/x509.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"
#include "verify/roots.h"

namespace attestd::snpsim {
namespace {

using snp::test::code_name;

// A fresh folder under the test scratch space.
std::string scratch(const std::string& name) {
  std::string dir = attestd::test::tmp_dir() + "/snpsim_files/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::string saved(const SimIdentity& id, const std::string& name) {
  std::string dir = scratch(name);
  Status s = save_identity(id, dir);
  if (!s) throw std::runtime_error(s.error().describe());
  return dir;
}

unsigned mode_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

void check_same(const SimIdentity& a, const SimIdentity& b) {
  BOOST_TEST((a.product == b.product));
  BOOST_TEST((a.tcb == b.tcb));
  BOOST_TEST(a.chip_id == b.chip_id, boost::test_tools::per_element());
  for (auto [x, y] : {std::pair{&a.ark, &b.ark}, {&a.ask, &b.ask}, {&a.asvk, &b.asvk},
                      {&a.vcek, &b.vcek}, {&a.vlek, &b.vlek}}) {
    BOOST_TEST(x->der() == y->der(), boost::test_tools::per_element());
  }
  for (auto [x, y] : {std::pair{&a.ark_key, &b.ark_key}, {&a.ask_key, &b.ask_key},
                      {&a.asvk_key, &b.asvk_key}, {&a.vcek_key, &b.vcek_key},
                      {&a.vlek_key, &b.vlek_key}}) {
    BOOST_TEST(x->der() == y->der(), boost::test_tools::per_element());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snpsim_files)

BOOST_AUTO_TEST_CASE(load_gives_back_what_save_wrote) {
  for (const SimIdentity* id : {&test::milan(), &test::turin()}) {
    BOOST_TEST_CONTEXT(snp::product_name(id->product)) {
      auto loaded = load_identity(saved(*id, std::string(snp::product_name(id->product))));
      BOOST_REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? std::string() : loaded.error().describe()));
      check_same(*id, *loaded);
    }
  }
}

BOOST_AUTO_TEST_CASE(private_keys_are_readable_by_the_owner_only) {
  std::string dir = saved(test::milan(), "modes");
  for (const char* key : {"ark_key.pem", "ask_key.pem", "asvk_key.pem", "vcek_key.pem",
                          "vlek_key.pem"}) {
    BOOST_TEST_CONTEXT(key) { BOOST_TEST(mode_of(dir + "/" + key) == 0600u); }
  }
  BOOST_TEST(mode_of(dir + "/vcek.pem") == 0644u);
}

BOOST_AUTO_TEST_CASE(der_files_hold_the_leaf_certificates) {
  const SimIdentity& id = test::milan();
  std::string dir = saved(id, "der");
  BOOST_TEST(*read_file(dir + "/vcek.der") == id.vcek.der(), boost::test_tools::per_element());
  BOOST_TEST(*read_file(dir + "/vlek.der") == id.vlek.der(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ca_bundle_lists_ask_ark_asvk_like_amds) {
  const SimIdentity& id = test::milan();
  std::string dir = saved(id, "bundle");
  auto certs = crypto::Certificate::parse_all(*read_file(dir + "/ca_bundle.pem"));
  BOOST_REQUIRE(certs.ok());
  BOOST_REQUIRE(certs->size() == 3u);
  BOOST_TEST(((*certs)[0] == id.ask));
  BOOST_TEST(((*certs)[1] == id.ark));
  BOOST_TEST(((*certs)[2] == id.asvk));
}

BOOST_AUTO_TEST_CASE(ca_bundle_splits_into_the_sim_product_chain) {
  const SimIdentity& id = test::milan();
  auto certs =
      crypto::Certificate::parse_all(*read_file(saved(id, "bundle_chain") + "/ca_bundle.pem"));
  BOOST_REQUIRE(certs.ok());
  auto chain = verify::product_chain_from_certs(*certs, id.product, "snp-sim");
  BOOST_REQUIRE(chain.ok());
  verify::ProductChain expected = sim_product_chain(id);
  BOOST_TEST((chain->ark == expected.ark));
  BOOST_TEST((chain->ask == expected.ask));
  BOOST_TEST((chain->asvk == expected.asvk));
}

BOOST_AUTO_TEST_CASE(identity_json_names_product_tcb_and_chip_id) {
  const SimIdentity& id = test::turin();
  auto text = read_text_file(saved(id, "json") + "/identity.json");
  BOOST_REQUIRE(text.ok());
  auto json = parse_json(*text, "identity.json");
  BOOST_REQUIRE(json.ok());
  BOOST_TEST((*json)["product"].asString() == "Turin");
  BOOST_TEST((*json)["chip_id"].asString() == hex_encode(id.chip_id));
  const Json::Value& tcb = (*json)["tcb"];
  BOOST_TEST(tcb["fmc"].asUInt() == 1u);
  BOOST_TEST(tcb["bl"].asUInt() == 1u);
  BOOST_TEST(tcb["tee"].asUInt() == 1u);
  BOOST_TEST(tcb["snp"].asUInt() == 1u);
  BOOST_TEST(tcb["ucode"].asUInt() == 1u);
}

BOOST_AUTO_TEST_CASE(a_certificate_that_does_not_hold_its_key_is_refused) {
  std::string dir = saved(test::milan(), "swapped");
  std::filesystem::copy_file(dir + "/vlek.pem", dir + "/vcek.pem",
                             std::filesystem::copy_options::overwrite_existing);
  BOOST_TEST(code_name(load_identity(dir)) == "MalformedInput");
}

BOOST_AUTO_TEST_CASE(a_missing_folder_is_a_file_error) {
  BOOST_TEST(code_name(load_identity(scratch("missing"))) == "FileError");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snpsim
