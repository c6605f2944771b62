#include "hal/snp/id_block.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace attestd::snp {

namespace {

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

Error malformed(const std::string& message) { return Error(ErrorCode::MalformedInput, message); }

}  // namespace

Bytes encode_id_block(const IdBlock& block) {
  layout::IdBlock raw{};
  raw.launch_digest = block.launch_digest;
  raw.family_id = block.family_id;
  raw.image_id = block.image_id;
  raw.version = kIdBlockVersion;
  raw.guest_svn = block.guest_svn;
  raw.policy = block.policy;
  Bytes out(kIdBlockSize);
  std::memcpy(out.data(), &raw, kIdBlockSize);
  return out;
}

Result<IdBlock> parse_id_block(ByteView bytes) {
  if (bytes.size() != kIdBlockSize) {
    return malformed("an ID block is " + std::to_string(kIdBlockSize) + " bytes, not " +
                     std::to_string(bytes.size()));
  }
  layout::IdBlock raw;
  std::memcpy(&raw, bytes.data(), kIdBlockSize);
  if (raw.version != kIdBlockVersion) {
    return malformed("the ID block's VERSION is " + std::to_string(raw.version) + ", not 1");
  }
  return IdBlock{raw.launch_digest, raw.family_id, raw.image_id, raw.guest_svn, raw.policy};
}

Bytes encode_id_auth(const IdAuthInfo& auth) {
  layout::IdAuthInfo raw{};
  raw.id_key_algo = auth.id_key_algo;
  raw.author_key_algo = auth.author_key_algo;
  raw.id_block_sig = auth.id_block_sig;
  raw.id_key = auth.id_key;
  raw.id_key_sig = auth.id_key_sig;
  raw.author_key = auth.author_key;
  Bytes out(kIdAuthSize);
  std::memcpy(out.data(), &raw, kIdAuthSize);
  return out;
}

Result<IdAuthInfo> parse_id_auth(ByteView bytes) {
  if (bytes.size() != kIdAuthSize) {
    return malformed("an ID authentication block is " + std::to_string(kIdAuthSize) + " bytes, not " +
                     std::to_string(bytes.size()));
  }
  layout::IdAuthInfo raw;
  std::memcpy(&raw, bytes.data(), kIdAuthSize);
  if (!all_zero(raw.reserved_008) || !all_zero(raw.reserved_644) || !all_zero(raw.reserved_c84)) {
    return malformed("a reserved field of the ID authentication block is not zero");
  }
  return IdAuthInfo{raw.id_key_algo, raw.author_key_algo, raw.id_block_sig, raw.id_key, raw.id_key_sig, raw.author_key};
}

}  // namespace attestd::snp
