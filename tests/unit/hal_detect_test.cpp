// Evidence-source selection (hal/detect.h): the auto-detection order over injected paths,
// explicit kinds, and the error that lists what was tried.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "core/file.h"
#include "hal/detect.h"
#include "tests/support.h"

namespace attestd::hal {
namespace {

namespace fs = std::filesystem;

class NamedSource : public EvidenceSource {
 public:
  explicit NamedSource(std::string n) : name_(std::move(n)) {}
  std::string name() const override { return name_; }
  Result<Evidence> get_evidence(const ReportData&) override { return Error(ErrorCode::Internal, "stub"); }

 private:
  std::string name_;
};

SourceFactory factory(const std::string& name) {
  return [name]() -> Result<std::unique_ptr<EvidenceSource>> {
    return std::unique_ptr<EvidenceSource>(std::make_unique<NamedSource>(name));
  };
}

// A scratch platform: nothing present until a test creates it.
struct Platform {
  Platform() : dir(test::tmp_dir() + "/detect-" + std::to_string(counter++)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    options.tsm_root = dir + "/tsm/report";
    options.sev_guest_path = dir + "/sev-guest";
    options.tpm_path = dir + "/tpmrm0";
  }
  ~Platform() { fs::remove_all(dir); }
  void add_tsm() { fs::create_directories(options.tsm_root); }
  void add_sev_guest() { BOOST_REQUIRE(write_file(options.sev_guest_path, {}).ok()); }
  void add_tpm() { BOOST_REQUIRE(write_file(options.tpm_path, {}).ok()); }

  static inline int counter = 0;
  std::string dir;
  SourceOptions options;
};

std::string chosen(const std::string& kind, const SourceOptions& o) {
  auto s = open_evidence_source(kind, o);
  return s ? (*s)->name() : s.error().describe();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hal_detect)

BOOST_AUTO_TEST_CASE(auto_prefers_configfs_tsm_over_everything) {
  Platform p;
  p.add_tsm();
  p.add_sev_guest();
  p.add_tpm();
  p.options.azure_vtpm = factory("azure-vtpm");
  BOOST_TEST(chosen("auto", p.options) == "tsm");
}

BOOST_AUTO_TEST_CASE(auto_takes_sev_guest_when_there_is_no_configfs_tsm) {
  Platform p;
  p.add_sev_guest();
  p.add_tpm();
  p.options.azure_vtpm = factory("azure-vtpm");
  BOOST_TEST(chosen("auto", p.options) == "sev-guest");
}

BOOST_AUTO_TEST_CASE(auto_takes_the_azure_vtpm_last) {
  Platform p;
  p.add_tpm();
  p.options.azure_vtpm = factory("azure-vtpm");
  BOOST_TEST(chosen("auto", p.options) == "azure-vtpm");
}

BOOST_AUTO_TEST_CASE(auto_never_chooses_the_sim) {
  Platform p;
  p.options.sim = factory("sim");
  auto s = open_evidence_source("auto", p.options);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().name() == "NoEvidenceSource");
}

BOOST_AUTO_TEST_CASE(nothing_present_lists_what_was_tried) {
  Platform p;
  BOOST_TEST(chosen("auto", p.options) ==
             "NoEvidenceSource: no evidence source found; tried configfs-tsm (" + p.dir +
                 "/tsm/report absent), sev-guest (" + p.dir + "/sev-guest absent), azure-vtpm (" + p.dir +
                 "/tpmrm0 absent) (sim is used only when asked for)");
}

BOOST_AUTO_TEST_CASE(a_tpm_without_an_hcl_report_is_tried_and_reported) {
  Platform p;
  p.add_tpm();
  p.options.azure_vtpm = []() -> Result<std::unique_ptr<EvidenceSource>> {
    return Error(ErrorCode::NoEvidenceSource, "NV index 0x01400001 is not defined");
  };
  BOOST_TEST(chosen("auto", p.options) ==
             "NoEvidenceSource: no evidence source found; tried configfs-tsm (" + p.dir +
                 "/tsm/report absent), sev-guest (" + p.dir +
                 "/sev-guest absent), azure-vtpm (NV index 0x01400001 is not defined) (sim is used only when asked for)");
}

BOOST_AUTO_TEST_CASE(a_vtpm_that_fails_otherwise_is_that_error) {
  Platform p;
  p.add_tpm();
  p.options.azure_vtpm = []() -> Result<std::unique_ptr<EvidenceSource>> {
    return Error(ErrorCode::DeviceError, "TPM2_NV_ReadPublic: TPM_RC_FAILURE");
  };
  BOOST_TEST(chosen("auto", p.options) == "DeviceError: TPM2_NV_ReadPublic: TPM_RC_FAILURE");
}

BOOST_AUTO_TEST_CASE(sim_is_used_when_asked_for_and_configured) {
  Platform p;
  p.options.sim = factory("sim");
  BOOST_TEST(chosen("sim", p.options) == "sim");
}

BOOST_AUTO_TEST_CASE(sim_without_a_configured_simulator_is_no_evidence_source) {
  Platform p;
  BOOST_TEST(chosen("sim", p.options) == "NoEvidenceSource: sim: no simulator is configured");
}

BOOST_AUTO_TEST_CASE(an_explicit_sev_guest_that_is_absent_names_the_path) {
  Platform p;
  BOOST_TEST(chosen("sev-guest", p.options) == "NoEvidenceSource: sev-guest: " + p.dir + "/sev-guest absent");
}

BOOST_AUTO_TEST_CASE(an_explicit_tsm_is_chosen_when_present) {
  Platform p;
  p.add_tsm();
  BOOST_TEST(chosen("tsm", p.options) == "tsm");
}

BOOST_AUTO_TEST_CASE(an_unknown_kind_is_a_usage_error) {
  Platform p;
  BOOST_TEST(chosen("sgx", p.options) ==
             "Usage: evidence source 'sgx' is not auto, sev-guest, tsm, azure-vtpm or sim");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::hal
