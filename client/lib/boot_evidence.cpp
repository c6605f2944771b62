#include "client/lib/boot_evidence.h"

#include <algorithm>

#include "client/lib/runtime_data.h"
#include "core/text.h"
#include "crypto/base64.h"
#include "hal/azure_vtpm.h"
#include "hal/tpm/quote.h"
#include "hal/tpm/tpm.h"

namespace attestd::client {
namespace {

Error invalid(const std::string& why) { return Error(ErrorCode::QuoteInvalid, why); }

Result<Bytes> base64url_member(const Json::Value& tpm, const char* name, std::size_t max) {
  const Json::Value& v = tpm[name];
  if (!v.isString()) return invalid(std::string("the answer's tpm.") + name + " is not a base64url string");
  if (v.asString().size() > (max / 3 + 1) * 4) {
    return invalid(std::string("the answer's tpm.") + name + " is larger than " + std::to_string(max) + " bytes");
  }
  auto bytes = crypto::base64url_decode(v.asString());
  if (!bytes) return invalid(std::string("the answer's tpm.") + name + ": " + bytes.error().message());
  return bytes;
}

std::string pcr_name(unsigned pcr) { return "PCR " + std::to_string(pcr); }

}  // namespace

Result<BootEvidence> parse_boot_evidence(const Json::Value& tpm) {
  if (!tpm.isObject()) return invalid("the answer's tpm member is not an object");
  BootEvidence e;
  // TPMS_ATTEST and TPMT_SIGNATURE are a few hundred bytes; 4 KiB bounds both generously.
  auto quote = base64url_member(tpm, "quote", 4096);
  if (!quote) return quote.error();
  e.quote = std::move(quote).value();
  auto signature = base64url_member(tpm, "signature", 4096);
  if (!signature) return signature.error();
  e.signature = std::move(signature).value();
  const Json::Value& pcrs = tpm["pcrs"];
  if (!pcrs.isObject()) return invalid("the answer's tpm.pcrs is not an object of PCR index -> hex");
  for (const std::string& k : pcrs.getMemberNames()) {
    auto index = boot::parse_pcr_index(k);
    if (!index) return invalid("the answer's tpm.pcrs has a key '" + terminal_safe(k.substr(0, 16)) + "' that is not a PCR index");
    auto value = pcrs[k].isString() ? hex_decode(pcrs[k].asString()) : Result<Bytes>(Bytes{});
    if (!value || value->size() != 32) return invalid("the answer's tpm.pcrs." + k + " is not a SHA-256 value in hex");
    e.pcrs[*index] = std::move(value).value();
  }
  if (tpm.isMember("event_log")) {
    auto log = base64url_member(tpm, "event_log", boot::kMaxEventLogBytes);
    if (!log) return log.error();
    e.event_log = std::move(log).value();
  }
  return e;
}

Result<crypto::PublicKey> attested_ak(const Json::Value& runtime_claims) {
  auto ak = hal::hcl_ak_public_key(json_compact(runtime_claims));
  if (!ak) return invalid("the attested runtime claims publish no vTPM attestation key: " + ak.error().message());
  return ak;
}

Result<VerifiedBoot> verify_boot(const BootEvidence& e, const crypto::PublicKey& ak, std::string_view runtime_text,
                                 const verify::Policy& policy) {
  // 1-3: signature, freshness, values. The values go in the quote's own selection order.
  hal::TpmQuote quote{e.quote, e.signature, {}, {}};
  if (auto parsed = hal::tpm::parse_quote_attest(e.quote)) {
    if (parsed->pcr_hash_alg != hal::tpm::kAlgSha256) {
      return invalid("the TPM quote covers the bank " + std::to_string(parsed->pcr_hash_alg) + ", not SHA-256");
    }
    for (unsigned pcr : parsed->pcrs) {
      auto v = e.pcrs.find(pcr);
      if (v == e.pcrs.end()) return invalid("the answer gives no value for the quoted " + pcr_name(pcr));
      quote.pcr_values.push_back(v->second);
    }
    if (e.pcrs.size() != parsed->pcrs.size()) {
      return invalid("the answer gives " + std::to_string(e.pcrs.size()) + " PCR values for " +
                     std::to_string(parsed->pcrs.size()) + " quoted PCRs");
    }
  }
  auto info = hal::tpm::verify_quote(quote, ak, hal::quote_qualifying_data(report_data_for(runtime_text)));
  if (!info) {
    if (info.error().code() == ErrorCode::NonceMismatch) {
      return Error(ErrorCode::NonceMismatch,
                   "the TPM quote is not over this batch's runtime data (a quote of another batch, or replayed): " +
                       info.error().message());
    }
    if (info.error().code() == ErrorCode::QuoteInvalid) return info.error();
    return invalid(info.error().message());
  }
  for (unsigned pcr : kRequiredPcrs) {
    if (!std::binary_search(info->pcrs.begin(), info->pcrs.end(), pcr)) {
      return invalid("the TPM quote does not cover " + pcr_name(pcr) + " (it must cover 0-7 and 11)");
    }
  }

  // 4: the event log explains every quoted value.
  if (!e.event_log) return Error(ErrorCode::EventLogMismatch, "the agent sent no TCG event log: the PCRs are unexplained");
  auto log = boot::parse_event_log(*e.event_log);
  if (!log) return Error(ErrorCode::EventLogMismatch, "the TCG event log is malformed: " + log.error().message());
  if (auto bad = boot::replay_mismatch(*log, e.pcrs)) {
    return Error(ErrorCode::EventLogMismatch, "the event log replays " + pcr_name(bad->pcr) + " to " +
                                                  hex_encode(bad->replayed) + ", but the quote says " +
                                                  hex_encode(e.pcrs.at(bad->pcr)));
  }

  // 5: the policy.
  VerifiedBoot out{e.pcrs, std::move(log).value(), std::nullopt};
  out.secure_boot = boot::secure_boot_enabled(out.log);
  if (Status s = verify::check_boot_policy(policy, {out.pcrs, out.secure_boot, &out.log}); !s) return s.error();
  return out;
}

}  // namespace attestd::client
