// configfs-tsm (hal/tsm.h) against a scratch directory in which a fake plays the kernel:
// the source's file operations are the real ones; the fake adds what configfs does
// around them (attribute files on mkdir, a report on inblob, generation counting).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "core/file.h"
#include "hal/snp/report.h"
#include "hal/tsm.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/test_identities.h"
#include "tests/support.h"

namespace attestd::hal {
namespace {

namespace fs = std::filesystem;

// The kernel's side of configfs-tsm with the sev_guest provider, over snp-sim.
class FakeConfigfs : public TsmFilesystem {
 public:
  std::string provider = "sev_guest\n";
  bool with_auxblob = true;
  int foreign_writes = 0;  // extra generation bumps when outblob is read (another writer)
  int mkdirs = 0, rmdirs = 0;

  Status make_dir(const std::string& path) override {
    if (Status s = TsmFilesystem::make_dir(path); !s) return s;
    ++mkdirs;
    put(path + "/provider", provider);
    put(path + "/generation", "0\n");
    put(path + "/privlevel", "0\n");
    put(path + "/privlevel_floor", "0\n");
    put(path + "/inblob", "");
    put(path + "/outblob", "");
    if (with_auxblob) put(path + "/auxblob", "");
    return ok_status();
  }

  Status remove_dir(const std::string& path) override {
    // configfs removes the attributes with the directory; a real directory needs them gone.
    for (const auto& f : fs::directory_iterator(path)) fs::remove(f.path());
    ++rmdirs;
    return TsmFilesystem::remove_dir(path);
  }

  Result<Bytes> read(const std::string& path, std::size_t max) override {
    if (path.ends_with("/outblob") && foreign_writes > 0) bump(dir_of(path), foreign_writes);
    return TsmFilesystem::read(path, max);
  }

  Status write(const std::string& path, ByteView data) override {
    if (Status s = TsmFilesystem::write(path, data); !s) return s;
    std::string dir = dir_of(path);
    bump(dir, 1);
    if (path.ends_with("/inblob")) {
      snpsim::ReportRequest r;
      std::copy(data.begin(), data.end(), r.report_data.begin());
      auto level = read_text_file(dir + "/privlevel");
      r.vmpl = static_cast<std::uint32_t>(std::stoul(*level));
      Bytes report = *snpsim::make_report(snpsim::test::milan(), r);
      put(dir + "/outblob", std::string(as_chars(report)));
      if (with_auxblob) {
        Bytes table = snp::serialize_cert_table(snpsim::host_certificates(snpsim::test::milan()));
        put(dir + "/auxblob", std::string(as_chars(table)));
      }
    }
    return ok_status();
  }

 private:
  static std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }
  static void put(const std::string& path, const std::string& text) {
    BOOST_REQUIRE(write_file(path, as_bytes(text)).ok());
  }
  void bump(const std::string& dir, int n) {
    auto g = read_text_file(dir + "/generation");
    put(dir + "/generation", std::to_string(std::stoul(*g) + n) + "\n");
  }
};

struct Rig {
  Rig() : root(test::tmp_dir() + "/tsm-" + std::to_string(counter++)), fake(std::make_shared<FakeConfigfs>()) {
    fs::remove_all(root);
    fs::create_directories(root);
    options.root = root;
    options.fs = fake;
  }
  ~Rig() { fs::remove_all(root); }
  bool root_is_empty() const { return fs::is_empty(root); }

  static inline int counter = 0;
  std::string root;
  std::shared_ptr<FakeConfigfs> fake;
  TsmOptions options;
};

ReportData data_of(std::uint8_t seed) {
  ReportData d;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(seed ^ i);
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hal_tsm)

BOOST_AUTO_TEST_CASE(a_report_entry_yields_the_report_and_the_certificate_table) {
  Rig rig;
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(0x42));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(ev->source == "tsm");
  auto parsed = snp::parse_report(ev->report);
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(hex_encode(parsed->report_data) == hex_encode(data_of(0x42)));
  BOOST_TEST((ev->certificates == snpsim::host_certificates(snpsim::test::milan())));
}

BOOST_AUTO_TEST_CASE(the_entry_is_removed_afterwards) {
  Rig rig;
  TsmSource source(rig.options);
  BOOST_REQUIRE(source.get_evidence(data_of(1)).ok());
  BOOST_TEST(rig.fake->mkdirs == 1);
  BOOST_TEST(rig.fake->rmdirs == 1);
  BOOST_TEST(rig.root_is_empty());
}

BOOST_AUTO_TEST_CASE(privlevel_is_written_and_counted_as_our_write) {
  Rig rig;
  rig.options.privlevel = 2;
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(2));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(snp::parse_report(ev->report)->vmpl == 2u);
}

BOOST_AUTO_TEST_CASE(a_missing_auxblob_means_no_certificates) {
  Rig rig;
  rig.fake->with_auxblob = false;
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(3));
  BOOST_REQUIRE_MESSAGE(ev.ok(), test::why(ev));
  BOOST_TEST(ev->certificates.empty());
}

BOOST_AUTO_TEST_CASE(a_generation_moved_by_another_writer_is_a_device_error_and_the_entry_is_removed) {
  Rig rig;
  rig.fake->foreign_writes = 1;
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(4));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() ==
             "DeviceError: tsm: generation moved from 0 to 2 for our 1 write(s): another writer used the entry");
  BOOST_TEST(rig.root_is_empty());
}

BOOST_AUTO_TEST_CASE(a_provider_other_than_sev_guest_is_a_device_error_and_the_entry_is_removed) {
  Rig rig;
  rig.fake->provider = "tdx_guest\n";
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(5));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() == "DeviceError: tsm: provider is 'tdx_guest', not 'sev_guest'");
  BOOST_TEST(rig.fake->rmdirs == 1);
  BOOST_TEST(rig.root_is_empty());
}

BOOST_AUTO_TEST_CASE(a_missing_root_is_a_device_error_naming_the_path) {
  TsmOptions o;
  o.root = test::tmp_dir() + "/no-such-tsm-root";
  TsmSource source(o);
  auto ev = source.get_evidence(data_of(6));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().name() == "DeviceError");
  BOOST_TEST(ev.error().message().find("tsm: mkdir " + o.root + "/attestd-") == 0u, ev.error().message());
  BOOST_TEST(ev.error().message().ends_with(": No such file or directory"), ev.error().message());
}

BOOST_AUTO_TEST_CASE(privlevel_4_is_refused_before_any_entry_is_made) {
  Rig rig;
  rig.options.privlevel = 4;
  TsmSource source(rig.options);
  auto ev = source.get_evidence(data_of(7));
  BOOST_REQUIRE(!ev.ok());
  BOOST_TEST(ev.error().describe() == "Usage: tsm: privlevel 4 is not 0-3");
  BOOST_TEST(rig.fake->mkdirs == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::hal
