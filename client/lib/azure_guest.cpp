#include "client/lib/azure_guest.h"

#include <algorithm>
#include <set>

#include "core/json.h"
#include "crypto/aead.h"
#include "crypto/base64.h"
#include "crypto/random.h"

namespace attestd::client {

namespace {

std::string b64(ByteView b) { return crypto::base64_encode(b); }
std::string b64(std::string_view s) { return crypto::base64_encode(as_bytes(s)); }

Error malformed(const std::string& where, const std::string& what) {
  return Error(ErrorCode::MalformedInput, "AzureGuest " + where + ": " + what);
}

// The members of one JSON object, each read once with an error naming it.
class Reader {
 public:
  Reader(const Json::Value& object, std::string where) : o_(object), where_(std::move(where)) {}

  const Json::Value* member(const char* name, bool required = true) {
    if (!o_.isMember(name)) {
      if (required) error_ = malformed(where_, "\"" + std::string(name) + "\" is missing");
      return nullptr;
    }
    return &o_[name];
  }
  std::optional<std::string> string(const char* name, bool required = true) {
    const Json::Value* v = member(name, required);
    if (!v) return std::nullopt;
    if (!v->isString()) {
      error_ = malformed(where_, "\"" + std::string(name) + "\" is not a string");
      return std::nullopt;
    }
    return v->asString();
  }
  // Base64 (either alphabet, padded or not); an empty string is no bytes.
  std::optional<Bytes> bytes(const char* name, bool required = true) {
    auto s = string(name, required);
    if (!s) return std::nullopt;
    auto b = crypto::base64_decode_any(*s);
    if (!b) {
      error_ = malformed(where_, "\"" + std::string(name) + "\" is not base64: " + b.error().message());
      return std::nullopt;
    }
    return std::move(b).value();
  }
  std::optional<std::string> text(const char* name, bool required = true) {
    auto b = bytes(name, required);
    if (!b) return std::nullopt;
    return std::string(as_chars(*b));
  }
  std::optional<std::int64_t> integer(const char* name, std::int64_t min, std::int64_t max) {
    const Json::Value* v = member(name);
    if (!v) return std::nullopt;
    auto n = json_integer(*v, min, max);
    if (!n) {
      error_ = malformed(where_, "\"" + std::string(name) + "\" is not an integer from " + std::to_string(min) +
                                     " to " + std::to_string(max));
    }
    return n;
  }
  const std::optional<Error>& error() const { return error_; }
  bool failed() const { return error_.has_value(); }

 private:
  const Json::Value& o_;
  std::string where_;
  std::optional<Error> error_;
};

// The first error of a reader, or continue.
#define AG_TRY(reader)                               \
  do {                                               \
    if ((reader).failed()) return *(reader).error(); \
  } while (0)

}  // namespace

std::map<std::string, std::string> encoded_client_payload(const std::map<std::string, std::string>& payload) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : payload) out[name] = b64(std::string_view(value));
  return out;
}

std::string azureguest_request_body(const AzureGuestEvidence& e) {
  Json::Value info(Json::objectValue);
  info["AttestationProtocolVersion"] = e.protocol_version;
  info["OSType"] = b64(std::string_view(e.os.type));
  info["OSDistro"] = b64(std::string_view(e.os.distro));
  info["OSVersionMajor"] = Json::UInt(e.os.version_major);
  info["OSVersionMinor"] = Json::UInt(e.os.version_minor);
  info["OSBuild"] = b64(std::string_view(e.os.build));
  info["TcgLogs"] = b64(ByteView(e.tcg_logs));
  Json::Value payload(Json::objectValue);
  for (const auto& [name, value] : encoded_client_payload(e.client_payload)) payload[name] = value;
  info["ClientPayload"] = payload;

  Json::Value tpm(Json::objectValue);
  tpm["AikCert"] = e.aik_cert ? b64(ByteView(*e.aik_cert)) : std::string();
  tpm["AikPub"] = b64(ByteView(e.aik_pub));
  tpm["PcrQuote"] = b64(ByteView(e.pcr_quote));
  tpm["PcrSignature"] = b64(ByteView(e.pcr_signature));
  tpm["EncKeyPub"] = b64(ByteView(e.enc_key_pub));
  tpm["EncKeyCertifyInfo"] = b64(ByteView(e.enc_key_certify_info));
  tpm["EncKeyCertifyInfoSignature"] = b64(ByteView(e.enc_key_certify_signature));
  Json::Value set(Json::arrayValue), pcrs(Json::arrayValue);
  for (const auto& p : e.pcrs) {
    Json::Value one(Json::objectValue);
    one["Index"] = Json::UInt(p.index);
    one["Digest"] = b64(ByteView(p.digest));
    set.append(Json::UInt(p.index));
    pcrs.append(one);
  }
  tpm["PcrSet"] = set;
  tpm["PCRs"] = pcrs;
  info["TpmInfo"] = tpm;

  Json::Value proof(Json::objectValue);
  proof["SnpReport"] = crypto::base64url_encode(e.snp_report);
  proof["VcekCertChain"] = b64(std::string_view(e.vcek_chain_pem));
  Json::Value isolation(Json::objectValue);
  isolation["Type"] = "SevSnp";
  isolation["Evidence"]["Proof"] = b64(std::string_view(json_compact(proof)));
  isolation["Evidence"]["RunTimeData"] = b64(std::string_view(e.runtime_data));
  info["IsolationInfo"] = isolation;

  Json::Value body(Json::objectValue);
  body["AttestationInfo"] = crypto::base64url_encode(as_bytes(json_compact(info)));
  return json_compact(body);
}

