// Verifies an SEV-SNP attestation report: structure, signing-key certificate chain to a
// trusted AMD root, report signature, and the KDS extensions against the report.
#pragma once

#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "core/time.h"
#include "crypto/x509.h"
#include "hal/snp/report.h"
#include "verify/kds.h"
#include "verify/roots.h"

namespace attestd::verify {

// Remembers certificate sets whose chain verified, with the window of time in which
// every certificate on the path is valid, so that a verifier seeing the same VCEK (and
// the same supplied ASK/ARK) again only checks the report signature. Thread-safe.
class ChainCache {
 public:
  explicit ChainCache(std::size_t max_entries = 256) : max_entries_(max_entries) {}
  // `key` identifies the certificates given (see verify_report). Returns the product
  // chain they verified against, if cached and valid at `at`.
  const ProductChain* lookup(const Bytes& key, const RootStore& store, UnixTime at) const;
  void store(const Bytes& key, const RootStore& store, const ProductChain* chain,
             UnixTime valid_from, UnixTime valid_to);
  std::size_t size() const;

 private:
  struct Entry {
    const RootStore* store;
    const ProductChain* chain;
    UnixTime from, to;
  };
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<Bytes, Entry> entries_;  // keyed by SHA-256 over the certificates' DER
};

struct VerifyOptions {
  UnixTime at = now_unix();                   // the verification time ("now")
  const RootStore* roots = &RootStore::amd();  // only AMD's, unless the caller adds more
  ChainCache* cache = nullptr;
};

// A report whose signature and chain checked out. Only verify_report makes one, so
// holding a VerifiedReport means the checks were done.
class VerifiedReport {
 public:
  const snp::AttestationReport& report() const { return report_; }
  const Bytes& report_bytes() const { return bytes_; }
  snp::Product product() const { return kds_.product; }
  KeyKind signing_key() const { return kds_.kind; }
  const KdsExtensions& certificate_extensions() const { return kds_; }
  const crypto::Certificate& signing_certificate() const { return leaf_; }
  const ProductChain& chain() const { return *chain_; }
  snp::TcbVersion reported_tcb() const { return snp::decode_tcb(kds_.product, report_.reported_tcb); }

 private:
  friend Result<VerifiedReport> verify_report(ByteView, std::span<const crypto::Certificate>,
                                              const VerifyOptions&);
  VerifiedReport(snp::AttestationReport r, Bytes bytes, KdsExtensions kds, crypto::Certificate leaf,
                 const ProductChain* chain)
      : report_(std::move(r)), bytes_(std::move(bytes)), kds_(std::move(kds)),
        leaf_(std::move(leaf)), chain_(chain) {}

  snp::AttestationReport report_;
  Bytes bytes_;
  KdsExtensions kds_;
  crypto::Certificate leaf_;
  const ProductChain* chain_;
};

// `certs`: the VCEK or VLEK, optionally with ASK/ASVK/ARK (any order). Supplied CA
// certificates must belong to the pinned chain of the signing key's product.
// Checks, in order: report structure (parse_report); the signing certificate matches
// SIGNING_KEY (SigningKeyMismatch, MissingCertificate); its product (UnknownProduct);
// the signing certificate chains exactly VCEK <- ASK <- ARK (VLEK <- ASVK <- ARK) to a
// trusted ARK of that product, each certificate with its role's structure, and every
// supplied CA certificate belongs to that chain (verify/chain.h: MalformedCertificate,
// UntrustedChain, CertificateExpired); the report signature (BadSignature);
// then the certificate's extensions against the signed fields: REPORTED_TCB (TcbMismatch),
// CHIP_ID (ChipIdMismatch), CPUID product (ProductMismatch).
Result<VerifiedReport> verify_report(ByteView report, std::span<const crypto::Certificate> certs,
                                     const VerifyOptions& options);

// Verifies only the ECDSA P-384 report signature with `key` (BadSignature otherwise).
Status verify_report_signature(ByteView report, const snp::AttestationReport& parsed,
                               const crypto::PublicKey& key);

}  // namespace attestd::verify
