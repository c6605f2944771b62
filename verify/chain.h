// The structure of AMD's signing chains, VCEK <- ASK <- ARK and VLEK <- ASVK <- ARK, as
// every genuine certificate carries it (docs/architecture.md, "Chain"), and the one check
// of a signing certificate against the trusted chains: report verification, the agent's
// VCEK sources and maa-emu all go through verify_signing_chain.
#pragma once

#include <optional>
#include <string_view>

#include "core/time.h"
#include "crypto/x509.h"
#include "verify/kds.h"
#include "verify/roots.h"

namespace attestd::verify {

enum class ChainRole { Ark, Ask, Asvk, Vcek, Vlek };
std::string_view chain_role_name(ChainRole role);  // "ARK", "ASK", ...

// One certificate against what AMD's certificates of that role carry, exactly:
//   ARK        basicConstraints cA (no pathLen)   keyUsage keyCertSign, cRLSign
//   ASK, ASVK  basicConstraints cA, pathLen 0     keyUsage keyCertSign
//   VCEK, VLEK no basicConstraints                no keyUsage; an ECDSA P-384 key
// and no extendedKeyUsage on any. MalformedCertificate naming the certificate and the rule.
Status check_role(const crypto::Certificate& cert, ChainRole role);

// The kind of signing key a certificate is for, by its subject CN (SEV-VCEK, SEV-VLEK);
// nullopt for any other certificate.
std::optional<KeyKind> signing_key_kind(const crypto::Certificate& cert);

// A signing certificate's verified path: the trusted chain it belongs to, and the window
// in which every certificate on the path (leaf, ASK or ASVK, ARK) is valid.
struct SigningChain {
  const ProductChain* chain = nullptr;
  const crypto::Certificate* issuer = nullptr;  // the ASK or ASVK of *chain that signed the leaf
  UnixTime valid_from = 0;
  UnixTime valid_to = 0;
};

// Checks `leaf` (a VCEK or VLEK of `product`) against the trusted chains of `roots`:
// every certificate's role (MalformedCertificate), the exact path leaf <- ASK (ASVK for a
// VLEK) <- ARK by issuer name and signature (UntrustedChain: e.g. a VCEK signed by the ARK
// itself), and every validity period at `at` (CertificateExpired). The chain is chosen by
// the leaf's issuer name, so the error is that of the chain the leaf claims to belong to.
Result<SigningChain> verify_signing_chain(const crypto::Certificate& leaf, KeyKind kind, snp::Product product,
                                          const RootStore& roots, UnixTime at);

// A CA certificate someone supplied beside the leaf belongs to `chain`: the pinned ARK
// itself, or a certificate of the ASK or ASVK role issued by that ARK (UntrustedChain,
// MalformedCertificate, CertificateExpired otherwise).
Status check_supplied_ca(const crypto::Certificate& cert, const ProductChain& chain, UnixTime at);

}  // namespace attestd::verify
