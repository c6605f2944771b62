// maa-emu's POST /attest/AzureGuest (docs/maa-emu.md, "AzureGuest"): what MAA checks of the
// request Microsoft's guest attestation library sends, the azurevm token it derives, and
// the answer sealed to the guest's TPM encryption key.
#include <algorithm>
#include <map>
#include <set>

#include "boot/event_log.h"
#include "client/lib/azure_guest.h"
#include "client/lib/azurevm_claims.h"
#include "client/lib/maa_claims.h"
#include "core/json.h"
#include "crypto/jose.h"
#include "crypto/sha.h"
#include "hal/azure_vtpm.h"
#include "hal/tpm/objects.h"
#include "hal/tpm/quote.h"
#include "tests/mocks/maa/emulator.h"

namespace attestd::maaemu {

namespace {

// The API version of MAA that serves /attest/AzureGuest (Microsoft's client library's).
const std::vector<std::string> kAzureGuestApiVersions = {client::kAzureGuestApiVersion};

// MAA's encryption key for the answer: an RSA-2048 TPM decryption key.
constexpr std::size_t kEncryptionKeyBits = 2048;

// The kid under which x-ms-runtime publishes the encryption key (Microsoft's library looks
// it up by this name).
constexpr const char* kEncryptionKeyKid = "TpmEphemeralEncryptionKey";

std::string pcr_list(const std::vector<unsigned>& pcrs) {
  std::string out;
  for (unsigned p : pcrs) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out.empty() ? "none" : out;
}

// The quote by `ak`: PcrSignature (raw RSASSA-SHA256) over PcrQuote, a quote over SHA-256
// PCRs whose selection is exactly PcrSet and whose pcrDigest the PCRs' digests hash to.
Result<hal::tpm::QuoteInfo> check_quote(const client::AzureGuestEvidence& e, const crypto::PublicKey& ak) {
  if (Status s = ak.verify(crypto::SignatureScheme::RsaPkcs1Sha256, e.pcr_quote, e.pcr_signature); !s) {
    return Error(ErrorCode::QuoteInvalid, "PcrSignature is not AikPub's RSASSA-SHA256 signature over PcrQuote (" +
                                              s.error().describe() + ")");
  }
  auto info = hal::tpm::parse_quote_attest(e.pcr_quote);
  if (!info) return info.error().with_context("PcrQuote");
  if (info->pcr_hash_alg != hal::tpm::kAlgSha256) {
    return Error(ErrorCode::QuoteInvalid, "PcrQuote quotes the PCR bank of algorithm 0x" +
                                              hex_encode(Bytes{static_cast<std::uint8_t>(info->pcr_hash_alg >> 8),
                                                               static_cast<std::uint8_t>(info->pcr_hash_alg)}) +
                                              ", not SHA-256");
  }
  std::map<unsigned, Bytes> sent;
  std::vector<unsigned> listed;
  for (const auto& p : e.pcrs) {
    sent[p.index] = p.digest;
    listed.push_back(p.index);
  }
  std::sort(listed.begin(), listed.end());
  if (listed != info->pcrs) {
    return Error(ErrorCode::QuoteInvalid,
                 "PcrQuote selects PCRs " + pcr_list(info->pcrs) + " but PcrSet is " + pcr_list(listed));
  }
  std::vector<Bytes> values;
  for (unsigned p : info->pcrs) values.push_back(sent[p]);
  if (Status s = hal::tpm::check_pcr_values(*info, values); !s) return s.error().with_context("PCRs");
  return info;
}

// The encryption key the AK certified: TPM2_Certify of EncKeyPub by `ak`, an RSA-2048
// decryption key.
Result<crypto::PublicKey> check_encryption_key(const client::AzureGuestEvidence& e, const crypto::PublicKey& ak) {
  hal::TpmKeys keys;
  keys.ak_public = e.aik_pub;
  keys.ak_cert = e.aik_cert;
  keys.enc_key_public = e.enc_key_pub;
  keys.enc_key_certify_info = e.enc_key_certify_info;
  keys.enc_key_certify_signature = hal::tpm::rsassa_signature(hal::tpm::kAlgSha256, e.enc_key_certify_signature);
  auto key = hal::tpm::certified_encryption_key(keys, ak);
  if (!key) return key.error().with_context("EncKeyPub");
  if (key->key.bits() != kEncryptionKeyBits) {
    return Error(ErrorCode::QuoteInvalid, "EncKeyPub is an RSA-" + std::to_string(key->key.bits()) +
                                              " key, not RSA-" + std::to_string(kEncryptionKeyBits));
  }
  return key->key;
}

// TcgLogs, replayed: every quoted firmware PCR (0-7) and every other quoted PCR the log
// extends must hold what the log replays to. PCRs the log does not cover (the OS
// extends them after boot, as IMA does PCR 10) are attested as quoted.
Result<boot::EventLog> check_event_log(const client::AzureGuestEvidence& e, const hal::tpm::QuoteInfo& quote) {
  if (e.tcg_logs.empty()) {
    return Error(ErrorCode::EventLogMismatch,
                 "TcgLogs is empty: nothing explains the quoted PCRs " + pcr_list(quote.pcrs));
  }
  auto log = boot::parse_event_log(e.tcg_logs);
  if (!log) return log.error().with_context("TcgLogs");
  std::map<unsigned, Bytes> replayed = boot::replay_sha256(*log);
  std::map<unsigned, Bytes> checked;
  for (const auto& p : e.pcrs) {
    if (p.index <= 7 || replayed.count(p.index)) checked[p.index] = p.digest;
  }
  if (auto mismatch = boot::replay_mismatch(*log, checked)) {
    return Error(ErrorCode::EventLogMismatch, "TcgLogs replays PCR " + std::to_string(mismatch->pcr) + " to " +
                                                  hex_encode(mismatch->replayed) + ", but the quote holds " +
                                                  hex_encode(checked.at(mismatch->pcr)));
  }
  // Only what the quote vouches for may speak: the events of PCRs it does not cover (a
  // Secure Boot PCR 7 from another boot, a debug flag in an unquoted PCR) are dropped
  // before any claim is derived.
  std::erase_if(log->events, [&](const boot::Event& ev) { return checked.count(ev.pcr) == 0; });
  return log;
}

// x-ms-runtime: what the guest asked MAA to echo and the key the answer is sealed to.
Json::Value runtime_claims(const client::AzureGuestEvidence& e, const crypto::PublicKey& enc_key) {
  Json::Value runtime(Json::objectValue);
  runtime["client-payload"] = Json::Value(Json::objectValue);
  for (const auto& [name, value] : client::encoded_client_payload(e.client_payload)) {
    runtime["client-payload"][name] = value;
  }
  Json::Value jwk = crypto::public_jwk(enc_key, kEncryptionKeyKid);
  jwk["key_ops"].append("encrypt");
  runtime["keys"].append(jwk);
  return runtime;
}

}  // namespace

Emulator::Verdict Emulator::issue_azureguest(const net::HttpRequest& r) {
  auto invalid = [](const std::string& message) { return Refusal{400, "InvalidParameter", message}; };
  if (auto refused = check_api_version(r, kAzureGuestApiVersions)) return *refused;
  if (r.body.size() > config_.max_azureguest_request_bytes) {
    return Refusal{413, "RequestEntityTooLarge",
                   "The request body exceeds " + std::to_string(config_.max_azureguest_request_bytes) + " bytes."};
  }
  auto parsed = client::parse_azureguest_request(r.body);
  if (!parsed) return invalid(parsed.error().describe());
  const client::AzureGuestEvidence& e = *parsed;
  if (e.protocol_version != client::kAzureGuestProtocolVersion) {
    return invalid("AttestationProtocolVersion '" + e.protocol_version + "' is not supported: only '" +
                   client::kAzureGuestProtocolVersion + "' is.");
  }

  // IsolationInfo: the HCL's SNP report, from VMPL 0, binding the runtime data.
  auto verified = verify_snp(e.snp_report, e.vcek_chain_pem);
  if (!verified) return invalid(verified.error().message());
  const snp::AttestationReport& report = verified->report();
  Bytes digest = crypto::sha256(as_bytes(e.runtime_data));
  if (!constant_time_equal(digest, ByteView(report.report_data.data(), 32))) {
    return invalid("The runtime data does not match the report: SHA-256(RunTimeData) " + hex_encode(digest) +
                   " is not REPORT_DATA[0:32] " + hex_encode(ByteView(report.report_data.data(), 32)) + ".");
  }
  if (report.vmpl != 0) {
    return invalid("The SNP report is from VMPL " + std::to_string(report.vmpl) +
                   ": only the paravisor's (VMPL 0) vouches for the runtime data.");
  }
  auto runtime = parse_json(e.runtime_data, "RunTimeData");
  if (!runtime || !runtime->isObject()) {
    return invalid(runtime ? "RunTimeData is not a JSON object." : runtime.error().describe());
  }
  const Json::Value& vm_id = (*runtime)["vm-configuration"]["vmUniqueId"];
  if (!vm_id.isString()) return invalid("RunTimeData has no vm-configuration.vmUniqueId string.");

  // TpmInfo: the AK is the one the paravisor published; the quote and the certification
  // are by it.
  auto hcl_ak = hal::hcl_ak_public_key(e.runtime_data);
  if (!hcl_ak) return invalid("RunTimeData: " + hcl_ak.error().describe());
  auto aik = hal::tpm::parse_tpm2b_public(e.aik_pub);
  if (!aik) return invalid("AikPub: " + aik.error().describe());
  if (!(aik->key == *hcl_ak)) {
    return invalid("AikPub is not the runtime data's HCLAkPub: the TPM evidence is not by this VM's attestation key.");
  }
  auto quote = check_quote(e, aik->key);
  if (!quote) return invalid(quote.error().describe());
  auto enc_key = check_encryption_key(e, aik->key);
  if (!enc_key) return invalid(enc_key.error().describe());
  auto log = check_event_log(e, *quote);
  if (!log) return invalid(log.error().describe());

  client::AzureVmEvidence vm;
  vm.log = &*log;
  vm.attested_pcrs = quote->pcrs;
  vm.os_type = e.os.type;
  vm.os_distro = e.os.distro;
  vm.os_build = e.os.build;
  vm.os_version_major = e.os.version_major;
  vm.os_version_minor = e.os.version_minor;
  vm.vm_id = vm_id.asString();
  vm.protocol_version = e.protocol_version;
  vm.default_secure_boot_keys = config_.default_secure_boot_keys;
  auto facts = client::derive_vm_facts(vm);
  if (!facts) return invalid("TcgLogs: " + facts.error().describe());

  auto claims_or = token_claims("azurevm");
  if (!claims_or) return Refusal{500, "InternalServerError", claims_or.error().message()};
  Json::Value claims = std::move(claims_or).value();
  Json::Value vm_claims = client::azurevm_claims(*facts);
  for (const auto& name : vm_claims.getMemberNames()) claims[name] = vm_claims[name];
  Json::Value tee = client::sevsnpvm_claims(report, verified->product());
  tee["x-ms-attestation-type"] = "sevsnpvm";
  if (compliant(report)) tee["x-ms-compliance-status"] = "azure-compliant-cvm";
  tee["x-ms-runtime"] = *runtime;
  claims["x-ms-isolation-tee"] = tee;
  claims["x-ms-runtime"] = runtime_claims(e, *enc_key);

  auto token = sign(claims);
  if (!token) return Refusal{500, "InternalServerError", token.error().message()};
  crypto::PublicKey seal_to = *enc_key;
  return Issued{std::move(token).value(),
                [seal_to](const std::string& jws) { return client::seal_token(jws, seal_to); }};
}

}  // namespace attestd::maaemu
