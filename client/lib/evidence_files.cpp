#include "client/lib/evidence_files.h"

#include <cstring>

#include "core/file.h"
#include "hal/snp/cert_table.h"

namespace attestd::client {

namespace {

bool looks_like_hcl(ByteView b) { return b.size() >= 4 && std::memcmp(b.data(), "HCLA", 4) == 0; }
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
  if (!report) return report.error();
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
