#include "hal/tsm.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "crypto/random.h"
#include "hal/snp/report.h"

namespace attestd::hal {

namespace {

Error fs_error(const std::string& what, const std::string& path) {
  return Error(ErrorCode::DeviceError, what + " " + path + ": " + std::strerror(errno));
}

std::string trimmed(ByteView b) {
  std::string s(as_chars(b));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

Status TsmFilesystem::make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return fs_error("mkdir", path);
  return ok_status();
}

Status TsmFilesystem::remove_dir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return fs_error("rmdir", path);
  return ok_status();
}

bool TsmFilesystem::exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<Bytes> TsmFilesystem::read(const std::string& path, std::size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fs_error("open", path);
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = fs_error("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max) {
      ::close(fd);
      return Error(ErrorCode::DeviceError, path + " is larger than " + std::to_string(max) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Status TsmFilesystem::write(const std::string& path, ByteView data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fs_error("open", path);
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  Status status;
  if (n < 0) {
    status = fs_error("write", path);
  } else if (static_cast<std::size_t>(n) != data.size()) {
    status = Error(ErrorCode::DeviceError, "short write to " + path);
  }
  ::close(fd);
  return status;
}

namespace {

// A report entry that exists from construction to destruction.
class TsmEntry {
 public:
  TsmEntry(TsmFilesystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  ~TsmEntry() {
    if (made_) (void)fs_.remove_dir(path_);
  }
  TsmEntry(const TsmEntry&) = delete;
  TsmEntry& operator=(const TsmEntry&) = delete;

  Status make() {
    Status s = fs_.make_dir(path_);
    made_ = s.ok();
    return s;
  }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  TsmFilesystem& fs_;
  std::string path_;
  bool made_ = false;
};

Result<std::uint64_t> read_generation(TsmFilesystem& fs, const std::string& path) {
  auto text = fs.read(path, 64);
  if (!text) return text.error();
  std::string s = trimmed(*text);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return Error(ErrorCode::DeviceError, path + " is not a number: '" + s + "'");
  }
  return v;
}

Result<std::string> unique_entry_name() {
  static std::atomic<unsigned> counter{0};
  auto r = crypto::random_bytes(8);
  if (!r) return r.error();
  return "attestd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + hex_encode(*r);
}

// The driver behind configfs-tsm, as a report entry names it: "sev_guest" or an error.
Status check_provider(TsmFilesystem& fs, const TsmEntry& entry) {
  auto provider = fs.read(entry.file("provider"), 256);
  if (!provider) return provider.error().with_context("tsm");
  if (trimmed(*provider) != "sev_guest") {
    return Error(ErrorCode::DeviceError, "tsm: provider is '" + trimmed(*provider) + "', not 'sev_guest'");
  }
  return ok_status();
}

}  // namespace

TsmSource::TsmSource(TsmOptions options) : options_(std::move(options)) {}

Status TsmSource::probe() {
  TsmFilesystem& fs = *options_.fs;
  auto entry_name = unique_entry_name();
  if (!entry_name) return entry_name.error();
  TsmEntry entry(fs, options_.root + "/" + *entry_name);
  Status s = entry.make();
  if (s) s = check_provider(fs, entry);
  if (!s) return Error(ErrorCode::NoEvidenceSource, "no SEV-SNP provider behind configfs-tsm: " + s.error().message());
  return ok_status();
}

Result<Evidence> TsmSource::get_evidence(const ReportData& report_data) {
  if (options_.privlevel > 3) {
    return Error(ErrorCode::Usage, "tsm: privlevel " + std::to_string(options_.privlevel) + " is not 0-3");
  }
  TsmFilesystem& fs = *options_.fs;
  auto entry_name = unique_entry_name();
  if (!entry_name) return entry_name.error();
  TsmEntry entry(fs, options_.root + "/" + *entry_name);
  if (Status s = entry.make(); !s) return s.error().with_context("tsm");
  if (Status s = check_provider(fs, entry); !s) return s.error();
  auto before = read_generation(fs, entry.file("generation"));
  if (!before) return before.error().with_context("tsm");
  std::uint64_t writes = 0;
  if (options_.privlevel != 0) {
    std::string level = std::to_string(options_.privlevel) + "\n";
    if (Status s = fs.write(entry.file("privlevel"), as_bytes(level)); !s) return s.error().with_context("tsm");
    ++writes;
  }
  if (Status s = fs.write(entry.file("inblob"), report_data); !s) return s.error().with_context("tsm");
  ++writes;

  auto outblob = fs.read(entry.file("outblob"), kMaxTsmBlob);
  if (!outblob) return outblob.error().with_context("tsm");
  Bytes auxblob;
  if (fs.exists(entry.file("auxblob"))) {  // absent before Linux 6.8
    auto aux = fs.read(entry.file("auxblob"), kMaxTsmBlob);
    if (!aux) return aux.error().with_context("tsm");
    auxblob = std::move(aux).value();
  }
  auto after = read_generation(fs, entry.file("generation"));
  if (!after) return after.error().with_context("tsm");
  if (*after != *before + writes) {
    return Error(ErrorCode::DeviceError, "tsm: generation moved from " + std::to_string(*before) + " to " +
                                             std::to_string(*after) + " for our " + std::to_string(writes) +
                                             " write(s): another writer used the entry");
  }

  auto parsed = snp::parse_report(*outblob);
  if (!parsed) return parsed.error().with_context("tsm outblob");
  if (!std::equal(report_data.begin(), report_data.end(), parsed->report_data.begin()) ||
      parsed->vmpl != options_.privlevel) {
    return Error(ErrorCode::DeviceError, "tsm: the report does not carry the requested REPORT_DATA and VMPL");
  }
  Evidence evidence;
  evidence.source = name();
  evidence.report = std::move(outblob).value();
  if (!auxblob.empty() && !all_zero(auxblob)) {
    auto table = snp::parse_cert_table(auxblob);
    if (!table) return table.error().with_context("tsm auxblob");
    evidence.certificates = std::move(table).value();
  }
  return evidence;
}

}  // namespace attestd::hal
