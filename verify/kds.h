// What AMD's Key Distribution Service writes into VCEK and VLEK certificates
// (AMD "Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface
// Specification" #57230, and the VLEK addendum): OIDs under 1.3.6.1.4.1.3704.1.
#pragma once

#include <optional>
#include <string>

#include "core/bytes.h"
#include "crypto/x509.h"
#include "hal/snp/tcb.h"

namespace attestd::verify {

enum class KeyKind { Vcek, Vlek };
std::string_view key_kind_name(KeyKind kind);  // "VCEK", "VLEK"

struct KdsExtensions {
  KeyKind kind = KeyKind::Vcek;
  int struct_version = 0;
  std::string product_name;  // as written: "Milan-B0", "Genoa", "Turin"
  snp::Product product = snp::Product::Unknown;
  snp::TcbVersion tcb;       // blSPL, teeSPL, snpSPL, ucodeSPL and (Turin) fmcSPL
  bool has_fmc_spl = false;
  std::optional<Bytes> hwid;          // VCEK: CHIP_ID (Turin: its first 8 bytes)
  std::optional<std::string> csp_id;  // VLEK: the cloud provider it was issued to
};

// Reads and checks the extensions: a VCEK (CN SEV-VCEK) has hwID and no cspID, a VLEK
// (CN SEV-VLEK) has cspID and no hwID (else SigningKeyMismatch); the product name must be
// known (UnknownProduct); every SPL a non-negative INTEGER below 256 (MalformedCertificate).
Result<KdsExtensions> read_kds_extensions(const crypto::Certificate& cert);

}  // namespace attestd::verify
