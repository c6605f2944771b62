#include "hal/azure_vtpm.h"

#include <filesystem>
#include <thread>
#include <utility>

#include "boot/event_log.h"
#include "core/file.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "crypto/sha.h"
#include "hal/tpm/objects.h"

namespace attestd::hal {
namespace {

Error malformed(std::string what) { return Error(ErrorCode::MalformedInput, std::move(what)); }

Result<Json::Value> claims_json(std::string_view runtime_claims) {
  auto v = parse_json(runtime_claims, "HCL runtime claims");
  if (!v) return v.error();
  if (!v->isObject()) return malformed("HCL runtime claims are not a JSON object");
  return v;
}

// Flushes the transient `handle` whatever `result` is, so no failure leaves an object or
// a session behind in the TPM; a failed flush is the error when `result` was a success.
template <typename R>
R flushed(tpm::Tpm& t, std::uint32_t handle, R result) {
  Status f = t.flush_context(handle);
  if (result && !f) return f.error();
  return result;
}

// The encryption key for `values` of `pcrs`, loaded (the caller flushes it): Microsoft's
// template, bound by PolicyPCR, under the null hierarchy. The same values give the same key
// until the TPM resets (which gives the null hierarchy a new seed), so decrypting re-creates
// the key the evidence carried.
Result<tpm::CreatedObject> create_encryption_key(tpm::Tpm& t, const tpm::PcrSelection& pcrs,
                                                 const std::vector<Bytes>& values) {
  return t.create_primary(tpm::kRhNull, tpm::encryption_key_template(tpm::policy_pcr_digest(pcrs, values)));
}

// The AK's public area and certificate, and an encryption key bound by PolicyPCR to
// `values` of `pcrs` and certified by the AK, as Microsoft's client makes them
// (GetEphemeralKey: CreatePrimary under the null hierarchy, Certify, flush).
Result<TpmKeys> read_tpm_keys(tpm::Tpm& t, const AzureVtpmOptions& o, const std::vector<Bytes>& values) {
  TpmKeys keys;
  auto ak = t.read_public(o.ak_handle);
  if (!ak) return ak.error().with_context("attestation key");
  keys.ak_public = tpm::tpm2b_public(ak->public_area);
  auto cert_index = t.nv_find(o.ak_cert_index);
  if (!cert_index) return cert_index.error().with_context("AK certificate");
  if (*cert_index) {
    auto cert = t.nv_read(o.ak_cert_index, o.nv_chunk);
    if (!cert) return cert.error().with_context("AK certificate");
    keys.ak_cert = std::move(cert).value();
  }
  auto created = create_encryption_key(t, o.pcrs, values);
  if (!created) return created.error().with_context("encryption key");
  auto certified = flushed(t, created->handle, t.certify(created->handle, o.ak_handle, {}));
  if (!certified) return certified.error().with_context("encryption key");
  keys.enc_key_public = tpm::tpm2b_public(created->public_area);
  keys.enc_key_certify_info = std::move(certified->attest);
  keys.enc_key_certify_signature = std::move(certified->signature);
  return keys;
}

// "PCR 9, PCR 11": the PCRs of `pcrs` whose values are no longer `then`.
std::string changed_pcrs(const tpm::PcrSelection& pcrs, const std::vector<Bytes>& then, const std::vector<Bytes>& now) {
  std::string out;
  for (std::size_t i = 0; i < pcrs.pcrs.size() && i < then.size() && i < now.size(); ++i) {
    if (then[i] == now[i]) continue;
    if (!out.empty()) out += ", ";
    out += "PCR " + std::to_string(pcrs.pcrs[i]);
  }
  return out;
}

}  // namespace

bool boot_evidence_consistent(ByteView attest, const tpm::PcrSelection& selection, const std::vector<Bytes>& values,
                              const std::optional<Bytes>& event_log) {
  auto info = tpm::parse_quote_attest(attest);
  if (!info || info->pcrs != selection.pcrs || !tpm::check_pcr_values(*info, values)) return false;
  if (!event_log) return true;  // nothing to agree with
  auto parsed = boot::parse_event_log(*event_log);
  if (!parsed) return true;  // not ours to judge: the client names it
  std::map<unsigned, Bytes> by_pcr;
  for (std::size_t i = 0; i < values.size(); ++i) by_pcr[info->pcrs[i]] = values[i];
  return !boot::replay_mismatch(*parsed, by_pcr);
}

Result<std::optional<Bytes>> read_event_log(const std::string& path) {
  if (path.empty()) return std::optional<Bytes>();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Absent is "no log"; a path we cannot even look at is a fault to report, not a quiet gap.
    if (ec) return Error(ErrorCode::DeviceError, "TCG event log " + path + ": " + ec.message());
    return std::optional<Bytes>();
  }
  // securityfs files report size 0: read to the end, bounded.
  auto bytes = read_file(path, boot::kMaxEventLogBytes);
  if (!bytes) return Error(ErrorCode::DeviceError, "TCG event log: " + bytes.error().message());
  return std::optional<Bytes>(std::move(bytes).value());
}

