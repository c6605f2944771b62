// The PE reader and Authenticode digest (boot/pe.h), checked against sbsign, and the OVMF
// VARS reader (boot/uefi_vars.h) on Debian's own variable files.
#include <boost/test/unit_test.hpp>

#include "boot/authenticode.h"
#include "boot/pe.h"
#include "boot/uefi_vars.h"
#include "tests/unit/boot_test_support.h"

namespace attestd::boot {
namespace {

using test::read_or_throw;

// The messageDigest of the SpcIndirectDataContent sbsign signed, as openssl reads the
// PKCS#7 in the image's certificate table: the first 32-byte OCTET STRING.
std::string sbsign_digest(const test::TestUki& u, const PeImage& image) {
  ByteView table = image.certificate_table();
  std::string p7 = u.dir + "/signature.p7";
  test::write_text(p7, std::string(as_chars(table.subspan(8))));  // past WIN_CERTIFICATE's header
  auto r = attestd::test::run("openssl asn1parse -inform DER -in " + p7 +
                              " | grep -m1 'prim: OCTET STRING *\\[HEX DUMP\\]:' | sed 's/.*://' | tr A-F a-f");
  if (r.exit_code != 0) throw std::runtime_error(r.err);
  return r.out.substr(0, r.out.find('\n'));
}

PeImage parse_or_throw(const std::string& path) {
  auto image = PeImage::parse(read_or_throw(path));
  if (!image) throw std::runtime_error(image.error().describe());
  return std::move(image).value();
}

std::string pe_error(Bytes b) {
  auto r = PeImage::parse(std::move(b));
  return r ? "Ok" : r.error().describe();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_pe)

BOOST_AUTO_TEST_CASE(authenticode_digest_is_the_one_sbsign_signed) {
  auto uki = test::build_uki("pe-digest");
  PeImage image = parse_or_throw(uki.signed_efi);
  std::string signed_digest = sbsign_digest(uki, image);
  BOOST_TEST(signed_digest.size() == 64u);
  BOOST_TEST(hex_encode(image.authenticode_sha256()) == signed_digest);
}

BOOST_AUTO_TEST_CASE(signing_does_not_change_the_authenticode_digest) {
  auto uki = test::build_uki("pe-unsigned");
  // sbsign pads the image to 8 bytes before it appends the signature; the padding is hashed.
  Bytes unsigned_bytes = read_or_throw(uki.unsigned_efi);
  unsigned_bytes.resize((unsigned_bytes.size() + 7) & ~std::size_t{7}, 0);
  auto unsigned_image = PeImage::parse(unsigned_bytes);
  BOOST_REQUIRE(unsigned_image.ok());
  BOOST_TEST(unsigned_image->certificate_table().empty());
  BOOST_TEST(hex_encode(unsigned_image->authenticode_sha256()) ==
             hex_encode(parse_or_throw(uki.signed_efi).authenticode_sha256()));
}

BOOST_AUTO_TEST_CASE(sections_carry_the_files_objcopy_added) {
  auto uki = test::build_uki("pe-sections", "root=/dev/vda2");
  PeImage image = parse_or_throw(uki.signed_efi);
  const PeSection* cmdline = image.find_section(".cmdline");
  BOOST_REQUIRE(cmdline != nullptr);
  BOOST_TEST(cmdline->virtual_address == 0x30000u);
  Bytes contents = image.section_contents(*cmdline);
  BOOST_TEST(std::string(contents.begin(), contents.end()) == "root=/dev/vda2");
  BOOST_TEST(image.find_section(".text") != nullptr);
  BOOST_TEST(image.find_section(".splash") == nullptr);
}

BOOST_AUTO_TEST_CASE(signature_certificates_are_the_signers) {
  auto uki = test::build_uki("pe-signer");
  auto certs = signature_certificates(parse_or_throw(uki.signed_efi));
  BOOST_REQUIRE_MESSAGE(certs.ok(), attestd::test::why(certs));
  BOOST_REQUIRE(certs->size() == 1u);
  auto snakeoil = crypto::Certificate::parse_all(read_or_throw(test::kSnakeoilCert));
  BOOST_REQUIRE(snakeoil.ok());
  BOOST_TEST(((*certs)[0] == snakeoil->front()));
}

BOOST_AUTO_TEST_CASE(rejects_a_file_without_the_mz_signature) {
  BOOST_TEST(pe_error(Bytes(4096, 0)) == "MalformedInput: PE image: no MZ signature");
}

BOOST_AUTO_TEST_CASE(rejects_an_e_lfanew_outside_the_file) {
  Bytes b(4096, 0);
  b[0] = 'M';
  b[1] = 'Z';
  b[0x3C] = 0xF0;
  b[0x3D] = 0xFF;
  BOOST_TEST(pe_error(b) == "MalformedInput: PE image: no PE signature at e_lfanew 65520");
}

BOOST_AUTO_TEST_CASE(rejects_a_section_outside_the_file) {
  auto uki = test::build_uki("pe-truncated");
  Bytes b = read_or_throw(uki.unsigned_efi);
  auto image = PeImage::parse(b);
  BOOST_REQUIRE(image.ok());
  const PeSection* initrd = image->find_section(".initrd");
  BOOST_REQUIRE(initrd != nullptr);
  b.resize(initrd->raw_offset + 10);  // cuts into the .initrd section's raw data
  BOOST_TEST(pe_error(b).find("raw data (offset ") != std::string::npos);
  BOOST_TEST(pe_error(b).find(") outside the file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_a_certificate_table_outside_the_file) {
  auto uki = test::build_uki("pe-cert-truncated");
  Bytes b = read_or_throw(uki.signed_efi);
  b.resize(b.size() - 1);
  BOOST_TEST(pe_error(b).find("MalformedInput: PE image: certificate table (offset ") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(boot_uefi_vars)

BOOST_AUTO_TEST_CASE(snakeoil_vars_enrol_the_snakeoil_certificate_in_pk_kek_and_db) {
  auto store = UefiVariableStore::parse(read_or_throw(test::kSnakeoilVars));
  BOOST_REQUIRE_MESSAGE(store.ok(), attestd::test::why(store));
  auto der = crypto::Certificate::parse_all(read_or_throw(test::kSnakeoilCert));
  BOOST_REQUIRE(der.ok());
  const Bytes& cert = der->front().der();
  for (auto [vendor, name] : {std::pair{&kEfiGlobalVariable, "PK"}, std::pair{&kEfiGlobalVariable, "KEK"},
                              std::pair{&kEfiImageSecurityDatabase, "db"}}) {
    const UefiVariable* v = store->find(*vendor, name);
    BOOST_REQUIRE_MESSAGE(v != nullptr, name);
    // One EFI_SIGNATURE_LIST of type EFI_CERT_X509_GUID holding the certificate.
    BOOST_TEST(std::equal(kEfiCertX509.begin(), kEfiCertX509.end(), v->data.begin()));
    BOOST_TEST((std::search(v->data.begin(), v->data.end(), cert.begin(), cert.end()) != v->data.end()));
  }
}

BOOST_AUTO_TEST_CASE(deleted_variables_are_not_live) {
  // OVMF_VARS_4M.snakeoil.fd starts with a deleted CustomMode (State 0x3c, value 1); the
  // live one, written when enrolment ended, is at the end of the store with value 0.
  const Bytes raw = read_or_throw(test::kSnakeoilVars);
  BOOST_REQUIRE(raw[0x66] == 0x3C);
  auto store = UefiVariableStore::parse(raw);
  BOOST_REQUIRE(store.ok());
  int custom_mode = 0;
  for (const auto& v : store->variables()) custom_mode += v.name == "CustomMode";
  BOOST_TEST(custom_mode == 1);
  const UefiVariable* v = store->find(guid_from_string("c076ec0c-7028-4399-a072-71ee5c448b9f"), "CustomMode");
  BOOST_REQUIRE(v != nullptr);
  BOOST_TEST(hex_encode(v->data) == "00");
}

BOOST_AUTO_TEST_CASE(plain_vars_have_no_secure_boot_keys) {
  auto store = UefiVariableStore::parse(read_or_throw(test::kPlainVars));
  BOOST_REQUIRE_MESSAGE(store.ok(), attestd::test::why(store));
  BOOST_TEST(store->find(kEfiGlobalVariable, "PK") == nullptr);
  BOOST_TEST(store->find(kEfiImageSecurityDatabase, "db") == nullptr);
}

BOOST_AUTO_TEST_CASE(rejects_a_file_without_a_firmware_volume) {
  auto r = UefiVariableStore::parse(Bytes(4096, 0));
  BOOST_TEST(r.error().describe() == "MalformedInput: UEFI variable store at offset 0: no firmware volume (\"_FVH\" signature)");
}

BOOST_AUTO_TEST_CASE(rejects_a_variable_running_past_the_store) {
  Bytes raw = read_or_throw(test::kSnakeoilVars);
  // The first variable's DataSize (header at 0x64, DataSize at +40).
  raw[0x64 + 40 + 3] = 0x7F;
  auto r = UefiVariableStore::parse(raw);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe().find("UEFI variable store at offset 100: NameSize 22 and DataSize") != std::string::npos);
  BOOST_TEST(r.error().describe().find("run past the store") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::boot
