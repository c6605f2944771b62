// The relying party's offline checks, one implementation for `attest verify-report`,
// `attest verify-token` and the Python package (python/, docs/python.md).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <json/value.h>

#include "client/lib/maa_token.h"
#include "core/bytes.h"
#include "crypto/x509.h"
#include "verify/policy.h"
#include "verify/report_verifier.h"

namespace attestd::client {

// A report that passed check_report_file. `verified` points into the options' RootStore,
// which must outlive it.
struct CheckedReport {
  verify::VerifiedReport verified;
  bool hcl = false;  // the file was an Azure HCL report, whose runtime claims REPORT_DATA binds
};

// A report file's bytes (an SNP report, or an Azure HCL report whose runtime claims must then
// be bound by REPORT_DATA: RuntimeDataMismatch), verified against `certs` up to a root of
// `options` (the chain, the signature, REPORTED_TCB and CHIP_ID against the certificate),
// then `policy`. The error of the first check that fails; one about the file's form names
// it as `source` (a path, or "the report").
Result<CheckedReport> check_report_file(ByteView file, std::string_view source,
                                        std::span<const crypto::Certificate> certs, const verify::Policy& policy,
                                        const verify::VerifyOptions& options);

// {"product", "signing_key", "root", "root_origin", "verified_at", "hcl", "report": every
// field (report_json)}: the body of `attest verify-report --json`.
Json::Value checked_report_json(const CheckedReport& checked, UnixTime verified_at);

// A compact JWS from the MAA instance `maa_url` (verify_maa_token, as of `at` with the
// policy's clock skew), then its claims against the policy and expectations (check_token).
Result<VerifiedToken> check_token_text(std::string_view token, const std::string& maa_url, MaaKeySource& keys,
                                       UnixTime at, const verify::Policy& policy, const TokenExpectations& expect);

}  // namespace attestd::client
