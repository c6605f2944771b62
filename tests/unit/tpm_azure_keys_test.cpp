// AzureGuest's TPM keys against swtpm with the paravisor emulator: the encryption key the
// TPM creates under the null hierarchy, bound by PolicyPCR to the quoted PCR values and
// certified by the AK; decryption inside the TPM of what MAA encrypts to it; and the pure
// verifier of the certification (what maa-emu checks).
#include <boost/test/unit_test.hpp>

#include "crypto/random.h"
#include "hal/azure_vtpm.h"
#include "hal/tpm/objects.h"
#include "hal/tpm/quote.h"
#include "tests/mocks/azure/azure_vm.h"
#include "tests/support.h"

namespace attestd {
namespace {

namespace tpm = hal::tpm;
using azuresim::test::fast_options;
using azuresim::test::random_report_data;

azuresim::test::AzureVm& vm() {
  static azuresim::test::AzureVm instance("azure-keys");
  return instance;
}

hal::AzureVtpmOptions key_options() {
  hal::AzureVtpmOptions o = fast_options();
  o.encryption_key = true;
  return o;
}

// Evidence with TPM keys from vm(), taken once (the checks of the verifier only read it).
const hal::Evidence& evidence() {
  static const hal::Evidence e = [] {
    hal::AzureVtpmSource source(vm().swtpm.transport(), key_options());
    auto r = source.get_evidence(random_report_data());
    if (!r) throw std::runtime_error(r.error().describe());
    return std::move(r).value();
  }();
  return e;
}

const crypto::PublicKey& ak() { return vm().paravisor->ak(); }

// The transient objects and sessions loaded in the TPM now.
std::size_t loaded_handles(tpm::Tpm& t) {
  auto objects = t.handles(tpm::kTransientFirst);
  auto sessions = t.handles(tpm::kLoadedSessionFirst);
  if (!objects || !sessions) throw std::runtime_error("TPM2_GetCapability failed");
  return objects->size() + sessions->size();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tpm_azure_keys)

BOOST_AUTO_TEST_CASE(evidence_carries_the_ak_public_area_and_an_encryption_key_the_ak_certified) {
  const hal::Evidence& e = evidence();
  BOOST_REQUIRE(e.tpm_keys && e.quote);
  auto ak_public = tpm::parse_tpm2b_public(e.tpm_keys->ak_public);
  BOOST_REQUIRE_MESSAGE(ak_public, test::why(ak_public));
  BOOST_TEST((ak_public->key == ak()));
  BOOST_TEST(!e.tpm_keys->ak_cert.has_value());  // no certificate provisioned at 0x01C101D0

  auto key = tpm::certified_encryption_key(*e.tpm_keys, ak());
  BOOST_REQUIRE_MESSAGE(key, test::why(key));
  BOOST_TEST(key->key.bits() == 2048u);
  BOOST_TEST(key->attributes == tpm::kEncryptionKeyAttributes);
  BOOST_TEST(key->name_alg == tpm::kAlgSha256);
  // Usable only while the quoted PCRs hold the values the evidence carries.
  BOOST_TEST(key->auth_policy == tpm::policy_pcr_digest(key_options().pcrs, e.quote->pcr_values));
}

BOOST_AUTO_TEST_CASE(a_value_encrypted_in_software_to_the_encryption_key_decrypts_in_the_tpm) {
  hal::AzureVtpmSource source(vm().swtpm.transport(), key_options());
  auto e = source.get_evidence(random_report_data());
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  auto key = tpm::parse_tpm2b_public(e->tpm_keys->enc_key_public);
  BOOST_REQUIRE(key);
  Bytes secret = *crypto::random_bytes(32);  // an AES-256 key, as MAA wraps
  auto ciphertext = key->key.encrypt_pkcs1(secret);
  BOOST_REQUIRE_MESSAGE(ciphertext, test::why(ciphertext));
  // TPM2_RSA_Decrypt succeeding also shows the policy digest computed here is the one the
  // TPM reached in its policy session (else TPM_RC_POLICY_FAIL).
  auto plain = source.decrypt_with_encryption_key(*e, *ciphertext);
  BOOST_REQUIRE_MESSAGE(plain, test::why(plain));
  BOOST_TEST(*plain == secret);
}

BOOST_AUTO_TEST_CASE(decryption_after_a_pcr_extend_is_refused_naming_the_pcr) {
  azuresim::test::AzureVm own("azure-keys-extend");
  hal::AzureVtpmSource source(own.swtpm.transport(), key_options());
  auto e = source.get_evidence(random_report_data());
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  auto ciphertext = tpm::parse_tpm2b_public(e->tpm_keys->enc_key_public)->key.encrypt_pkcs1(Bytes(32, 7));
  BOOST_REQUIRE(ciphertext);

  tpm::Tpm t(own.swtpm.transport());
  BOOST_REQUIRE(t.pcr_extend(11, Bytes(32, 0x11)).ok());
  auto plain = source.decrypt_with_encryption_key(*e, *ciphertext);
  BOOST_REQUIRE(!plain);
  BOOST_TEST(plain.error().describe() ==
             "DeviceError: encryption key: PCR 11 changed since the evidence was taken, so the TPM no longer lets "
             "the key decrypt (TPM2_PolicyPCR: the PCRs no longer hold the values the policy was made for (TPM "
             "returned TPM_RC_VALUE (0x1c4: parameter 1)))");
  BOOST_TEST(loaded_handles(t) == 0u);
}

BOOST_AUTO_TEST_CASE(decryption_after_a_tpm_reset_is_refused_as_another_key) {
  azuresim::test::AzureVm own("azure-keys-reset");
  hal::AzureVtpmSource source(own.swtpm.transport(), key_options());
  auto e = source.get_evidence(random_report_data());
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  auto ciphertext = tpm::parse_tpm2b_public(e->tpm_keys->enc_key_public)->key.encrypt_pkcs1(Bytes(32, 7));
  BOOST_REQUIRE(ciphertext);

  own.paravisor->stop();
  own.swtpm.restart();  // TPM2_Startup(CLEAR) without a shutdown: a TPM Reset, a new null seed
  auto plain = source.decrypt_with_encryption_key(*e, *ciphertext);
  BOOST_REQUIRE(!plain);
  BOOST_TEST(plain.error().describe() ==
             "DeviceError: encryption key: the TPM makes another key for these PCR values than the evidence's: the "
             "TPM was reset since, or the key is not this TPM's");
  tpm::Tpm t(own.swtpm.transport());
  BOOST_TEST(loaded_handles(t) == 0u);
}

BOOST_AUTO_TEST_CASE(no_object_or_session_is_left_loaded_after_evidence_and_decryption) {
  azuresim::test::AzureVm own("azure-keys-handles");
  tpm::Tpm t(own.swtpm.transport());
  hal::AzureVtpmSource source(own.swtpm.transport(), key_options());
  auto e = source.get_evidence(random_report_data());
  BOOST_REQUIRE_MESSAGE(e, test::why(e));
  BOOST_TEST(loaded_handles(t) == 0u);
  auto key = tpm::parse_tpm2b_public(e->tpm_keys->enc_key_public);
  BOOST_REQUIRE(source.decrypt_with_encryption_key(*e, *key->key.encrypt_pkcs1(Bytes(16, 1))).ok());
  BOOST_TEST(loaded_handles(t) == 0u);
  // A ciphertext the TPM cannot decrypt fails in TPM2_RSA_Decrypt, after the session
  // started: both are flushed all the same.
  auto bad = source.decrypt_with_encryption_key(*e, Bytes(256, 0x42));
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().name() == "DeviceError");
  BOOST_TEST(bad.error().message().find("TPM2_RSA_Decrypt: TPM returned") != std::string::npos, bad.error().message());
  BOOST_TEST(loaded_handles(t) == 0u);
  // ... and the TPM still decrypts what was encrypted to the key.
  auto again = source.decrypt_with_encryption_key(*e, *key->key.encrypt_pkcs1(Bytes(16, 2)));
  BOOST_REQUIRE_MESSAGE(again, test::why(again));
  BOOST_TEST(*again == Bytes(16, 2));
}

BOOST_AUTO_TEST_CASE(evidence_without_tpm_keys_cannot_be_decrypted_with) {
  hal::AzureVtpmSource source(vm().swtpm.transport(), fast_options());
  hal::Evidence e = evidence();
  e.tpm_keys.reset();
  auto plain = source.decrypt_with_encryption_key(e, Bytes(256, 1));
  BOOST_REQUIRE(!plain);
  BOOST_TEST(plain.error().describe() ==
             "MalformedInput: the evidence has no TPM quote and encryption key to decrypt with");
}

BOOST_AUTO_TEST_CASE(the_name_the_tpm_gives_the_created_key_is_the_name_computed_from_its_public_area) {
  tpm::Tpm t(vm().swtpm.transport());
  auto created = t.create_primary(tpm::kRhNull, tpm::encryption_key_template(Bytes(32, 0xAA)));
  BOOST_REQUIRE_MESSAGE(created, test::why(created));
  BOOST_REQUIRE(t.flush_context(created->handle).ok());
  auto name = tpm::object_name(created->public_area);
  BOOST_REQUIRE_MESSAGE(name, test::why(name));
  BOOST_TEST(*name == created->name);
  BOOST_TEST(name->size() == 34u);  // u16 TPM_ALG_SHA256 and a SHA-256 digest
}

BOOST_AUTO_TEST_CASE(the_same_template_under_the_null_hierarchy_gives_the_same_key) {
  tpm::Tpm t(vm().swtpm.transport());
  Bytes templ = tpm::encryption_key_template(tpm::policy_pcr_digest(tpm::PcrSelection{}, std::vector<Bytes>(8, Bytes(32, 0))));
  auto a = t.create_primary(tpm::kRhNull, templ);
  BOOST_REQUIRE_MESSAGE(a, test::why(a));
  BOOST_REQUIRE(t.flush_context(a->handle).ok());
  auto b = t.create_primary(tpm::kRhNull, templ);
  BOOST_REQUIRE_MESSAGE(b, test::why(b));
  BOOST_REQUIRE(t.flush_context(b->handle).ok());
  BOOST_TEST(a->public_area == b->public_area);
}

BOOST_AUTO_TEST_CASE(a_tampered_certify_info_is_not_signed_by_the_ak) {
  hal::TpmKeys keys = *evidence().tpm_keys;
  keys.enc_key_certify_info.back() ^= 1;
  auto key = tpm::certified_encryption_key(keys, ak());
  BOOST_REQUIRE(!key);
  BOOST_TEST(key.error().name() == "QuoteInvalid");
  BOOST_TEST(key.error().message().find("encryption key: TPM certification: not signed by the attestation key") == 0u,
             key.error().message());
}

BOOST_AUTO_TEST_CASE(a_tampered_certify_signature_is_not_signed_by_the_ak) {
  hal::TpmKeys keys = *evidence().tpm_keys;
  keys.enc_key_certify_signature.back() ^= 1;
  auto key = tpm::certified_encryption_key(keys, ak());
  BOOST_REQUIRE(!key);
  BOOST_TEST(key.error().name() == "QuoteInvalid");
  BOOST_TEST(key.error().message().find("not signed by the attestation key") != std::string::npos, key.error().message());
}

BOOST_AUTO_TEST_CASE(a_certification_signed_by_another_key_is_refused) {
  auto other = crypto::PrivateKey::generate_rsa(2048);
  BOOST_REQUIRE(other);
  auto key = tpm::certified_encryption_key(*evidence().tpm_keys, other->public_key());
  BOOST_REQUIRE(!key);
  BOOST_TEST(key.error().name() == "QuoteInvalid");
}

BOOST_AUTO_TEST_CASE(another_public_key_than_the_certified_one_is_refused_by_name) {
  const hal::TpmKeys& keys = *evidence().tpm_keys;
  auto info = tpm::verify_certify(keys.enc_key_certify_info, keys.enc_key_certify_signature, ak(), keys.ak_public, {});
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().name() == "QuoteInvalid");
  BOOST_TEST(info.error().message().find("TPM certification: it certifies the object named 000b") == 0u,
             info.error().message());
}

