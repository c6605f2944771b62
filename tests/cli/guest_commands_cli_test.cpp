// attest report and attest derive-key as a user runs them inside a guest: against snp-sim
// in process (--evidence sim), and, where /dev/fuse is usable, against `snp-sim serve
// --tsm` mounted for real. Every report written must verify with attest verify-report.
#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/file.h"
#include "core/json.h"
#include "tests/mocks/azure/azure_vm.h"
#include "tests/mocks/snp/sim.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

const std::string kData(128, 'a');  // 64 bytes of 0xAA

std::string fresh_dir(const std::string& name) {
  std::string dir = tmp_dir() + "/guest_cli_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The Milan test identity, as snp-sim keygen writes it.
std::string sim_keys() {
  static const std::string dir = [] {
    std::string d = tmp_dir() + "/guest_cli_keys";
    std::filesystem::remove_all(d);
    BOOST_REQUIRE(snpsim::save_identity(snpsim::test::milan(), d).ok());
    return d;
  }();
  return dir;
}

std::string sim() { return " --evidence sim --sim-keys " + sim_keys(); }

RunResult verify_report(const std::string& report, const std::string& certs_dir, const std::string& report_data) {
  return run(attest() + " verify-report " + report + " --certs " + certs_dir + "/vcek.der --trust-sim-root " +
             sim_keys() + "/ca_bundle.pem --report-data " + report_data);
}

std::string key_of(const std::string& flags) {
  RunResult r = run(attest() + " derive-key" + sim() + " " + flags);
  BOOST_TEST(r.exit_code == 0, flags << ": " << r.err);
  BOOST_TEST(r.out.size() == 65u, r.out);  // 64 hex digits and a line break
  return r.out;
}

bool fuse_usable() { return ::access("/dev/fuse", R_OK | W_OK) == 0 && ::geteuid() == 0; }

bool mounted(const std::string& path) {
  auto info = read_text_file("/proc/self/mountinfo");
  return info && info->find(" " + path + " ") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_guest_commands)

BOOST_AUTO_TEST_CASE(report_from_the_sim_binds_the_data_and_verifies_with_verify_report) {
  std::string dir = fresh_dir("report_sim");
  RunResult r = run(attest() + " report" + sim() + " --data " + kData + " --out " + dir + "/report.bin --certs-out " +
                    dir + "/certs");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  source              sim\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  vmpl                0\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  report data         " + kData + "\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  report              " + dir + "/report.bin (1184 bytes)\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  certificate         " + dir + "/certs/vcek.der\n") != std::string::npos, r.out);
  RunResult v = verify_report(dir + "/report.bin", dir + "/certs", kData);
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(v.out.find("OK: report verified") == 0u, v.out);
  // Another REPORT_DATA than the one asked for is refused: the report binds this one.
  RunResult other = verify_report(dir + "/report.bin", dir + "/certs", std::string(128, 'b'));
  BOOST_TEST(other.exit_code == exit_code(ErrorCode::ReportDataMismatch), other.err);
}

BOOST_AUTO_TEST_CASE(report_at_a_vmpl_from_a_data_file_carries_that_vmpl) {
  std::string dir = fresh_dir("report_vmpl");
  Bytes data(64);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  BOOST_REQUIRE(write_file(dir + "/data.bin", data).ok());
  RunResult r = run(attest() + " report" + sim() + " --vmpl 2 --data-file " + dir + "/data.bin --out " + dir +
                    "/report.bin");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  vmpl                2\n") != std::string::npos, r.out);
  RunResult show = run(attest() + " show " + dir + "/report.bin --json");
  BOOST_REQUIRE_MESSAGE(show.exit_code == 0, show.err);
  auto fields = parse_json(show.out, "show");
  BOOST_REQUIRE(fields.ok());
  BOOST_TEST((*fields)["vmpl"].asUInt() == 2u);
  BOOST_TEST((*fields)["report_data"].asString() == hex_encode(data));
}

BOOST_AUTO_TEST_CASE(report_with_random_data_prints_the_data_it_chose) {
  std::string dir = fresh_dir("report_random");
  RunResult a = run(attest() + " report" + sim() + " --random --out " + dir + "/a.bin");
  RunResult b = run(attest() + " report" + sim() + " --random --out " + dir + "/b.bin");
  BOOST_REQUIRE_MESSAGE(a.exit_code == 0 && b.exit_code == 0, a.err << b.err);
  auto data_of = [](const std::string& out) {
    std::size_t at = out.find("  report data         ");
    return at == std::string::npos ? std::string() : out.substr(at + 22, 128);
  };
  BOOST_TEST(data_of(a.out).size() == 128u, a.out);
  BOOST_TEST(data_of(a.out) != data_of(b.out));
  auto report = read_file(dir + "/a.bin");
  BOOST_REQUIRE(report.ok());
  RunResult show = run(attest() + " show " + dir + "/a.bin --json");
  auto fields = parse_json(show.out, "show");
  BOOST_REQUIRE(fields.ok());
  BOOST_TEST((*fields)["report_data"].asString() == data_of(a.out));
}

BOOST_AUTO_TEST_CASE(report_data_must_be_given_exactly_once_and_be_64_bytes) {
  std::string dir = fresh_dir("report_data_errors");
  const std::string out = " --out " + dir + "/r.bin";
  RunResult none = run(attest() + " report" + sim() + out);
  BOOST_TEST(none.exit_code == 2);
  BOOST_TEST(none.err.find("attest report: Usage: give exactly one of --data HEX, --data-file FILE and --random\n") ==
                 0u, none.err);
  RunResult two = run(attest() + " report" + sim() + out + " --random --data " + kData);
  BOOST_TEST(two.exit_code == 2);
  BOOST_TEST(two.err.find("give exactly one of") != std::string::npos, two.err);
  RunResult shorter = run(attest() + " report" + sim() + out + " --data abcd");
  BOOST_TEST(shorter.exit_code == 2);
  BOOST_TEST(shorter.err.find("--data: 2 bytes; REPORT_DATA is 64 (128 hex digits)") != std::string::npos, shorter.err);
  RunResult not_hex = run(attest() + " report" + sim() + out + " --data " + std::string(128, 'z'));
  BOOST_TEST(not_hex.exit_code == 2);
  BOOST_TEST(not_hex.err.find("--data: not hex") != std::string::npos, not_hex.err);
  BOOST_REQUIRE(write_file(dir + "/65.bin", Bytes(65, 1)).ok());
  RunResult big = run(attest() + " report" + sim() + out + " --data-file " + dir + "/65.bin");
  BOOST_TEST(big.exit_code != 0);
  BOOST_TEST(big.err.find(dir + "/65.bin") != std::string::npos, big.err);
  RunResult no_out = run(attest() + " report" + sim() + " --random");
  BOOST_TEST(no_out.exit_code == 2);
  BOOST_TEST(no_out.err.find("attest report: Usage: --out FILE is required") == 0u, no_out.err);
  RunResult vmpl = run(attest() + " report" + sim() + out + " --random --vmpl 4");
  BOOST_TEST(vmpl.exit_code == 2);
  BOOST_TEST(vmpl.err.find("--vmpl") != std::string::npos, vmpl.err);
  BOOST_TEST(!std::filesystem::exists(dir + "/r.bin"));
}

BOOST_AUTO_TEST_CASE(report_from_the_azure_vtpm_at_a_vmpl_other_than_0_is_refused_before_the_tpm) {
  RunResult r = run(attest() + " report --evidence azure-vtpm --tpm /nonexistent/tpm --vmpl 1 --random --out " +
                    tmp_dir() + "/never.bin");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("attest report: Usage: --vmpl 1: the Azure vTPM's report is VMPL 0, made by the paravisor; "
                        "it cannot be asked for at another VMPL\n") == 0u,
             r.err);
}

