// The ID block and ID_AUTH_INFO (hal/snp/id_block.h): their bytes against the SNP ABI's
// tables, the signatures attest measure makes, the checks SNP_LAUNCH_FINISH makes
// (verify/id_block.h), and the public vectors of virtee/sev-snp-measure and virtee/sev
// (tests/vectors/id-block/README.md).
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "client/lib/id_block.h"
#include "crypto/base64.h"
#include "crypto/sha.h"
#include "hal/snp/id_block.h"
#include "tests/support.h"
#include "verify/id_block.h"
#include "verify/snp_key_digest.h"

using namespace attestd;
using attestd::test::read_vector;
using attestd::test::vector_path;

namespace {

crypto::PrivateKey vector_key(const std::string& file) {
  auto key = client::read_id_signing_key(vector_path("id-block/" + file));
  BOOST_REQUIRE_MESSAGE(key.ok(), test::why(key));
  return *key;
}

template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t first) {
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(first + i);
  return a;
}

std::uint32_t le32(const Bytes& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
std::uint64_t le64(const Bytes& b, std::size_t at) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}
Bytes slice(const Bytes& b, std::size_t at, std::size_t size) { return Bytes(b.begin() + at, b.begin() + at + size); }
template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) { return Bytes(a.begin(), a.end()); }
bool all_zero(const Bytes& b) { return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; }); }

// Whether the ABI-format `signature` by the ABI-format `key` verifies over `message`.
bool snp_signature_verifies(const Bytes& key, const Bytes& signature, const Bytes& message) {
  auto pub = verify::public_key_from_snp(key);
  auto raw = verify::raw_signature_from_snp(signature);
  return pub.ok() && raw.ok() && pub->verify(crypto::SignatureScheme::EcdsaSha384, message, *raw).ok();
}

snp::IdBlock sample_block() {
  snp::IdBlock b;
  b.launch_digest = filled<48>(0x10);
  b.family_id = filled<16>(0xA0);
  b.image_id = filled<16>(0xB0);
  b.guest_svn = 0x01020304;
  b.policy = 0x30000;
  return b;
}

client::SignedIdBlock sign_sample(bool with_author) {
  crypto::PrivateKey id = vector_key("sev-snp-measure_id_key.pem");
  crypto::PrivateKey author = vector_key("sev-snp-measure_author_key.pem");
  auto s = client::sign_id_block(sample_block(), id, with_author ? &author : nullptr);
  BOOST_REQUIRE_MESSAGE(s.ok(), test::why(s));
  return *s;
}