BOOST_AUTO_TEST_CASE(a_certification_checked_against_other_qualifying_data_is_a_nonce_mismatch) {
  const hal::TpmKeys& keys = *evidence().tpm_keys;
  auto info = tpm::verify_certify(keys.enc_key_certify_info, keys.enc_key_certify_signature, ak(),
                                  keys.enc_key_public, Bytes{1, 2, 3});
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().describe() == "NonceMismatch: TPM certification: extraData is , expected 010203");
}

BOOST_AUTO_TEST_CASE(a_certified_signing_key_is_not_an_encryption_key) {
  // The AK certifying itself: genuinely signed, but not a decryption key.
  tpm::Tpm t(vm().swtpm.transport());
  auto self = t.certify(hal::kAzureAkHandle, hal::kAzureAkHandle, {});
  BOOST_REQUIRE_MESSAGE(self, test::why(self));
  hal::TpmKeys keys = *evidence().tpm_keys;
  keys.enc_key_public = keys.ak_public;
  keys.enc_key_certify_info = self->attest;
  keys.enc_key_certify_signature = self->signature;
  auto key = tpm::certified_encryption_key(keys, ak());
  BOOST_REQUIRE(!key);
  BOOST_TEST(key.error().describe() ==
             "QuoteInvalid: encryption key: the certified key is not a decryption key (TPMA_OBJECT decrypt set, sign "
             "clear)");
}

