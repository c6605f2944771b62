// Where the certificate that signs a report comes from, in order (docs/hal.md): the
// evidence's own certificate table (extended report / auxblob), Azure THIM via IMDS, AMD
// KDS (with an on-disk cache and 429-aware backoff), a configured file. Whatever the
// source, a certificate is used only once it checks out: it chains to a trusted ARK
// through the pinned ASK (or ASVK), and its KDS extensions name the report's product,
// chip (hwID) and REPORTED_TCB.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "crypto/x509.h"
#include "hal/snp/cert_table.h"
#include "hal/snp/report.h"
#include "net/http_client.h"
#include "verify/kds.h"
#include "verify/roots.h"

namespace attestd::hal {

// What identifies the certificate a report needs.
struct VcekQuery {
  snp::Product product = snp::Product::Unknown;  // from CPUID; Unknown: v2 reports
  std::array<std::uint8_t, 64> chip_id{};
  std::uint64_t reported_tcb = 0;
  verify::KeyKind kind = verify::KeyKind::Vcek;  // the report's SIGNING_KEY
};

// `product` overrides the report's CPUID (v2 reports do not name theirs).
VcekQuery vcek_query(const snp::AttestationReport& report, snp::Product product = snp::Product::Unknown);

// A signing certificate that checked out, with the pinned chain it checked against.
struct VcekChain {
  crypto::Certificate vcek;        // the VCEK (or VLEK)
  crypto::Certificate ask;         // its issuer: ASK (or ASVK), from the trusted store
  crypto::Certificate ark;         // the root, from the trusted store
  verify::KdsExtensions extensions;
  std::string origin;              // "certificate table", "thim", "kds", "kds cache", "file"
  // VCEK, ASK, ARK as one PEM bundle (what MAA's VcekCertChain wants).
  std::string pem() const;
};

// The certificate checks, as one step: the chain's structure and path
// (verify::verify_signing_chain: MalformedCertificate, UntrustedChain, CertificateExpired),
// SigningKeyMismatch, ProductMismatch, TcbMismatch, ChipIdMismatch.
Result<VcekChain> check_vcek(const crypto::Certificate& cert, const VcekQuery& query,
                             const verify::RootStore& roots, UnixTime at, std::string origin);

// https://kdsintf.amd.com/vcek/v1/Genoa/<128 hex>?blSPL=10&teeSPL=00&snpSPL=27&ucodeSPL=27;
// Turin: the 8-byte hwID (16 hex) and fmcSPL first. The product must be known.
Result<std::string> kds_vcek_url(const std::string& base, const VcekQuery& query);

inline constexpr const char* kAmdKdsBase = "https://kdsintf.amd.com";
inline constexpr const char* kAzureThimUrl = "http://169.254.169.254/metadata/THIM/amd/certification";

struct VcekSourceOptions {
  bool use_certificate_table = true;
  std::string thim_url;   // empty: THIM is not asked (set kAzureThimUrl on Azure)
  std::string kds_base = kAmdKdsBase;  // empty: KDS is not asked
  std::string cache_dir;  // KDS answers kept here, by product/hwid/tcb; empty: no cache
  std::string file;       // a configured VCEK (PEM or DER, optionally with ASK/ARK); empty: none
  const verify::RootStore* roots = &verify::RootStore::amd();
  UnixTime at = 0;        // verification time; 0: now
  net::HttpClientOptions http;
  // KDS answers 429 when asked too often: wait Retry-After (or the backoff, doubling from
  // initial_backoff_ms), at most max_backoff_ms per wait, for at most kds_attempts requests.
  int kds_attempts = 4;
  int initial_backoff_ms = 1000;
  int max_backoff_ms = 30000;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: this thread sleeps
};

// GET `url` from KDS with the 429/5xx backoff above: the body of a 200, else NetworkError.
Result<Bytes> kds_get(const std::string& url, const VcekSourceOptions& options);

// The first source, in order, whose certificate checks out. MissingCertificate when none
// does, naming what each source answered — CertificateExpired when a source's certificate
// failed for its validity period.
Result<VcekChain> find_vcek(const snp::AttestationReport& report, const std::vector<snp::CertTableEntry>& table,
                            const VcekSourceOptions& options);
// The same for an already-built query.
Result<VcekChain> find_vcek(const VcekQuery& query, const std::vector<snp::CertTableEntry>& table,
                            const VcekSourceOptions& options);

}  // namespace attestd::hal
