// The simulated machine's keys and certificates, shaped after AMD KDS's (VCEK certificate
// and KDS interface specification #57230; the genuine vectors in tests/vectors/snp).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "crypto/sha.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

namespace {

using crypto::CertificateSpec;

// AMD's serial numbers, so the sim's certificates differ from AMD's only where they must.
const Bytes kArkSerial = {0x01, 0x00, 0x00};
const Bytes kAskSerial = {0x01, 0x00, 0x01};
const Bytes kAsvkSerial = {0x01, 0x01, 0x01};
const Bytes kLeafSerial = {0x00};

constexpr std::size_t kChipIdSize = 64;
constexpr std::size_t kTurinHwIdSize = 8;

// AMD's subject, with the organisation replaced so no one takes these for AMD's.
std::string subject(std::string_view common_name) {
  return "OU=Engineering,C=US,L=Santa Clara,ST=CA,O=attestd snp-sim (TEST ONLY),CN=" +
         std::string(common_name);
}

// A labelled, unambiguous input for one derived value (a key's DRBG seed, the chip id).
Bytes derivation_input(std::string_view purpose, const SimOptions& options) {
  std::string s = "attestd snp-sim v1";
  for (std::string_view part : {purpose, std::string_view(options.seed),
                                snp::product_name(options.product)}) {
    s += '\0';
    s += part;
  }
  return to_bytes(as_bytes(s));
}

Bytes derived_chip_id(const SimOptions& options) {
  Bytes id = crypto::sha512(derivation_input("chip_id", options));
  // Turin's hwID is CHIP_ID[0:8]; its firmware reports the other bytes as zero.
  if (options.product == snp::Product::Turin) {
    std::fill(id.begin() + kTurinHwIdSize, id.end(), 0);
  }
  return id;
}

struct Keys {
  crypto::PrivateKey ark, ask, asvk, vcek, vlek;
};

Result<Keys> generate_keys(const SimOptions& options) {
  auto rsa = [&](std::string_view role) {
    return crypto::PrivateKey::generate_rsa_from_seed(4096, derivation_input(role, options));
  };
  auto ec = [&](std::string_view role) {
    return crypto::PrivateKey::generate_ec_from_seed(crypto::EcCurve::P384,
                                                     derivation_input(role, options));
  };
  auto ark = rsa("ark");
  if (!ark) return ark.error().with_context("ARK key");
  auto ask = rsa("ask");
  if (!ask) return ask.error().with_context("ASK key");
  auto asvk = rsa("asvk");
  if (!asvk) return asvk.error().with_context("ASVK key");
  auto vcek = ec("vcek");
  if (!vcek) return vcek.error().with_context("VCEK key");
  auto vlek = ec("vlek");
  if (!vlek) return vlek.error().with_context("VLEK key");
  return Keys{*ark, *ask, *asvk, *vcek, *vlek};
}

// KDS's OIDs (1.3.6.1.4.1.3704.1.*).
constexpr const char* kStructVersionOid = "1.3.6.1.4.1.3704.1.1";
constexpr const char* kProductNameOid = "1.3.6.1.4.1.3704.1.2";
constexpr const char* kHwIdOid = "1.3.6.1.4.1.3704.1.4";
constexpr const char* kCspIdOid = "1.3.6.1.4.1.3704.1.5";
std::string spl_oid(int n) { return "1.3.6.1.4.1.3704.1.3." + std::to_string(n); }
constexpr int kBlSpl = 1, kTeeSpl = 2, kSnpSpl = 3, kUcodeSpl = 8, kFmcSpl = 9;

CertificateSpec::Extension integer_ext(std::string oid, std::uint64_t value) {
  return {std::move(oid), false, crypto::der_integer(value)};
}

enum class LeafKind { Vcek, Vlek };

// The extensions in the order AMD writes them: genuine Milan/Genoa VCEKs and VLEKs list
// structVersion, productName, SPLs 1, 2, 4-7, 3, 8, then hwID or cspID; Turin VCEKs
// (structVersion 1) list fmcSPL first and have no spl_4.
std::vector<CertificateSpec::Extension> kds_extensions(const SimIdentity& id, LeafKind kind,
                                                       const std::string& csp_id) {
  const bool turin = id.product == snp::Product::Turin;
  std::string product_name(snp::product_name(id.product));
  // KDS names the stepping for Milan VCEKs only ("Milan-B0"); its VLEKs say "Milan".
  if (id.product == snp::Product::Milan && kind == LeafKind::Vcek) product_name += "-B0";

  std::vector<CertificateSpec::Extension> exts;
  exts.push_back(integer_ext(kStructVersionOid, turin ? 1 : 0));
  exts.push_back({kProductNameOid, false, crypto::der_ia5_string(product_name)});
  if (turin) {
    exts.push_back(integer_ext(spl_oid(kFmcSpl), id.tcb.fmc));
    exts.push_back(integer_ext(spl_oid(kBlSpl), id.tcb.bootloader));
    exts.push_back(integer_ext(spl_oid(kTeeSpl), id.tcb.tee));
    exts.push_back(integer_ext(spl_oid(kSnpSpl), id.tcb.snp));
    for (int n : {5, 6, 7}) exts.push_back(integer_ext(spl_oid(n), 0));
  } else {
    exts.push_back(integer_ext(spl_oid(kBlSpl), id.tcb.bootloader));
    exts.push_back(integer_ext(spl_oid(kTeeSpl), id.tcb.tee));
    for (int n : {4, 5, 6, 7}) exts.push_back(integer_ext(spl_oid(n), 0));
    exts.push_back(integer_ext(spl_oid(kSnpSpl), id.tcb.snp));
  }
  exts.push_back(integer_ext(spl_oid(kUcodeSpl), id.tcb.microcode));
  if (kind == LeafKind::Vcek) {
    // hwID is the raw chip id as the extnValue's contents, not a DER OCTET STRING in it.
    std::size_t hwid_size = turin ? kTurinHwIdSize : kChipIdSize;
    exts.push_back({kHwIdOid, false, Bytes(id.chip_id.begin(), id.chip_id.begin() + hwid_size)});
  } else {
    exts.push_back({kCspIdOid, false, crypto::der_ia5_string(csp_id)});
  }
  return exts;
}

CertificateSpec ca_spec(std::string_view cn, Bytes serial, const SimOptions& o, bool root) {
  CertificateSpec spec;
  spec.subject = subject(cn);
  spec.serial = std::move(serial);
  spec.not_before = o.not_before;
  spec.not_after = o.not_after;
  spec.is_ca = true;
  // As AMD's: the ARK signs certificates and CRLs; the ASK/ASVK only leaf certificates.
  spec.max_path_len = root ? -1 : 0;
  spec.key_usage = root ? (crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign) : crypto::kKeyUsageKeyCertSign;
  spec.hash = crypto::HashAlg::Sha384;
  return spec;
}

CertificateSpec leaf_spec(std::string_view cn, const SimOptions& o,
                          std::vector<CertificateSpec::Extension> exts) {
  CertificateSpec spec;
  spec.subject = subject(cn);
  spec.serial = kLeafSerial;
  spec.basic_constraints = false;  // as AMD's: no basicConstraints, keyUsage or EKU at all
  spec.not_before = o.not_before;
  spec.not_after = o.not_after;
  spec.extensions = std::move(exts);
  spec.hash = crypto::HashAlg::Sha384;
  return spec;
}

Status check_options(const SimOptions& o) {
  if (o.product == snp::Product::Unknown) {
    return Error(ErrorCode::UnknownProduct, "snp-sim needs a product (Milan, Genoa or Turin)");
  }
  if (o.chip_id && o.chip_id->size() != kChipIdSize) {
    return Error(ErrorCode::MalformedInput, "chip id must be 64 bytes, not " +
                                                std::to_string(o.chip_id->size()));
  }
  if (o.not_after <= o.not_before) {
    return Error(ErrorCode::MalformedInput, "not_after must be later than not_before");
  }
  return ok_status();
}

}  // namespace

