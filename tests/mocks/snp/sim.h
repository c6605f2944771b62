// snp-sim: a software AMD Secure Processor for tests. It owns a test ARK -> ASK -> VCEK
// chain (and ASVK -> VLEK) whose certificates look like AMD KDS's (same CNs, the same KDS
// extensions under 1.3.6.1.4.1.3704.1) and signs attestation reports with the VCEK or VLEK
// key, so the verifier's code path is the one it takes for genuine evidence.
//
// Differences from AMD's certificates, on purpose or by necessity:
// - every subject has O="attestd snp-sim (TEST ONLY)", so no one can take them for AMD's;
// - RSA signatures are PKCS#1 v1.5 with SHA-384, not RSASSA-PSS (mbedTLS cannot write PSS
//   certificates); a verifier accepting both is what lets the same code check them;
// - every certificate has a subjectKeyIdentifier (mbedTLS writes it; AMD's VCEKs have
//   none) and no CRL distribution point.
// basicConstraints, keyUsage and extendedKeyUsage are AMD's, role by role, because the
// verifier enforces them (docs/architecture.md, "Chain").
//
// Everything is deterministic: the same SimOptions give byte-identical keys and
// certificates. The keys are test fixtures only — their seed is public.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/error.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "hal/snp/report.h"
#include "hal/snp/tcb.h"
#include "verify/roots.h"

namespace attestd::snpsim {

// One simulated machine: its product's (test) AMD chain and its chip's keys.
struct SimIdentity {
  snp::Product product;
  crypto::PrivateKey ark_key, ask_key, asvk_key, vcek_key, vlek_key;
  crypto::Certificate ark, ask, asvk, vcek, vlek;
  Bytes chip_id;        // 64 bytes (Turin: the first 8 identify the chip, the rest zero)
  snp::TcbVersion tcb;  // the TCB the VCEK/VLEK certify (REPORTED_TCB)
};

// The TCB a fresh identity certifies when SimOptions::tcb is not set:
// Milan bl=3 tee=0 snp=8 ucode=115; Genoa bl=10 tee=0 snp=27 ucode=27 (as in the genuine
// Genoa vector); Turin fmc=1 bl=1 tee=1 snp=1 ucode=1.
snp::TcbVersion default_tcb(snp::Product product);

// 2024-01-01T00:00:00Z and 2049-12-31T23:59:59Z: about AMD's 25 years for ARK and ASK.
inline constexpr UnixTime kDefaultNotBefore = 1704067200;
inline constexpr UnixTime kDefaultNotAfter = 2524607999;

struct SimOptions {
  snp::Product product = snp::Product::Milan;
  std::string seed = "attestd-snp-sim";
  std::optional<snp::TcbVersion> tcb;  // unset: default_tcb(product)
  std::optional<Bytes> chip_id;        // unset: derived from seed and product
  std::string csp_id = "snp-sim.invalid";  // the VLEK's cspID
  UnixTime not_before = kDefaultNotBefore;  // validity of every certificate
  UnixTime not_after = kDefaultNotAfter;
};

// Generates (deterministically) the keys and issues the certificates. Three RSA-4096 keys:
// seconds, not milliseconds — create identities once and share them.
Result<SimIdentity> make_identity(const SimOptions& options);

// Writes ark.pem ask.pem asvk.pem vcek.pem vcek.der vlek.pem vlek.der, the private keys
// *_key.pem (mode 0600), ca_bundle.pem (ASK, ARK, ASVK: the order AMD publishes) and
// identity.json {product, tcb, chip_id}. Creates `dir` if needed.
Status save_identity(const SimIdentity& identity, const std::string& dir);
// Reads what save_identity wrote; checks that every certificate holds its key's public half.
Result<SimIdentity> load_identity(const std::string& dir);

// The spec make_identity issues the VCEK (or the VLEK) from, with `options`' validity
// and cspID: tests change a field and issue it themselves, to build a chain AMD never would.
crypto::CertificateSpec leaf_certificate_spec(const SimIdentity& identity, bool vlek,
                                              const SimOptions& options = {});

// The identity's ARK/ASK/ASVK as a chain a RootStore can be told to trust.
verify::ProductChain sim_product_chain(const SimIdentity& identity);

struct ReportRequest {
  // 0 = by product: Milan 3, Genoa 3, Turin 5. 2, 3 and 5 are the documented layouts;
  // anything else parse_report accepts (4: firmware's v3-layout variant) is made as well.
  uint32_t version = 0;
  uint64_t policy = 0x30000;  // SMT allowed + reserved bit 17; set bit 19 for debug
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 64> report_data{};
  uint32_t vmpl = 0;
  uint32_t guest_svn = 0;
  std::array<uint8_t, 16> family_id{}, image_id{};
  std::array<uint8_t, 48> id_key_digest{}, author_key_digest{};
  bool author_key_en = false;
  bool use_vlek = false;
  bool mask_chip_id = false;  // CHIP_ID reads as zero (the host's MASK_CHIP_ID setting)
  std::optional<snp::TcbVersion> reported_tcb;  // default: identity.tcb (else TcbMismatch)
  std::optional<std::array<uint8_t, 64>> chip_id_override;  // to make a ChipIdMismatch
  snp::FirmwareVersion firmware{1, 55, 21};
  uint64_t platform_info = 0x1;  // SMT_EN
};

// A complete signed 1184-byte report: CPUID of the product (v3+; Milan 0x19/0x01/0x01,
// Genoa 0x19/0x11/0x01, Turin 0x1A/0x02/0x00), CURRENT/COMMITTED/LAUNCH TCB = REPORTED_TCB,
// a random REPORT_ID, REPORT_ID_MA all 0xFF (no migration agent), SIGNATURE_ALGO 1,
// SIGNING_KEY VCEK or VLEK, signed by that key. A request whose report parse_report would
// reject (version, VMPL, policy or platform bits) fails with parse_report's error.
Result<Bytes> make_report(const SimIdentity& identity, const ReportRequest& request);

// What the hypervisor hands SNP_LAUNCH_FINISH besides the pages it measured: the ID
// block and its authentication information (QEMU's sev-snp-guest id-block=, id-auth=,
// author-key-enabled=).
struct IdBlockInput {
  Bytes id_block;  // 0x60 bytes
  Bytes id_auth;   // 0x1000 bytes
  bool author_key_enabled = false;
};

// The launch with an ID block: checks it as the firmware does (verify::check_id_block
// against request.measurement and request.policy: the ID key's signature of the block,
// the author key's of the ID key, LD, POLICY) and refuses the launch with that check's
// error, prefixed "launch refused: ". Otherwise the guest's reports carry what the block
// says: FAMILY_ID, IMAGE_ID, GUEST_SVN, ID_KEY_DIGEST, AUTHOR_KEY_DIGEST and AUTHOR_KEY_EN.
Status launch_with_id_block(ReportRequest& request, const IdBlockInput& input);

// (Re)signs any 1184-byte report in place with the VCEK or VLEK key, without checking it:
// for tests that need a validly signed report with a field the verifier must reject.
Status sign_report(const SimIdentity& identity, bool use_vlek, Bytes& report);

}  // namespace attestd::snpsim
