// MAA's AzureGuest wire format (client/lib/azure_guest.h): the request attestd sends and
// maa-emu reads, and the sealed answer maa-emu sends and attestd opens; AES-GCM and RSAES
// underneath.
#include <boost/test/unit_test.hpp>

#include <string>

#include "client/lib/azure_guest.h"
#include "core/json.h"
#include "crypto/aead.h"
#include "crypto/base64.h"
#include "crypto/keys.h"

using namespace attestd;
using namespace attestd::client;

namespace {

Bytes hex(const std::string& h) { return *hex_decode(h); }
Bytes filled(std::size_t n, std::uint8_t v) { return Bytes(n, v); }

AzureGuestEvidence sample() {
  AzureGuestEvidence e;
  e.os = OsInfo{"Linux", "Debian GNU/Linux", 12, 0, "NotApplication"};
  e.tcg_logs = filled(100, 0x11);
  e.client_payload = {{"nonce", std::string(128, 'a')}};
  e.aik_pub = filled(280, 0x01);
  e.pcr_quote = filled(150, 0x02);
  e.pcr_signature = filled(256, 0x03);
  for (unsigned i : {0u, 1u, 7u, 11u}) e.pcrs.push_back(AzureGuestPcr{i, filled(32, static_cast<std::uint8_t>(i))});
  e.enc_key_pub = filled(280, 0x04);
  e.enc_key_certify_info = filled(120, 0x05);
  e.enc_key_certify_signature = filled(256, 0x06);
  e.snp_report = filled(1184, 0x07);
  e.vcek_chain_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  e.runtime_data = "{\"keys\":[]}";
  return e;
}

// The request's AttestationInfo as JSON, to tamper with.
Json::Value info_of(const std::string& body) {
  auto outer = parse_json(body, "body");
  return *parse_json(as_chars(*crypto::base64url_decode((*outer)["AttestationInfo"].asString())), "info");
}

std::string body_of(const Json::Value& info) {
  Json::Value body(Json::objectValue);
  body["AttestationInfo"] = crypto::base64url_encode(as_bytes(json_compact(info)));
  return json_compact(body);
}

void check_refused(const Json::Value& info, const std::string& fragment) {
  auto parsed = parse_azureguest_request(body_of(info));
  BOOST_REQUIRE(!parsed);
  BOOST_TEST(parsed.error().name() == "MalformedInput");
  BOOST_TEST(parsed.error().message().find(fragment) != std::string::npos, parsed.error().message());
}

const crypto::PrivateKey& rsa_key() {
  static crypto::PrivateKey key = *crypto::PrivateKey::generate_rsa(2048);
  return key;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azure_guest)

BOOST_AUTO_TEST_CASE(aes_gcm_matches_the_gcm_specifications_test_case_3) {
  Bytes key = hex("feffe9928665731c6d6a8f9467308308");
  Bytes iv = hex("cafebabefacedbaddecaf888");
  Bytes plain = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
      "ba637b391aafd255");
  auto sealed = crypto::aes_gcm_encrypt(key, iv, {}, plain);
  BOOST_REQUIRE(sealed);
  BOOST_TEST(hex_encode(sealed->ciphertext) ==
             "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a"
             "0aac973d58e091473f5985");
  BOOST_TEST(hex_encode(sealed->tag) == "4d5c2af327cd64a62cf35abd2ba6fab4");
  auto opened = crypto::aes_gcm_decrypt(key, iv, {}, sealed->ciphertext, sealed->tag);
  BOOST_REQUIRE(opened);
  BOOST_TEST(*opened == plain);
}