Result<AzureGuestEvidence> parse_azureguest_request(std::string_view text) {
  auto body = parse_json(text, "AzureGuest request", kMaxAzureGuestRequestBytes);
  if (!body) return body.error();
  if (!body->isObject()) return malformed("request", "not a JSON object");
  Reader top(*body, "request");
  auto info_bytes = top.bytes("AttestationInfo");
  AG_TRY(top);
  auto info = parse_json(as_chars(*info_bytes), "AzureGuest AttestationInfo", kMaxAzureGuestRequestBytes);
  if (!info) return info.error();
  if (!info->isObject()) return malformed("AttestationInfo", "not a JSON object");

  AzureGuestEvidence e;
  Reader r(*info, "AttestationInfo");
  auto version = r.string("AttestationProtocolVersion");
  auto os_type = r.text("OSType");
  auto os_distro = r.text("OSDistro");
  auto major = r.integer("OSVersionMajor", 0, UINT32_MAX);
  auto minor = r.integer("OSVersionMinor", 0, UINT32_MAX);
  auto os_build = r.text("OSBuild");
  auto logs = r.bytes("TcgLogs");
  const Json::Value* payload = r.member("ClientPayload");
  const Json::Value* tpm_v = r.member("TpmInfo");
  const Json::Value* iso_v = r.member("IsolationInfo");
  AG_TRY(r);
  e.protocol_version = *version;
  e.os = OsInfo{*os_type, *os_distro, static_cast<std::uint32_t>(*major), static_cast<std::uint32_t>(*minor), *os_build};
  e.tcg_logs = std::move(*logs);

  if (!payload->isObject()) return malformed("AttestationInfo", "\"ClientPayload\" is not an object");
  Reader pr(*payload, "ClientPayload");
  for (const auto& name : payload->getMemberNames()) {
    auto value = pr.text(name.c_str());
    AG_TRY(pr);
    e.client_payload[name] = std::move(*value);
  }

  if (!tpm_v->isObject()) return malformed("AttestationInfo", "\"TpmInfo\" is not an object");
  Reader t(*tpm_v, "TpmInfo");
  auto aik_cert = t.bytes("AikCert", false);
  auto aik_pub = t.bytes("AikPub");
  auto quote = t.bytes("PcrQuote");
  auto quote_sig = t.bytes("PcrSignature");
  auto enc_pub = t.bytes("EncKeyPub");
  auto certify = t.bytes("EncKeyCertifyInfo");
  auto certify_sig = t.bytes("EncKeyCertifyInfoSignature");
  const Json::Value* set = t.member("PcrSet");
  const Json::Value* pcrs = t.member("PCRs");
  AG_TRY(t);
  if (aik_cert && !aik_cert->empty()) e.aik_cert = std::move(*aik_cert);
  e.aik_pub = std::move(*aik_pub);
  e.pcr_quote = std::move(*quote);
  e.pcr_signature = std::move(*quote_sig);
  e.enc_key_pub = std::move(*enc_pub);
  e.enc_key_certify_info = std::move(*certify);
  e.enc_key_certify_signature = std::move(*certify_sig);
  for (auto [name, bytes] : {std::pair<const char*, const Bytes*>{"AikPub", &e.aik_pub},
                             {"PcrQuote", &e.pcr_quote},
                             {"PcrSignature", &e.pcr_signature},
                             {"EncKeyPub", &e.enc_key_pub},
                             {"EncKeyCertifyInfo", &e.enc_key_certify_info},
                             {"EncKeyCertifyInfoSignature", &e.enc_key_certify_signature}}) {
    if (bytes->empty()) return malformed("TpmInfo", "\"" + std::string(name) + "\" is empty");
  }
  if (!set->isArray()) return malformed("TpmInfo", "\"PcrSet\" is not an array");
  if (!pcrs->isArray()) return malformed("TpmInfo", "\"PCRs\" is not an array");
  if (set->size() != pcrs->size()) {
    return malformed("TpmInfo", "\"PcrSet\" lists " + std::to_string(set->size()) + " PCRs but \"PCRs\" holds " +
                                    std::to_string(pcrs->size()));
  }
  std::set<unsigned> seen;
  for (Json::ArrayIndex i = 0; i < pcrs->size(); ++i) {
    const std::string where = "TpmInfo.PCRs[" + std::to_string(i) + "]";
    if (!(*pcrs)[i].isObject()) return malformed(where, "not an object");
    Reader p((*pcrs)[i], where);
    auto index = p.integer("Index", 0, 23);
    auto digest = p.bytes("Digest");
    AG_TRY(p);
    auto listed = json_integer((*set)[i], 0, 23);
    if (!listed || *listed != *index) {
      return malformed("TpmInfo", "\"PcrSet\"[" + std::to_string(i) + "] is not PCR " + std::to_string(*index) +
                                      ", the index of \"PCRs\"[" + std::to_string(i) + "]");
    }
    if (!seen.insert(static_cast<unsigned>(*index)).second) {
      return malformed("TpmInfo", "PCR " + std::to_string(*index) + " is listed twice");
    }
    if (digest->size() != 32) {
      return malformed(where, "\"Digest\" is " + std::to_string(digest->size()) + " bytes, not a SHA-256 digest");
    }
    e.pcrs.push_back(AzureGuestPcr{static_cast<unsigned>(*index), std::move(*digest)});
  }

  if (!iso_v->isObject()) return malformed("AttestationInfo", "\"IsolationInfo\" is not an object");
  Reader iso(*iso_v, "IsolationInfo");
  auto type = iso.string("Type");
  const Json::Value* evidence = iso.member("Evidence");
  AG_TRY(iso);
  if (*type != "SevSnp") return malformed("IsolationInfo", "\"Type\" is '" + *type + "', not \"SevSnp\"");
  if (!evidence->isObject()) return malformed("IsolationInfo", "\"Evidence\" is not an object");
  Reader ev(*evidence, "IsolationInfo.Evidence");
  auto proof_text = ev.text("Proof");
  auto runtime = ev.text("RunTimeData");
  AG_TRY(ev);
  e.runtime_data = std::move(*runtime);
  auto proof = parse_json(*proof_text, "AzureGuest IsolationInfo.Evidence.Proof", kMaxAzureGuestRequestBytes);
  if (!proof) return proof.error();
  if (!proof->isObject()) return malformed("IsolationInfo.Evidence.Proof", "not a JSON object");
  Reader pf(*proof, "IsolationInfo.Evidence.Proof");
  auto report = pf.bytes("SnpReport");
  auto chain = pf.text("VcekCertChain");
  AG_TRY(pf);
  e.snp_report = std::move(*report);
  e.vcek_chain_pem = std::move(*chain);
  return e;
}