std::string described(const Result<verify::IdBlockLaunch>& r) { return r ? "ok" : r.error().describe(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(snp_id_block)

BOOST_AUTO_TEST_CASE(the_id_block_is_0x60_bytes_laid_out_as_the_abi_table) {
  Bytes b = snp::encode_id_block(sample_block());
  BOOST_TEST(b.size() == 0x60u);
  BOOST_TEST(slice(b, 0x00, 48) == bytes_of(filled<48>(0x10)));  // LD
  BOOST_TEST(slice(b, 0x30, 16) == bytes_of(filled<16>(0xA0)));  // FAMILY_ID
  BOOST_TEST(slice(b, 0x40, 16) == bytes_of(filled<16>(0xB0)));  // IMAGE_ID
  BOOST_TEST(le32(b, 0x50) == 1u);                               // VERSION
  BOOST_TEST(le32(b, 0x54) == 0x01020304u);                      // GUEST_SVN
  BOOST_TEST(le64(b, 0x58) == 0x30000u);                         // POLICY
  auto back = snp::parse_id_block(b);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(bytes_of(back->family_id) == bytes_of(filled<16>(0xA0)));
  BOOST_TEST(back->guest_svn == 0x01020304u);
}

BOOST_AUTO_TEST_CASE(an_id_block_of_another_size_or_version_is_malformed) {
  Bytes b = snp::encode_id_block(sample_block());
  BOOST_TEST(snp::parse_id_block(slice(b, 0, 0x5F)).error().describe() == "MalformedInput: an ID block is 96 bytes, not 95");
  b[0x50] = 2;
  BOOST_TEST(snp::parse_id_block(b).error().describe() == "MalformedInput: the ID block's VERSION is 2, not 1");
}

BOOST_AUTO_TEST_CASE(id_auth_info_is_0x1000_bytes_with_keys_and_signatures_where_the_abi_puts_them) {
  client::SignedIdBlock s = sign_sample(true);
  const Bytes& a = s.id_auth;
  BOOST_TEST(a.size() == 0x1000u);
  BOOST_TEST(le32(a, 0x000) == 1u);  // ID_KEY_ALGO: ECDSA P-384 with SHA-384
  BOOST_TEST(le32(a, 0x004) == 1u);  // AUTHOR_KEY_ALGO
  BOOST_TEST(all_zero(slice(a, 0x008, 0x38)));
  auto id_pub = verify::snp_public_key(vector_key("sev-snp-measure_id_key.pem").public_key());
  auto author_pub = verify::snp_public_key(vector_key("sev-snp-measure_author_key.pem").public_key());
  BOOST_TEST(slice(a, 0x240, 0x404) == *id_pub);      // ID_KEY
  BOOST_TEST(slice(a, 0x880, 0x404) == *author_pub);  // AUTHOR_KEY
  BOOST_TEST(all_zero(slice(a, 0x644, 0x3C)));
  BOOST_TEST(all_zero(slice(a, 0xC84, 0x37C)));
  // ID_BLOCK_SIG (0x040) is the ID key's over the block; ID_KEY_SIG (0x680) the author
  // key's over ID_KEY; each R and S zero-extended to 72 bytes, then zeros to 0x200.
  BOOST_TEST(snp_signature_verifies(*id_pub, slice(a, 0x040, 0x200), s.id_block));
  BOOST_TEST(snp_signature_verifies(*author_pub, slice(a, 0x680, 0x200), *id_pub));
  BOOST_TEST(!snp_signature_verifies(*author_pub, slice(a, 0x040, 0x200), s.id_block));
  for (std::size_t sig : {0x040u, 0x680u}) {
    BOOST_TEST(all_zero(slice(a, sig + 48, 24)));   // above R
    BOOST_TEST(all_zero(slice(a, sig + 120, 24)));  // above S
    BOOST_TEST(all_zero(slice(a, sig + 144, 0x200 - 144)));
  }
  BOOST_TEST(s.id_key_digest == crypto::sha384(*id_pub));
  BOOST_TEST(*s.author_key_digest == crypto::sha384(*author_pub));
}

BOOST_AUTO_TEST_CASE(without_an_author_key_the_author_fields_are_zero) {
  client::SignedIdBlock s = sign_sample(false);
  BOOST_TEST(le32(s.id_auth, 0x004) == 0u);
  BOOST_TEST(all_zero(slice(s.id_auth, 0x680, 0x200 + 0x404)));
  BOOST_TEST(!s.author_key_digest.has_value());
}

// virtee/sev-snp-measure tests/test_id_block.py: its keys, LD, default IDs, SVN and policy.
BOOST_AUTO_TEST_CASE(the_id_block_and_key_digests_match_sev_snp_measures_vector) {
  snp::IdBlock block;
  Bytes ld = *crypto::base64_decode("B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t");
  std::copy(ld.begin(), ld.end(), block.launch_digest.begin());
  crypto::PrivateKey id = vector_key("sev-snp-measure_id_key.pem");
  crypto::PrivateKey author = vector_key("sev-snp-measure_author_key.pem");
  auto s = client::sign_id_block(block, id, &author);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(crypto::base64_encode(s->id_block) ==
             "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t"
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA");
  BOOST_TEST(crypto::base64_encode(s->id_key_digest) == "hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU");
  BOOST_TEST(crypto::base64_encode(*s->author_key_digest) ==
             "YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0L6PdjdqEGuK/UwKBX");
}

// virtee/sev tests/id-block.rs: an ID_AUTH_INFO it signed, for the ID block it expects.
BOOST_AUTO_TEST_CASE(virtee_sevs_signed_auth_block_passes_the_launch_checks_with_its_digests) {
  Bytes block = *crypto::base64_decode(
      "oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"
      "AAAAAAAAAAAAAwAAAAAA");
  Bytes ld = *hex_decode(
      "a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745");
  Bytes auth = read_vector("id-block/virtee-sev_id_auth.bin");
  auto launch = verify::check_id_block(block, auth, true, ld, 0x30000);
  BOOST_REQUIRE_MESSAGE(launch.ok(), described(launch));
  BOOST_TEST(crypto::base64_encode(launch->id_key_digest) ==
             "WfssaG36T+9J84M5qndckAUcKNVzg93DuvO160sUlt87DbvcuuX+J2d6ZEggdz/i");
  BOOST_TEST(crypto::base64_encode(launch->author_key_digest) ==
             "7tgRafsMteDsNHlPEo/U4MSkb2fGWhrfqB/LJLzAiMJyNpt//D6ytq9qQoShs2xf");
  // Its keys are the PEM files virtee/sev ships beside it.
  auto id_pub = verify::snp_public_key(vector_key("virtee-sev_id_key.pem").public_key());
  auto author_pub = verify::snp_public_key(vector_key("virtee-sev_author_key.pem").public_key());
  BOOST_TEST(slice(auth, 0x240, 0x404) == *id_pub);
  BOOST_TEST(slice(auth, 0x880, 0x404) == *author_pub);
}

BOOST_AUTO_TEST_CASE(the_launch_checks_name_the_check_that_failed) {
  client::SignedIdBlock s = sign_sample(true);
  const Bytes ld = bytes_of(filled<48>(0x10));
  BOOST_TEST(described(verify::check_id_block(s.id_block, s.id_auth, true, ld, 0x30000)) == "ok");

  Bytes block = s.id_block;
  block[0x54] ^= 1;  // GUEST_SVN changed after signing
  BOOST_TEST(described(verify::check_id_block(block, s.id_auth, true, ld, 0x30000)) ==
             "BadSignature: ID_BLOCK_SIG (the ID key's) does not verify");

  // The ID key signed by another author key than the one in AUTHOR_KEY.
  crypto::PrivateKey other = vector_key("virtee-sev_author_key.pem");
  Bytes auth = s.id_auth;
  auto other_pub = verify::snp_public_key(other.public_key());
  std::copy(other_pub->begin(), other_pub->end(), auth.begin() + 0x880);
  BOOST_TEST(described(verify::check_id_block(s.id_block, auth, true, ld, 0x30000)) ==
             "BadSignature: ID_KEY_SIG (the author key's) does not verify");
  // Without AUTHOR_KEY_EN the firmware does not look at the author fields.
  auto without = verify::check_id_block(s.id_block, auth, false, ld, 0x30000);
  BOOST_REQUIRE(without.ok());
  BOOST_TEST(all_zero(without->author_key_digest));
  BOOST_TEST(!without->author_key_enabled);

  BOOST_TEST(described(verify::check_id_block(s.id_block, s.id_auth, true, bytes_of(filled<48>(0x11)), 0x30000)) ==
             "MeasurementMismatch: the ID block's LD " + hex_encode(ld) + " is not the launch measurement " +
                 hex_encode(filled<48>(0x11)));
  BOOST_TEST(described(verify::check_id_block(s.id_block, s.id_auth, true, ld, 0xB0000)) ==
             "GuestPolicyMismatch: the ID block's POLICY 0x30000 is not the guest policy 0xb0000");

  auth = s.id_auth;
  auth[0] = 2;
  BOOST_TEST(described(verify::check_id_block(s.id_block, auth, true, ld, 0x30000)) ==
             "MalformedInput: ID_KEY_ALGO is 2, not 1 (ECDSA P-384 with SHA-384)");
  auth = s.id_auth;
  auth[0x10] = 1;
  BOOST_TEST(described(verify::check_id_block(s.id_block, auth, true, ld, 0x30000)) ==
             "MalformedInput: a reserved field of the ID authentication block is not zero");
  BOOST_TEST(described(verify::check_id_block(s.id_block, slice(s.id_auth, 0, 0xFFF), true, ld, 0x30000)) ==
             "MalformedInput: an ID authentication block is 4096 bytes, not 4095");
}

BOOST_AUTO_TEST_CASE(keys_and_signatures_with_bytes_beyond_p384_are_malformed) {
  client::SignedIdBlock s = sign_sample(true);
  Bytes key = slice(s.id_auth, 0x240, 0x404);
  Bytes high = key;
  high[0x04 + 48] = 1;  // QX above its 48 bytes
  BOOST_TEST(verify::public_key_from_snp(high).error().describe() ==
             "MalformedInput: the SNP public key has bytes set beyond its P-384 coordinates");
  Bytes curve = key;
  curve[0] = 1;
  BOOST_TEST(verify::public_key_from_snp(curve).error().describe() ==
             "MalformedInput: the SNP public key's CURVE is 1, not 2 (P-384)");
  Bytes sig = slice(s.id_auth, 0x040, 0x200);
  sig[0x1FF] = 1;
  BOOST_TEST(verify::raw_signature_from_snp(sig).error().describe() ==
             "MalformedInput: the SNP signature has bytes set beyond its P-384 R and S");
}

BOOST_AUTO_TEST_CASE(only_ecdsa_p384_keys_sign_an_id_block) {
  auto p256 = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  BOOST_REQUIRE(p256.ok());
  crypto::PrivateKey id = vector_key("sev-snp-measure_id_key.pem");
  BOOST_TEST(client::sign_id_block(sample_block(), *p256, nullptr).error().describe() ==
             "CryptoError: the ID key is not an ECDSA P-384 key");
  BOOST_TEST(client::sign_id_block(sample_block(), id, &*p256).error().describe() ==
             "CryptoError: the author key is not an ECDSA P-384 key");
}

BOOST_AUTO_TEST_SUITE_END()
