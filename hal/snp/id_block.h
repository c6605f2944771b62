// The ID block and its authentication information (SEV-SNP ABI spec 56860, tables
// "ID_BLOCK Structure" and "ID_AUTH_INFO Structure"): what a guest owner signs and the
// hypervisor hands to SNP_LAUNCH_FINISH (QEMU's sev-snp-guest id-block= and id-auth=).
// The firmware checks the signatures and puts FAMILY_ID, IMAGE_ID and the digests of the
// ID and author keys into every report of the guest. Pure data layout: bytes <-> structs.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::snp {

static_assert(std::endian::native == std::endian::little,
              "the ID block is little-endian and is copied in and out with memcpy");

inline constexpr std::size_t kIdBlockSize = 0x60;
inline constexpr std::size_t kIdAuthSize = 0x1000;
inline constexpr std::size_t kSnpSignatureSize = 0x200;  // table "ECDSA Signature Format"
inline constexpr std::size_t kSnpKeySize = 0x404;        // table "ECDSA Public Key Format"
inline constexpr std::uint32_t kIdBlockVersion = 1;      // the only one the spec defines
inline constexpr std::uint32_t kKeyAlgoEcdsaP384Sha384 = 1;

namespace layout {

#pragma pack(push, 1)
struct IdBlock {
  std::array<std::uint8_t, 48> launch_digest;  // 0x00 LD
  std::array<std::uint8_t, 16> family_id;      // 0x30
  std::array<std::uint8_t, 16> image_id;       // 0x40
  std::uint32_t version;                       // 0x50 VERSION (1)
  std::uint32_t guest_svn;                     // 0x54
  std::uint64_t policy;                        // 0x58 the guest POLICY
};

struct IdAuthInfo {
  std::uint32_t id_key_algo;                                // 0x000
  std::uint32_t author_key_algo;                            // 0x004
  std::array<std::uint8_t, 0x38> reserved_008;              // 0x008
  std::array<std::uint8_t, kSnpSignatureSize> id_block_sig; // 0x040: by the ID key
  std::array<std::uint8_t, kSnpKeySize> id_key;             // 0x240
  std::array<std::uint8_t, 0x3C> reserved_644;              // 0x644
  std::array<std::uint8_t, kSnpSignatureSize> id_key_sig;   // 0x680: ID_KEY by the author key
  std::array<std::uint8_t, kSnpKeySize> author_key;         // 0x880
  std::array<std::uint8_t, 0x37C> reserved_c84;             // 0xC84
};
#pragma pack(pop)

static_assert(sizeof(IdBlock) == kIdBlockSize);
static_assert(offsetof(IdBlock, family_id) == 0x30 && offsetof(IdBlock, image_id) == 0x40);
static_assert(offsetof(IdBlock, version) == 0x50 && offsetof(IdBlock, guest_svn) == 0x54);
static_assert(offsetof(IdBlock, policy) == 0x58);
static_assert(sizeof(IdAuthInfo) == kIdAuthSize);
static_assert(offsetof(IdAuthInfo, id_block_sig) == 0x040 && offsetof(IdAuthInfo, id_key) == 0x240);
static_assert(offsetof(IdAuthInfo, id_key_sig) == 0x680 && offsetof(IdAuthInfo, author_key) == 0x880);
static_assert(offsetof(IdAuthInfo, reserved_c84) == 0xC84);

}  // namespace layout

// An ID block's fields; VERSION is always 1.
struct IdBlock {
  std::array<std::uint8_t, 48> launch_digest{};
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0x30000;
};

Bytes encode_id_block(const IdBlock& block);
// MalformedInput unless `bytes` is 0x60 bytes with VERSION 1.
Result<IdBlock> parse_id_block(ByteView bytes);

// ID_AUTH_INFO's fields in the ABI's own formats (signatures and keys as the spec lays
// them out; verify/snp_key_digest.h converts them). The author fields are all zero when
// the guest owner signs without an author key.
struct IdAuthInfo {
  std::uint32_t id_key_algo = kKeyAlgoEcdsaP384Sha384;
  std::uint32_t author_key_algo = 0;
  std::array<std::uint8_t, kSnpSignatureSize> id_block_sig{};
  std::array<std::uint8_t, kSnpKeySize> id_key{};
  std::array<std::uint8_t, kSnpSignatureSize> id_key_sig{};
  std::array<std::uint8_t, kSnpKeySize> author_key{};
};

Bytes encode_id_auth(const IdAuthInfo& auth);
// MalformedInput unless `bytes` is 0x1000 bytes whose reserved fields are zero.
Result<IdAuthInfo> parse_id_auth(ByteView bytes);

}  // namespace attestd::snp