Bytes quote_qualifying_data(const ReportData& report_data) { return crypto::sha256(report_data); }

Result<crypto::PublicKey> hcl_ak_public_key(std::string_view runtime_claims) {
  auto v = claims_json(runtime_claims);
  if (!v) return v.error();
  const Json::Value& keys = (*v)["keys"];
  if (!keys.isArray()) return malformed("HCL runtime claims have no \"keys\" array");
  for (const Json::Value& k : keys) {
    if (!k.isObject() || !k["kid"].isString() || k["kid"].asString() != "HCLAkPub") continue;
    auto jwk = crypto::parse_jwk(k);
    if (!jwk) return jwk.error().with_context("HCLAkPub");
    if (jwk->key.type() != crypto::KeyType::Rsa) return malformed("HCLAkPub is not an RSA key");
    return jwk->key;
  }
  return malformed("HCL runtime claims have no key with kid \"HCLAkPub\"");
}

Result<Bytes> hcl_user_data(std::string_view runtime_claims) {
  auto v = claims_json(runtime_claims);
  if (!v) return v.error();
  const Json::Value& u = (*v)["user-data"];
  if (!u.isString()) return malformed("HCL runtime claims have no \"user-data\" string");
  auto bytes = hex_decode(u.asString());
  if (!bytes) return bytes.error().with_context("HCL runtime claims \"user-data\"");
  return bytes;
}

AzureVtpmSource::AzureVtpmSource(std::shared_ptr<tpm::TpmTransport> transport, AzureVtpmOptions options)
    : tpm_(std::move(transport)), options_(std::move(options)) {}

Result<snp::HclReport> AzureVtpmSource::read_hcl_report() {
  auto raw = tpm_.nv_read(options_.hcl_report_index, options_.nv_chunk);
  if (!raw) return raw.error().with_context("HCL report");
  return snp::parse_hcl_report(*raw);
}

