// libFuzzer target: the ID block, ID_AUTH_INFO and the ABI's key and signature formats
// parse totally; accepted blocks survive an encode/parse round trip byte for byte; the
// launch checks (input: a 0x60-byte ID block, then its ID_AUTH_INFO) never crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hal/snp/id_block.h"
#include "verify/id_block.h"
#include "verify/snp_key_digest.h"

using namespace attestd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (auto block = snp::parse_id_block(in)) {
    Bytes again = snp::encode_id_block(*block);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) __builtin_trap();
  }
  if (auto auth = snp::parse_id_auth(in)) {
    Bytes again = snp::encode_id_auth(*auth);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) __builtin_trap();
  }
  (void)verify::public_key_from_snp(in);
  (void)verify::raw_signature_from_snp(in);
  if (size < snp::kIdBlockSize) return 0;
  ByteView block = in.subspan(0, snp::kIdBlockSize);
  ByteView auth = in.subspan(snp::kIdBlockSize);
  // The block's own LD and POLICY, so the signature checks are what decides.
  Bytes ld(block.begin(), block.begin() + 48);
  std::uint64_t policy = 0;
  for (int i = 0; i < 8; ++i) policy |= std::uint64_t{block[0x58 + i]} << (8 * i);
  for (bool author : {false, true}) {
    auto launch = verify::check_id_block(block, auth, author, ld, policy);
    if (launch && launch->id_key_digest.size() != 48) __builtin_trap();
  }
  return 0;
}