Result<std::string> seal_token(std::string_view jwt, const crypto::PublicKey& enc_key) {
  auto key = crypto::random_bytes(32);
  if (!key) return key.error();
  auto iv = crypto::random_bytes(12);
  if (!iv) return iv.error();
  auto sealed = crypto::aes_gcm_encrypt(*key, *iv, as_bytes(kTransportKeyAad), as_bytes(jwt));
  if (!sealed) return sealed.error();
  auto wrapped = enc_key.encrypt_pkcs1(*key);
  if (!wrapped) return wrapped.error();
  Json::Value params(Json::objectValue);
  params["BlockMode"] = "ChainingModeGCM";
  params["BlockPadding"] = "PKCS7";
  params["Cipher"] = "AES";
  params["KeySizeInBits"] = 256;
  params["Iv"] = b64(ByteView(*iv));
  Json::Value inner(Json::objectValue);
  inner["EncryptedInnerKey"] = b64(ByteView(*wrapped));
  inner["EncryptionParams"] = params;
  inner["AuthenticationData"] = b64(ByteView(sealed->tag));
  inner["Jwt"] = b64(ByteView(sealed->ciphertext));
  return crypto::base64url_encode(as_bytes(json_compact(inner)));
}

Result<SealedToken> parse_sealed_token(std::string_view token) {
  if (token.size() > kMaxSealedTokenBytes) {
    return malformed("answer", "the token is " + std::to_string(token.size()) + " bytes, more than " +
                                   std::to_string(kMaxSealedTokenBytes));
  }
  auto decoded = crypto::base64_decode_any(token);
  if (!decoded) return malformed("answer", "the token is not base64url: " + decoded.error().message());
  auto inner = parse_json(as_chars(*decoded), "AzureGuest sealed token", kMaxSealedTokenBytes);
  if (!inner) return inner.error();
  if (!inner->isObject()) return malformed("answer", "the token is not a JSON object");
  Reader r(*inner, "answer");
  SealedToken out;
  auto key = r.bytes("EncryptedInnerKey");
  auto tag = r.bytes("AuthenticationData");
  auto jwt = r.bytes("Jwt");
  const Json::Value* params = r.member("EncryptionParams");
  AG_TRY(r);
  if (!params->isObject()) return malformed("answer", "\"EncryptionParams\" is not an object");
  Reader p(*params, "EncryptionParams");
  auto mode = p.string("BlockMode");
  auto padding = p.string("BlockPadding");
  auto cipher = p.string("Cipher");
  auto bits = p.integer("KeySizeInBits", 0, 4096);
  auto iv = p.bytes("Iv");
  AG_TRY(p);
  if (*mode != "ChainingModeGCM") return malformed("EncryptionParams", "BlockMode '" + *mode + "' is not supported");
  if (*padding != "PKCS7") return malformed("EncryptionParams", "BlockPadding '" + *padding + "' is not supported");
  if (*cipher != "AES") return malformed("EncryptionParams", "Cipher '" + *cipher + "' is not supported");
  if (*bits != 128 && *bits != 192 && *bits != 256) {
    return malformed("EncryptionParams", "KeySizeInBits " + std::to_string(*bits) + " is not an AES key size");
  }
  if (key->empty()) return malformed("answer", "\"EncryptedInnerKey\" is empty");
  if (tag->empty()) return malformed("answer", "\"AuthenticationData\" is empty");
  if (jwt->empty()) return malformed("answer", "\"Jwt\" is empty");
  if (iv->empty()) return malformed("EncryptionParams", "\"Iv\" is empty");
  out.encrypted_inner_key = std::move(*key);
  out.key_bits = static_cast<unsigned>(*bits);
  out.iv = std::move(*iv);
  out.tag = std::move(*tag);
  out.ciphertext = std::move(*jwt);
  return out;
}

Result<std::string> open_sealed_token(const SealedToken& sealed, ByteView inner_key) {
  if (inner_key.size() * 8 != sealed.key_bits) {
    return Error(ErrorCode::CryptoError, "the decrypted inner key is " + std::to_string(inner_key.size() * 8) +
                                             " bits, not the " + std::to_string(sealed.key_bits) +
                                             " the answer names: it was sealed for another key");
  }
  auto plain = crypto::aes_gcm_decrypt(inner_key, sealed.iv, as_bytes(kTransportKeyAad), sealed.ciphertext, sealed.tag);
  if (!plain) return plain.error().with_context("the AzureGuest answer");
  if (!std::all_of(plain->begin(), plain->end(), [](std::uint8_t c) { return c > 0x20 && c < 0x7f; })) {
    return Error(ErrorCode::MalformedInput, "the decrypted AzureGuest token is not printable ASCII (not a JWS)");
  }
  return std::string(as_chars(*plain));
}

}  // namespace attestd::client
