// attest measure as a user runs it: every row of tests/vectors/measure/README.md,
// JSON output, and the errors for wrong command lines and firmware.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const char* kOvmfHash =
    "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";

std::string measure(const std::string& args) { return attest() + " measure " + args; }
std::string amdsev() { return " --ovmf " + vec("measure/ovmf_AmdSev_suffix.bin"); }
std::string ovmfx64() { return " --ovmf " + vec("measure/ovmf_OvmfX64_suffix.bin"); }
const std::string kEmpty = " --kernel /dev/null --initrd /dev/null --append ''";
const std::string kEpyc = " --vcpu-type EPYC-v4";

void expect_digest(const std::string& args, const std::string& digest) {
  RunResult r = run(measure(args));
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == digest + "\n");
  BOOST_TEST(r.err.empty());
}

void expect_usage(const std::string& args, const std::string& needle) {
  RunResult r = run(measure(args));
  BOOST_TEST(r.exit_code == 2, args);
  BOOST_TEST(r.err.find("attest measure: Usage: ") != std::string::npos, r.err);
  BOOST_TEST(r.err.find(needle) != std::string::npos, r.err);
  BOOST_TEST(r.out.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_measure)

BOOST_AUTO_TEST_CASE(ovmf_hash_gen_default) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + kEmpty + " --guest-features 0x21 --ovmf-hash " + kOvmfHash,
                "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198");
}
BOOST_AUTO_TEST_CASE(ovmf_hash_gen_snp_only) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + kEmpty + " --guest-features 0x1 --ovmf-hash " + kOvmfHash,
                "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5");
}
BOOST_AUTO_TEST_CASE(full_default) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc +
                    " --kernel /dev/null --initrd /dev/null --append 'console=ttyS0 loglevel=7' --guest-features 0x21",
                "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977");
}
BOOST_AUTO_TEST_CASE(full_snp_only) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc +
                    " --kernel /dev/null --initrd /dev/null --append 'console=ttyS0 loglevel=7' --guest-features 0x1",
                "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa");
}
BOOST_AUTO_TEST_CASE(ec2_default) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + kEmpty + " --vmm-type ec2 --guest-features 0x21",
                "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb");
}
BOOST_AUTO_TEST_CASE(ec2_snp_only) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + kEmpty + " --vmm-type ec2 --guest-features 0x1",
                "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056");
}
BOOST_AUTO_TEST_CASE(gce_default) {
  expect_digest(amdsev() + " --vcpus 1" + kEmpty + " --vmm-type gce --guest-features 0x1",
                "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e");
}
BOOST_AUTO_TEST_CASE(gce_4vcpu) {
  expect_digest(amdsev() + " --vcpus 4" + kEmpty + " --vmm-type gce --guest-features 0x1",
                "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d");
}
BOOST_AUTO_TEST_CASE(without_kernel_default) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + " --guest-features 0x21",
                "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b");
}
BOOST_AUTO_TEST_CASE(without_kernel_snp_only) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc + " --guest-features 0x1",
                "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d");
}
BOOST_AUTO_TEST_CASE(four_vcpus_default) {
  expect_digest(amdsev() + " --vcpus 4" + kEpyc + kEmpty + " --guest-features 0x21",
                "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942");
}
BOOST_AUTO_TEST_CASE(four_vcpus_snp_only) {
  expect_digest(amdsev() + " --vcpus 4" + kEpyc + kEmpty + " --guest-features 0x1",
                "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5");
}
BOOST_AUTO_TEST_CASE(ovmfx64_no_kernel_default) {
  expect_digest(ovmfx64() + " --vcpus 1" + kEpyc + " --guest-features 0x21",
                "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385");
}
BOOST_AUTO_TEST_CASE(ovmfx64_no_kernel_snp_only) {
  expect_digest(ovmfx64() + " --vcpus 1" + kEpyc + " --guest-features 0x1",
                "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005");
}
BOOST_AUTO_TEST_CASE(ovmfx64_with_kernel_fails_with_malformed_input) {
  RunResult r = run(measure(ovmfx64() + " --vcpus 1" + kEpyc + kEmpty + " --guest-features 0x21"));
  BOOST_TEST(r.exit_code == 4);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("attest measure: MalformedInput: a kernel is given but this OVMF has no "
                        "SNP_KERNEL_HASHES metadata section") == 0u,
             r.err);
}

// QEMU >= 9.1 on Linux >= 6.10 (KVM_SEV_INIT2) launches with SNPActive alone: the
// default is the without_kernel_snp_only row, not without_kernel_default (0x21).
BOOST_AUTO_TEST_CASE(guest_features_default_to_0x1_as_kvm_sev_init2_launches) {
  expect_digest(amdsev() + " --vcpus 1" + kEpyc,
                "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d");
}

