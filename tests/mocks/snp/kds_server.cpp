#include "tests/mocks/snp/kds_server.h"

#include <cstdio>

namespace attestd::snpsim {

namespace {

net::HttpResponse octets(const Bytes& body, const char* type) {
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", type);
  r.body.assign(body.begin(), body.end());
  return r;
}

std::string spl_query(snp::Product product, const snp::TcbVersion& t) {
  char q[96];
  if (product == snp::Product::Turin) {
    std::snprintf(q, sizeof q, "fmcSPL=%02u&blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u", t.fmc, t.bootloader,
                  t.tee, t.snp, t.microcode);
  } else {
    std::snprintf(q, sizeof q, "blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u", t.bootloader, t.tee, t.snp,
                  t.microcode);
  }
  return q;
}

}  // namespace

Result<std::unique_ptr<SimKds>> SimKds::start(std::vector<const SimIdentity*> identities) {
  std::unique_ptr<SimKds> kds(new SimKds());
  kds->identities_ = std::move(identities);
  SimKds* self = kds.get();
  auto server = net::HttpServer::start(net::ServerOptions{}, [self](const net::HttpRequest& r) { return self->answer(r); });
  if (!server) return server.error();
  kds->server_ = std::move(server).value();
  return kds;
}

void SimKds::set_crl(snp::Product product, bool vlek, Bytes der) {
  std::lock_guard<std::mutex> lock(mu_);
  crls_[std::string(vlek ? "vlek/" : "vcek/") + std::string(snp::product_name(product))] = std::move(der);
}

std::vector<std::string> SimKds::targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

net::HttpResponse SimKds::answer(const net::HttpRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  targets_.push_back(r.target);
  for (const SimIdentity* id : identities_) {
    const std::string product(snp::product_name(id->product));
    for (const char* kind : {"vcek", "vlek"}) {
      const std::string base = std::string("/") + kind + "/v1/" + product + "/";
      if (r.path.rfind(base, 0) != 0) continue;
      const std::string rest = r.path.substr(base.size());
      const bool vlek = std::string(kind) == "vlek";
      if (rest == "cert_chain") {
        std::string pem = (vlek ? id->asvk.pem() : id->ask.pem()) + id->ark.pem();
        return octets(Bytes(pem.begin(), pem.end()), "application/x-pem-file");
      }
      if (rest == "crl") {
        auto it = crls_.find(std::string(kind) + "/" + product);
        if (it == crls_.end()) break;
        return octets(it->second, "application/pkix-crl");
      }
      std::size_t hwid_len = id->product == snp::Product::Turin ? 8 : 64;
      const std::size_t q = r.target.find('?');
      const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
      if (!vlek && rest == hex_encode(ByteView(id->chip_id.data(), hwid_len)) &&
          query == spl_query(id->product, id->tcb)) {
        return octets(id->vcek.der(), "application/octet-stream");
      }
    }
  }
  return net::HttpResponse::text(404, "not found");
}

}  // namespace attestd::snpsim
