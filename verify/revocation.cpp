#include "verify/revocation.h"

namespace attestd::verify {

namespace {

Status not_revoked(const crypto::RevocationList& crl, const crypto::Certificate& cert, std::string_view role) {
  if (auto entry = crl.find(cert.serial())) {
    return Error(ErrorCode::CertificateRevoked, std::string(role) + " '" + cert.subject_common_name() +
                                                    "' (serial " + hex_encode(cert.serial()) + ") was revoked at " +
                                                    format_rfc3339(entry->revoked_at) + " by '" + crl.issuer() + "'");
  }
  return ok_status();
}

}  // namespace

Status check_crl(const crypto::RevocationList& crl, const crypto::Certificate& ark, UnixTime at) {
  if (!crl.signed_with_rsassa_pss_sha384()) {
    return Error(ErrorCode::CrlInvalid, "the revocation list is signed with " + crl.signature_algorithm() +
                                            ", not RSASSA-PSS with SHA-384 (MGF1 SHA-384, salt 48) as AMD signs it");
  }
  if (Status s = crl.verify_signature(ark); !s) return s;
  if (at < crl.this_update() || at > crl.next_update()) {
    return Error(ErrorCode::CrlInvalid, "the revocation list of '" + ark.subject_common_name() + "' is valid from " +
                                            format_rfc3339(crl.this_update()) + " to " +
                                            format_rfc3339(crl.next_update()) + ", not at " + format_rfc3339(at));
  }
  return ok_status();
}

Status check_revocation(const crypto::RevocationList& crl, const ProductChain& chain,
                        const crypto::Certificate& leaf, KeyKind kind, UnixTime at) {
  if (Status s = check_crl(crl, chain.ark, at); !s) return s;
  if (kind == KeyKind::Vcek) {
    if (Status s = not_revoked(crl, chain.ask, "ASK"); !s) return s;
  } else if (chain.asvk) {
    if (Status s = not_revoked(crl, *chain.asvk, "ASVK"); !s) return s;
  }
  return not_revoked(crl, leaf, key_kind_name(kind));
}

}  // namespace attestd::verify
