// Helpers shared by the snpsim_* suites.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "crypto/sha.h"
#include "hal/snp/report.h"

namespace attestd::snpsim::test {

// The arcs below 1.3.6.1.4.1.3704.1 of every OID under it in a DER certificate, in the
// order they appear ("1", "2", "3.1", ..., "4"): AMD's KDS extensions, listed straight
// from the bytes so that an extension the API would not ask for cannot hide.
inline std::vector<std::string> kds_oids_in(const Bytes& der) {
  // OBJECT IDENTIFIER 1.3.6.1.4.1.3704.1 (3704 = 0x9C 0x78 in base 128).
  static const Bytes kPrefix = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x9C, 0x78, 0x01};
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 2 + kPrefix.size() <= der.size(); ++i) {
    if (der[i] != 0x06) continue;
    std::size_t len = der[i + 1];
    if (len <= kPrefix.size() || i + 2 + len > der.size()) continue;
    if (!std::equal(kPrefix.begin(), kPrefix.end(), der.begin() + i + 2)) continue;
    std::string arcs;
    std::uint64_t arc = 0;
    for (std::size_t j = i + 2 + kPrefix.size(); j < i + 2 + len; ++j) {
      arc = arc << 7 | (der[j] & 0x7F);
      if (!(der[j] & 0x80)) {
        arcs += (arcs.empty() ? "" : ".") + std::to_string(arc);
        arc = 0;
      }
    }
    out.push_back(arcs);
    i += 1 + len;
  }
  return out;
}

// The report's R||S as the big-endian 48+48 bytes crypto::PublicKey::verify_digest takes.
inline Bytes report_signature_rs(const snp::AttestationReport& r) {
  Bytes rs;
  for (const auto* field : {&r.signature_r, &r.signature_s}) {
    rs.insert(rs.end(), std::make_reverse_iterator(field->begin() + 48),
              std::make_reverse_iterator(field->begin()));
  }
  return rs;
}

inline Bytes report_digest(const Bytes& report) {
  return crypto::sha384(snp::signed_area(report));
}

template <std::size_t N>
std::array<std::uint8_t, N> pattern(std::uint8_t first) {
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(first + i);
  return a;
}

}  // namespace attestd::snpsim::test
