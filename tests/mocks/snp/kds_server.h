// A local AMD KDS for tests, on loopback HTTP: it serves snp-sim identities' chains,
// VCEKs and CRLs at KDS's paths (specification #57230 §4):
//   GET /vcek/v1/{product}/cert_chain          ASK then ARK, PEM
//   GET /vlek/v1/{product}/cert_chain          ASVK then ARK, PEM
//   GET /vcek/v1/{product}/{hwid hex}?...SPL   the VCEK, DER, when hwID and every SPL match
//   GET /vcek/v1/{product}/crl, /vlek/v1/...   the CRL set for that product and kind, DER
// Anything else is a 404. It records the targets it was asked for.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_server.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

class SimKds {
 public:
  // Serves these identities (one per product); no CRL until set_crl.
  static Result<std::unique_ptr<SimKds>> start(std::vector<const SimIdentity*> identities);

  void set_crl(snp::Product product, bool vlek, Bytes der);
  std::string url() const { return server_->url(); }
  std::vector<std::string> targets() const;

 private:
  SimKds() = default;
  net::HttpResponse answer(const net::HttpRequest& request);

  std::vector<const SimIdentity*> identities_;
  mutable std::mutex mu_;
  std::map<std::string, Bytes> crls_;  // "vcek/Milan" -> DER
  std::vector<std::string> targets_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace attestd::snpsim
