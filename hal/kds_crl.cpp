#include "hal/kds_crl.h"

#include <filesystem>

#include "core/file.h"
#include "verify/revocation.h"

namespace attestd::hal {

namespace {

constexpr std::size_t kMaxCrl = 4 * 1024 * 1024;

std::string cache_path(const VcekSourceOptions& o, snp::Product product, verify::KeyKind kind) {
  return o.cache_dir + "/" + std::string(snp::product_name(product)) + "/crl-" +
         (kind == verify::KeyKind::Vcek ? "vcek" : "vlek") + ".der";
}

// The list, once it is `ark`'s and current at `at`.
Result<crypto::RevocationList> checked(ByteView der, const crypto::Certificate& ark, UnixTime at) {
  auto crl = crypto::RevocationList::parse(der);
  if (!crl) return Error(ErrorCode::CrlInvalid, crl.error().message());
  if (Status s = verify::check_crl(*crl, ark, at); !s) return s.error();
  return crl;
}

}  // namespace

Result<std::string> kds_crl_url(const std::string& base, snp::Product product, verify::KeyKind kind) {
  if (product == snp::Product::Unknown) {
    return Error(ErrorCode::UnknownProduct, "KDS serves a CRL per product, and the product is not known");
  }
  return base + (kind == verify::KeyKind::Vcek ? "/vcek/v1/" : "/vlek/v1/") + std::string(snp::product_name(product)) +
         "/crl";
}

Result<crypto::RevocationList> fetch_crl(snp::Product product, verify::KeyKind kind, const crypto::Certificate& ark,
                                         const VcekSourceOptions& o) {
  const UnixTime at = o.at != 0 ? o.at : now_unix();
  if (o.kds_base.empty()) return Error(ErrorCode::CrlUnavailable, "no KDS is configured to fetch the CRL from");
  auto url = kds_crl_url(o.kds_base, product, kind);
  if (!url) return Error(ErrorCode::CrlUnavailable, url.error().message());
  const std::string cached = o.cache_dir.empty() ? "" : cache_path(o, product, kind);
  if (!cached.empty()) {
    if (auto der = read_file(cached, kMaxCrl)) {
      if (auto crl = checked(*der, ark, at)) return crl;
      std::error_code ec;
      std::filesystem::remove(cached, ec);  // past nextUpdate, or damaged: fetch again
    }
  }
  auto der = kds_get(*url, o);
  if (!der) return Error(ErrorCode::CrlUnavailable, der.error().message());
  auto crl = checked(*der, ark, at);
  if (!crl) return crl.error().with_context("the CRL KDS served at " + *url);
  if (!cached.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cached).parent_path(), ec);
    (void)write_file(cached, *der);  // a cache that cannot be written only costs a request
  }
  return crl;
}

Result<CrlMode> parse_crl_mode(std::string_view text) {
  if (text == "off") return CrlMode::Off;
  if (text == "best-effort") return CrlMode::BestEffort;
  if (text == "require") return CrlMode::Require;
  return Error(ErrorCode::Usage, "crl is '" + std::string(text) + "'; expected require, best-effort or off");
}

std::string_view crl_mode_name(CrlMode mode) {
  switch (mode) {
    case CrlMode::Off: return "off";
    case CrlMode::BestEffort: return "best-effort";
    case CrlMode::Require: return "require";
  }
  return "off";
}

Result<std::string> check_chain_revocation(const VcekChain& chain, CrlMode mode, const VcekSourceOptions& o) {
  if (mode == CrlMode::Off) return std::string("not checked (crl: off)");
  const verify::KeyKind kind = chain.extensions.kind;
  auto crl = fetch_crl(chain.extensions.product, kind, chain.ark, o);
  if (!crl) {
    if (mode == CrlMode::Require) return crl.error();
    return "not checked (best-effort: " + crl.error().describe() + ")";
  }
  verify::ProductChain product_chain{chain.extensions.product, chain.ark, chain.ask, std::nullopt, ""};
  if (kind == verify::KeyKind::Vlek) product_chain.asvk = chain.ask;
  if (Status s = verify::check_revocation(*crl, product_chain, chain.vcek, kind, o.at != 0 ? o.at : now_unix()); !s) {
    return s.error();
  }
  return "not revoked (CRL valid until " + format_rfc3339(crl->next_update()) + ")";
}

}  // namespace attestd::hal
