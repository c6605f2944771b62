// The certificate chains a verifier trusts, per product.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/x509.h"
#include "hal/snp/tcb.h"

namespace attestd::verify {

// ARK (self-signed root) -> ASK (signs VCEKs) and ASVK (signs VLEKs) of one product.
struct ProductChain {
  snp::Product product = snp::Product::Unknown;
  crypto::Certificate ark;
  crypto::Certificate ask;
  std::optional<crypto::Certificate> asvk;
  std::string origin;  // "AMD" for the embedded chains; tests name their own
};

class RootStore {
 public:
  // AMD's published chains for Milan, Genoa and Turin, compiled in. The default.
  static const RootStore& amd();

  RootStore() = default;
  // Adds a chain: only callers that explicitly ask (e.g. --trust-sim-root) do this.
  void add(ProductChain chain);
  std::vector<const ProductChain*> for_product(snp::Product product) const;
  const std::vector<ProductChain>& chains() const { return chains_; }

 private:
  std::vector<ProductChain> chains_;
};

// Splits a PEM bundle of ASK, ARK and (optionally) ASVK into a ProductChain. The ARK is
// the self-issued certificate; the ASK is the one whose CN is SEV-<product> (or the only
// other CA); the ASVK the one whose CN starts with SEV-VLEK.
Result<ProductChain> product_chain_from_certs(const std::vector<crypto::Certificate>& certs,
                                              snp::Product product, std::string origin);
// The same, with the product read from the ASK's CN (SEV-<product>), as in AMD's bundles
// and snp-sim's ca_bundle.pem.
Result<ProductChain> product_chain_from_bundle(const std::vector<crypto::Certificate>& certs, std::string origin);

}  // namespace attestd::verify