BOOST_AUTO_TEST_CASE(report_from_the_azure_vtpm_is_vmpl_0_and_binds_the_data_through_the_runtime_claims) {
  azuresim::test::AzureVm vm("guest_cli");  // swtpm with the paravisor emulator, signing with the Milan identity
  std::string dir = fresh_dir("report_vtpm");
  RunResult r = run(attest() + " report --evidence azure-vtpm --tpm tcp:127.0.0.1:" + std::to_string(vm.swtpm.port()) +
                    " --event-log /nonexistent/log --data " + kData + " --out " + dir + "/report.bin");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  source              azure-vtpm\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  vmpl                0\n") != std::string::npos, r.out);
  std::size_t at = r.out.find("  REPORT_DATA         ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  std::string report_data = r.out.substr(at + 22, 128);
  BOOST_TEST(r.out.find(report_data + " (SHA-256 of the runtime claims)") != std::string::npos, r.out);
  BOOST_TEST(report_data != kData);
  RunResult v = run(attest() + " verify-report " + dir + "/report.bin --certs " + sim_keys() + "/vcek.der --trust-sim-root " +
                    sim_keys() + "/ca_bundle.pem --report-data " + report_data);
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
}

BOOST_AUTO_TEST_CASE(report_names_the_source_that_is_absent) {
  RunResult r = run(attest() + " report --evidence sev-guest --sev-guest-device /nonexistent/sev-guest --random --out " +
                    tmp_dir() + "/never.bin");
  BOOST_TEST(r.exit_code == exit_code(ErrorCode::NoEvidenceSource));
  BOOST_TEST(r.err.find("attest report: NoEvidenceSource: sev-guest: /nonexistent/sev-guest absent") == 0u, r.err);
  RunResult sim_without_keys = run(attest() + " report --evidence sim --random --out " + tmp_dir() + "/never.bin");
  BOOST_TEST(sim_without_keys.exit_code == 2);
  BOOST_TEST(sim_without_keys.err.find("attest report: Usage: --sim-keys: required with evidence 'sim'\n") == 0u,
             sim_without_keys.err);
  RunResult bad_policy = run(attest() + " derive-key" + sim() + " --root vcek --sim-policy 0xnope");
  BOOST_TEST(bad_policy.exit_code == 2);
  BOOST_TEST(bad_policy.err.find("attest derive-key: Usage: --sim-policy: '0xnope' is not a number\n") == 0u,
             bad_policy.err);
}

// `snp-sim serve --tsm`, mounted with FUSE, read by attest report through the kernel.
BOOST_AUTO_TEST_CASE(report_from_configfs_tsm_served_by_snp_sim_over_fuse,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::test_tools::assertion_result(fuse_usable());
                     })) {
  std::string dir = fresh_dir("report_tsm." + std::to_string(::getpid()));
  std::string mnt = dir + "/tsm", ready = dir + "/ready";
  BOOST_REQUIRE(::mkdir(mnt.c_str(), 0755) == 0);
  BackgroundProcess serve({bin_dir() + "/snp-sim", "serve", "--keys", sim_keys(), "--tsm", mnt, "--ready-file", ready},
                          dir + "/serve.log");
  for (int i = 0; i < 100 && !std::filesystem::exists(ready) && serve.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(ready), "snp-sim serve did not start");
  RunResult r = run(attest() + " report --evidence tsm --tsm-root " + mnt + "/report --vmpl 1 --data " + kData +
                    " --out " + dir + "/report.bin --certs-out " + dir + "/certs");
  BOOST_CHECK_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  source              tsm\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  vmpl                1\n") != std::string::npos, r.out);
  RunResult v = verify_report(dir + "/report.bin", dir + "/certs", kData);
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(serve.stop() == 0);
  if (mounted(mnt)) ::umount2(mnt.c_str(), MNT_DETACH);  // never leave a dead mount in build/tmp
}

