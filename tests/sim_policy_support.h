// Helpers for tests that check a policy against snp-sim evidence: the verified facts of a
// report snp-sim signed, a policy's verdict on them, PEM text as a JSON string.
#pragma once

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/time.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"
#include "verify/policy.h"
#include "verify/report_verifier.h"
#include "verify/roots.h"

namespace attestd::test {

// The facts of a report the Milan sim identity signed for `req`, after the verifier
// checked it (signature, chain to the sim root, at 2025-06-01).
inline verify::GuestFacts sim_facts(const snpsim::ReportRequest& req) {
  const snpsim::SimIdentity& id = snpsim::test::milan();
  auto report = snpsim::make_report(id, req);
  BOOST_REQUIRE_MESSAGE(report.ok(), why(report));
  verify::RootStore store;
  store.add(snpsim::sim_product_chain(id));
  verify::VerifyOptions o;
  o.at = *parse_rfc3339("2025-06-01T00:00:00Z");
  o.roots = &store;
  std::vector<crypto::Certificate> certs{id.vcek};
  auto v = verify::verify_report(*report, certs, o);
  BOOST_REQUIRE_MESSAGE(v.ok(), why(v));
  return verify::facts_of(*v);
}

// "ok", or "ErrorName: message" (a policy that does not parse: "policy: ...").
inline std::string verdict(const std::string& json, const verify::GuestFacts& f) {
  auto p = verify::parse_policy(json);
  if (!p) return "policy: " + p.error().describe();
  Status s = verify::check_policy(*p, f);
  return s ? "ok" : s.error().describe();
}

// PEM text as a JSON string literal (newlines as \n).
inline std::string quoted(const std::string& pem) {
  std::string out;
  for (char c : pem) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return "\"" + out + "\"";
}

}  // namespace attestd::test
