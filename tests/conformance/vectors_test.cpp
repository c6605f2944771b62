// Every genuine vector in tests/vectors/snp, verified as a relying party would.
#include <boost/test/unit_test.hpp>

#include <map>

#include "client/lib/evidence_files.h"
#include "core/file.h"
#include "core/json.h"
#include "hal/snp/hcl.h"
#include "tests/support.h"
#include "crypto/base64.h"
#include "verify/chain.h"
#include "verify/policy.h"
#include "verify/report_verifier.h"

using namespace attestd;
using attestd::test::read_vector;

namespace {

const UnixTime kToday = *parse_rfc3339("2026-11-23T00:00:00Z");
const UnixTime kVlekValid = *parse_rfc3339("2025-06-01T00:00:00Z");

std::vector<crypto::Certificate> certs_of(const std::vector<std::string>& files) {
  std::vector<crypto::Certificate> out;
  for (const auto& f : files) {
    auto c = client::parse_certificates(read_vector(f));
    BOOST_REQUIRE_MESSAGE(c.ok(), f << ": " << (test::why(c)));
    out.insert(out.end(), c->begin(), c->end());
  }
  return out;
}

Result<verify::VerifiedReport> verify_vector(const std::string& dir, const std::string& key_file,
                                             UnixTime at, bool with_bundle = true) {
  std::vector<std::string> files{"snp/" + dir + "/" + key_file};
  if (with_bundle) files.push_back("snp/" + dir + "/ca_bundle.pem");
  verify::VerifyOptions o;
  o.at = at;
  return verify::verify_report(read_vector("snp/" + dir + "/report.bin"), certs_of(files), o);
}

// The role AMD names a certificate by: ARK-<product>, SEV-<product> (ASK),
// SEV-VLEK-<product> (ASVK), SEV-VCEK, SEV-VLEK.
verify::ChainRole role_of(const crypto::Certificate& c) {
  std::string cn = c.subject_common_name();
  if (cn == "SEV-VCEK") return verify::ChainRole::Vcek;
  if (cn == "SEV-VLEK") return verify::ChainRole::Vlek;
  if (cn.rfind("ARK-", 0) == 0) return verify::ChainRole::Ark;
  if (cn.rfind("SEV-VLEK-", 0) == 0) return verify::ChainRole::Asvk;
  return verify::ChainRole::Ask;
}

// Every genuine AMD certificate in the vectors and the pinned roots, with where it is from.
std::vector<std::pair<std::string, crypto::Certificate>> every_genuine_certificate() {
  std::vector<std::pair<std::string, Bytes>> sources;
  for (const char* p : {"milan", "genoa", "turin"}) {
    sources.emplace_back(std::string("amd-roots/") + p + ".pem", read_vector(std::string("amd-roots/") + p + ".pem"));
    auto pinned = read_file(test::src_dir() + "/verify/roots/" + p + ".pem");
    BOOST_REQUIRE(pinned.ok());
    sources.emplace_back(std::string("verify/roots/") + p + ".pem", *pinned);
  }
  for (const char* dir : {"go-sev-guest_milan", "virtee-sev_milan", "lunal-attestation-rs_genoa_v5",
                          "trustee_azure_milan_hcl", "virtee-sev_turin_chain_only", "trustee_milan_vlek"}) {
    std::string leaf = std::string(dir) == "trustee_milan_vlek" ? "vlek.der" : "vcek.der";
    for (const std::string& f : {leaf, std::string("ca_bundle.pem")}) {
      sources.emplace_back("snp/" + std::string(dir) + "/" + f, read_vector("snp/" + std::string(dir) + "/" + f));
    }
  }
  sources.emplace_back("maa/sevsnpvm_request_vcek_chain.pem", read_vector("maa/sevsnpvm_request_vcek_chain.pem"));
  auto thim = parse_json(test::read_vector_text("azure/thim_certification_response.json"), "thim");
  BOOST_REQUIRE(thim.ok());
  for (const char* field : {"vcekCert", "certificateChain"}) {
    sources.emplace_back(std::string("thim ") + field, to_bytes(as_bytes((*thim)[field].asString())));
  }
  auto evidence = parse_json(test::read_vector_text("azure/hcl_evidence_with_user_data.json"), "evidence");
  BOOST_REQUIRE(evidence.ok());
  auto vcek = crypto::base64_decode_any((*evidence)["vcek"].asString());
  BOOST_REQUIRE(vcek.ok());
  sources.emplace_back("azure evidence vcek", *vcek);

  std::vector<std::pair<std::string, crypto::Certificate>> out;
  for (const auto& [where, bytes] : sources) {
    auto certs = crypto::Certificate::parse_all(bytes);
    BOOST_REQUIRE_MESSAGE(certs.ok(), where << ": " << test::why(certs));
    for (const auto& c : *certs) out.emplace_back(where, c);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conformance_vectors)

BOOST_AUTO_TEST_CASE(every_genuine_certificate_carries_the_structure_of_its_role) {
  std::map<std::string, int> seen;
  for (const auto& [where, cert] : every_genuine_certificate()) {
    verify::ChainRole role = role_of(cert);
    ++seen[std::string(verify::chain_role_name(role))];
    Status s = verify::check_role(cert, role);
    BOOST_TEST(s.ok(), where << ": " << (s.ok() ? "" : s.error().describe()));
  }
  // All five roles are among them: ARK, ASK and ASVK of three products, VCEKs and a VLEK.
  BOOST_TEST(seen.size() == 5u);
  BOOST_TEST(seen["VLEK"] == 1);
  BOOST_TEST(seen["VCEK"] == 8);
}

BOOST_AUTO_TEST_CASE(the_genuine_turin_vcek_passes_the_signing_chain_check) {
  auto vcek = crypto::Certificate::from_der(read_vector("snp/virtee-sev_turin_chain_only/vcek.der"));
  BOOST_REQUIRE(vcek.ok());
  auto chain = verify::verify_signing_chain(*vcek, verify::KeyKind::Vcek, snp::Product::Turin,
                                            verify::RootStore::amd(), kToday);
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(chain->chain->ark.subject_common_name() == "ARK-Turin");
  BOOST_TEST(format_rfc3339(chain->valid_to) == "2031-11-06T21:14:00Z");  // the VCEK ends first
}

BOOST_AUTO_TEST_CASE(go_sev_guest_milan_verifies_and_the_default_policy_rejects_it_as_debug) {
  auto v = verify_vector("go-sev-guest_milan", "vcek.der", kToday);
  BOOST_REQUIRE_MESSAGE(v.ok(), test::why(v));
  BOOST_TEST(v->report().policy.raw == 0xB0000u);
  BOOST_TEST(snp::product_name(v->product()) == "Milan");
  Status s = verify::check_policy(verify::default_policy(), verify::facts_of(*v));
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "DebugMode");
  BOOST_TEST(s.error().message().find("Attestation validation failed (enclave is in debug mode)") == 0u);
}

BOOST_AUTO_TEST_CASE(virtee_milan_verifies_and_passes_the_default_policy) {
  auto v = verify_vector("virtee-sev_milan", "vcek.der", kToday);
  BOOST_REQUIRE_MESSAGE(v.ok(), test::why(v));
  BOOST_TEST(v->report().version == 2u);
  BOOST_TEST((v->signing_key() == verify::KeyKind::Vcek));
  BOOST_TEST(verify::check_policy(verify::default_policy(), verify::facts_of(*v)).ok());
}

BOOST_AUTO_TEST_CASE(lunal_genoa_v5_verifies_with_bare_genoa_product_name_and_model_a0) {
  auto v = verify_vector("lunal-attestation-rs_genoa_v5", "vcek.der", kToday);
  BOOST_REQUIRE_MESSAGE(v.ok(), test::why(v));
  BOOST_TEST(v->report().version == 5u);
  BOOST_TEST(v->certificate_extensions().product_name == "Genoa");
  BOOST_TEST(snp::product_name(v->product()) == "Genoa");
  BOOST_TEST(v->report().cpuid_mod_id == 0xA0);
  BOOST_TEST(v->chain().ark.subject_common_name() == "ARK-Genoa");
  BOOST_TEST(verify::check_policy(verify::default_policy(), verify::facts_of(*v)).ok());
}

BOOST_AUTO_TEST_CASE(trustee_vlek_verifies_inside_its_validity) {
  auto v = verify_vector("trustee_milan_vlek", "vlek.der", kVlekValid);
  BOOST_REQUIRE_MESSAGE(v.ok(), test::why(v));
  BOOST_TEST((v->signing_key() == verify::KeyKind::Vlek));
  BOOST_TEST(v->report().vmpl == 1u);
  BOOST_TEST(*v->certificate_extensions().csp_id == "CN=cc-us-east-2.amazonaws.com");
  BOOST_TEST(v->chain().asvk->subject_common_name() == "SEV-VLEK-Milan");
}

BOOST_AUTO_TEST_CASE(trustee_vlek_fails_as_expired_today) {
  auto v = verify_vector("trustee_milan_vlek", "vlek.der", kToday);
  BOOST_REQUIRE(!v.ok());
  BOOST_TEST(error_name(v.error().code()) == "CertificateExpired");
  BOOST_TEST(v.error().message().find("2025-12-10T22:14:21Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(azure_milan_report_verifies_with_vcek_matching_reported_not_current_tcb) {
  auto v = verify_vector("trustee_azure_milan_hcl", "vcek.der", kToday);
  BOOST_REQUIRE_MESSAGE(v.ok(), test::why(v));
  BOOST_TEST(v->report().current_tcb != v->report().reported_tcb);
  BOOST_TEST((v->reported_tcb() == v->certificate_extensions().tcb));
}

BOOST_AUTO_TEST_CASE(azure_hcl_report_parses_and_binds_its_runtime_json) {
  auto file = client::parse_report_file(read_vector("snp/trustee_azure_milan_hcl/hcl-report.bin"));
  BOOST_REQUIRE_MESSAGE(file.ok(), test::why(file));
  BOOST_REQUIRE(file->hcl.has_value());
  BOOST_TEST(snp::check_runtime_binding(*file->hcl).ok());
  BOOST_TEST((file->report_bytes == read_vector("snp/trustee_azure_milan_hcl/report.bin")));
  auto claims = parse_json(file->hcl->runtime_claims, "claims");
  BOOST_REQUIRE(claims.ok());
  BOOST_TEST((*claims)["keys"][0]["kid"].asString() == "HCLAkPub");
}

BOOST_AUTO_TEST_CASE(every_vector_verifies_with_only_its_signing_certificate) {
  // The ASK/ARK come from the pinned roots when the caller has none.
  for (auto [dir, key, at] : {std::tuple{"go-sev-guest_milan", "vcek.der", kToday},
                              std::tuple{"virtee-sev_milan", "vcek.der", kToday},
                              std::tuple{"lunal-attestation-rs_genoa_v5", "vcek.der", kToday},
                              std::tuple{"trustee_azure_milan_hcl", "vcek.der", kToday},
                              std::tuple{"trustee_milan_vlek", "vlek.der", kVlekValid}}) {
    auto v = verify_vector(dir, key, at, false);
    BOOST_TEST(v.ok(), dir << ": " << (test::why(v)));
  }
}

BOOST_AUTO_TEST_CASE(turin_vcek_chains_to_the_pinned_turin_root_with_8_byte_hwid_and_fmc_spl) {
  auto certs = certs_of({"snp/virtee-sev_turin_chain_only/vcek.der"});
  auto bundle = certs_of({"snp/virtee-sev_turin_chain_only/ca_bundle.pem"});
  const auto& turin = *verify::RootStore::amd().for_product(snp::Product::Turin).front();
  auto root = crypto::verify_chain(certs[0], bundle, std::vector{turin.ark}, kToday);
  BOOST_REQUIRE_MESSAGE(root.ok(), test::why(root));
  BOOST_TEST(root->subject_common_name() == "ARK-Turin");
  auto ext = verify::read_kds_extensions(certs[0]);
  BOOST_REQUIRE(ext.ok());
  BOOST_TEST(snp::product_name(ext->product) == "Turin");
  BOOST_TEST(ext->hwid->size() == 8u);
  BOOST_TEST(hex_encode(*ext->hwid) == "1e550a8ee5cf9f4d");
  BOOST_TEST(ext->has_fmc_spl);
  BOOST_TEST(ext->tcb.microcode == 9);
}

BOOST_AUTO_TEST_CASE(embedded_roots_are_amds_published_chains) {
  for (auto [product, file] : {std::pair{snp::Product::Milan, "amd-roots/milan.pem"},
                               std::pair{snp::Product::Genoa, "amd-roots/genoa.pem"},
                               std::pair{snp::Product::Turin, "amd-roots/turin.pem"}}) {
    auto published = certs_of({file});
    auto chains = verify::RootStore::amd().for_product(product);
    BOOST_REQUIRE(chains.size() == 1u);
    const auto& c = *chains.front();
    BOOST_TEST(c.origin == "AMD");
    BOOST_TEST(c.ark.is_self_issued());
    BOOST_TEST(c.ark.subject_common_name() == "ARK-" + std::string(snp::product_name(product)));
    BOOST_TEST(c.ask.subject_common_name() == "SEV-" + std::string(snp::product_name(product)));
    BOOST_TEST(c.asvk->subject_common_name() == "SEV-VLEK-" + std::string(snp::product_name(product)));
    for (const auto* mine : {&c.ark, &c.ask, &*c.asvk}) {
      bool found = false;
      for (const auto& p : published) found = found || p == *mine;
      BOOST_TEST(found, mine->subject_common_name() << " is not in " << file);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_maa_request_report_verifies_with_its_vcek_chain) {
  auto certs = certs_of({"maa/sevsnpvm_request_vcek_chain.pem"});
  verify::VerifyOptions o;
  o.at = kToday;
  auto v = verify::verify_report(read_vector("maa/sevsnpvm_request_snp_report.bin"), certs, o);
  BOOST_TEST(v.ok(), (test::why(v)));
}

BOOST_AUTO_TEST_SUITE_END()
