// How Microsoft Azure Attestation names an SEV-SNP report's fields in its tokens
// (the x-ms-sevsnpvm-* claims), in both directions: the emulator maps a report to
// claims, the verifier maps verified claims back to guest facts. One table serves both.
#pragma once

#include <json/value.h>

#include "hal/snp/report.h"
#include "verify/policy.h"

namespace attestd::client {

// The x-ms-sevsnpvm-* claims of a report, as MAA writes them: lowercase hex, SVNs from
// REPORTED_TCB decoded in `product`'s layout, booleans from the POLICY bits.
Json::Value sevsnpvm_claims(const snp::AttestationReport& report, snp::Product product);

// The facts a verified token states about the guest. Every claim must be present with
// MAA's type: a missing or mistyped claim is NotAnEnclave, except is-debuggable, which
// must be the JSON boolean false or the guest counts as debuggable (DebugMode): a
// string "false" is not false.
Result<verify::GuestFacts> facts_from_claims(const Json::Value& tee_claims);

}  // namespace attestd::client
