// Sim identities shared by every test of one test-binary run: generating the three
// RSA-4096 keys of an identity takes seconds, so each distinct SimOptions is made once.
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim::test {

inline std::string cache_key(const SimOptions& o) {
  std::string k(snp::product_name(o.product));
  auto add = [&](const std::string& part) {
    k += '\0';
    k += part;
  };
  add(o.seed);
  snp::TcbVersion t = o.tcb.value_or(default_tcb(o.product));
  for (unsigned svn : {t.fmc, t.bootloader, t.tee, t.snp, t.microcode}) add(std::to_string(svn));
  add(o.chip_id ? hex_encode(*o.chip_id) : "-");
  add(o.csp_id);
  add(std::to_string(o.not_before));
  add(std::to_string(o.not_after));
  return k;
}

// The identity for these options, made on first use. Throws if it cannot be made.
inline const SimIdentity& identity(const SimOptions& options) {
  static std::mutex mu;
  static std::map<std::string, SimIdentity> cache;
  std::lock_guard<std::mutex> lock(mu);
  const std::string key = cache_key(options);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto made = make_identity(options);
  if (!made) throw std::runtime_error("snp-sim identity: " + made.error().describe());
  return cache.emplace(key, std::move(made).value()).first->second;
}

// The default identity of a product (seed "attestd-snp-sim").
inline const SimIdentity& identity(snp::Product product) {
  SimOptions o;
  o.product = product;
  return identity(o);
}

inline const SimIdentity& milan() { return identity(snp::Product::Milan); }
inline const SimIdentity& genoa() { return identity(snp::Product::Genoa); }
inline const SimIdentity& turin() { return identity(snp::Product::Turin); }

}  // namespace attestd::snpsim::test
