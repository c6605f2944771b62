#include <boost/test/unit_test.hpp>

#include "crypto/base64.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::crypto;

namespace {
// Keys are slow to make; share one of each.
const PrivateKey& ec384() {
  static PrivateKey k = *PrivateKey::generate_ec(EcCurve::P384);
  return k;
}
const PrivateKey& rsa2048() {
  static PrivateKey k = *PrivateKey::generate_rsa_from_seed(2048, as_bytes("crypto-test-rsa"));
  return k;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_sha)

BOOST_AUTO_TEST_CASE(fips_180_known_answers_for_abc) {
  BOOST_TEST(hex_encode(sha256(as_bytes("abc"))) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hex_encode(sha384(as_bytes("abc"))) ==
             "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  BOOST_TEST(hex_encode(sha512(as_bytes("abc"))) ==
             "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
             "454d4423643ce80e2a9ac94fa54ca49f");
}

BOOST_AUTO_TEST_CASE(incremental_hashing_equals_one_shot_and_restarts) {
  Hasher h(HashAlg::Sha384);
  h.update(as_bytes("a"));
  h.update(as_bytes("bc"));
  BOOST_TEST((h.finish() == sha384(as_bytes("abc"))));
  h.update(as_bytes("abc"));
  BOOST_TEST((h.finish() == sha384(as_bytes("abc"))));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypto_base64)

BOOST_AUTO_TEST_CASE(rfc4648_test_vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    BOOST_TEST(base64_encode(as_bytes(plain[i])) == b64[i]);
    BOOST_TEST((*base64_decode(b64[i]) == to_bytes(as_bytes(plain[i]))));
  }
}

BOOST_AUTO_TEST_CASE(base64url_is_unpadded_and_uses_the_url_alphabet) {
  Bytes b{0xfb, 0xff, 0xfe};
  BOOST_TEST(base64_encode(b) == "+//+");
  BOOST_TEST(base64url_encode(b) == "-__-");
  BOOST_TEST(base64url_encode(as_bytes("f")) == "Zg");
}

BOOST_AUTO_TEST_CASE(decoders_accept_padded_and_unpadded_input) {
  BOOST_TEST((*base64_decode("Zg") == Bytes{'f'}));
  BOOST_TEST((*base64url_decode("Zg==") == Bytes{'f'}));
  BOOST_TEST((*base64_decode_any("-__-") == Bytes{0xfb, 0xff, 0xfe}));
  BOOST_TEST((*base64_decode_any("+//+") == Bytes{0xfb, 0xff, 0xfe}));
}

BOOST_AUTO_TEST_CASE(decoders_reject_the_other_alphabet_bad_padding_and_junk) {
  BOOST_TEST(!base64_decode("-__-").ok());
  BOOST_TEST(!base64url_decode("+//+").ok());
  BOOST_TEST(!base64_decode("Zg=").ok());
  BOOST_TEST(!base64_decode("Z").ok());
  BOOST_TEST(!base64_decode("Zg==Zg==").ok());
  BOOST_TEST(!base64_decode("Zm9v\n").ok());
  BOOST_TEST(error_name(base64url_decode("a b").error().code()) == "MalformedInput");
}

// RFC 4648 §3.5: the unused low bits of the last character must be zero, or two
// texts decode to the same bytes (a token could then be altered and still verify).
BOOST_AUTO_TEST_CASE(decoders_reject_nonzero_unused_bits_in_the_last_character) {
  BOOST_TEST((*base64url_decode("Zg") == Bytes{'f'}));
  auto two = base64url_decode("Zh");  // 'f' again, with a 1 in the unused bits
  BOOST_REQUIRE(!two.ok());
  BOOST_TEST(two.error().describe() ==
             "MalformedInput: invalid base64url: non-canonical: the unused bits of the last character are not zero");
  BOOST_TEST(!base64_decode("Zm9=").ok());  // "fo" is Zm8=
  BOOST_TEST(!base64_decode_any("Zm9").ok());
  BOOST_TEST((*base64_decode("Zm8=") == to_bytes(as_bytes("fo"))));
}

