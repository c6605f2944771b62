// Revocation of AMD's signing chains: the ARK of each product signs a CRL (KDS serves it
// at /vcek/v1/{product}/crl, and for VLEK chains at /vlek/v1/{product}/crl) listing the
// serials of revoked ASKs, ASVKs and VCEKs. A CRL counts only when the chain's own ARK
// signed it and the verification time lies in [thisUpdate, nextUpdate].
#pragma once

#include "core/time.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "verify/kds.h"
#include "verify/roots.h"

namespace attestd::verify {

// `crl` is the current list of `ark`: signed as AMD signs (RSASSA-PSS SHA-384, MGF1
// SHA-384, salt 48), issued and signed by it (CrlInvalid naming the algorithm, the issuer
// or the signature), and thisUpdate <= at <= nextUpdate (CrlInvalid naming the window and
// `at`).
Status check_crl(const crypto::RevocationList& crl, const crypto::Certificate& ark, UnixTime at);

// check_crl against the chain's ARK, then neither the ASK (ASVK for a VLEK) of `chain` nor
// `leaf` is on the list: CertificateRevoked naming the certificate's role, CN and serial.
Status check_revocation(const crypto::RevocationList& crl, const ProductChain& chain,
                        const crypto::Certificate& leaf, KeyKind kind, UnixTime at);

}  // namespace attestd::verify
