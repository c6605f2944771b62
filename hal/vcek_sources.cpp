#include "hal/vcek_sources.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/file.h"
#include "core/json.h"
#include "net/retry_after.h"
#include "verify/chain.h"

namespace attestd::hal {

namespace {

std::string product_str(snp::Product p) { return std::string(snp::product_name(p)); }

// The hwID KDS knows a chip by: Turin's first 8 CHIP_ID bytes, else all 64.
ByteView hwid_of(const VcekQuery& q, snp::Product product) {
  return ByteView(q.chip_id.data(), product == snp::Product::Turin ? 8 : 64);
}

}  // namespace

VcekQuery vcek_query(const snp::AttestationReport& report, snp::Product product) {
  VcekQuery q;
  q.product = product != snp::Product::Unknown ? product : snp::report_product(report);
  q.chip_id = report.chip_id;
  q.reported_tcb = report.reported_tcb;
  q.kind = report.signer_info.signing_key() == snp::SigningKey::Vlek ? verify::KeyKind::Vlek : verify::KeyKind::Vcek;
  return q;
}

std::string VcekChain::pem() const { return vcek.pem() + ask.pem() + ark.pem(); }

Result<VcekChain> check_vcek(const crypto::Certificate& cert, const VcekQuery& query,
                             const verify::RootStore& roots, UnixTime at, std::string origin) {
  auto kds = verify::read_kds_extensions(cert);
  if (!kds) return kds.error();
  if (kds->kind != query.kind) {
    return Error(ErrorCode::SigningKeyMismatch, "the report is signed by a " +
                                                    std::string(verify::key_kind_name(query.kind)) + ", this is a " +
                                                    std::string(verify::key_kind_name(kds->kind)));
  }
  if (query.product != snp::Product::Unknown && kds->product != query.product) {
    return Error(ErrorCode::ProductMismatch, "the report is from a " + product_str(query.product) +
                                                 ", the certificate is for " + kds->product_name);
  }
  auto signing = verify::verify_signing_chain(cert, kds->kind, kds->product, roots, at);
  if (!signing) return signing.error();
  const verify::ProductChain* used = signing->chain;
  snp::TcbVersion reported = snp::decode_tcb(kds->product, query.reported_tcb);
  if (!(reported == kds->tcb)) {
    return Error(ErrorCode::TcbMismatch, "REPORTED_TCB " + snp::describe_tcb(kds->product, query.reported_tcb) +
                                             " is not the certificate's " +
                                             snp::describe_tcb(kds->product, snp::encode_tcb(kds->product, kds->tcb)));
  }
  if (query.kind == verify::KeyKind::Vcek && !all_zero(query.chip_id)) {
    ByteView want = hwid_of(query, kds->product);
    if (!kds->hwid || !constant_time_equal(*kds->hwid, want)) {
      return Error(ErrorCode::ChipIdMismatch, "the certificate's hwID is not the report's CHIP_ID");
    }
  }
  const crypto::Certificate& issuer = query.kind == verify::KeyKind::Vcek ? used->ask : *used->asvk;
  return VcekChain{cert, issuer, used->ark, std::move(kds).value(), std::move(origin)};
}

Result<std::string> kds_vcek_url(const std::string& base, const VcekQuery& q) {
  if (q.product == snp::Product::Unknown) {
    return Error(ErrorCode::UnknownProduct, "KDS needs the product, and the report does not name it");
  }
  if (all_zero(q.chip_id)) return Error(ErrorCode::MissingCertificate, "KDS needs CHIP_ID, and it is masked");
  snp::TcbVersion t = snp::decode_tcb(q.product, q.reported_tcb);
  char spl[96];
  if (q.product == snp::Product::Turin) {
    std::snprintf(spl, sizeof spl, "?fmcSPL=%02u&blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u", t.fmc,
                  t.bootloader, t.tee, t.snp, t.microcode);
  } else {
    std::snprintf(spl, sizeof spl, "?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u", t.bootloader, t.tee, t.snp,
                  t.microcode);
  }
  return base + "/vcek/v1/" + product_str(q.product) + "/" + hex_encode(hwid_of(q, q.product)) + spl;
}

namespace {

UnixTime at_of(const VcekSourceOptions& o) { return o.at != 0 ? o.at : now_unix(); }

void pause(const VcekSourceOptions& o, int ms) {
  if (o.sleep) {
    o.sleep(std::chrono::milliseconds(ms));
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
}

// The first certificate of `certs` that checks out, else the last reason.
Result<VcekChain> first_good(const std::vector<crypto::Certificate>& certs, const VcekQuery& q,
                             const VcekSourceOptions& o, const std::string& origin) {
  std::optional<Error> last;
  for (const auto& c : certs) {
    if (!verify::signing_key_kind(c) && c.is_ca()) continue;  // the ASK/ARK beside it
    auto checked = check_vcek(c, q, *o.roots, at_of(o), origin);
    if (checked) return checked;
    last = checked.error();
  }
  return last ? *last : Error(ErrorCode::MissingCertificate, "no VCEK in it");
}

Result<VcekChain> from_table(const VcekQuery& q, const std::vector<snp::CertTableEntry>& table,
                             const VcekSourceOptions& o) {
  const auto* entry = snp::find_cert(table, q.kind == verify::KeyKind::Vcek ? snp::kVcekGuid : snp::kVlekGuid);
  if (!entry) return Error(ErrorCode::MissingCertificate, "none");
  auto cert = crypto::Certificate::from_der(entry->data);
  if (!cert) return cert.error();
  return check_vcek(*cert, q, *o.roots, at_of(o), "certificate table");
}

Result<VcekChain> from_thim(const VcekQuery& q, const VcekSourceOptions& o) {
  auto r = net::http_request("GET", o.thim_url, {{"Metadata", "true"}}, "", o.http);
  if (!r) return r.error();
  if (r->status != 200) return Error(ErrorCode::NetworkError, "HTTP " + std::to_string(r->status));
  auto json = parse_json(r->body, "THIM response");
  if (!json) return json.error();
  const Json::Value& v = (*json)["vcekCert"];
  if (!json->isObject() || !v.isString()) return Error(ErrorCode::MalformedInput, "THIM response has no vcekCert");
  auto certs = crypto::Certificate::parse_all(as_bytes(v.asString()));
  if (!certs) return certs.error();
  return first_good(*certs, q, o, "thim");
}

std::string cache_path(const VcekSourceOptions& o, const VcekQuery& q) {
  char tcb[17];
  std::snprintf(tcb, sizeof tcb, "%016llx", static_cast<unsigned long long>(q.reported_tcb));
  return o.cache_dir + "/" + product_str(q.product) + "/" + hex_encode(hwid_of(q, q.product)) + "/" + tcb + ".der";
}

}  // namespace

Result<Bytes> kds_get(const std::string& url, const VcekSourceOptions& o) {
  int backoff = o.initial_backoff_ms;
  for (int attempt = 1;; ++attempt) {
    auto r = net::http_request("GET", url, {}, "", o.http);
    if (!r) return r.error();
    if (r->status == 200) return Bytes(r->body.begin(), r->body.end());
    bool retry = r->status == 429 || r->status >= 500;
    if (!retry || attempt >= o.kds_attempts) {
      return Error(ErrorCode::NetworkError, "GET " + url + ": HTTP " + std::to_string(r->status) +
                                                (retry ? " after " + std::to_string(attempt) + " attempts" : ""));
    }
    // Retry-After (seconds or an HTTP-date) lengthens the backoff, up to max_backoff_ms.
    int wait = std::min(backoff, o.max_backoff_ms);
    if (auto h = r->header("retry-after")) {
      if (auto asked = net::retry_after_delay(*h, std::chrono::milliseconds(o.max_backoff_ms), now_unix())) {
        wait = std::max(wait, static_cast<int>(asked->count()));
      }
    }
    pause(o, wait);
    backoff = std::min(backoff * 2, o.max_backoff_ms);
  }
}

namespace {

Result<VcekChain> from_kds(const VcekQuery& q, const VcekSourceOptions& o) {
  if (q.kind != verify::KeyKind::Vcek) return Error(ErrorCode::MissingCertificate, "KDS serves VLEKs to CSPs only");
  auto url = kds_vcek_url(o.kds_base, q);
  if (!url) return url.error();
  std::string cached = o.cache_dir.empty() ? "" : cache_path(o, q);
  if (!cached.empty()) {
    if (auto der = read_file(cached, 64 * 1024)) {
      auto cert = crypto::Certificate::from_der(*der);
      if (cert) {
        auto checked = check_vcek(*cert, q, *o.roots, at_of(o), "kds cache");
        if (checked) return checked;
      }
      std::filesystem::remove(cached);  // stale or damaged: fetch again
    }
  }
  auto der = kds_get(*url, o);
  if (!der) return der.error();
  auto cert = crypto::Certificate::from_der(*der);
  if (!cert) return cert.error();
  auto checked = check_vcek(*cert, q, *o.roots, at_of(o), "kds");
  if (!checked) return checked;
  if (!cached.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cached).parent_path(), ec);
    (void)write_file(cached, *der);  // a cache that cannot be written only costs a request
  }
  return checked;
}

Result<VcekChain> from_file(const VcekQuery& q, const VcekSourceOptions& o) {
  auto data = read_file(o.file, 1024 * 1024);
  if (!data) return data.error();
  auto certs = crypto::Certificate::parse_all(*data);
  if (!certs) return certs.error();
  return first_good(*certs, q, o, "file");
}

}  // namespace