BOOST_AUTO_TEST_CASE(a_quote_is_not_a_certification) {
  auto info = tpm::parse_certify_attest(evidence().quote->attest);
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().describe() == "MalformedInput: TPMS_ATTEST: type 32792 is not a certification");
}

BOOST_AUTO_TEST_CASE(a_truncated_certification_is_malformed_input_at_every_length) {
  const Bytes& full = evidence().tpm_keys->enc_key_certify_info;
  BOOST_REQUIRE(tpm::parse_certify_attest(full).ok());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto info = tpm::parse_certify_attest(ByteView(full).first(n));
    BOOST_TEST((!info && info.error().name() == "MalformedInput"), "cut at " << n);
  }
  Bytes longer = full;
  longer.push_back(0);
  auto info = tpm::parse_certify_attest(longer);
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().describe() == "MalformedInput: TPMS_ATTEST: 1 trailing bytes");
}

BOOST_AUTO_TEST_CASE(a_tpm2b_public_whose_size_field_lies_is_malformed_input) {
  Bytes pub = evidence().tpm_keys->enc_key_public;
  pub[1] ^= 1;
  auto key = tpm::parse_tpm2b_public(pub);
  BOOST_REQUIRE(!key);
  BOOST_TEST(key.error().name() == "MalformedInput");
  BOOST_TEST(key.error().message().find("TPM2B_PUBLIC: size field") == 0u, key.error().message());
}

BOOST_AUTO_TEST_CASE(a_pcr_selection_round_trips_and_other_shapes_are_malformed_input) {
  tpm::PcrSelection sel{tpm::kAlgSha256, {0, 7, 9, 23}};
  auto back = tpm::parse_pcr_selection(sel.marshal());
  BOOST_REQUIRE_MESSAGE(back, test::why(back));
  BOOST_TEST(back->pcrs == sel.pcrs);
  BOOST_TEST(back->hash_alg == tpm::kAlgSha256);
  Bytes two_banks = sel.marshal();
  two_banks[3] = 2;
  auto bad = tpm::parse_pcr_selection(two_banks);
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().describe() ==
             "MalformedInput: TPML_PCR_SELECTION: 2 banks with 3-byte bitmaps, expected one bank of 3 bytes");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd
