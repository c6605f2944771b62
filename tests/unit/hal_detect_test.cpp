// Evidence-source selection (hal/detect.h): the auto-detection order over injected paths,
// explicit kinds, and the error that lists what was tried.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <memory>
#include <optional>
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

// configfs-tsm as the kernel serves it: every report entry has a `provider` naming the
// guest driver behind it, or fails to read when there is none (ENXIO on Linux).
class TsmWithProvider : public TsmFilesystem {
 public:
  explicit TsmWithProvider(std::optional<std::string> provider) : provider_(std::move(provider)) {}
  Result<Bytes> read(const std::string& path, std::size_t max) override {
    if (path.size() > 9 && path.compare(path.size() - 9, 9, "/provider") == 0) {
      if (!provider_) return Error(ErrorCode::DeviceError, "read " + path + ": No such device or address");
      return to_bytes(as_bytes(*provider_ + "\n"));
    }
    return TsmFilesystem::read(path, max);
  }

 private:
  std::optional<std::string> provider_;
};

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
  void add_tsm(std::optional<std::string> provider = "sev_guest") {
    fs::create_directories(options.tsm_root);
    options.tsm_fs = std::make_shared<TsmWithProvider>(std::move(provider));
  }
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

BOOST_AUTO_TEST_CASE(auto_skips_a_configfs_tsm_without_a_provider_as_on_an_azure_cvm) {
  Platform p;
  p.add_tsm(std::nullopt);  // the tsm module, but no SEV-SNP guest driver behind it
  p.add_tpm();
  p.options.azure_vtpm = factory("azure-vtpm");
  BOOST_TEST(chosen("auto", p.options) == "azure-vtpm");
  BOOST_TEST(fs::is_empty(p.options.tsm_root));  // the probe's entry is gone
}

BOOST_AUTO_TEST_CASE(auto_skips_a_configfs_tsm_of_another_provider_and_says_so) {
  Platform p;
  p.add_tsm("tdx_guest");
  std::string why = chosen("auto", p.options);
  BOOST_TEST(why.find("NoEvidenceSource: no evidence source found; tried configfs-tsm (no SEV-SNP provider behind "
                      "configfs-tsm: tsm: provider is 'tdx_guest', not 'sev_guest')") == 0,
             why);
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
