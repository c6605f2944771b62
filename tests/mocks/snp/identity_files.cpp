// An identity on disk: PEM/DER files a shell script or another program can use as they are.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <json/value.h>

#include "core/file.h"
#include "core/json.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

namespace {

constexpr unsigned kPublicMode = 0644;
constexpr unsigned kSecretMode = 0600;

std::string path_in(const std::string& dir, const std::string& name) { return dir + "/" + name; }

Status write_text(const std::string& path, const std::string& text, unsigned mode) {
  return write_file(path, as_bytes(text), mode);
}

Json::Value tcb_json(const SimIdentity& id) {
  Json::Value t(Json::objectValue);
  if (id.product == snp::Product::Turin) t["fmc"] = id.tcb.fmc;
  t["bl"] = id.tcb.bootloader;
  t["tee"] = id.tcb.tee;
  t["snp"] = id.tcb.snp;
  t["ucode"] = id.tcb.microcode;
  return t;
}

Result<std::uint8_t> svn_from_json(const Json::Value& tcb, const char* name, bool required) {
  const Json::Value& v = tcb[name];
  if (v.isNull() && !required) return std::uint8_t{0};
  auto n = json_integer(v, 0, 255);
  if (!n) {
    return Error(ErrorCode::MalformedInput,
                 std::string("identity.json: tcb.") + name + " must be an integer 0..255");
  }
  return static_cast<std::uint8_t>(*n);
}

Result<snp::TcbVersion> tcb_from_json(const Json::Value& tcb, snp::Product product) {
  if (!tcb.isObject()) {
    return Error(ErrorCode::MalformedInput, "identity.json: tcb is not an object");
  }
  snp::TcbVersion out;
  struct Field {
    const char* name;
    std::uint8_t* svn;
    bool required;
  } fields[] = {{"fmc", &out.fmc, product == snp::Product::Turin},
                {"bl", &out.bootloader, true},
                {"tee", &out.tee, true},
                {"snp", &out.snp, true},
                {"ucode", &out.microcode, true}};
  for (const Field& f : fields) {
    auto svn = svn_from_json(tcb, f.name, f.required);
    if (!svn) return svn.error();
    *f.svn = *svn;
  }
  return out;
}

Result<crypto::Certificate> read_cert(const std::string& dir, const std::string& name) {
  auto data = read_file(path_in(dir, name));
  if (!data) return data.error();
  auto certs = crypto::Certificate::parse_all(*data);
  if (!certs) return certs.error().with_context(name);
  if (certs->size() != 1) {
    return Error(ErrorCode::MalformedCertificate, name + ": expected one certificate");
  }
  return certs->front();
}

Result<crypto::PrivateKey> read_key(const std::string& dir, const std::string& name) {
  auto text = read_text_file(path_in(dir, name));
  if (!text) return text.error();
  auto key = crypto::PrivateKey::from_pem(*text);
  if (!key) return key.error().with_context(name);
  return key;
}

}  // namespace

Status save_identity(const SimIdentity& id, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::FileError, dir + ": " + ec.message());

  Json::Value meta(Json::objectValue);
  meta["product"] = std::string(snp::product_name(id.product));
  meta["tcb"] = tcb_json(id);
  meta["chip_id"] = hex_encode(id.chip_id);
  meta["note"] = "attestd snp-sim test identity: TEST ONLY, not AMD's";

  const struct {
    const char* name;
    std::string text;
    unsigned mode;
  } pem_files[] = {
      {"ark.pem", id.ark.pem(), kPublicMode},
      {"ask.pem", id.ask.pem(), kPublicMode},
      {"asvk.pem", id.asvk.pem(), kPublicMode},
      {"vcek.pem", id.vcek.pem(), kPublicMode},
      {"vlek.pem", id.vlek.pem(), kPublicMode},
      {"ca_bundle.pem", id.ask.pem() + id.ark.pem() + id.asvk.pem(), kPublicMode},
      {"ark_key.pem", id.ark_key.pem(), kSecretMode},
      {"ask_key.pem", id.ask_key.pem(), kSecretMode},
      {"asvk_key.pem", id.asvk_key.pem(), kSecretMode},
      {"vcek_key.pem", id.vcek_key.pem(), kSecretMode},
      {"vlek_key.pem", id.vlek_key.pem(), kSecretMode},
      {"identity.json", json_pretty(meta) + "\n", kPublicMode},
  };
  for (const auto& f : pem_files) {
    if (Status s = write_text(path_in(dir, f.name), f.text, f.mode); !s) return s;
  }
  if (Status s = write_file(path_in(dir, "vcek.der"), id.vcek.der()); !s) return s;
  return write_file(path_in(dir, "vlek.der"), id.vlek.der());
}

Result<SimIdentity> load_identity(const std::string& dir) {
  auto text = read_text_file(path_in(dir, "identity.json"));
  if (!text) return text.error();
  auto meta = parse_json(*text, "identity.json");
  if (!meta) return meta.error();
  if (!meta->isObject() || !(*meta)["product"].isString() || !(*meta)["chip_id"].isString()) {
    return Error(ErrorCode::MalformedInput, "identity.json: needs product, tcb and chip_id");
  }
  auto product = snp::product_from_name((*meta)["product"].asString());
  if (!product) return product.error().with_context("identity.json");
  auto tcb = tcb_from_json((*meta)["tcb"], *product);
  if (!tcb) return tcb.error();
  auto chip_id = hex_decode((*meta)["chip_id"].asString());
  if (!chip_id || chip_id->size() != 64) {
    return Error(ErrorCode::MalformedInput, "identity.json: chip_id must be 64 bytes of hex");
  }

  // Each role's key and certificate, which must hold the same public key.
  struct Part {
    std::string role;
    std::optional<crypto::PrivateKey> key;
    std::optional<crypto::Certificate> cert;
  };
  std::array<Part, 5> parts{{{"ark"}, {"ask"}, {"asvk"}, {"vcek"}, {"vlek"}}};
  for (Part& p : parts) {
    auto key = read_key(dir, p.role + "_key.pem");
    if (!key) return key.error();
    auto cert = read_cert(dir, p.role + ".pem");
    if (!cert) return cert.error();
    if (!(cert->public_key() == key->public_key())) {
      return Error(ErrorCode::MalformedInput,
                   dir + ": " + p.role + ".pem does not hold the key in " + p.role + "_key.pem");
    }
    p.key = *key;
    p.cert = *cert;
  }
  auto& [ark, ask, asvk, vcek, vlek] = parts;
  return SimIdentity{*product,
                     *ark.key, *ask.key, *asvk.key, *vcek.key, *vlek.key,
                     *ark.cert, *ask.cert, *asvk.cert, *vcek.cert, *vlek.cert,
                     *chip_id, *tcb};
}

}  // namespace attestd::snpsim
