#include "client/lib/offline_checks.h"

#include "client/lib/evidence_files.h"
#include "client/lib/report_view.h"
#include "core/time.h"

namespace attestd::client {

Result<CheckedReport> check_report_file(ByteView file, std::string_view source,
                                        std::span<const crypto::Certificate> certs, const verify::Policy& policy,
                                        const verify::VerifyOptions& options) {
  auto parsed = parse_report_file(file);
  if (!parsed) return parsed.error().with_context(source);
  if (parsed->hcl) {
    if (Status s = snp::check_runtime_binding(*parsed->hcl); !s) return s.error();
  }
  auto verified = verify::verify_report(parsed->report_bytes, certs, options);
  if (!verified) return verified.error();
  if (Status s = verify::check_policy(policy, verify::facts_of(*verified)); !s) return s.error();
  return CheckedReport{std::move(verified).value(), parsed->hcl.has_value()};
}

Json::Value checked_report_json(const CheckedReport& checked, UnixTime verified_at) {
  const verify::VerifiedReport& v = checked.verified;
  Json::Value out(Json::objectValue);
  out["product"] = std::string(snp::product_name(v.product()));
  out["signing_key"] = std::string(verify::key_kind_name(v.signing_key()));
  out["root"] = v.chain().ark.subject_common_name();
  out["root_origin"] = v.chain().origin;
  out["verified_at"] = format_rfc3339(verified_at);
  out["hcl"] = checked.hcl;
  out["report"] = report_json(v.report(), v.product());
  return out;
}

Result<VerifiedToken> check_token_text(std::string_view token, const std::string& maa_url, MaaKeySource& keys,
                                       UnixTime at, const verify::Policy& policy, const TokenExpectations& expect) {
  auto verified = verify_maa_token(token, maa_url, keys, at, policy.clock_skew_seconds);
  if (!verified) return verified.error();
  if (Status s = check_token(*verified, policy, expect); !s) return s.error();
  return verified;
}

}  // namespace attestd::client