BOOST_AUTO_TEST_CASE(derive_key_gives_the_same_key_for_the_same_inputs) {
  BOOST_TEST(key_of("--root vcek --fields policy,measurement,svn") == key_of("--root vcek --fields svn,measurement,policy"));
}

BOOST_AUTO_TEST_CASE(derive_key_mixes_in_a_selected_field_and_ignores_an_unselected_one) {
  const std::string other_measurement = " --sim-measurement " + std::string(96, 'c');
  BOOST_TEST(key_of("--root vcek --fields measurement") != key_of("--root vcek --fields measurement" + other_measurement));
  BOOST_TEST(key_of("--root vcek --fields policy") == key_of("--root vcek --fields policy" + other_measurement));
  BOOST_TEST(key_of("--root vcek --fields policy") != key_of("--root vcek --fields policy --sim-policy 0x130000"));
  BOOST_TEST(key_of("--root vcek --fields tcb") != key_of("--root vcek --fields tcb --tcb 0x0100000000000000"));
  BOOST_TEST(key_of("--root vcek") == key_of("--root vcek --tcb 0x0100000000000000"));
  // --tcb is hexadecimal with or without its prefix, whatever the prefix's case.
  BOOST_TEST(key_of("--root vcek --fields tcb --tcb 0X0100000000000000") ==
             key_of("--root vcek --fields tcb --tcb 0100000000000000"));
  BOOST_TEST(key_of("--root vcek --fields tcb --tcb 0x0100000000000000") ==
             key_of("--root vcek --fields tcb --tcb 0100000000000000"));
  BOOST_TEST(key_of("--root vcek") != key_of("--root vcek --vmpl 1"));
}