Result<Evidence> AzureVtpmSource::get_evidence(const ReportData& report_data) {
  std::lock_guard<std::mutex> lock(mu_);
  // Azure's guest attestation client defines the user-data index when it is absent (and
  // only then: a TPM that cannot be reached is named as such, not "defined" over).
  auto pub = tpm_.nv_find(options_.user_data_index);
  if (!pub) return pub.error().with_context("user-data");
  if (!*pub) {
    if (Status s = tpm_.nv_define_space(options_.user_data_index, report_data.size()); !s) return s.error();
  } else if ((*pub)->data_size != report_data.size()) {
    return Error(ErrorCode::DeviceError, "user-data NV index has " + std::to_string((*pub)->data_size) +
                                             " bytes, expected " + std::to_string(report_data.size()));
  }
  if (Status s = tpm_.nv_write(options_.user_data_index, report_data); !s) return s.error();

  // The paravisor regenerates the report asynchronously; a read may also catch it half
  // written. Poll until the claims carry our data, remembering why the last read failed.
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::string last = "no report read";
  std::optional<snp::HclReport> hcl;
  Bytes raw_hcl;
  for (;;) {
    auto raw = tpm_.nv_read(options_.hcl_report_index, options_.nv_chunk);
    if (!raw) return raw.error().with_context("HCL report");
    auto parsed = snp::parse_hcl_report(*raw);
    if (!parsed) {
      last = parsed.error().describe();
    } else if (auto user = hcl_user_data(parsed->runtime_claims); !user) {
      last = user.error().describe();
    } else if (!constant_time_equal(*user, report_data)) {
      last = "user-data is " + hex_encode(*user);
    } else if (Status bound = snp::check_runtime_binding(*parsed); !bound) {
      last = bound.error().describe();
    } else {
      hcl = std::move(parsed).value();
      raw_hcl = std::move(raw).value();
      break;
    }
    if (std::chrono::steady_clock::now() + options_.poll_interval > deadline) {
      return Error(ErrorCode::DeviceError, "the paravisor did not publish an HCL report with our user-data within " +
                                               std::to_string(options_.timeout.count()) + " ms (last: " + last + ")");
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }

  // The quote, the PCR values and the log are three reads: an extend in between (the
  // kernel or a service measuring at run time) makes them disagree, and the client would
  // refuse an honest guest. Check them as the client will; read again a few times.
  Result<tpm::QuoteResponse> quote = Error(ErrorCode::Internal, "no quote");
  Result<std::vector<Bytes>> pcrs = Error(ErrorCode::Internal, "no PCR values");
  Result<std::optional<Bytes>> log = std::optional<Bytes>();
  for (int attempt = 1;; ++attempt) {
    quote = tpm_.quote(options_.ak_handle, quote_qualifying_data(report_data), options_.pcrs);
    if (!quote) return quote.error();
    pcrs = tpm_.pcr_read(options_.pcrs);
    if (!pcrs) return pcrs.error();
    log = read_event_log(options_.event_log_path);
    if (!log) return log.error();
    if (attempt == kConsistentReadAttempts || boot_evidence_consistent(quote->attest, options_.pcrs, *pcrs, *log)) break;
  }
  Evidence e;
  e.source = name();
  e.report = hcl->snp_report_bytes;
  e.hcl_report = std::move(raw_hcl);
  e.runtime_claims = hcl->runtime_claims;
  e.quote = TpmQuote{std::move(quote->attest), std::move(quote->signature), options_.pcrs.marshal(),
                     std::move(pcrs).value()};
  e.event_log = std::move(log).value();
  if (options_.encryption_key) {
    auto keys = read_tpm_keys(tpm_, options_, e.quote->pcr_values);
    if (!keys) return keys.error();
    e.tpm_keys = std::move(keys).value();
  }
  return e;
}

Result<Bytes> AzureVtpmSource::decrypt_with_encryption_key(const Evidence& evidence, ByteView ciphertext) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!evidence.quote || !evidence.tpm_keys) {
    return malformed("the evidence has no TPM quote and encryption key to decrypt with");
  }
  auto pcrs = tpm::parse_pcr_selection(evidence.quote->pcr_selection);
  if (!pcrs) return pcrs.error().with_context("the evidence's quote");
  const std::vector<Bytes>& values = evidence.quote->pcr_values;
  if (values.size() != pcrs->pcrs.size()) {
    return malformed("the evidence's quote has " + std::to_string(values.size()) + " PCR values for " +
                     std::to_string(pcrs->pcrs.size()) + " PCRs");
  }
  auto created = create_encryption_key(tpm_, *pcrs, values);
  if (!created) return created.error().with_context("encryption key");
  return flushed(tpm_, created->handle, [&]() -> Result<Bytes> {
    if (tpm::tpm2b_public(created->public_area) != evidence.tpm_keys->enc_key_public) {
      return Error(ErrorCode::DeviceError, "encryption key: the TPM makes another key for these PCR values than the "
                                           "evidence's: the TPM was reset since, or the key is not this TPM's");
    }
    auto session = tpm_.start_policy_session();
    if (!session) return session.error().with_context("encryption key");
    if (Status s = tpm_.policy_pcr(*session, tpm::pcr_values_digest(values), *pcrs); !s) {
      (void)tpm_.flush_context(*session);
      auto now = tpm_.pcr_read(*pcrs);
      std::string changed = now ? changed_pcrs(*pcrs, values, *now) : "";
      if (!changed.empty()) {
        return Error(ErrorCode::DeviceError, "encryption key: " + changed + " changed since the evidence was taken, "
                                             "so the TPM no longer lets the key decrypt (" + s.error().message() + ")");
      }
      return s.error().with_context("encryption key");
    }
    auto plain = tpm_.rsa_decrypt(created->handle, *session, ciphertext);
    if (!plain) {
      (void)tpm_.flush_context(*session);  // a failed command leaves the session loaded
      return plain.error().with_context("encryption key");
    }
    return plain;
  }());
}

Result<snp::HclReport> check_azure_evidence(const Evidence& evidence, const ReportData& report_data) {
  if (!evidence.hcl_report || !evidence.quote) {
    return malformed("azure-vtpm evidence needs an HCL report and a TPM quote");
  }
  auto hcl = snp::parse_hcl_report(*evidence.hcl_report);
  if (!hcl) return hcl.error();
  if (Status s = snp::check_runtime_binding(*hcl); !s) return s.error();
  if (hcl->snp_report_bytes != evidence.report) {
    return Error(ErrorCode::ReportDataMismatch, "the evidence's SNP report is not the HCL report's");
  }
  auto user = hcl_user_data(hcl->runtime_claims);
  if (!user) return user.error();
  if (!constant_time_equal(*user, report_data)) {
    return Error(ErrorCode::ReportDataMismatch, "HCL user-data is " + hex_encode(*user) + ", expected " +
                                                    hex_encode(report_data));
  }
  auto ak = hcl_ak_public_key(hcl->runtime_claims);
  if (!ak) return ak.error();
  auto q = tpm::verify_quote(*evidence.quote, *ak, quote_qualifying_data(report_data));
  if (!q) return q.error();
  return hcl;
}

}  // namespace attestd::hal
