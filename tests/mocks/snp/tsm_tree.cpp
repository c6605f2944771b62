#include "tests/mocks/snp/tsm_tree.h"

#include <cerrno>
#include <charconv>
#include <cstring>

namespace attestd::snpsim {

namespace {

struct AttrSpec {
  const char* name;
  unsigned mode;
};
// In the order configfs lists them.
constexpr AttrSpec kAttrs[] = {{"inblob", 0200},   {"outblob", 0444},    {"auxblob", 0444},
                               {"provider", 0444}, {"generation", 0444}, {"privlevel", 0644},
                               {"privlevel_floor", 0444}};
constexpr std::uint32_t kPrivlevelFloor = 0;
constexpr std::uint32_t kPrivlevelMax = 3;

const AttrSpec* find_attr(const std::string& name) {
  for (const AttrSpec& a : kAttrs) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TsmTree::TsmTree(const SimIdentity& identity, ReportRequest base, std::vector<snp::CertTableEntry> certificates)
    : identity_(identity), base_(base) {
  if (!certificates.empty()) cert_table_ = snp::serialize_cert_table(certificates);
}

bool TsmTree::split(const std::string& path, std::string& entry, std::string& attr, int& depth) {
  entry.clear();
  attr.clear();
  if (path == "/") {
    depth = 0;
    return true;
  }
  if (path.rfind("/report", 0) != 0) return false;
  std::string rest = path.substr(7);
  if (rest.empty()) {
    depth = 1;
    return true;
  }
  if (rest[0] != '/' || rest.size() == 1) return false;
  rest.erase(0, 1);
  std::size_t slash = rest.find('/');
  entry = rest.substr(0, slash);
  if (slash == std::string::npos) {
    depth = 2;
    return true;
  }
  attr = rest.substr(slash + 1);
  depth = 3;
  return !attr.empty() && attr.find('/') == std::string::npos;
}

bool TsmTree::is_binary(const std::string& path) {
  std::string entry, attr;
  int depth = 0;
  return split(path, entry, attr, depth) && depth == 3 && (attr == "inblob" || attr == "outblob" || attr == "auxblob");
}

int TsmTree::getattr(const std::string& path, Attr& out) const {
  std::string entry, attr;
  int depth = 0;
  if (!split(path, entry, attr, depth)) return -ENOENT;
  std::lock_guard<std::mutex> lock(mu_);
  if (depth >= 2 && entries_.count(entry) == 0) return -ENOENT;
  if (depth < 3) {
    out = {true, 0755};
    return 0;
  }
  const AttrSpec* spec = find_attr(attr);
  if (spec == nullptr) return -ENOENT;
  out = {false, spec->mode};
  return 0;
}

int TsmTree::list(const std::string& path, std::vector<std::string>& names) const {
  std::string entry, attr;
  int depth = 0;
  if (!split(path, entry, attr, depth)) return -ENOENT;
  std::lock_guard<std::mutex> lock(mu_);
  names.clear();
  if (depth == 0) {
    names.push_back("report");
  } else if (depth == 1) {
    for (const auto& [name, e] : entries_) names.push_back(name);
  } else if (depth == 2) {
    if (entries_.count(entry) == 0) return -ENOENT;
    for (const AttrSpec& a : kAttrs) names.push_back(a.name);
  } else {
    return entries_.count(entry) && find_attr(attr) ? -ENOTDIR : -ENOENT;
  }
  return 0;
}

int TsmTree::make_dir(const std::string& path) {
  std::string entry, attr;
  int depth = 0;
  if (!split(path, entry, attr, depth)) return -ENOENT;
  if (depth != 2) return depth < 2 ? -EEXIST : -EPERM;
  std::lock_guard<std::mutex> lock(mu_);
  if (!entries_.emplace(entry, Entry{}).second) return -EEXIST;
  return 0;
}

int TsmTree::remove_dir(const std::string& path) {
  std::string entry, attr;
  int depth = 0;
  if (!split(path, entry, attr, depth)) return -ENOENT;
  if (depth < 2) return -EPERM;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(entry);
  if (it == entries_.end()) return -ENOENT;
  if (depth == 3) return find_attr(attr) ? -ENOTDIR : -ENOENT;
  entries_.erase(it);
  return 0;
}

int TsmTree::attribute(const std::string& path, unsigned access, Entry*& entry_out, std::string& attr) {
  std::string entry;
  int depth = 0;
  if (!split(path, entry, attr, depth)) return -ENOENT;
  auto it = entries_.find(entry);
  if (depth < 3) return depth == 2 && it == entries_.end() ? -ENOENT : -EISDIR;
  const AttrSpec* spec = find_attr(attr);
  if (it == entries_.end() || spec == nullptr) return -ENOENT;
  if ((spec->mode & access) == 0) return -EACCES;
  entry_out = &it->second;
  return 0;
}

int TsmTree::read(const std::string& path, Bytes& value) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* found = nullptr;
  std::string attr;
  if (int rc = attribute(path, 0444, found, attr); rc != 0) return rc;
  Entry& e = *found;
  if (attr == "provider") {
    value = text("sev_guest\n");
  } else if (attr == "generation") {
    value = text(std::to_string(e.write_generation) + "\n");
  } else if (attr == "privlevel") {
    value = text(std::to_string(e.privlevel) + "\n");
  } else if (attr == "privlevel_floor") {
    value = text(std::to_string(kPrivlevelFloor) + "\n");
  } else {
    // outblob/auxblob: the provider makes a report (with the host's certificates) when
    // something was written since the last one. tsm.c refuses to ask before an inblob
    // was written; sev_guest's report_new takes exactly 64 bytes of REPORT_DATA.
    if (e.read_generation != e.write_generation || e.outblob.empty()) {
      if (e.inblob_len != kTsmInblobMax) return -EINVAL;
      ReportRequest r = base_;
      std::memcpy(r.report_data.data(), e.inblob, sizeof e.inblob);
      r.vmpl = e.privlevel;
      auto made = make_report(identity_, r);
      if (!made) return -EIO;
      e.outblob = std::move(made).value();
      e.auxblob = cert_table_;
      e.read_generation = e.write_generation;
      ++reports_made_;
    }
    value = attr == "outblob" ? e.outblob : e.auxblob;
  }
  return 0;
}

int TsmTree::write(const std::string& path, ByteView value) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* found = nullptr;
  std::string attr;
  if (int rc = attribute(path, 0200, found, attr); rc != 0) return rc;
  Entry& e = *found;
  if (attr == "inblob") {
    if (value.size() > kTsmInblobMax) return -EFBIG;
    std::memset(e.inblob, 0, sizeof e.inblob);
    if (!value.empty()) std::memcpy(e.inblob, value.data(), value.size());
    e.inblob_len = value.size();
  } else {  // privlevel: kstrtouint(buf, 0, ...): "+", 0x hex, 0 octal, a trailing newline
    std::string s(value.begin(), value.end());
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (!s.empty() && s[0] == '+') s.erase(0, 1);
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      s.erase(0, 2);
      base = 16;
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;
    }
    std::uint32_t level = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), level, base);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return -EINVAL;
    if (level > kPrivlevelMax || level < kPrivlevelFloor) return -EINVAL;
    e.privlevel = level;
  }
  ++e.write_generation;
  return 0;
}

int TsmTree::reports_made() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reports_made_;
}

}  // namespace attestd::snpsim
