#include "verify/roots.h"

#include "verify/amd_roots.h"

namespace attestd::verify {

namespace {

snp::Product product_of_file(std::string_view name) {
  if (name == "milan") return snp::Product::Milan;
  if (name == "genoa") return snp::Product::Genoa;
  if (name == "turin") return snp::Product::Turin;
  return snp::Product::Unknown;
}

RootStore load_embedded() {
  RootStore store;
  for (std::size_t i = 0; i < detail::kEmbeddedRootsCount; ++i) {
    const auto& e = detail::kEmbeddedRoots[i];
    auto certs = crypto::Certificate::parse_all(as_bytes(e.pem));
    snp::Product product = product_of_file(e.product);
    // The embedded PEMs are checked by the test suite; a failure here is a build defect.
    if (!certs) std::abort();
    auto chain = product_chain_from_certs(*certs, product, "AMD");
    if (!chain) std::abort();
    store.add(std::move(chain).value());
  }
  return store;
}

}  // namespace

const RootStore& RootStore::amd() {
  static const RootStore store = load_embedded();
  return store;
}

void RootStore::add(ProductChain chain) { chains_.push_back(std::move(chain)); }

std::vector<const ProductChain*> RootStore::for_product(snp::Product product) const {
  std::vector<const ProductChain*> out;
  for (const auto& c : chains_) {
    if (c.product == product) out.push_back(&c);
  }
  return out;
}

Result<ProductChain> product_chain_from_certs(const std::vector<crypto::Certificate>& certs,
                                              snp::Product product, std::string origin) {
  std::optional<crypto::Certificate> ark, ask, asvk;
  for (const auto& c : certs) {
    std::string cn = c.subject_common_name();
    if (c.is_self_issued()) {
      ark = c;
    } else if (cn.rfind("SEV-VLEK", 0) == 0) {
      asvk = c;
    } else if (c.is_ca()) {
      ask = c;
    }
  }
  if (!ark || !ask) {
    return Error(ErrorCode::MissingCertificate,
                 std::string(snp::product_name(product)) + " chain needs an ARK and an ASK");
  }
  return ProductChain{product, *ark, *ask, asvk, std::move(origin)};
}

Result<ProductChain> product_chain_from_bundle(const std::vector<crypto::Certificate>& certs, std::string origin) {
  for (const auto& c : certs) {
    std::string cn = c.subject_common_name();
    if (c.is_ca() && !c.is_self_issued() && cn.rfind("SEV-", 0) == 0 && cn.rfind("SEV-VLEK", 0) != 0) {
      auto product = snp::product_from_name(cn.substr(4));
      if (!product) return product.error().with_context(origin);
      return product_chain_from_certs(certs, *product, std::move(origin));
    }
  }
  return Error(ErrorCode::MissingCertificate, origin + ": no ASK (CN=SEV-<product>) in the bundle");
}

}  // namespace attestd::verify
