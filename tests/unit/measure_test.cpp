// The SEV-SNP launch digest (client/lib/measure.h) against every row of
// tests/vectors/measure/README.md, and OVMF footers that are cut or corrupt.
#include <boost/test/unit_test.hpp>

#include "client/lib/measure.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::client;
using namespace attestd::test;

namespace {

const char* kAmdSev = "measure/ovmf_AmdSev_suffix.bin";
const char* kOvmfX64 = "measure/ovmf_OvmfX64_suffix.bin";
// The seed of the ovmf_hash_gen rows, which is also the OVMF hash of the AmdSev fixture.
const char* kOvmfHash =
    "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";

OvmfImage ovmf(const char* rel) {
  auto r = OvmfImage::parse(read_vector(rel));
  if (!r) throw std::runtime_error(r.error().describe());
  return std::move(r).value();
}

struct Row {
  const char* ovmf = kAmdSev;
  std::uint32_t vcpus = 1;
  VmmType vmm = VmmType::Qemu;
  bool epyc_v4 = true;
  bool kernel = true;  // "empty" kernel and initrd (/dev/null)
  std::string cmdline;
  std::uint64_t features = 0x21;
  bool seeded = false;
};

Result<Bytes> measure(const Row& row) {
  MeasureParams p;
  p.vcpus = row.vcpus;
  p.vmm = row.vmm;
  p.vcpu_sig = row.epyc_v4 ? vcpu_type_signature("EPYC-v4").value() : 0;
  p.guest_features = row.features;
  if (row.kernel) p.kernel = kernel_hashes({}, {}, row.cmdline);
  if (row.seeded) p.ovmf_hash = hex_decode(kOvmfHash).value();
  return snp_launch_digest(ovmf(row.ovmf), p);
}

std::string digest_hex(const Row& row) {
  auto r = measure(row);
  return r ? hex_encode(*r) : "error: " + r.error().describe();
}

// A copy of the AmdSev fixture with one little-endian field overwritten.
Bytes patched(std::size_t at, std::uint32_t value, std::size_t width) {
  Bytes b = read_vector(kAmdSev);
  for (std::size_t i = 0; i < width; ++i) b[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  return b;
}

// Offsets in the AmdSev fixture (4096 bytes): the footer's table size, the SEV-ES
// reset-block entry's GUID, the SEV metadata entry's offset, the "ASEV" header.
constexpr std::size_t kFooterSize = 4046, kResetGuid = 4030, kResetSize = 4028, kMetaOffset = 3950;
constexpr std::size_t kAsev = 2732, kAsevCount = 2744, kSection0 = 2748;

void expect_malformed(const Bytes& data, const std::string& needle) {
  auto r = OvmfImage::parse(data);
  BOOST_REQUIRE_MESSAGE(!r, "parsed, but expected an error mentioning '" << needle << "'");
  BOOST_TEST(r.error().name() == "MalformedInput");
  BOOST_TEST(r.error().message().find(needle) != std::string::npos, r.error().message());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(measure_vectors)

BOOST_AUTO_TEST_CASE(ovmf_hash_gen_default) {
  BOOST_TEST(digest_hex({.seeded = true}) ==
             "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198");
}
BOOST_AUTO_TEST_CASE(ovmf_hash_gen_snp_only) {
  BOOST_TEST(digest_hex({.features = 0x1, .seeded = true}) ==
             "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5");
}
BOOST_AUTO_TEST_CASE(full_default) {
  BOOST_TEST(digest_hex({.cmdline = "console=ttyS0 loglevel=7"}) ==
             "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977");
}
BOOST_AUTO_TEST_CASE(full_snp_only) {
  BOOST_TEST(digest_hex({.cmdline = "console=ttyS0 loglevel=7", .features = 0x1}) ==
             "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa");
}
BOOST_AUTO_TEST_CASE(ec2_default) {
  BOOST_TEST(digest_hex({.vmm = VmmType::Ec2}) ==
             "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb");
}
BOOST_AUTO_TEST_CASE(ec2_snp_only) {
  BOOST_TEST(digest_hex({.vmm = VmmType::Ec2, .features = 0x1}) ==
             "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056");
}
BOOST_AUTO_TEST_CASE(gce_default) {
  BOOST_TEST(digest_hex({.vmm = VmmType::Gce, .epyc_v4 = false, .features = 0x1}) ==
             "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e");
}
BOOST_AUTO_TEST_CASE(gce_4vcpu) {
  BOOST_TEST(digest_hex({.vcpus = 4, .vmm = VmmType::Gce, .epyc_v4 = false, .features = 0x1}) ==
             "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d");
}
BOOST_AUTO_TEST_CASE(without_kernel_default) {
  BOOST_TEST(digest_hex({.kernel = false}) ==
             "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b");
}
BOOST_AUTO_TEST_CASE(without_kernel_snp_only) {
  BOOST_TEST(digest_hex({.kernel = false, .features = 0x1}) ==
             "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d");
}
BOOST_AUTO_TEST_CASE(four_vcpus_default) {
  BOOST_TEST(digest_hex({.vcpus = 4}) ==
             "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942");
}
BOOST_AUTO_TEST_CASE(four_vcpus_snp_only) {
  BOOST_TEST(digest_hex({.vcpus = 4, .features = 0x1}) ==
             "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5");
}
BOOST_AUTO_TEST_CASE(ovmfx64_no_kernel_default) {
  BOOST_TEST(digest_hex({.ovmf = kOvmfX64, .kernel = false}) ==
             "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385");
}
BOOST_AUTO_TEST_CASE(ovmfx64_no_kernel_snp_only) {
  BOOST_TEST(digest_hex({.ovmf = kOvmfX64, .kernel = false, .features = 0x1}) ==
             "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005");
}
BOOST_AUTO_TEST_CASE(ovmfx64_with_kernel_fails_without_a_kernel_hashes_section) {
  auto r = measure({.ovmf = kOvmfX64});
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "MalformedInput");
  BOOST_TEST(r.error().message().find("no SNP_KERNEL_HASHES metadata section") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(measure_digest)

// README.md names cab7e085… as this fixture's OVMF hash; that is the seed of an older
// upstream test, not what the fixture's page gives. 086e2e91… is: it is the seed of the
// ovmf_hash_gen rows, and seeding with it reproduces the rows computed from the file.
BOOST_AUTO_TEST_CASE(the_ovmf_hash_of_the_amdsev_fixture_is_the_seed_of_the_ovmf_hash_rows) {
  BOOST_TEST(hex_encode(snp_ovmf_hash(ovmf(kAmdSev))) == kOvmfHash);
  for (std::uint64_t features : {0x1ULL, 0x21ULL}) {
    for (bool kernel : {false, true}) {
      Row from_file{.kernel = kernel, .features = features};
      Row seeded{.kernel = kernel, .features = features, .seeded = true};
      BOOST_TEST(digest_hex(from_file) == digest_hex(seeded));
    }
  }
}

BOOST_AUTO_TEST_CASE(page_info_is_the_spec_layout) {
  // One normal page at 4 GiB - 4 KiB: SHA-384(zeros[48] || SHA-384(page) || 70 00 01 00
  // 00 00 00 00 || GPA little-endian).
  Bytes page(kPageSize, 0xAB);
  LaunchDigest d;
  d.add_normal_pages(0xFFFFF000, page);
  Bytes info(48, 0);
  Bytes contents = crypto::sha384(page);
  info.insert(info.end(), contents.begin(), contents.end());
  for (std::uint8_t b : {0x70, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0xFF, 0xFF, 0x00, 0x00, 0x00,
                         0x00}) {
    info.push_back(b);
  }
  BOOST_REQUIRE(info.size() == 0x70u);
  BOOST_TEST(hex_encode(d.digest()) == hex_encode(crypto::sha384(info)));
}

BOOST_AUTO_TEST_CASE(a_seed_must_be_48_bytes) {
  BOOST_TEST(!LaunchDigest::from_seed(Bytes(47, 0)));
  BOOST_TEST(LaunchDigest::from_seed(Bytes(48, 0)).ok());
  MeasureParams p;
  p.vcpu_sig = 0x800F12;
  p.ovmf_hash = Bytes(32, 1);
  auto r = snp_launch_digest(ovmf(kAmdSev), p);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "MalformedInput");
}

BOOST_AUTO_TEST_CASE(the_fixture_footer_is_read) {
  OvmfImage img = ovmf(kAmdSev);
  BOOST_TEST(img.gpa() == 0xFFFFF000ULL);
  BOOST_TEST(img.ap_reset_eip() == 0x80B004u);
  BOOST_TEST(img.kernel_hashes_gpa().value_or(0) == 0x810C00u);
  BOOST_REQUIRE(img.sections().size() == 7u);
  BOOST_TEST(img.sections()[5].gpa == 0x810000u);
  BOOST_TEST((img.sections()[5].type == SectionType::SnpKernelHashes));
  BOOST_TEST((img.sections()[4].type == SectionType::SvsmCaa));
  OvmfImage x64 = ovmf(kOvmfX64);
  BOOST_TEST(!x64.has_section(SectionType::SnpKernelHashes));
  BOOST_TEST(!x64.kernel_hashes_gpa().has_value());  // the entry is there, with GPA 0
}

BOOST_AUTO_TEST_CASE(vcpu_signatures_follow_the_cpuid_encoding) {
  BOOST_TEST(cpu_signature(23, 1, 2) == 0x800F12u);
  BOOST_TEST(vcpu_type_signature("EPYC-v4").value() == 0x800F12u);
  BOOST_TEST(vcpu_type_signature("EPYC-Milan").value() == 0xA00F11u);
  BOOST_TEST(vcpu_type_signature("EPYC-Genoa").value() == 0xA10F10u);
  BOOST_TEST(vcpu_type_signature("EPYC-Turin").value() == 0xB00F00u);
  auto bad = vcpu_type_signature("Skylake");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().name() == "Usage");
  BOOST_TEST(bad.error().message().find("EPYC-v4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(vmm_types_by_name) {
  BOOST_TEST((vmm_type_from_name("QEMU").value() == VmmType::Qemu));
  BOOST_TEST((vmm_type_from_name("qemu").value() == VmmType::Qemu));
  BOOST_TEST((vmm_type_from_name("ec2").value() == VmmType::Ec2));
  BOOST_TEST((vmm_type_from_name("gce").value() == VmmType::Gce));
  BOOST_TEST(!vmm_type_from_name("xen"));
}

BOOST_AUTO_TEST_CASE(the_hashes_table_is_qemus_layout) {
  KernelHashes h = kernel_hashes({}, {}, "");
  Bytes t = sev_hashes_table(h);
  BOOST_REQUIRE(t.size() == 176u);
  // Header GUID 9438d606-4f22-4cc9-b479-a793d411fd21 (little-endian fields), length 168.
  BOOST_TEST(hex_encode(ByteView(t).first(18)) == "06d63894224fc94cb479a793d411fd21a800");
  BOOST_TEST(hex_encode(ByteView(t).subspan(18 + 16, 2)) == "3200");
  BOOST_TEST(hex_encode(ByteView(t).subspan(36, 32)) == hex_encode(crypto::sha256(Bytes{0})));  // "" + NUL
  BOOST_TEST(all_zero(ByteView(t).subspan(168)));
}

BOOST_AUTO_TEST_CASE(vmsa_pages_differ_by_vmm_and_carry_the_features) {
  Bytes qemu = vmsa_page(0xFFFFFFF0, 0x21, 0x800F12, VmmType::Qemu);
  BOOST_REQUIRE(qemu.size() == kPageSize);
  BOOST_TEST(qemu[0x3B0] == 0x21);   // SEV_FEATURES
  BOOST_TEST(qemu[0x310] == 0x12);   // RDX = CPUID signature
  BOOST_TEST(qemu[0x178] == 0xF0);   // RIP
  BOOST_TEST(qemu[0x01B] == 0xFF);   // CS base 0xFFFF0000
  Bytes ec2 = vmsa_page(0xFFFFFFF0, 0x21, 0x800F12, VmmType::Ec2);
  BOOST_TEST(ec2[0x012] == 0x9A);    // CS attributes
  BOOST_TEST(ec2[0x311] == 0x06);    // RDX = 0x600
  Bytes gce = vmsa_page(0xFFFFFFF0, 0x1, 0, VmmType::Gce);
  BOOST_TEST(gce[0x268] == 0x06);    // G_PAT 0x00070106
  BOOST_TEST(gce[0x408] == 0x00);    // MXCSR 0
  Bytes ap = vmsa_page(0x80B004, 0x1, 0x800F12, VmmType::Qemu);
  BOOST_TEST(ap[0x178] == 0x04);
  BOOST_TEST(ap[0x01A] == 0x80);     // CS base 0x00800000
}

BOOST_AUTO_TEST_CASE(vcpus_and_features_are_checked) {
  MeasureParams p;
  p.vcpu_sig = 0x800F12;
  p.vcpus = 0;
  auto none = snp_launch_digest(ovmf(kAmdSev), p);
  BOOST_REQUIRE(!none);
  BOOST_TEST(none.error().name() == "Usage");
  p.vcpus = kMaxVcpus + 1;
  BOOST_TEST(!snp_launch_digest(ovmf(kAmdSev), p));
  p.vcpus = 1;
  p.guest_features = 0x20;
  auto no_snp = snp_launch_digest(ovmf(kAmdSev), p);
  BOOST_REQUIRE(!no_snp);
  BOOST_TEST(no_snp.error().message().find("SNPActive") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(measure_ovmf_parsing)

BOOST_AUTO_TEST_CASE(sizes_that_are_not_whole_pages_are_refused) {
  expect_malformed({}, "empty");
  Bytes b = read_vector(kAmdSev);
  expect_malformed(Bytes(b.begin() + 1, b.end()), "not a multiple of 4096");
  expect_malformed(Bytes(b.begin(), b.begin() + 2048), "not a multiple of 4096");
  expect_malformed(Bytes(kMaxOvmfSize + kPageSize, 0), "above the limit");
}

BOOST_AUTO_TEST_CASE(an_image_without_a_footer_is_refused) {
  expect_malformed(Bytes(kPageSize, 0xFF), "no GUID table footer");
  // The fixture's back half moved to the front of a page: the footer is not at the end.
  Bytes b = read_vector(kAmdSev);
  Bytes cut(kPageSize, 0);
  std::copy(b.begin() + 2048, b.end(), cut.begin());
  expect_malformed(cut, "no GUID table footer");
}

BOOST_AUTO_TEST_CASE(a_table_larger_than_the_image_is_refused) {
  expect_malformed(patched(kFooterSize, 0xFFFF, 2), "does not fit the image");
  expect_malformed(patched(kFooterSize, 3, 2), "does not fit the image");
}

BOOST_AUTO_TEST_CASE(an_entry_of_impossible_size_is_refused) {
  expect_malformed(patched(kResetSize, 0, 2), "GUID table entry has size 0");
  expect_malformed(patched(kResetSize, 0x7FFF, 2), "GUID table entry has size 32767");
}

BOOST_AUTO_TEST_CASE(missing_reset_block_is_refused) {
  expect_malformed(patched(kResetGuid, 0x12345678, 4), "no SEV-ES reset block");
}

BOOST_AUTO_TEST_CASE(bad_metadata_is_refused) {
  expect_malformed(patched(kMetaOffset, 5000, 4), "outside the image");
  expect_malformed(patched(kMetaOffset, 8, 4), "outside the image");
  expect_malformed(patched(kAsev, 0x56455358, 4), "\"ASEV\" signature");
  expect_malformed(patched(kAsev + 4, 0xFFFFFF, 4), "SEV metadata length");
  expect_malformed(patched(kAsevCount, 1000000, 4), "claims 1000000 sections");
  expect_malformed(patched(kSection0 + 8, 9, 4), "unknown type 0x9");
  expect_malformed(patched(kSection0, 0x800010, 4), "not whole pages");
  expect_malformed(patched(kSection0 + 4, 0, 4), "not whole pages");
  expect_malformed(patched(kSection0, 0xFFFFF000, 4), "ends above 4 GiB");
  expect_malformed(patched(kSection0 + 4, 0x20000000, 4), "cover more than 256 MiB");
}

BOOST_AUTO_TEST_CASE(no_single_byte_corruption_of_the_footer_crashes) {
  // Every byte of the footer area set to each of a few values: the parse (and a digest
  // when it succeeds) either works or is a MalformedInput, never anything else.
  const Bytes original = read_vector(kAmdSev);
  std::size_t failures = 0;
  for (std::size_t at = 2700; at < original.size(); ++at) {
    for (std::uint8_t v : {0x00, 0x01, 0x7F, 0xFF}) {
      Bytes b = original;
      b[at] = v;
      auto img = OvmfImage::parse(std::move(b));
      if (!img) {
        ++failures;
        BOOST_TEST(img.error().name() == "MalformedInput");
        continue;
      }
      std::uint64_t covered = 0;
      for (const auto& s : img->sections()) covered += s.size;
      if (covered > 16 * 1024 * 1024) continue;  // valid, only slow to hash
      MeasureParams p;
      p.vcpus = 2;
      p.vcpu_sig = 0x800F12;
      p.kernel = kernel_hashes({}, {}, "");
      auto d = snp_launch_digest(*img, p);
      if (!d) BOOST_TEST(d.error().name() == "MalformedInput");
    }
  }
  BOOST_TEST(failures > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