snp::TcbVersion default_tcb(snp::Product product) {
  switch (product) {
    case snp::Product::Genoa: return {.bootloader = 10, .tee = 0, .snp = 27, .microcode = 27};
    case snp::Product::Turin:
      return {.fmc = 1, .bootloader = 1, .tee = 1, .snp = 1, .microcode = 1};
    default: return {.bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
  }
}

Result<SimIdentity> make_identity(const SimOptions& options) {
  if (Status s = check_options(options); !s) return s.error();
  auto keys = generate_keys(options);
  if (!keys) return keys.error();

  const std::string product(snp::product_name(options.product));
  auto ark = crypto::issue_certificate(ca_spec("ARK-" + product, kArkSerial, options, true),
                                       keys->ark.public_key(), keys->ark, nullptr);
  if (!ark) return ark.error().with_context("ARK certificate");
  auto ask = crypto::issue_certificate(ca_spec("SEV-" + product, kAskSerial, options, false),
                                       keys->ask.public_key(), keys->ark, &*ark);
  if (!ask) return ask.error().with_context("ASK certificate");
  auto asvk =
      crypto::issue_certificate(ca_spec("SEV-VLEK-" + product, kAsvkSerial, options, false),
                                keys->asvk.public_key(), keys->ark, &*ark);
  if (!asvk) return asvk.error().with_context("ASVK certificate");

  snp::TcbVersion tcb = options.tcb.value_or(default_tcb(options.product));
  // Milan and Genoa have no FMC SVN: keep what certificates and reports can express.
  if (options.product != snp::Product::Turin) tcb.fmc = 0;
  // The leaves need the identity's product, TCB and chip id; their certificates come last.
  SimIdentity id{options.product,
                 keys->ark, keys->ask, keys->asvk, keys->vcek, keys->vlek,
                 *ark, *ask, *asvk, *ark, *ark,
                 options.chip_id.value_or(derived_chip_id(options)),
                 tcb};

  auto vcek = crypto::issue_certificate(leaf_certificate_spec(id, false, options),
                                        id.vcek_key.public_key(), id.ask_key, &id.ask);
  if (!vcek) return vcek.error().with_context("VCEK certificate");
  auto vlek = crypto::issue_certificate(leaf_certificate_spec(id, true, options),
                                        id.vlek_key.public_key(), id.asvk_key, &id.asvk);
  if (!vlek) return vlek.error().with_context("VLEK certificate");
  id.vcek = *vcek;
  id.vlek = *vlek;
  return id;
}

crypto::CertificateSpec leaf_certificate_spec(const SimIdentity& identity, bool vlek,
                                              const SimOptions& options) {
  LeafKind kind = vlek ? LeafKind::Vlek : LeafKind::Vcek;
  return leaf_spec(vlek ? "SEV-VLEK" : "SEV-VCEK", options, kds_extensions(identity, kind, options.csp_id));
}

verify::ProductChain sim_product_chain(const SimIdentity& identity) {
  return verify::ProductChain{identity.product, identity.ark, identity.ask, identity.asvk,
                              "snp-sim"};
}

}  // namespace attestd::snpsim
