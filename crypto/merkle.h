// A Merkle tree over nonces, RFC 6962 §2.1 / RFC 9162 §2.1 shape with SHA-256:
// leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), and a tree of n
// leaves split at the largest power of two smaller than n. The domain separation keeps a
// node from passing for a leaf (second-preimage attacks on the proof).
#pragma once

#include <cstddef>
#include <vector>

#include <json/value.h>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::crypto {

inline constexpr std::size_t kMerkleMaxLeaves = std::size_t{1} << 20;
inline constexpr std::size_t kMerkleMaxPath = 64;

// The inclusion (audit) path of leaf `index` in a tree of `count` leaves, bottom-up.
struct MerkleProof {
  std::size_t index = 0, count = 0;
  std::vector<Bytes> path;  // 32-byte hashes
};

Bytes merkle_leaf_hash(ByteView leaf_data);
Bytes merkle_node_hash(ByteView left, ByteView right);

// A whole tree, kept level by level, for handing out many proofs: O(n) to build, O(log n)
// per proof. (RFC 6962's split at the largest power of two below n gives the same tree as
// pairing each level left to right and carrying an unpaired last node up unchanged.)
class MerkleTree {
 public:
  explicit MerkleTree(const std::vector<Bytes>& leaves_data);
  std::size_t size() const { return levels_.empty() ? 0 : levels_.front().size(); }
  const Bytes& root() const { return root_; }
  // Precondition: index < size() (else an empty proof, which verifies nothing).
  MerkleProof proof(std::size_t index) const;

 private:
  std::vector<std::vector<Bytes>> levels_;  // leaf hashes first, the root's level last
  Bytes root_;
};

// The tree head; the empty tree's is SHA-256("") as in RFC 6962.
Bytes merkle_root(const std::vector<Bytes>& leaves_data);
// Precondition: index < leaves_data.size() (else an empty proof, which verifies nothing).
MerkleProof merkle_proof(const std::vector<Bytes>& leaves_data, std::size_t index);
// RFC 9162 §2.1.3.2: recomputes the root from the leaf and its path; false for any
// mismatch (wrong data, index, count, path length or root).
bool merkle_verify(ByteView leaf_data, const MerkleProof& proof, ByteView root);

// {"index": N, "count": N, "path": [hex, ...]}
Json::Value proof_json(const MerkleProof& proof);
// MalformedInput naming the member at fault: index < count ≤ 2^20, at most 64 path
// entries, each 32 bytes of hex; unknown members are refused.
Result<MerkleProof> proof_from_json(const Json::Value& json);

}  // namespace attestd::crypto
