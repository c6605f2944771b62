#include "client/lib/evidence_files.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/file.h"
#include "crypto/base64.h"
#include "hal/snp/cert_table.h"

namespace attestd::client {

namespace {

bool looks_like_hcl(ByteView b) { return b.size() >= 4 && std::memcmp(b.data(), "HCLA", 4) == 0; }

// The text without ASCII whitespace (line breaks of wrapped hex or base64).
std::string without_whitespace(ByteView b) {
  std::string out;
  for (std::uint8_t c : b) {
    if (!std::isspace(c)) out += static_cast<char>(c);
  }
  return out;
}

// What a file that is no report looks like, so the user knows what to convert: hex,
// base64 (tools and REST APIs hand reports out so), PEM or a DER certificate (the files
// that go with --certs). Empty when it looks like none of them.
std::string what_it_looks_like(ByteView b) {
  std::string_view raw(reinterpret_cast<const char*>(b.data()), b.size());
  raw.remove_prefix(std::min(raw.size(), raw.find_first_not_of(" \t\r\n")));
  if (raw.rfind("-----BEGIN ", 0) == 0) {
    std::string_view label = raw.substr(11, std::min<std::size_t>(raw.find("-----", 11), 51) - 11);
    std::string printable;
    for (char c : label) printable += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    return "it looks like PEM (" + printable + "), not a report: certificates go with --certs";
  }
  std::string text = without_whitespace(b);
  if (b.size() >= 4 && b[0] == 0x30 && b[1] == 0x82 && crypto::Certificate::from_der(b).ok()) {
    return "it looks like a DER certificate, not a report: certificates go with --certs";
  }
  if (text.empty()) return "";
  auto all_of = [&](const char* alphabet) { return text.find_first_not_of(alphabet) == std::string::npos; };
  if (all_of("0123456789abcdefABCDEF")) {
    auto bytes = hex_decode(text);
    std::string size = bytes ? " of " + std::to_string(bytes->size()) + " bytes" : "";
    return "it looks like hex" + size + ": convert it with xxd -r -p FILE > report.bin";
  }
  if (all_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")) {
    auto bytes = crypto::base64_decode_any(text);
    const bool url = text.find_first_of("-_") != std::string::npos;
    if (bytes) {
      return std::string("it looks like ") + (url ? "base64url" : "base64") + " of " + std::to_string(bytes->size()) +
             " bytes: convert it with " + (url ? "basenc --base64url -d" : "base64 -d") + " FILE > report.bin";
    }
  }
  return "";
}
}  // namespace

Result<ReportFile> parse_report_file(ByteView bytes) {
  ReportFile out;
  if (looks_like_hcl(bytes)) {
    auto hcl = snp::parse_hcl_report(bytes);
    if (!hcl) return hcl.error();
    out.report_bytes = hcl->snp_report_bytes;
    out.report = hcl->snp_report;
    out.hcl = std::move(hcl).value();
    return out;
  }
  auto report = snp::parse_report(bytes);
  if (!report) {
    if (bytes.size() == snp::kReportSize) return report.error();
    std::string hint = what_it_looks_like(bytes);
    return hint.empty() ? report.error() : Error(report.error().code(), report.error().message() + "; " + hint);
  }
  out.report_bytes.assign(bytes.begin(), bytes.end());
  out.report = std::move(report).value();
  return out;
}

Result<ReportFile> load_report_file(const std::string& path) {
  auto bytes = read_file(path, kMaxEvidenceFile);
  if (!bytes) return bytes.error();
  auto r = parse_report_file(*bytes);
  if (!r) return r.error().with_context(path);
  return r;
}

Result<std::vector<crypto::Certificate>> parse_certificates(ByteView bytes) {
  auto certs = crypto::Certificate::parse_all(bytes);
  if (certs) return certs;
  // Neither PEM nor DER: perhaps the certificate table of an extended report.
  bool pem = as_chars(bytes).find("-----BEGIN") != std::string_view::npos;
  if (!pem && bytes.size() >= 24 && bytes[0] != 0x30) {
    auto table = snp::parse_cert_table(bytes);
    if (!table) return table.error();
    std::vector<crypto::Certificate> out;
    for (const auto& entry : *table) {
      auto c = crypto::Certificate::from_der(entry.data);
      if (!c) return c.error().with_context("certificate table entry " + snp::guid_to_string(entry.guid));
      out.push_back(std::move(c).value());
    }
    return out;
  }
  return certs.error();
}

Result<std::vector<crypto::Certificate>> load_certificates(const std::string& path) {
  auto bytes = read_file(path, kMaxEvidenceFile);
  if (!bytes) return bytes.error();
  auto c = parse_certificates(*bytes);
  if (!c) return c.error().with_context(path);
  return c;
}

Result<verify::ProductChain> load_product_chain(const std::string& path, const std::string& origin) {
  auto certs = load_certificates(path);
  if (!certs) return certs.error();
  return verify::product_chain_from_bundle(*certs, origin);
}

Result<crypto::RevocationList> load_crl(const std::string& path) {
  auto data = read_file(path, 4 * 1024 * 1024);
  if (!data) return Error(ErrorCode::CrlUnavailable, "--crl " + path + ": " + data.error().message());
  auto crl = crypto::RevocationList::parse(*data);
  if (!crl) return Error(ErrorCode::CrlInvalid, "--crl " + path + ": " + crl.error().message());
  return crl;
}

}  // namespace attestd::client
