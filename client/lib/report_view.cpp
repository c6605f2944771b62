#include "client/lib/report_view.h"

#include <cstdio>
#include <sstream>

#include "core/json.h"
#include "core/text.h"

namespace attestd::client {

namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return hex_encode(ByteView(a.data(), a.size()));
}

snp::Product tcb_product(const snp::AttestationReport& r, snp::Product product) {
  if (product != snp::Product::Unknown) return product;
  return snp::report_product(r);
}

Json::Value tcb_json(snp::Product product, std::uint64_t raw) {
  snp::Product layout = product == snp::Product::Unknown ? snp::Product::Milan : product;
  snp::TcbVersion t = snp::decode_tcb(layout, raw);
  Json::Value v(Json::objectValue);
  v["raw"] = hex_number(raw, 16);
  if (layout == snp::Product::Turin) v["fmc"] = t.fmc;
  v["bootloader"] = t.bootloader;
  v["tee"] = t.tee;
  v["snp"] = t.snp;
  v["microcode"] = t.microcode;
  return v;
}

std::string signing_key_name(snp::SigningKey k) {
  switch (k) {
    case snp::SigningKey::Vcek: return "VCEK";
    case snp::SigningKey::Vlek: return "VLEK";
    case snp::SigningKey::None: return "none";
  }
  return "reserved(" + std::to_string(static_cast<int>(k)) + ")";
}

}  // namespace

Json::Value report_json(const snp::AttestationReport& r, snp::Product product) {
  snp::Product p = tcb_product(r, product);
  Json::Value v(Json::objectValue);
  v["version"] = r.version;
  v["guest_svn"] = r.guest_svn;
  Json::Value pol(Json::objectValue);
  pol["raw"] = hex_number(r.policy.raw, 16);
  pol["abi_major"] = r.policy.abi_major();
  pol["abi_minor"] = r.policy.abi_minor();
  pol["smt"] = r.policy.smt();
  pol["migrate_ma"] = r.policy.migrate_ma();
  pol["debug"] = r.policy.debug();
  pol["single_socket"] = r.policy.single_socket();
  pol["cxl_allow"] = r.policy.cxl_allow();
  pol["mem_aes_256_xts"] = r.policy.mem_aes_256_xts();
  pol["rapl_dis"] = r.policy.rapl_dis();
  pol["ciphertext_hiding"] = r.policy.ciphertext_hiding();
  pol["page_swap_disable"] = r.policy.page_swap_disable();
  v["policy"] = pol;
  v["family_id"] = hex(r.family_id);
  v["image_id"] = hex(r.image_id);
  v["vmpl"] = r.vmpl;
  v["signature_algo"] = r.signature_algo;
  v["current_tcb"] = tcb_json(p, r.current_tcb);
  Json::Value pi(Json::objectValue);
  pi["raw"] = hex_number(r.platform_info.raw, 16);
  pi["smt_enabled"] = r.platform_info.smt_enabled();
  pi["tsme_enabled"] = r.platform_info.tsme_enabled();
  pi["ecc_enabled"] = r.platform_info.ecc_enabled();
  pi["rapl_disabled"] = r.platform_info.rapl_disabled();
  pi["ciphertext_hiding_enabled"] = r.platform_info.ciphertext_hiding_enabled();
  pi["alias_check_complete"] = r.platform_info.alias_check_complete();
  pi["tio_enabled"] = r.platform_info.tio_enabled();
  v["platform_info"] = pi;
  Json::Value si(Json::objectValue);
  si["author_key_en"] = r.signer_info.author_key_en();
  si["mask_chip_key"] = r.signer_info.mask_chip_key();
  si["signing_key"] = signing_key_name(r.signer_info.signing_key());
  v["signer_info"] = si;
  v["report_data"] = hex(r.report_data);
  v["measurement"] = hex(r.measurement);
  v["host_data"] = hex(r.host_data);
  v["id_key_digest"] = hex(r.id_key_digest);
  v["author_key_digest"] = hex(r.author_key_digest);
  v["report_id"] = hex(r.report_id);
  v["report_id_ma"] = hex(r.report_id_ma);
  v["reported_tcb"] = tcb_json(p, r.reported_tcb);
  if (r.version >= 3) {
    Json::Value c(Json::objectValue);
    c["family"] = r.cpuid_fam_id;
    c["model"] = r.cpuid_mod_id;
    c["stepping"] = r.cpuid_step;
    v["cpuid"] = c;
  }
  v["product"] = std::string(snp::product_name(p));
  v["chip_id"] = hex(r.chip_id);
  v["committed_tcb"] = tcb_json(p, r.committed_tcb);
  v["current_firmware"] = r.current.str();
  v["committed_firmware"] = r.committed.str();
  v["launch_tcb"] = tcb_json(p, r.launch_tcb);
  if (r.version >= 5) {
    v["launch_mit_vector"] = hex_number(r.launch_mit_vector, 16);
    v["current_mit_vector"] = hex_number(r.current_mit_vector, 16);
  }
  Json::Value sig(Json::objectValue);
  sig["r"] = hex(r.signature_r);
  sig["s"] = hex(r.signature_s);
  v["signature"] = sig;
  return v;
}

