#include "verify/kds.h"

#include <string_view>

namespace attestd::verify {

namespace {

constexpr std::string_view kStructVersion = "1.3.6.1.4.1.3704.1.1";
constexpr std::string_view kProductName = "1.3.6.1.4.1.3704.1.2";
constexpr std::string_view kBlSpl = "1.3.6.1.4.1.3704.1.3.1";
constexpr std::string_view kTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
constexpr std::string_view kSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
constexpr std::string_view kUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
constexpr std::string_view kFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
constexpr std::string_view kHwid = "1.3.6.1.4.1.3704.1.4";
constexpr std::string_view kCspId = "1.3.6.1.4.1.3704.1.5";

Error malformed(std::string_view what) {
  return Error(ErrorCode::MalformedCertificate, "KDS extension " + std::string(what));
}

// DER INTEGER, non-negative, small (SPLs are bytes; structVersion too).
Result<int> der_small_int(const Bytes& v, std::string_view what) {
  if (v.size() < 3 || v[0] != 0x02 || v[1] != v.size() - 2 || v[1] > 2) {
    return malformed(std::string(what) + " is not a small DER INTEGER");
  }
  if (v[2] & 0x80) return malformed(std::string(what) + " is negative");
  if (v[1] == 2 && v[2] == 0 && v[3] < 0x80) return malformed(std::string(what) + " is not minimal DER");
  int value = v[1] == 1 ? v[2] : (v[2] << 8 | v[3]);
  if (value > 255) return malformed(std::string(what) + " = " + std::to_string(value) + " exceeds 255");
  return value;
}

Result<std::string> der_ia5(const Bytes& v, std::string_view what) {
  if (v.size() < 2 || v[0] != 0x16 || v[1] >= 0x80 || v[1] != v.size() - 2) {
    return malformed(std::string(what) + " is not a short DER IA5String");
  }
  for (std::size_t i = 2; i < v.size(); ++i) {
    if (v[i] >= 0x80) return malformed(std::string(what) + " has a non-ASCII byte");
  }
  return std::string(v.begin() + 2, v.end());
}

Result<std::uint8_t> spl(const crypto::Certificate& cert, std::string_view oid, std::string_view name,
                         bool required) {
  auto v = cert.extension(oid);
  if (!v) {
    if (required) return malformed(std::string(name) + " is missing");
    return std::uint8_t{0};
  }
  auto n = der_small_int(*v, name);
  if (!n) return n.error();
  return static_cast<std::uint8_t>(*n);
}

}  // namespace

std::string_view key_kind_name(KeyKind kind) { return kind == KeyKind::Vcek ? "VCEK" : "VLEK"; }

Result<KdsExtensions> read_kds_extensions(const crypto::Certificate& cert) {
  KdsExtensions ext;
  std::string cn = cert.subject_common_name();
  if (cn == "SEV-VCEK") {
    ext.kind = KeyKind::Vcek;
  } else if (cn == "SEV-VLEK") {
    ext.kind = KeyKind::Vlek;
  } else {
    return Error(ErrorCode::SigningKeyMismatch,
                 "certificate '" + cert.subject() + "' is neither a VCEK nor a VLEK");
  }
  if (auto v = cert.extension(kStructVersion)) {
    auto n = der_small_int(*v, "structVersion");
    if (!n) return n.error();
    ext.struct_version = *n;
  }
  auto name_ext = cert.extension(kProductName);
  if (!name_ext) return malformed("productName is missing");
  auto name = der_ia5(*name_ext, "productName");
  if (!name) return name.error();
  ext.product_name = *name;
  auto product = snp::product_from_name(ext.product_name);
  if (!product) return product.error();
  ext.product = *product;

  for (auto [oid, label, field] :
       {std::tuple{kBlSpl, "blSPL", &snp::TcbVersion::bootloader},
        std::tuple{kTeeSpl, "teeSPL", &snp::TcbVersion::tee},
        std::tuple{kSnpSpl, "snpSPL", &snp::TcbVersion::snp},
        std::tuple{kUcodeSpl, "ucodeSPL", &snp::TcbVersion::microcode}}) {
    auto v = spl(cert, oid, label, true);
    if (!v) return v.error();
    ext.tcb.*field = *v;
  }
  if (cert.extension(kFmcSpl)) {
    auto v = spl(cert, kFmcSpl, "fmcSPL", true);
    if (!v) return v.error();
    ext.tcb.fmc = *v;
    ext.has_fmc_spl = true;
  }
  if (ext.product == snp::Product::Turin && !ext.has_fmc_spl) {
    return malformed("fmcSPL is missing from a Turin certificate");
  }
  if (ext.product != snp::Product::Turin && ext.has_fmc_spl) {
    return malformed("fmcSPL on a " + ext.product_name + " certificate (only Turin has an FMC)");
  }

  ext.hwid = cert.extension(kHwid);
  if (auto csp = cert.extension(kCspId)) {
    auto s = der_ia5(*csp, "cspID");
    if (!s) return s.error();
    ext.csp_id = *s;
  }
  if (ext.kind == KeyKind::Vcek) {
    if (!ext.hwid) return Error(ErrorCode::SigningKeyMismatch, "VCEK certificate has no hwID");
    if (ext.csp_id) return Error(ErrorCode::SigningKeyMismatch, "VCEK certificate carries a cspID");
    std::size_t want = ext.product == snp::Product::Turin ? 8 : 64;
    if (ext.hwid->size() != want) {
      return malformed("hwID is " + std::to_string(ext.hwid->size()) + " bytes; " + ext.product_name +
                       " VCEKs carry " + std::to_string(want));
    }
  } else {
    if (ext.hwid) return Error(ErrorCode::SigningKeyMismatch, "VLEK certificate carries a hwID");
    if (!ext.csp_id) return Error(ErrorCode::SigningKeyMismatch, "VLEK certificate has no cspID");
  }
  return ext;
}

}  // namespace attestd::verify