BOOST_AUTO_TEST_CASE(aes_gcm_refuses_an_altered_ciphertext_aad_or_tag) {
  Bytes key = filled(32, 9), iv = filled(12, 8);
  auto sealed = crypto::aes_gcm_encrypt(key, iv, as_bytes("aad"), as_bytes("the token"));
  BOOST_REQUIRE(sealed);
  Bytes ct = sealed->ciphertext;
  ct[0] ^= 1;
  auto a = crypto::aes_gcm_decrypt(key, iv, as_bytes("aad"), ct, sealed->tag);
  auto b = crypto::aes_gcm_decrypt(key, iv, as_bytes("AAD"), sealed->ciphertext, sealed->tag);
  Bytes tag = sealed->tag;
  tag[15] ^= 0x80;
  auto c = crypto::aes_gcm_decrypt(key, iv, as_bytes("aad"), sealed->ciphertext, tag);
  for (const auto* r : {&a, &b, &c}) {
    BOOST_REQUIRE(!*r);
    BOOST_TEST(r->error().name() == "CryptoError");
    BOOST_TEST(r->error().message().find("does not authenticate") != std::string::npos);
  }
  auto short_key = crypto::aes_gcm_decrypt(filled(20, 1), iv, {}, ct, sealed->tag);
  BOOST_REQUIRE(!short_key);
  BOOST_TEST(short_key.error().message().find("16, 24 or 32 bytes, not 20") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rsaes_pkcs1_round_trips_and_refuses_a_foreign_ciphertext) {
  auto ct = rsa_key().public_key().encrypt_pkcs1(filled(32, 0x42));
  BOOST_REQUIRE(ct);
  BOOST_TEST(ct->size() == 256u);
  auto pt = rsa_key().decrypt_pkcs1(*ct);
  BOOST_REQUIRE(pt);
  BOOST_TEST(*pt == filled(32, 0x42));
  Bytes bad = *ct;
  bad[100] ^= 1;
  auto refused = rsa_key().decrypt_pkcs1(bad);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().name() == "CryptoError");
  auto too_long = rsa_key().public_key().encrypt_pkcs1(filled(250, 1));
  BOOST_REQUIRE(!too_long);
  BOOST_TEST(too_long.error().message().find("too many") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_request_carries_microsofts_members_and_encodings) {
  AzureGuestEvidence e = sample();
  Json::Value info = info_of(azureguest_request_body(e));
  BOOST_TEST(info["AttestationProtocolVersion"].asString() == "2.0");
  BOOST_TEST(info["OSType"].asString() == crypto::base64_encode(as_bytes("Linux")));
  BOOST_TEST(info["OSDistro"].asString() == crypto::base64_encode(as_bytes("Debian GNU/Linux")));
  BOOST_TEST(info["OSVersionMajor"].asUInt() == 12u);
  BOOST_TEST(info["OSBuild"].asString() == crypto::base64_encode(as_bytes("NotApplication")));
  BOOST_TEST(info["ClientPayload"]["nonce"].asString() == crypto::base64_encode(as_bytes(std::string(128, 'a'))));
  const Json::Value& tpm = info["TpmInfo"];
  BOOST_TEST(tpm["PcrSet"].size() == 4u);
  BOOST_TEST(tpm["PcrSet"][3].asUInt() == 11u);
  BOOST_TEST(tpm["PCRs"][2]["Index"].asUInt() == 7u);
  BOOST_TEST(tpm["PCRs"][2]["Digest"].asString() == crypto::base64_encode(filled(32, 7)));
  BOOST_TEST(tpm["AikCert"].asString() == "");  // none provisioned
  const Json::Value& iso = info["IsolationInfo"];
  BOOST_TEST(iso["Type"].asString() == "SevSnp");
  auto proof = parse_json(as_chars(*crypto::base64_decode(iso["Evidence"]["Proof"].asString())), "proof");
  BOOST_REQUIRE(proof);
  BOOST_TEST((*proof)["SnpReport"].asString() == crypto::base64url_encode(e.snp_report));
  BOOST_TEST(as_chars(*crypto::base64_decode((*proof)["VcekCertChain"].asString())) == e.vcek_chain_pem);
  BOOST_TEST(as_chars(*crypto::base64_decode(iso["Evidence"]["RunTimeData"].asString())) == e.runtime_data);
}

BOOST_AUTO_TEST_CASE(the_request_parses_back_to_the_same_evidence) {
  AzureGuestEvidence e = sample();
  e.aik_cert = filled(900, 0x30);
  auto back = parse_azureguest_request(azureguest_request_body(e));
  BOOST_REQUIRE_MESSAGE(back.ok(), (back ? "" : back.error().describe()));
  BOOST_TEST(back->os.distro == e.os.distro);
  BOOST_TEST(back->os.version_major == 12u);
  BOOST_TEST(back->tcg_logs == e.tcg_logs);
  BOOST_TEST(back->client_payload == e.client_payload);
  BOOST_TEST(*back->aik_cert == *e.aik_cert);
  BOOST_TEST(back->aik_pub == e.aik_pub);
  BOOST_TEST(back->pcr_quote == e.pcr_quote);
  BOOST_TEST(back->pcr_signature == e.pcr_signature);
  BOOST_TEST(back->pcrs.size() == 4u);
  BOOST_TEST(back->pcrs[3].index == 11u);
  BOOST_TEST(back->pcrs[3].digest == e.pcrs[3].digest);
  BOOST_TEST(back->enc_key_pub == e.enc_key_pub);
  BOOST_TEST(back->enc_key_certify_info == e.enc_key_certify_info);
  BOOST_TEST(back->enc_key_certify_signature == e.enc_key_certify_signature);
  BOOST_TEST(back->snp_report == e.snp_report);
  BOOST_TEST(back->vcek_chain_pem == e.vcek_chain_pem);
  BOOST_TEST(back->runtime_data == e.runtime_data);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_is_refused_naming_the_member) {
  const Json::Value good = info_of(azureguest_request_body(sample()));
  {
    Json::Value i = good;
    i.removeMember("TcgLogs");
    check_refused(i, "\"TcgLogs\" is missing");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["PcrQuote"] = "not base64!";
    check_refused(i, "TpmInfo: \"PcrQuote\" is not base64");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["EncKeyPub"] = "";
    check_refused(i, "\"EncKeyPub\" is empty");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["PcrSet"][1] = 5;
    check_refused(i, "\"PcrSet\"[1] is not PCR 1");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["PCRs"][1]["Index"] = 0;
    i["TpmInfo"]["PcrSet"][1] = 0;
    check_refused(i, "PCR 0 is listed twice");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["PCRs"][0]["Index"] = 24;
    check_refused(i, "\"Index\" is not an integer from 0 to 23");
  }
  {
    Json::Value i = good;
    i["TpmInfo"]["PCRs"][0]["Digest"] = crypto::base64_encode(filled(20, 1));
    check_refused(i, "\"Digest\" is 20 bytes");
  }
  {
    Json::Value i = good;
    i["IsolationInfo"]["Type"] = "Tdx";
    check_refused(i, "\"Type\" is 'Tdx', not \"SevSnp\"");
  }
  {
    Json::Value i = good;
    i["IsolationInfo"]["Evidence"]["Proof"] = crypto::base64_encode(as_bytes("{\"SnpReport\":\"AA\"}"));
    check_refused(i, "Proof: \"VcekCertChain\" is missing");
  }
  {
    Json::Value i = good;
    i["ClientPayload"]["nonce"] = 5;
    check_refused(i, "ClientPayload: \"nonce\" is not a string");
  }
  auto not_json = parse_azureguest_request("{\"AttestationInfo\": \"" + crypto::base64url_encode(as_bytes("[1,")) + "\"}");
  BOOST_REQUIRE(!not_json);
  BOOST_TEST(not_json.error().name() == "MalformedInput");
  auto huge = parse_azureguest_request(std::string(kMaxAzureGuestRequestBytes + 1, ' '));
  BOOST_REQUIRE(!huge);
  BOOST_TEST(huge.error().name() == "MalformedInput");
}

BOOST_AUTO_TEST_CASE(a_sealed_token_opens_with_the_inner_key_the_encryption_key_unwraps) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln";
  auto token = seal_token(jwt, rsa_key().public_key());
  BOOST_REQUIRE(token);
  auto sealed = parse_sealed_token(*token);
  BOOST_REQUIRE_MESSAGE(sealed.ok(), (sealed ? "" : sealed.error().describe()));
  BOOST_TEST(sealed->key_bits == 256u);
  BOOST_TEST(sealed->iv.size() == 12u);
  BOOST_TEST(sealed->tag.size() == 16u);
  BOOST_TEST(sealed->ciphertext.size() == jwt.size());
  auto inner = rsa_key().decrypt_pkcs1(sealed->encrypted_inner_key);
  BOOST_REQUIRE(inner);
  auto opened = open_sealed_token(*sealed, *inner);
  BOOST_REQUIRE(opened);
  BOOST_TEST(*opened == jwt);

  SealedToken altered = *sealed;
  altered.ciphertext[3] ^= 1;
  auto refused = open_sealed_token(altered, *inner);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().name() == "CryptoError");
  auto wrong_size = open_sealed_token(*sealed, filled(16, 1));
  BOOST_REQUIRE(!wrong_size);
  BOOST_TEST(wrong_size.error().message().find("128 bits, not the 256") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_sealed_token_is_refused_naming_what_is_wrong) {
  auto token = seal_token("a.b.c", rsa_key().public_key());
  BOOST_REQUIRE(token);
  Json::Value inner = *parse_json(as_chars(*crypto::base64url_decode(*token)), "inner");
  auto refused_with = [](const Json::Value& v, const std::string& fragment) {
    auto r = parse_sealed_token(crypto::base64url_encode(as_bytes(json_compact(v))));
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().name() == "MalformedInput");
    BOOST_TEST(r.error().message().find(fragment) != std::string::npos, r.error().message());
  };
  {
    Json::Value v = inner;
    v["EncryptionParams"]["BlockMode"] = "ChainingModeCBC";
    refused_with(v, "BlockMode 'ChainingModeCBC' is not supported");
  }
  {
    Json::Value v = inner;
    v["EncryptionParams"]["KeySizeInBits"] = 100;
    refused_with(v, "KeySizeInBits 100");
  }
  {
    Json::Value v = inner;
    v.removeMember("AuthenticationData");
    refused_with(v, "\"AuthenticationData\" is missing");
  }
  {
    Json::Value v = inner;
    v["Jwt"] = 7;
    refused_with(v, "\"Jwt\" is not a string");
  }
  {
    Json::Value v = inner;
    v["AuthenticationData"] = "";
    refused_with(v, "\"AuthenticationData\" is empty");
  }
  {
    Json::Value v = inner;
    v["Jwt"] = "";
    refused_with(v, "\"Jwt\" is empty");
  }
  auto not_b64 = parse_sealed_token("%%%");
  BOOST_REQUIRE(!not_b64);
  BOOST_TEST(not_b64.error().message().find("not base64url") != std::string::npos);
  auto huge = parse_sealed_token(std::string(kMaxSealedTokenBytes + 1, 'A'));
  BOOST_REQUIRE(!huge);
  BOOST_TEST(huge.error().message().find("more than") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