namespace {

void row(std::ostringstream& o, const std::string& name, const std::string& value) {
  o << "  " << name;
  for (std::size_t i = name.size(); i < 22; ++i) o << ' ';
  o << value << '\n';
}

std::string yes(bool b) { return b ? "yes" : "no"; }

std::string tcb_text(snp::Product p, std::uint64_t raw) {
  snp::Product layout = p == snp::Product::Unknown ? snp::Product::Milan : p;
  return hex_number(raw, 16) + "  " + snp::describe_tcb(layout, raw);
}

}  // namespace

std::string report_table(const snp::AttestationReport& r, snp::Product product) {
  snp::Product p = tcb_product(r, product);
  std::ostringstream o;
  o << "SEV-SNP attestation report (version " << r.version << ")\n";
  row(o, "product", std::string(snp::product_name(p)) +
                        (p == snp::Product::Unknown ? " (no CPUID in a v2 report; TCB shown in the Milan/Genoa layout)" : ""));
  if (r.version >= 3) {
    char cpuid[64];
    std::snprintf(cpuid, sizeof cpuid, "family 0x%02x model 0x%02x stepping 0x%02x", r.cpuid_fam_id,
                  r.cpuid_mod_id, r.cpuid_step);
    row(o, "cpuid", cpuid);
  }
  row(o, "policy", hex_number(r.policy.raw, 16) + "  abi " + std::to_string(r.policy.abi_major()) + "." +
                       std::to_string(r.policy.abi_minor()));
  row(o, "  debug", yes(r.policy.debug()));
  row(o, "  migrate_ma", yes(r.policy.migrate_ma()));
  row(o, "  smt", yes(r.policy.smt()));
  row(o, "  single_socket", yes(r.policy.single_socket()));
  row(o, "vmpl", std::to_string(r.vmpl));
  row(o, "guest_svn", std::to_string(r.guest_svn));
  row(o, "measurement", hex(r.measurement));
  row(o, "report_data", hex(r.report_data));
  row(o, "host_data", hex(r.host_data));
  row(o, "family_id", hex(r.family_id));
  row(o, "image_id", hex(r.image_id));
  row(o, "id_key_digest", hex(r.id_key_digest));
  row(o, "author_key_digest", hex(r.author_key_digest));
  row(o, "report_id", hex(r.report_id));
  row(o, "report_id_ma", hex(r.report_id_ma));
  row(o, "signing_key", signing_key_name(r.signer_info.signing_key()) +
                            (r.signer_info.mask_chip_key() ? " (chip id masked)" : "") +
                            (r.signer_info.author_key_en() ? " (author key)" : ""));
  row(o, "platform_info", hex_number(r.platform_info.raw, 16) + "  smt " + yes(r.platform_info.smt_enabled()) +
                              ", tsme " + yes(r.platform_info.tsme_enabled()) + ", ecc " +
                              yes(r.platform_info.ecc_enabled()) + ", ciphertext hiding " +
                              yes(r.platform_info.ciphertext_hiding_enabled()));
  row(o, "reported_tcb", tcb_text(p, r.reported_tcb));
  row(o, "current_tcb", tcb_text(p, r.current_tcb));
  row(o, "committed_tcb", tcb_text(p, r.committed_tcb));
  row(o, "launch_tcb", tcb_text(p, r.launch_tcb));
  row(o, "current_firmware", r.current.str());
  row(o, "committed_firmware", r.committed.str());
  if (r.version >= 5) {
    row(o, "launch_mit_vector", hex_number(r.launch_mit_vector, 16));
    row(o, "current_mit_vector", hex_number(r.current_mit_vector, 16));
  }
  row(o, "chip_id", hex(r.chip_id));
  row(o, "signature.r", hex(r.signature_r));
  row(o, "signature.s", hex(r.signature_s));
  return o.str();
}

Json::Value hcl_json(const snp::HclReport& h, snp::Product product) {
  Json::Value v(Json::objectValue);
  v["type"] = "hcl";
  v["version"] = h.version;
  v["report_size"] = h.report_size;
  v["request_type"] = h.request_type;
  v["status"] = h.status;
  Json::Value rd(Json::objectValue);
  rd["data_size"] = h.request_data.data_size;
  rd["version"] = h.request_data.version;
  rd["report_type"] = h.request_data.report_type;
  rd["hash_type"] = h.request_data.hash_type;
  rd["variable_data_size"] = h.request_data.variable_data_size;
  v["request_data"] = rd;
  auto claims = parse_json(h.runtime_claims, "runtime claims");
  if (claims) v["runtime_claims"] = *claims;
  else v["runtime_claims_text"] = h.runtime_claims;
  v["runtime_claims_bound"] = static_cast<bool>(snp::check_runtime_binding(h));
  v["snp_report"] = report_json(h.snp_report, product);
  return v;
}

std::string hcl_table(const snp::HclReport& h, snp::Product product) {
  std::ostringstream o;
  o << "Azure HCL report (version " << h.version << ", request type " << h.request_type << ")\n";
  Status bound = snp::check_runtime_binding(h);
  row(o, "runtime claims", std::to_string(h.runtime_claims.size()) + " bytes, " +
                               (bound ? "bound by REPORT_DATA (SHA-256)" : "NOT bound: " + bound.error().message()));
  auto claims = parse_json(h.runtime_claims, "runtime claims");
  o << (claims ? json_pretty(*claims) : h.runtime_claims) << "\n\n";
  o << report_table(h.snp_report, product);
  return o.str();
}

}  // namespace attestd::client