BOOST_AUTO_TEST_CASE(json_carries_the_inputs_the_ovmf_hash_and_the_measurement) {
  RunResult r = run(measure(amdsev() + " --vcpus 4" + kEpyc + kEmpty + " --json"));
  BOOST_REQUIRE(r.exit_code == 0);
  auto v = parse_json(r.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["ok"].asBool());
  BOOST_TEST((*v)["measurement"].asString() ==
             "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5");
  BOOST_TEST((*v)["ovmf_hash"].asString() == kOvmfHash);
  BOOST_TEST(!(*v)["ovmf_hash_given"].asBool());
  BOOST_TEST((*v)["vcpus"].asInt() == 4);
  BOOST_TEST((*v)["vcpu_type"].asString() == "EPYC-v4");
  BOOST_TEST((*v)["vcpu_signature"].asString() == "0x00800f12");
  BOOST_TEST((*v)["vmm_type"].asString() == "QEMU");
  BOOST_TEST((*v)["guest_features"].asString() == "0x1");
  BOOST_TEST((*v)["direct_boot"]["kernel_sha256"].asString() ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST((*v)["direct_boot"]["append"].asString() == "");

  RunResult none = run(measure(amdsev() + " --vcpus 1 --vmm-type gce --guest-features 0x1 --json"));
  BOOST_REQUIRE(none.exit_code == 0);
  auto n = parse_json(none.out, "out");
  BOOST_REQUIRE(n.ok());
  BOOST_TEST((*n)["direct_boot"].isNull());
  BOOST_TEST((*n)["vcpu_type"].isNull());
}

BOOST_AUTO_TEST_CASE(json_errors_go_to_stdout) {
  RunResult r = run(measure(ovmfx64() + " --vcpus 1" + kEpyc + kEmpty + " --json"));
  BOOST_TEST(r.exit_code == 4);
  auto v = parse_json(r.out, "out");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(!(*v)["ok"].asBool());
  BOOST_TEST((*v)["error"]["name"].asString() == "MalformedInput");
}

BOOST_AUTO_TEST_CASE(missing_and_wrong_options_are_usage_errors) {
  expect_usage("--vcpus 1" + kEpyc, "--ovmf FILE is required");
  expect_usage(amdsev() + kEpyc, "--vcpus N is required");
  expect_usage(amdsev() + " --vcpus 1", "--vcpu-type TYPE is required for QEMU");
  expect_usage(amdsev() + " --vcpus 0" + kEpyc, "--vcpus: '0' is out of range (1 to 4096)");
  expect_usage(amdsev() + " --vcpus 5000" + kEpyc, "--vcpus: '5000' is out of range (1 to 4096)");
  expect_usage(amdsev() + " --vcpus two" + kEpyc, "--vcpus: 'two' is not a decimal integer (1 to 4096)");
  expect_usage(amdsev() + " --vcpus 1 --vcpu-type Skylake", "unknown vCPU type 'Skylake'");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --vmm-type xen", "unknown VMM type 'xen'");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --guest-features 0xzz",
               "--guest-features: '0xzz' is not a decimal or 0x-hex integer (0 to 18446744073709551615)");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --guest-features 0x20", "lack SNPActive");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --ovmf-hash abcd", "expected 96 hex digits");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --append 'quiet'", "--append is only measured with --kernel");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --initrd /dev/null", "--initrd is only measured with --kernel");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " --bogus", "unknown option '--bogus'");
  expect_usage(amdsev() + " --vcpus 1" + kEpyc + " extra", "unexpected argument 'extra'");
  expect_usage(amdsev() + " --vcpus", "needs a value");
}

BOOST_AUTO_TEST_CASE(unreadable_and_corrupt_files_are_named) {
  RunResult missing = run(measure(" --ovmf /nonexistent/OVMF.fd --vcpus 1" + kEpyc));
  BOOST_TEST(missing.exit_code == 3);
  BOOST_TEST(missing.err.find("FileError: --ovmf: ") != std::string::npos, missing.err);

  RunResult kernel = run(measure(amdsev() + " --vcpus 1" + kEpyc + " --kernel /nonexistent/vmlinuz"));
  BOOST_TEST(kernel.exit_code == 3);
  BOOST_TEST(kernel.err.find("--kernel") != std::string::npos, kernel.err);

  std::string cut = tmp_dir() + "/measure_cut_ovmf.fd";
  Bytes b = read_vector("measure/ovmf_AmdSev_suffix.bin");
  BOOST_REQUIRE(write_file(cut, ByteView(b).first(3000)).ok());
  RunResult truncated = run(measure(" --ovmf " + cut + " --vcpus 1" + kEpyc));
  BOOST_TEST(truncated.exit_code == 4);
  BOOST_TEST(truncated.err.find("MalformedInput: " + cut + ": OVMF: the image size 3000 is not a multiple of 4096") !=
                 std::string::npos,
             truncated.err);

  std::string blank = tmp_dir() + "/measure_blank_ovmf.fd";
  BOOST_REQUIRE(write_file(blank, Bytes(8192, 0xFF)).ok());
  RunResult no_footer = run(measure(" --ovmf " + blank + " --vcpus 1" + kEpyc));
  BOOST_TEST(no_footer.exit_code == 4);
  BOOST_TEST(no_footer.err.find("no GUID table footer") != std::string::npos, no_footer.err);
}

BOOST_AUTO_TEST_CASE(help_lists_the_options) {
  RunResult r = run(measure("--help"));
  BOOST_TEST(r.exit_code == 0);
  for (const char* option : {"--ovmf", "--kernel", "--initrd", "--append", "--vcpus", "--vcpu-type", "--vmm-type",
                             "--guest-features", "--ovmf-hash", "--json"}) {
    BOOST_TEST(r.out.find(option) != std::string::npos, option);
  }
}

BOOST_AUTO_TEST_SUITE_END()
