// Altered evidence: each alteration rejected with its own error, never a crash.
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include "client/lib/evidence_files.h"
#include "hal/snp/report.h"
#include "tests/support.h"
#include "verify/report_verifier.h"

using namespace attestd;
using attestd::test::read_vector;

namespace {

const UnixTime kToday = *parse_rfc3339("2026-11-23T00:00:00Z");
const UnixTime kVlekValid = *parse_rfc3339("2025-06-01T00:00:00Z");

struct Vector {
  std::string dir, key;
  UnixTime at;
};
const std::vector<Vector> kVectors = {{"go-sev-guest_milan", "vcek.der", kToday},
                                      {"virtee-sev_milan", "vcek.der", kToday},
                                      {"lunal-attestation-rs_genoa_v5", "vcek.der", kToday},
                                      {"trustee_azure_milan_hcl", "vcek.der", kToday},
                                      {"trustee_milan_vlek", "vlek.der", kVlekValid}};

std::vector<crypto::Certificate> certs(const std::string& file) {
  auto c = client::parse_certificates(read_vector(file));
  BOOST_REQUIRE_MESSAGE(c.ok(), file);
  return *c;
}

std::string verify_error(ByteView report, const std::vector<crypto::Certificate>& cs, UnixTime at,
                         verify::ChainCache* cache = nullptr,
                         const verify::RootStore* store = &verify::RootStore::amd()) {
  verify::VerifyOptions o;
  o.at = at;
  o.cache = cache;
  o.roots = store;
  auto v = verify::verify_report(report, cs, o);
  return v ? "ok" : std::string(v.error().name());
}

bool in(std::size_t o, std::size_t begin, std::size_t end) { return o >= begin && o < end; }

// What flipping every bit of the byte at `offset` must produce, from the ABI's tables
// (SEV-SNP ABI spec, ATTESTATION_REPORT): structure errors where the byte is a field the
// parser checks, BadSignature everywhere else in the signed area.
std::string expected_for_flip(std::size_t o, std::uint32_t version, snp::Product cpuid_product) {
  if (in(o, 0x00, 0x04)) return "UnsupportedReportVersion";
  if (in(o, 0x0A, 0x10)) return "ReservedFieldSet";  // POLICY bit 17 cleared / bits 63:26 set
  if (in(o, 0x30, 0x38)) return "MalformedReport";   // VMPL > 3, SIGNATURE_ALGO != 1
  if (in(o, 0x41, 0x48)) return "ReservedFieldSet";  // PLATFORM_INFO bits 63:8
  if (in(o, 0x48, 0x50)) return "ReservedFieldSet";  // signer info bits 31:5, reserved word
  if (in(o, 0x188, 0x18B)) return version >= 3 ? "BadSignature" : "ReservedFieldSet";
  if (in(o, 0x18B, 0x1A0) || o == 0x1EB || o == 0x1EF) return "ReservedFieldSet";
  if (in(o, 0x1F8, 0x208)) return version >= 5 ? "BadSignature" : "ReservedFieldSet";
  if (in(o, 0x208, 0x2A0)) return "ReservedFieldSet";
  if (in(o, 0x2A0, 0x330)) return "BadSignature";  // R and S (their high bytes must be zero)
  if (in(o, 0x330, 0x4A0)) return "ReservedFieldSet";
  // TCB_VERSION fields: reserved bytes are checkable when CPUID names the product.
  for (std::size_t tcb : {0x38u, 0x180u, 0x1E0u, 0x1F0u}) {
    if (in(o, tcb, tcb + 8) && version >= 3 && cpuid_product != snp::Product::Unknown) {
      std::size_t b = o - tcb;
      bool reserved = cpuid_product == snp::Product::Turin ? in(b, 4, 7) : in(b, 2, 6);
      if (reserved) return "ReservedFieldSet";
    }
  }
  return "BadSignature";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tamper_report)

BOOST_AUTO_TEST_CASE(every_byte_of_every_genuine_report_flipped_is_rejected_with_its_error) {
  std::size_t checked = 0;
  for (const auto& vec : kVectors) {
    Bytes report = read_vector("snp/" + vec.dir + "/report.bin");
    auto cs = certs("snp/" + vec.dir + "/" + vec.key);
    auto parsed = snp::parse_report(report);
    BOOST_REQUIRE(parsed.ok());
    verify::ChainCache cache;
    BOOST_REQUIRE(verify_error(report, cs, vec.at, &cache) == "ok");
    for (std::size_t o = 0; o < snp::kReportSize; ++o) {
      Bytes t = report;
      t[o] ^= 0xFF;
      std::string got = verify_error(t, cs, vec.at, &cache);
      std::string want = expected_for_flip(o, parsed->version, snp::report_product(*parsed));
      if (got != want) BOOST_ERROR(vec.dir << " byte 0x" << std::hex << o << ": " << got << ", expected " << want);
      ++checked;
    }
  }
  BOOST_TEST(checked == kVectors.size() * snp::kReportSize);
}

BOOST_AUTO_TEST_CASE(single_bit_flips_in_signed_fields_are_bad_signatures) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  verify::ChainCache cache;
  for (std::size_t o : {0x50u, 0x90u, 0xBFu, 0xC0u, 0x1A0u, 0x180u}) {  // REPORT_DATA, MEASUREMENT, HOST_DATA, CHIP_ID, REPORTED_TCB
    for (int bit = 0; bit < 8; ++bit) {
      Bytes t = report;
      t[o] ^= static_cast<std::uint8_t>(1 << bit);
      BOOST_TEST(verify_error(t, cs, kToday, &cache) == "BadSignature", "offset " << o << " bit " << bit);
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_and_oversized_reports_are_malformed) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  for (std::size_t n : {0u, 1u, 0x2A0u, 1183u}) {
    BOOST_TEST(verify_error(ByteView(report).first(n), cs, kToday) == "MalformedReport", n << " bytes");
  }
  for (std::size_t extra : {1u, 100u, 4096u}) {
    Bytes big = report;
    big.resize(report.size() + extra);
    BOOST_TEST(verify_error(big, cs, kToday) == "MalformedReport", extra << " extra bytes");
  }
}

BOOST_AUTO_TEST_CASE(signing_certificates_swapped_between_vectors_are_bad_signatures) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"virtee-sev_milan", "go-sev-guest_milan/vcek.der"},
      {"go-sev-guest_milan", "trustee_azure_milan_hcl/vcek.der"},
      {"trustee_azure_milan_hcl", "virtee-sev_milan/vcek.der"},
      {"virtee-sev_milan", "lunal-attestation-rs_genoa_v5/vcek.der"},
      {"lunal-attestation-rs_genoa_v5", "virtee-sev_milan/vcek.der"}};
  for (const auto& [report_dir, cert] : pairs) {
    Bytes report = read_vector("snp/" + report_dir + "/report.bin");
    BOOST_TEST(verify_error(report, certs("snp/" + cert), kToday) == "BadSignature",
               report_dir << " with " << cert);
  }
}

