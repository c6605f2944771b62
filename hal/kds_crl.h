// AMD KDS's certificate revocation lists: one per product and signing-key kind, signed by
// the product's ARK (KDS specification #57230 §4.4: GET /vcek/v1/{product}/crl, and
// /vlek/v1/{product}/crl for VLEK chains). Kept in the VCEK cache directory only until
// the list's nextUpdate: a revocation list past it says nothing about today.
#pragma once

#include <string>

#include "crypto/crl.h"
#include "hal/vcek_sources.h"

namespace attestd::hal {

// base + "/vcek/v1/Milan/crl" (VLEK: "/vlek/v1/Milan/crl"). The product must be known.
Result<std::string> kds_crl_url(const std::string& base, snp::Product product, verify::KeyKind kind);

// The product's current CRL, checked against `ark` at options.at (verify::check_crl): the
// cached copy while it checks out, else KDS's answer, cached when it checks out.
// CrlUnavailable when KDS is not configured or does not answer with a CRL (naming why);
// CrlInvalid when its answer is not the ARK's current CRL.
Result<crypto::RevocationList> fetch_crl(snp::Product product, verify::KeyKind kind, const crypto::Certificate& ark,
                                         const VcekSourceOptions& options);

// How a verifier treats revocation: off (never asks), best-effort (checks when a valid CRL
// can be had; only a revoked certificate fails), require (no valid CRL, no verification).
enum class CrlMode { Off, BestEffort, Require };
// "off", "best-effort", "require"; Usage naming the value otherwise.
Result<CrlMode> parse_crl_mode(std::string_view text);
std::string_view crl_mode_name(CrlMode mode);

// `chain` against its product's current CRL as `mode` says: CertificateRevoked in any
// mode but off; under require also fetch_crl's CrlUnavailable and CrlInvalid. The text
// says what was done ("not revoked (CRL valid until ...)", or why best-effort could not check).
Result<std::string> check_chain_revocation(const VcekChain& chain, CrlMode mode, const VcekSourceOptions& options);

}  // namespace attestd::hal
