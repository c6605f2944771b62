// snp-sim's revocation lists: a DER X.509 v2 CRL (RFC 5280 §5.1) in AMD KDS's form,
// TBSCertList signed with RSASSA-PSS SHA-384 (salt 48), for tests of revocation checking.
// mbedTLS parses CRLs but has no writer; this small encoder is test tooling only.
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

struct CrlSpec {
  UnixTime this_update = 0;
  std::optional<UnixTime> next_update;  // nullopt leaves it out (AMD's CRLs always carry it)
  std::vector<Bytes> revoked_serials;   // certificate serials, as Certificate::serial()
  UnixTime revoked_at = 0;              // every entry's revocationDate (0: this_update)
  std::uint64_t crl_number = 1;
  // Signed with RSASSA-PKCS1-v1_5 SHA-384 instead: a form AMD does not use, which a
  // verifier must refuse even when the ARK's key made it.
  bool pkcs1_v1_5 = false;
};

// A CRL named as issued by `issuer`, signed by `key` (normally the issuer's own key: give
// another key to make a CRL whose signature does not verify).
Result<Bytes> make_crl(const CrlSpec& spec, const crypto::Certificate& issuer, const crypto::PrivateKey& key);

// The identity's ARK's CRL: valid from `at` - 1 day to `at` + 30 days, revoking `serials`.
Result<Bytes> make_ark_crl(const SimIdentity& identity, UnixTime at, std::vector<Bytes> serials = {});

}  // namespace attestd::snpsim
