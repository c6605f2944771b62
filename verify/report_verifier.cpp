#include "verify/report_verifier.h"

#include <algorithm>

#include "crypto/sha.h"
#include "verify/chain.h"

namespace attestd::verify {

// ---- ChainCache ----

const ProductChain* ChainCache::lookup(const Bytes& key, const RootStore& store,
                                       UnixTime at) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.store != &store) return nullptr;
  if (at < it->second.from || at > it->second.to) return nullptr;
  return it->second.chain;
}

void ChainCache::store(const Bytes& key, const RootStore& store, const ProductChain* chain,
                       UnixTime valid_from, UnixTime valid_to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
  entries_[key] = Entry{&store, chain, valid_from, valid_to};
}

std::size_t ChainCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

namespace {

// What the cache knows a certificate set by: every certificate given, in order.
Bytes cache_key(std::span<const crypto::Certificate> certs) {
  crypto::Hasher h(crypto::HashAlg::Sha256);
  for (const auto& c : certs) {
    Bytes len = {static_cast<std::uint8_t>(c.der().size() >> 8), static_cast<std::uint8_t>(c.der().size())};
    h.update(len);
    h.update(c.der());
  }
  return h.finish();
}

// The signing certificate: the one named SEV-VCEK or SEV-VLEK (whatever it carries; its
// structure is checked with the chain), else any end-entity certificate given.
Result<crypto::Certificate> pick_signing_cert(std::span<const crypto::Certificate> certs,
                                              snp::SigningKey wanted) {
  std::vector<const crypto::Certificate*> leaves;
  for (const auto& c : certs) {
    if (signing_key_kind(c) || !c.is_ca()) leaves.push_back(&c);
  }
  const char* want_name = wanted == snp::SigningKey::Vcek ? "VCEK" : "VLEK";
  const char* want_cn = wanted == snp::SigningKey::Vcek ? "SEV-VCEK" : "SEV-VLEK";
  if (leaves.empty()) {
    return Error(ErrorCode::MissingCertificate,
                 std::string("the report is signed by a ") + want_name + ", and no " + want_name +
                     " certificate was given");
  }
  for (const auto* c : leaves) {
    if (c->subject_common_name() == want_cn) return *c;
  }
  return Error(ErrorCode::SigningKeyMismatch,
               std::string("the report names its signing key as ") + want_name +
                   ", but the certificate given is '" + leaves.front()->subject_common_name() + "'");
}

// Big-endian 48-byte scalar from the report's 72-byte little-endian field.
Result<Bytes> scalar_from_le(const std::array<std::uint8_t, 72>& le, const char* name) {
  for (std::size_t i = 48; i < le.size(); ++i) {
    if (le[i] != 0) {
      return Error(ErrorCode::BadSignature, std::string("signature ") + name +
                                                " does not fit in 384 bits (byte " +
                                                std::to_string(i) + " is not zero)");
    }
  }
  Bytes be(le.begin(), le.begin() + 48);
  std::reverse(be.begin(), be.end());
  return be;
}

// The signing chain, then every other CA certificate supplied beside the leaf, which
// must belong to that same chain. Returns the trusted chain and the path's validity window.
Result<SigningChain> verify_certificates(const crypto::Certificate& leaf, KeyKind kind, snp::Product product,
                                         std::span<const crypto::Certificate> supplied, const RootStore& store,
                                         UnixTime at) {
  auto signing = verify_signing_chain(leaf, kind, product, store, at);
  if (!signing) return signing.error();
  for (const auto& c : supplied) {
    if (c == leaf || (!c.is_ca() && !c.is_self_issued())) continue;
    // The very issuer the path went through, given again: its role, signature and
    // validity were just checked on the path (a second RSA-4096 check was a tenth of the work).
    if (c == *signing->issuer) continue;
    if (Status s = check_supplied_ca(c, *signing->chain, at); !s) return s.error();
  }
  return signing;
}

}  // namespace

