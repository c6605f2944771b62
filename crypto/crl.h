// X.509 certificate revocation lists (RFC 5280 §5), parsed by mbedTLS: who issued one,
// its update window, the serials it revokes, and whether a CA's key signed it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "crypto/x509.h"

namespace attestd::crypto {

struct RevokedEntry {
  Bytes serial;  // as the CRL writes it (big-endian INTEGER contents)
  UnixTime revoked_at = 0;
};

class RevocationList {
 public:
  // One DER CRL, or one PEM "X509 CRL" block. MalformedInput naming what is wrong;
  // trailing data after the CRL, or a CRL without nextUpdate, is malformed (every CRL
  // AMD publishes carries nextUpdate, and a list with no end date could be replayed forever).
  static Result<RevocationList> parse(ByteView pem_or_der);

  const Bytes& der() const;
  std::string issuer() const;  // "CN=ARK-Milan, O=Advanced Micro Devices, ..."
  UnixTime this_update() const;
  UnixTime next_update() const;
  const std::vector<RevokedEntry>& revoked() const;
  std::optional<RevokedEntry> find(ByteView serial) const;
  std::string signature_algorithm() const;  // e.g. "RSASSA-PSS"
  // RSASSA-PSS with SHA-384, MGF1 SHA-384 and a 48-byte salt: how AMD signs its lists.
  bool signed_with_rsassa_pss_sha384() const;

  // `ca` is this list's issuer: its subject is the CRL's issuer name byte for byte, and its
  // key verifies the signature over TBSCertList (RSASSA-PSS, PKCS#1 v1.5 or ECDSA, as the
  // CRL names it). CrlInvalid naming what failed.
  Status verify_signature(const Certificate& ca) const;

  struct Impl;
  explicit RevocationList(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace attestd::crypto
