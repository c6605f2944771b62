// make bench: SEV-SNP report + chain verifications per second, cold and with a
// verified-chain cache. Prints one JSON object (tests/bench/bench.py adds the peer).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "client/lib/evidence_files.h"
#include "core/file.h"
#include "core/json.h"
#include "tests/support.h"
#include "tests/bench/bench.h"
#include "verify/report_verifier.h"

namespace attestd::bench {

namespace {

// One function per row, neither inlined nor folded into the other, so that a profile selects one row:
// valgrind --tool=callgrind --toggle-collect='attestd::bench::*verify_cold*' ...
[[gnu::noinline, gnu::no_icf]] bool verify_cold(const Bytes& report, const std::vector<crypto::Certificate>& certs,
                                   const verify::VerifyOptions& options) {
  return verify::verify_report(report, certs, options).ok();
}

[[gnu::noinline, gnu::no_icf]] bool verify_cached(const Bytes& report, const std::vector<crypto::Certificate>& certs,
                                     const verify::VerifyOptions& options) {
  return verify::verify_report(report, certs, options).ok();
}

}  // namespace

int bench_report(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "snp/virtee-sev_milan";
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  Bytes report = test::read_vector(dir + "/report.bin");
  auto vcek = client::parse_certificates(test::read_vector(dir + "/vcek.der"));
  auto bundle = client::parse_certificates(test::read_vector(dir + "/ca_bundle.pem"));
  if (!vcek || !bundle) {
    std::cerr << "bench: cannot read the vector in " << dir << "\n";
    return 1;
  }
  std::vector<crypto::Certificate> certs = *vcek;
  certs.insert(certs.end(), bundle->begin(), bundle->end());

  verify::VerifyOptions cold;
  cold.at = *parse_rfc3339("2026-11-23T00:00:00Z");
  double cold_rate = per_second([&] { return verify_cold(report, certs, cold); }, seconds);

  verify::ChainCache cache;
  verify::VerifyOptions warm = cold;
  warm.cache = &cache;
  double warm_rate = per_second([&] { return verify_cached(report, certs, warm); }, seconds);

  Json::Value out(Json::objectValue);
  out["vector"] = dir;
  out["attestd_cold_per_s"] = cold_rate;
  out["attestd_cached_per_s"] = warm_rate;
  std::cout << json_compact(out) << std::endl;
  return 0;
}

}  // namespace attestd::bench