Status verify_report_signature(ByteView report, const snp::AttestationReport& parsed,
                               const crypto::PublicKey& key) {
  if (key.type() != crypto::KeyType::Ec || key.curve() != crypto::EcCurve::P384) {
    return Error(ErrorCode::BadSignature, "the signing key is not an ECDSA P-384 key");
  }
  auto r = scalar_from_le(parsed.signature_r, "R");
  if (!r) return r.error();
  auto s = scalar_from_le(parsed.signature_s, "S");
  if (!s) return s.error();
  Bytes sig = *r;
  sig.insert(sig.end(), s->begin(), s->end());
  Status st = key.verify_digest(crypto::SignatureScheme::EcdsaSha384,
                                crypto::sha384(snp::signed_area(report)), sig);
  if (!st) return Error(ErrorCode::BadSignature, "report signature does not verify with the signing key");
  return ok_status();
}

Result<VerifiedReport> verify_report(ByteView bytes, std::span<const crypto::Certificate> certs,
                                     const VerifyOptions& options) {
  auto parsed = snp::parse_report(bytes);
  if (!parsed) return parsed.error();
  const snp::AttestationReport& report = *parsed;

  snp::SigningKey key_id = report.signer_info.signing_key();
  if (key_id != snp::SigningKey::Vcek && key_id != snp::SigningKey::Vlek) {
    return Error(ErrorCode::SigningKeyMismatch,
                 "SIGNING_KEY is " + std::to_string(static_cast<int>(key_id)) +
                     ": the report is not signed by a VCEK or VLEK");
  }
  auto leaf = pick_signing_cert(certs, key_id);
  if (!leaf) return leaf.error();
  auto kds = read_kds_extensions(*leaf);
  if (!kds) return kds.error();

  const RootStore& store = options.roots ? *options.roots : RootStore::amd();
  Bytes key = options.cache ? cache_key(certs) : Bytes();
  const ProductChain* chain = options.cache ? options.cache->lookup(key, store, options.at) : nullptr;
  if (chain == nullptr) {
    auto verified = verify_certificates(*leaf, kds->kind, kds->product, certs, store, options.at);
    if (!verified) return verified.error();
    chain = verified->chain;
    if (options.cache) options.cache->store(key, store, chain, verified->valid_from, verified->valid_to);
  }

  if (Status s = verify_report_signature(bytes, report, leaf->public_key()); !s) return s.error();

  // The signature holds: now the signed fields must agree with what AMD certified.
  snp::Product cpuid_product = snp::report_product(report);
  if (cpuid_product != snp::Product::Unknown && cpuid_product != kds->product) {
    return Error(ErrorCode::ProductMismatch,
                 "the report's CPUID says " + std::string(snp::product_name(cpuid_product)) +
                     ", its " + std::string(key_kind_name(kds->kind)) + " says " + kds->product_name);
  }
  snp::TcbVersion reported = snp::decode_tcb(kds->product, report.reported_tcb);
  if (!(reported == kds->tcb) || !snp::tcb_reserved_bytes_zero(kds->product, report.reported_tcb)) {
    return Error(ErrorCode::TcbMismatch,
                 "REPORTED_TCB (" + snp::describe_tcb(kds->product, report.reported_tcb) + ") differs from the " +
                     std::string(key_kind_name(kds->kind)) + "'s (" +
                     snp::describe_tcb(kds->product, snp::encode_tcb(kds->product, kds->tcb)) + ")");
  }
  if (kds->kind == KeyKind::Vcek) {
    ByteView chip(report.chip_id.data(), report.chip_id.size());
    bool masked = report.signer_info.mask_chip_key() && all_zero(chip);
    ByteView want = chip.first(kds->hwid->size());
    if (!masked && !constant_time_equal(want, *kds->hwid)) {
      return Error(ErrorCode::ChipIdMismatch, "CHIP_ID " + hex_encode(want).substr(0, 16) +
                                                  "… is not the VCEK's hwID " +
                                                  hex_encode(*kds->hwid).substr(0, 16) + "…");
    }
  }
  return VerifiedReport(report, Bytes(bytes.begin(), bytes.end()), std::move(kds).value(),
                        std::move(leaf).value(), chain);
}

}  // namespace attestd::verify