BOOST_AUTO_TEST_CASE(another_products_ask_and_ark_are_an_untrusted_chain) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  for (const char* bundle : {"amd-roots/genoa.pem", "amd-roots/turin.pem"}) {
    auto with = cs;
    for (const auto& c : certs(bundle)) with.push_back(c);
    BOOST_TEST(verify_error(report, with, kToday) == "UntrustedChain", bundle);
  }
}

BOOST_AUTO_TEST_CASE(a_root_store_without_the_products_root_is_an_untrusted_chain) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  verify::RootStore only_genoa;
  only_genoa.add(*verify::RootStore::amd().for_product(snp::Product::Genoa).front());
  BOOST_TEST(verify_error(report, cs, kToday, nullptr, &only_genoa) == "UntrustedChain");
  // A Milan entry that really holds Genoa's ARK and ASK: the VCEK does not chain to it.
  verify::RootStore mislabelled;
  auto genoa = *verify::RootStore::amd().for_product(snp::Product::Genoa).front();
  genoa.product = snp::Product::Milan;
  mislabelled.add(genoa);
  BOOST_TEST(verify_error(report, cs, kToday, nullptr, &mislabelled) == "UntrustedChain");
}

BOOST_AUTO_TEST_CASE(a_vlek_presented_for_a_vcek_signed_report_is_a_signing_key_mismatch) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  BOOST_TEST(verify_error(report, certs("snp/trustee_milan_vlek/vlek.der"), kVlekValid) == "SigningKeyMismatch");
}

BOOST_AUTO_TEST_CASE(a_vcek_presented_for_a_vlek_signed_report_is_a_signing_key_mismatch) {
  Bytes report = read_vector("snp/trustee_milan_vlek/report.bin");
  BOOST_TEST(verify_error(report, certs("snp/virtee-sev_milan/vcek.der"), kVlekValid) == "SigningKeyMismatch");
}

BOOST_AUTO_TEST_CASE(a_report_with_only_ca_certificates_is_missing_its_signing_certificate) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  BOOST_TEST(verify_error(report, certs("snp/virtee-sev_milan/ca_bundle.pem"), kToday) == "MissingCertificate");
  BOOST_TEST(verify_error(report, {}, kToday) == "MissingCertificate");
}

BOOST_AUTO_TEST_CASE(a_certificate_outside_its_validity_is_expired) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  BOOST_TEST(verify_error(report, cs, *parse_rfc3339("2019-01-01T00:00:00Z")) == "CertificateExpired");
  BOOST_TEST(verify_error(report, cs, *parse_rfc3339("2060-01-01T00:00:00Z")) == "CertificateExpired");
}

BOOST_AUTO_TEST_CASE(truncated_or_padded_certificates_are_malformed) {
  Bytes der = read_vector("snp/virtee-sev_milan/vcek.der");
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{10}, der.size() / 2, der.size() - 1}) {
    auto c = client::parse_certificates(ByteView(der).first(n));
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST((c.error().code() == ErrorCode::MalformedCertificate || c.error().code() == ErrorCode::MalformedCertTable),
               n << " bytes: " << c.error().describe());
  }
  Bytes padded = der;
  padded.push_back(0);
  auto c = client::parse_certificates(padded);
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(error_name(c.error().code()) == "MalformedCertificate");
  std::string pem = test::read_vector_text("snp/virtee-sev_milan/ca_bundle.pem");
  auto cut = client::parse_certificates(as_bytes(std::string_view(pem).substr(0, pem.size() / 2)));
  BOOST_REQUIRE(!cut.ok());
  BOOST_TEST(error_name(cut.error().code()) == "MalformedCertificate");
}

// The pinned ASK and ARK are used as parsed, so their RSA keys keep what mbedTLS computed
// on first use, and an ASK supplied again is not checked twice (it is the path's): neither
// may turn a verdict, whatever the same certificates verified before.
BOOST_AUTO_TEST_CASE(verdicts_on_the_same_certificates_do_not_depend_on_earlier_verifications) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  Bytes flipped = report;
  flipped[0x90] ^= 1;  // MEASUREMENT
  auto bundle = certs("snp/virtee-sev_milan/ca_bundle.pem");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  cs.insert(cs.end(), bundle.begin(), bundle.end());
  auto other_vcek = certs("snp/go-sev-guest_milan/vcek.der");
  other_vcek.insert(other_vcek.end(), bundle.begin(), bundle.end());
  auto with_genoa = cs;
  for (const auto& c : certs("amd-roots/genoa.pem")) with_genoa.push_back(c);
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST(verify_error(report, cs, kToday) == "ok", "round " << round);
    BOOST_TEST(verify_error(flipped, cs, kToday) == "BadSignature");
    BOOST_TEST(verify_error(report, other_vcek, kToday) == "BadSignature");
    BOOST_TEST(verify_error(report, with_genoa, kToday) == "UntrustedChain");
    BOOST_TEST(verify_error(report, cs, *parse_rfc3339("2060-01-01T00:00:00Z")) == "CertificateExpired");
  }
}

// The same, from several threads at once on the same pinned certificates (the agent and a
// Python program verify concurrently): mbedTLS writes an RSA key's Montgomery constant on
// first use, under the key's lock (MBEDTLS_THREADING_C, which crypto/x509.cpp requires).
// Run under `make test-asan` too.
BOOST_AUTO_TEST_CASE(concurrent_verifications_on_the_same_certificates_give_the_same_verdicts) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  Bytes flipped = report;
  flipped[0x90] ^= 1;
  auto bundle = certs("snp/virtee-sev_milan/ca_bundle.pem");
  auto cs = certs("snp/virtee-sev_milan/vcek.der");
  cs.insert(cs.end(), bundle.begin(), bundle.end());
  constexpr int kThreads = 4;
  std::vector<std::string> verdicts(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2; ++round) {
        verdicts[t] += verify_error(report, cs, kToday) + "," + verify_error(flipped, cs, kToday) + ";";
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) BOOST_TEST(verdicts[t] == "ok,BadSignature;ok,BadSignature;", "thread " << t);
}

BOOST_AUTO_TEST_CASE(a_ca_certificate_in_place_of_the_signing_key_is_refused) {
  // The ASK is a CA: it cannot stand for the VCEK even if given alone with a forged CN.
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto ask = certs("amd-roots/milan.pem");
  BOOST_TEST(verify_error(report, ask, kToday) == "MissingCertificate");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tamper_chain_cache)

BOOST_AUTO_TEST_CASE(a_cached_chain_does_not_excuse_a_wrong_bundle_or_a_time_outside_it) {
  Bytes report = read_vector("snp/virtee-sev_milan/report.bin");
  auto vcek = certs("snp/virtee-sev_milan/vcek.der");
  verify::ChainCache cache;
  BOOST_REQUIRE(verify_error(report, vcek, kToday, &cache) == "ok");
  BOOST_TEST(cache.size() == 1u);
  auto with_genoa = vcek;
  for (const auto& c : certs("amd-roots/genoa.pem")) with_genoa.push_back(c);
  BOOST_TEST(verify_error(report, with_genoa, kToday, &cache) == "UntrustedChain");
  BOOST_TEST(verify_error(report, vcek, *parse_rfc3339("2060-01-01T00:00:00Z"), &cache) == "CertificateExpired");
  BOOST_TEST(verify_error(report, vcek, kToday, &cache) == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