BOOST_AUTO_TEST_CASE(derive_key_vcek_and_vmrk_roots_differ) {
  BOOST_TEST(key_of("--root vcek --fields measurement") != key_of("--root vmrk --fields measurement"));
}

BOOST_AUTO_TEST_CASE(derive_key_writes_the_key_with_mode_0600) {
  std::string dir = fresh_dir("derive_key_out");
  RunResult r = run(attest() + " derive-key" + sim() + " --root vmrk --fields policy --out " + dir + "/key");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("  key                 " + dir + "/key (32 bytes, mode 0600)\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  fields              policy\n") != std::string::npos, r.out);
  struct stat st;
  BOOST_REQUIRE(::stat((dir + "/key").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  auto key = read_file(dir + "/key");
  BOOST_REQUIRE(key.ok());
  BOOST_TEST(hex_encode(*key) + "\n" == key_of("--root vmrk --fields policy"));
}

BOOST_AUTO_TEST_CASE(derive_key_refusals_of_the_firmware_are_device_errors) {
  // The sim guest launched with GUEST_SVN 0 and the identity's TCB (Milan snp=8).
  RunResult svn = run(attest() + " derive-key" + sim() + " --root vcek --guest-svn 1");
  BOOST_TEST(svn.exit_code == exit_code(ErrorCode::DeviceError));
  BOOST_TEST(svn.err.find("attest derive-key: DeviceError: MSG_KEY_RSP status 0x16 (INVALID_PARAM") == 0u, svn.err);
  RunResult tcb = run(attest() + " derive-key" + sim() + " --root vcek --tcb 0x0009000000000000");  // Milan byte 6: snp=9
  BOOST_TEST(tcb.exit_code == exit_code(ErrorCode::DeviceError));
  BOOST_TEST(tcb.err.find("INVALID_PARAM") != std::string::npos, tcb.err);
}

BOOST_AUTO_TEST_CASE(derive_key_bad_arguments_are_usage_errors_naming_them) {
  struct Case {
    std::string flags, message;
  } cases[] = {
      {"", "--root vcek|vmrk is required"},
      {"--root vlek", "--root: 'vlek' is not vcek or vmrk"},
      {"--root vcek --fields policy,chip-id",
       "--fields: 'chip-id' is not policy, image-id, family-id, measurement, svn or tcb"},
      {"--root vcek --vmpl 4", "--vmpl"},
      {"--root vcek --guest-svn -1", "--guest-svn"},
      {"--root vcek --tcb 0xzz", "--tcb: '0xzz' is not a 64-bit hex TCB_VERSION"},
      {"--root vcek --tcb 0x10000000000000000", "--tcb: '0x10000000000000000' is not a 64-bit hex TCB_VERSION"},
  };
  for (const Case& c : cases) {
    RunResult r = run(attest() + " derive-key" + sim() + " " + c.flags);
    BOOST_TEST(r.exit_code == 2, c.flags);
    BOOST_TEST(r.err.find("attest derive-key: Usage: ") == 0u, r.err);
    BOOST_TEST(r.err.find(c.message) != std::string::npos, c.flags << ": " << r.err);
  }
}

BOOST_AUTO_TEST_CASE(derive_key_from_a_source_without_the_request_says_only_sev_guest_has_it) {
  RunResult tsm = run(attest() + " derive-key --evidence tsm --root vcek");
  BOOST_TEST(tsm.exit_code == 2);
  BOOST_TEST(tsm.err.find("attest derive-key: Usage: a derived key comes only from /dev/sev-guest (sev-guest, or "
                          "sim's simulated one): configfs-tsm has no such request\n") == 0u,
             tsm.err);
  RunResult vtpm = run(attest() + " derive-key --evidence azure-vtpm --root vcek");
  BOOST_TEST(vtpm.exit_code == 2);
  BOOST_TEST(vtpm.err.find("the Azure vTPM has no such request") != std::string::npos, vtpm.err);
  RunResult absent = run(attest() + " derive-key --sev-guest-device /nonexistent/sev-guest --root vcek");
  BOOST_TEST(absent.exit_code == exit_code(ErrorCode::NoEvidenceSource));
  BOOST_TEST(absent.err.find("attest derive-key: NoEvidenceSource: a derived key comes only from /dev/sev-guest, and "
                             "/nonexistent/sev-guest is absent") == 0u,
             absent.err);
}

BOOST_AUTO_TEST_SUITE_END()