Result<VcekChain> find_vcek(const VcekQuery& q, const std::vector<snp::CertTableEntry>& table,
                            const VcekSourceOptions& o) {
  std::string tried;
  // A source whose certificate was there but outside its validity names the failure:
  // the certificate is not missing, it is expired (or not yet valid).
  ErrorCode code = ErrorCode::MissingCertificate;
  auto attempt = [&](const char* what, bool enabled, auto&& fetch) -> std::optional<VcekChain> {
    if (!tried.empty()) tried += "; ";
    tried += what;
    if (!enabled) {
      tried += ": not configured";
      return std::nullopt;
    }
    Result<VcekChain> r = fetch();
    if (r) return std::move(r).value();
    tried += ": " + r.error().describe();
    if (r.error().code() == ErrorCode::CertificateExpired) code = ErrorCode::CertificateExpired;
    return std::nullopt;
  };
  if (auto c = attempt("certificate table", o.use_certificate_table, [&] { return from_table(q, table, o); })) return *c;
  if (auto c = attempt("thim", !o.thim_url.empty(), [&] { return from_thim(q, o); })) return *c;
  if (auto c = attempt("kds", !o.kds_base.empty(), [&] { return from_kds(q, o); })) return *c;
  if (auto c = attempt("file", !o.file.empty(), [&] { return from_file(q, o); })) return *c;
  return Error(code, "no usable " + std::string(verify::key_kind_name(q.kind)) + ": " + tried);
}

Result<VcekChain> find_vcek(const snp::AttestationReport& report, const std::vector<snp::CertTableEntry>& table,
                            const VcekSourceOptions& options) {
  return find_vcek(vcek_query(report), table, options);
}

}  // namespace attestd::hal