// The decoders are ours and mbedTLS's encoder is not: every length (each remainder mod 3)
// and every byte value must come back from what mbedTLS wrote, in each alphabet.
BOOST_AUTO_TEST_CASE(decoders_invert_mbedtls_encoder_for_every_length_and_byte) {
  for (std::size_t n = 0; n <= 260; ++n) {
    Bytes plain(n);
    for (std::size_t i = 0; i < n; ++i) plain[i] = static_cast<std::uint8_t>(i * 7 + n);
    BOOST_TEST((*base64_decode(base64_encode(plain)) == plain), "length " << n);
    BOOST_TEST((*base64url_decode(base64url_encode(plain)) == plain), "length " << n);
    BOOST_TEST((*base64_decode_any(base64url_encode(plain)) == plain), "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(decoder_errors_name_the_first_offending_offset) {
  BOOST_TEST(base64_decode("Zm!v").error().describe() == "MalformedInput: invalid base64: unexpected character at offset 2");
  BOOST_TEST(base64url_decode("Zg=A").error().describe() == "MalformedInput: invalid base64url: data after padding at offset 3");
  BOOST_TEST(base64_decode("Zm9vY").error().describe() == "MalformedInput: invalid base64: impossible length 5");
  BOOST_TEST(base64_decode("Zm8==").error().describe() == "MalformedInput: invalid base64: wrong padding");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypto_keys)

BOOST_AUTO_TEST_CASE(random_bytes_differ) {
  auto a = random_bytes(32), b = random_bytes(32);
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->size() == 32u);
  BOOST_TEST((*a != *b));
}

BOOST_AUTO_TEST_CASE(ecdsa_p384_signs_and_verifies_raw_r_s) {
  auto sig = ec384().sign(SignatureScheme::EcdsaSha384, as_bytes("report"));
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(sig->size() == 96u);
  PublicKey pub = ec384().public_key();
  BOOST_TEST(pub.verify(SignatureScheme::EcdsaSha384, as_bytes("report"), *sig).ok());
  Status wrong = pub.verify(SignatureScheme::EcdsaSha384, as_bytes("reporT"), *sig);
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST(error_name(wrong.error().code()) == "BadSignature");
}

BOOST_AUTO_TEST_CASE(ecdsa_rejects_signatures_of_the_wrong_size_or_altered) {
  auto sig = *ec384().sign(SignatureScheme::EcdsaSha384, as_bytes("m"));
  PublicKey pub = ec384().public_key();
  Bytes shorter(sig.begin(), sig.end() - 1);
  BOOST_TEST(error_name(pub.verify(SignatureScheme::EcdsaSha384, as_bytes("m"), shorter).error().code()) == "BadSignature");
  sig[10] ^= 1;
  BOOST_TEST(!pub.verify(SignatureScheme::EcdsaSha384, as_bytes("m"), sig).ok());
  Bytes zeros(96, 0);
  BOOST_TEST(!pub.verify(SignatureScheme::EcdsaSha384, as_bytes("m"), zeros).ok());
}

BOOST_AUTO_TEST_CASE(rsa_pkcs1_and_pss_sign_and_verify_and_do_not_cross) {
  PublicKey pub = rsa2048().public_key();
  auto pkcs1 = *rsa2048().sign(SignatureScheme::RsaPkcs1Sha256, as_bytes("m"));
  auto pss = *rsa2048().sign(SignatureScheme::RsaPssSha384, as_bytes("m"));
  BOOST_TEST(pub.verify(SignatureScheme::RsaPkcs1Sha256, as_bytes("m"), pkcs1).ok());
  BOOST_TEST(pub.verify(SignatureScheme::RsaPssSha384, as_bytes("m"), pss).ok());
  BOOST_TEST(!pub.verify(SignatureScheme::RsaPssSha256, as_bytes("m"), pkcs1).ok());
  BOOST_TEST(!pub.verify(SignatureScheme::RsaPkcs1Sha384, as_bytes("m"), pss).ok());
  BOOST_TEST(!pub.verify(SignatureScheme::RsaPkcs1Sha512, as_bytes("m"), pkcs1).ok());
}

BOOST_AUTO_TEST_CASE(a_scheme_for_another_key_type_is_unsupported) {
  Status s = ec384().public_key().verify(SignatureScheme::RsaPkcs1Sha256, as_bytes("m"), Bytes(256));
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(error_name(s.error().code()) == "UnsupportedAlgorithm");
  BOOST_TEST(!rsa2048().sign(SignatureScheme::EcdsaSha256, as_bytes("m")).ok());
}

BOOST_AUTO_TEST_CASE(seeded_generation_is_deterministic) {
  auto a = PrivateKey::generate_ec_from_seed(EcCurve::P384, as_bytes("seed-1"));
  auto b = PrivateKey::generate_ec_from_seed(EcCurve::P384, as_bytes("seed-1"));
  auto c = PrivateKey::generate_ec_from_seed(EcCurve::P384, as_bytes("seed-2"));
  BOOST_TEST((a->der() == b->der()));
  BOOST_TEST((a->der() != c->der()));
}

BOOST_AUTO_TEST_CASE(keys_round_trip_through_pem_der_and_jwk_components) {
  auto again = PrivateKey::from_pem(ec384().pem());
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((again->public_key() == ec384().public_key()));
  PublicKey pub = rsa2048().public_key();
  BOOST_TEST((*PublicKey::from_der(pub.spki_der()) == pub));
  BOOST_TEST((*PublicKey::from_pem(pub.pem()) == pub));
  BOOST_TEST((*PublicKey::rsa_from_components(pub.rsa_modulus(), pub.rsa_exponent()) == pub));
  BOOST_TEST(hex_encode(pub.rsa_exponent()) == "010001");
  PublicKey ec = ec384().public_key();
  BOOST_TEST((*PublicKey::ec_from_coordinates(EcCurve::P384, ec.ec_x(), ec.ec_y()) == ec));
  BOOST_TEST(ec.bits() == 384u);
}

BOOST_AUTO_TEST_CASE(malformed_keys_are_rejected_with_named_errors) {
  BOOST_TEST(error_name(PublicKey::from_der(Bytes{0x30, 0x00}).error().code()) == "MalformedInput");
  BOOST_TEST(!PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
  // A point not on the curve.
  BOOST_TEST(!PublicKey::ec_from_coordinates(EcCurve::P384, Bytes(48, 1), Bytes(48, 2)).ok());
  BOOST_TEST(!PublicKey::rsa_from_components(Bytes{0x0f}, Bytes{0x03}).ok());
}

BOOST_AUTO_TEST_SUITE_END()
