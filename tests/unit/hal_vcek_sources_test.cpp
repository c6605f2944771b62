// VCEK sources (hal/vcek_sources.h): the order, the KDS URL, the cache, 429 backoff and
// the checks every certificate must pass. Servers are local mocks serving genuine vectors.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/json.h"
#include "hal/vcek_sources.h"
#include "net/http_server.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"

namespace attestd::hal {
namespace {

namespace fs = std::filesystem;
using test::read_vector;

const UnixTime kAt = 1780272000;  // 2026-06-01T00:00:00Z: inside the genuine VCEKs' validity

const char* kGenoaChipId =
    "b5f9a4c8280e63c97d288db6648577dc2b848884aa682d7a227ba40e50deb2b0"
    "d112b599d87aaccda78d06f4254b1e81c4d953ef3c699db39d4e06013e9fa4ce";

snp::AttestationReport genoa_report() {
  auto r = snp::parse_report(read_vector("snp/lunal-attestation-rs_genoa_v5/report.bin"));
  BOOST_REQUIRE(r.ok());
  return *r;
}

std::string genoa_kds_target() {
  return std::string("/vcek/v1/Genoa/") + kGenoaChipId + "?blSPL=10&teeSPL=00&snpSPL=27&ucodeSPL=27";
}

// A KDS on loopback: answers `body` for the exact target, after `throttle` 429s that
// carry `Retry-After: retry_after`.
struct MockKds {
  explicit MockKds(Bytes vcek, int throttle_first = 0, std::string retry_after_value = "2")
      : body(std::move(vcek)), throttle(throttle_first), retry_after(std::move(retry_after_value)) {
    auto s = net::HttpServer::start(net::ServerOptions{}, [this](const net::HttpRequest& r) {
      std::lock_guard<std::mutex> lock(mu);
      targets.push_back(r.target);
      if (throttle > 0) {
        --throttle;
        net::HttpResponse busy = net::HttpResponse::text(429, "Too Many Requests");
        busy.headers.emplace_back("Retry-After", retry_after);
        return busy;
      }
      if (r.target != genoa_kds_target()) return net::HttpResponse::text(404, "not found");
      net::HttpResponse ok;
      ok.headers.emplace_back("Content-Type", "application/octet-stream");
      ok.body.assign(body.begin(), body.end());
      return ok;
    });
    BOOST_REQUIRE_MESSAGE(s.ok(), test::why(s));
    server = std::move(s).value();
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(mu);
    return targets;
  }

  Bytes body;
  int throttle;
  std::string retry_after;
  std::mutex mu;
  std::vector<std::string> targets;
  std::unique_ptr<net::HttpServer> server;
};

std::string scratch(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = test::tmp_dir() + "/vcek-" + name + "-" + std::to_string(counter++);
  fs::remove_all(dir);
  return dir;
}

VcekSourceOptions kds_only(const MockKds& kds) {
  VcekSourceOptions o;
  o.kds_base = kds.server->url();
  o.at = kAt;
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hal_vcek_sources)

BOOST_AUTO_TEST_CASE(the_kds_url_for_the_genoa_vector_has_the_64_byte_hwid_and_four_spls) {
  auto url = kds_vcek_url(kAmdKdsBase, vcek_query(genoa_report()));
  BOOST_REQUIRE(url.ok());
  BOOST_TEST(*url == std::string("https://kdsintf.amd.com") + genoa_kds_target());
}

BOOST_AUTO_TEST_CASE(the_kds_url_for_turin_has_the_8_byte_hwid_and_fmcspl_first) {
  VcekQuery q;
  q.product = snp::Product::Turin;
  for (std::size_t i = 0; i < q.chip_id.size(); ++i) q.chip_id[i] = static_cast<std::uint8_t>(i + 1);
  q.reported_tcb = snp::encode_tcb(snp::Product::Turin, {1, 2, 3, 4, 5});
  auto url = kds_vcek_url(kAmdKdsBase, q);
  BOOST_REQUIRE(url.ok());
  BOOST_TEST(*url ==
             "https://kdsintf.amd.com/vcek/v1/Turin/0102030405060708?fmcSPL=01&blSPL=02&teeSPL=03&snpSPL=04&ucodeSPL=05");
}

BOOST_AUTO_TEST_CASE(kds_is_asked_for_the_exact_url_and_its_vcek_checks_out) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"));
  auto chain = find_vcek(genoa_report(), {}, kds_only(kds));
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(chain->origin == "kds");
  BOOST_TEST(chain->extensions.product_name == "Genoa");
  BOOST_TEST(chain->ark.subject_common_name() == "ARK-Genoa");
  BOOST_TEST(kds.seen() == std::vector<std::string>{genoa_kds_target()}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_cached_vcek_is_used_without_a_second_request) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"));
  VcekSourceOptions o = kds_only(kds);
  o.cache_dir = scratch("cache");
  BOOST_REQUIRE(find_vcek(genoa_report(), {}, o).ok());
  BOOST_TEST(fs::exists(o.cache_dir + "/Genoa/" + kGenoaChipId + "/1b1b00000000000a.der"));
  auto again = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE_MESSAGE(again.ok(), test::why(again));
  BOOST_TEST(again->origin == "kds cache");
  BOOST_TEST(kds.seen().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_429_is_retried_after_retry_after_seconds) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"), 1);
  VcekSourceOptions o = kds_only(kds);
  std::vector<std::chrono::milliseconds> waits;
  o.sleep = [&](std::chrono::milliseconds ms) { waits.push_back(ms); };
  auto chain = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(kds.seen().size() == 2u);
  BOOST_REQUIRE(waits.size() == 1u);
  BOOST_TEST(waits[0].count() == 2000);
}

BOOST_AUTO_TEST_CASE(a_retry_after_beyond_any_integer_waits_the_longest_backoff) {
  for (const char* huge : {"3000000", "9223372036854775807", "99999999999999999999999"}) {
    MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"), 1, huge);
    VcekSourceOptions o = kds_only(kds);
    o.max_backoff_ms = 4000;
    std::vector<std::chrono::milliseconds> waits;
    o.sleep = [&](std::chrono::milliseconds ms) { waits.push_back(ms); };
    auto chain = find_vcek(genoa_report(), {}, o);
    BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
    BOOST_REQUIRE(waits.size() == 1u);
    BOOST_TEST(waits[0].count() == 4000, huge);
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_that_is_not_delay_seconds_or_a_date_gets_the_backoff) {
  for (const char* junk : {"-1", "1.5", "soon"}) {
    MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"), 1, junk);
    VcekSourceOptions o = kds_only(kds);
    std::vector<std::chrono::milliseconds> waits;
    o.sleep = [&](std::chrono::milliseconds ms) { waits.push_back(ms); };
    auto chain = find_vcek(genoa_report(), {}, o);
    BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
    BOOST_REQUIRE(waits.size() == 1u);
    BOOST_TEST(waits[0].count() == o.initial_backoff_ms, junk);
  }
}

BOOST_AUTO_TEST_CASE(kds_throttling_beyond_the_attempts_is_reported) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"), 100);
  VcekSourceOptions o = kds_only(kds);
  o.kds_attempts = 3;
  o.use_certificate_table = false;
  auto chain = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(chain.error().describe() ==
             "MissingCertificate: no usable VCEK: certificate table: not configured; thim: not configured; "
             "kds: NetworkError: GET " + kds.server->url() + genoa_kds_target() +
                 ": HTTP 429 after 3 attempts; file: not configured");
  BOOST_TEST(kds.seen().size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_vcek_for_another_product_is_rejected_and_not_cached) {
  MockKds kds(read_vector("snp/virtee-sev_milan/vcek.der"));
  VcekSourceOptions o = kds_only(kds);
  o.cache_dir = scratch("bad");
  auto chain = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(chain.error().describe() ==
             "MissingCertificate: no usable VCEK: certificate table: MissingCertificate: none; thim: not configured; "
             "kds: ProductMismatch: the report is from a Genoa, the certificate is for Milan-B0; file: not configured");
  BOOST_TEST(!fs::exists(o.cache_dir));
}

BOOST_AUTO_TEST_CASE(an_expired_vcek_from_kds_is_certificate_expired_and_not_cached) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"));
  VcekSourceOptions o = kds_only(kds);
  o.at = *parse_rfc3339("2034-01-01T00:00:00Z");  // the VCEK is valid until 2033-02-17
  o.cache_dir = scratch("expired");
  auto chain = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(chain.error().describe() ==
             "CertificateExpired: no usable VCEK: certificate table: MissingCertificate: none; thim: not configured; "
             "kds: CertificateExpired: 'OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Advanced Micro Devices, "
             "CN=SEV-VCEK' is valid from 2026-02-17T23:01:36Z to 2033-02-17T23:01:36Z, not at 2034-01-01T00:00:00Z; "
             "file: not configured");
  BOOST_TEST(!fs::exists(o.cache_dir));
}

BOOST_AUTO_TEST_CASE(a_cached_vcek_past_its_validity_is_fetched_again_then_certificate_expired) {
  MockKds kds(read_vector("snp/lunal-attestation-rs_genoa_v5/vcek.der"));
  VcekSourceOptions o = kds_only(kds);
  o.cache_dir = scratch("cache-expiry");
  BOOST_REQUIRE(find_vcek(genoa_report(), {}, o).ok());
  o.at = *parse_rfc3339("2034-01-01T00:00:00Z");
  auto later = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE(!later.ok());
  BOOST_TEST(error_name(later.error().code()) == "CertificateExpired");
  BOOST_TEST(kds.seen().size() == 2u);  // the cached entry was dropped and KDS asked again
  BOOST_TEST(!fs::exists(o.cache_dir + "/Genoa/" + kGenoaChipId + "/1b1b00000000000a.der"));
}

BOOST_AUTO_TEST_CASE(a_table_vcek_not_yet_valid_is_certificate_expired) {
  const auto& id = snpsim::test::milan();
  auto report = snp::parse_report(*snpsim::make_report(id, {}));
  BOOST_REQUIRE(report.ok());
  verify::RootStore store;
  store.add(snpsim::sim_product_chain(id));
  VcekSourceOptions o;
  o.roots = &store;
  o.at = *parse_rfc3339("2023-06-01T00:00:00Z");  // before the sim's 2024-01-01
  o.kds_base = "";
  auto chain = find_vcek(*report, snpsim::host_certificates(id), o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(error_name(chain.error().code()) == "CertificateExpired");
  BOOST_TEST(chain.error().message().find("certificate table: CertificateExpired: ") != std::string::npos,
             chain.error().message());
  BOOST_TEST(chain.error().message().find("not at 2023-06-01T00:00:00Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_certificate_table_comes_first) {
  const auto& id = snpsim::test::milan();
  auto report = snp::parse_report(*snpsim::make_report(id, {}));
  BOOST_REQUIRE(report.ok());
  verify::RootStore store;
  store.add(snpsim::sim_product_chain(id));
  VcekSourceOptions o;
  o.roots = &store;
  o.at = kAt;
  o.kds_base = "http://127.0.0.1:1";  // never reached
  auto chain = find_vcek(*report, snpsim::host_certificates(id), o);
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(chain->origin == "certificate table");
  BOOST_TEST((chain->vcek == id.vcek));
}

BOOST_AUTO_TEST_CASE(a_table_vcek_signed_directly_by_the_ark_is_refused) {
  const auto& id = snpsim::test::milan();
  auto report = snp::parse_report(*snpsim::make_report(id, {}));
  BOOST_REQUIRE(report.ok());
  auto by_ark = crypto::issue_certificate(snpsim::leaf_certificate_spec(id, false), id.vcek_key.public_key(),
                                          id.ark_key, &id.ark);
  BOOST_REQUIRE(by_ark.ok());
  verify::RootStore store;
  store.add(snpsim::sim_product_chain(id));
  VcekSourceOptions o;
  o.roots = &store;
  o.at = kAt;
  o.kds_base = "";
  auto chain = find_vcek(*report, {snp::CertTableEntry{snp::kVcekGuid, by_ark->der()}}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(error_name(chain.error().code()) == "MissingCertificate");
  BOOST_TEST(chain.error().message().find("certificate table: UntrustedChain: 'SEV-VCEK' is issued by ") !=
                 std::string::npos,
             chain.error().message());
}

BOOST_AUTO_TEST_CASE(a_table_vcek_from_an_untrusted_chain_falls_through_to_the_configured_file) {
  const auto& id = snpsim::test::milan();
  auto report = snp::parse_report(*snpsim::make_report(id, {}));
  BOOST_REQUIRE(report.ok());
  verify::RootStore store;
  store.add(snpsim::sim_product_chain(id));
  // A second sim machine's VCEK in the table: same product, another chain.
  snpsim::SimOptions other;
  other.seed = "another machine";
  const auto& stranger = snpsim::test::identity(other);
  std::string file = scratch("file") + ".pem";
  BOOST_REQUIRE(write_file(file, as_bytes(id.vcek.pem())).ok());
  VcekSourceOptions o;
  o.roots = &store;
  o.at = kAt;
  o.kds_base = "";
  o.file = file;
  auto chain = find_vcek(*report, snpsim::host_certificates(stranger), o);
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(chain->origin == "file");
}

BOOST_AUTO_TEST_CASE(thim_is_asked_with_the_metadata_header_and_its_vcek_checks_out) {
  std::string body = test::read_vector_text("azure/thim_certification_response.json");
  std::atomic<int> with_header{0};
  auto server = net::HttpServer::start(net::ServerOptions{}, [&](const net::HttpRequest& r) {
    if (r.path != "/metadata/THIM/amd/certification") return net::HttpResponse::text(404, "");
    if (r.header("Metadata").value_or("") != "true") return net::HttpResponse::text(400, "");
    ++with_header;
    net::HttpResponse ok = net::HttpResponse::text(200, body);
    return ok;
  });
  BOOST_REQUIRE(server.ok());
  // The report of the machine THIM describes: its hwID and TCB (tcbm 7308000000000003).
  auto json = test::read_vector_text("azure/thim_certification_response.json");
  VcekQuery q;
  q.product = snp::Product::Milan;
  q.reported_tcb = 0x7308000000000003ull;
  {
    auto parsed = parse_json(json, "thim");
    auto vcek = crypto::Certificate::parse_all(as_bytes((*parsed)["vcekCert"].asString()));
    BOOST_REQUIRE(vcek.ok());
    auto ext = verify::read_kds_extensions(vcek->front());
    BOOST_REQUIRE(ext.ok());
    std::copy(ext->hwid->begin(), ext->hwid->end(), q.chip_id.begin());
  }
  VcekSourceOptions o;
  o.thim_url = (*server)->url() + "/metadata/THIM/amd/certification";
  o.kds_base = "";
  o.at = kAt;
  auto chain = find_vcek(q, {}, o);
  BOOST_REQUIRE_MESSAGE(chain.ok(), test::why(chain));
  BOOST_TEST(chain->origin == "thim");
  BOOST_TEST(chain->extensions.product_name == "Milan-B0");
  BOOST_TEST(with_header.load() == 1);
}

BOOST_AUTO_TEST_CASE(thim_with_another_tcb_is_rejected_as_a_tcb_mismatch) {
  std::string body = test::read_vector_text("azure/thim_certification_response.json");
  auto server = net::HttpServer::start(net::ServerOptions{},
                                       [&](const net::HttpRequest&) { return net::HttpResponse::text(200, body); });
  BOOST_REQUIRE(server.ok());
  auto parsed = parse_json(body, "thim");
  auto vcek = crypto::Certificate::parse_all(as_bytes((*parsed)["vcekCert"].asString()));
  auto ext = verify::read_kds_extensions(vcek->front());
  VcekQuery q;
  q.product = snp::Product::Milan;
  q.reported_tcb = 0x7408000000000003ull;  // ucode 116: newer than the VCEK
  std::copy(ext->hwid->begin(), ext->hwid->end(), q.chip_id.begin());
  VcekSourceOptions o;
  o.thim_url = (*server)->url() + "/x";
  o.kds_base = "";
  o.use_certificate_table = false;
  o.at = kAt;
  auto chain = find_vcek(q, {}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(chain.error().message().find("thim: TcbMismatch: REPORTED_TCB bl=3 tee=0 snp=8 ucode=116") !=
                 std::string::npos,
             chain.error().message());
}

BOOST_AUTO_TEST_CASE(nothing_configured_lists_every_source) {
  VcekSourceOptions o;
  o.kds_base = "";
  auto chain = find_vcek(genoa_report(), {}, o);
  BOOST_REQUIRE(!chain.ok());
  BOOST_TEST(chain.error().describe() ==
             "MissingCertificate: no usable VCEK: certificate table: MissingCertificate: none; thim: not configured; "
             "kds: not configured; file: not configured");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::hal
