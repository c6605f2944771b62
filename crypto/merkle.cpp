#include "crypto/merkle.h"

#include <string>

#include "core/json.h"
#include "crypto/sha.h"

namespace attestd::crypto {

namespace {

constexpr std::size_t kHashSize = 32;

Error malformed(const std::string& what) { return Error(ErrorCode::MalformedInput, "Merkle proof: " + what); }

}  // namespace

Bytes merkle_leaf_hash(ByteView leaf_data) {
  Hasher h(HashAlg::Sha256);
  const std::uint8_t prefix = 0x00;
  h.update(ByteView(&prefix, 1));
  h.update(leaf_data);
  return h.finish();
}

Bytes merkle_node_hash(ByteView left, ByteView right) {
  Hasher h(HashAlg::Sha256);
  const std::uint8_t prefix = 0x01;
  h.update(ByteView(&prefix, 1));
  h.update(left);
  h.update(right);
  return h.finish();
}

MerkleTree::MerkleTree(const std::vector<Bytes>& leaves_data) {
  if (leaves_data.empty()) {
    root_ = sha256({});
    return;
  }
  std::vector<Bytes> level;
  level.reserve(leaves_data.size());
  for (const Bytes& d : leaves_data) level.push_back(merkle_leaf_hash(d));
  levels_.push_back(std::move(level));
  while (levels_.back().size() > 1) {
    const std::vector<Bytes>& below = levels_.back();
    std::vector<Bytes> above;
    above.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(merkle_node_hash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) above.push_back(below.back());
    levels_.push_back(std::move(above));
  }
  root_ = levels_.back().front();
}

MerkleProof MerkleTree::proof(std::size_t index) const {
  MerkleProof proof;
  if (index >= size()) return proof;
  proof.index = index;
  proof.count = size();
  std::size_t i = index;
  for (std::size_t l = 0; l + 1 < levels_.size(); ++l, i /= 2) {
    const std::vector<Bytes>& level = levels_[l];
    if (i % 2 == 1) {
      proof.path.push_back(level[i - 1]);
    } else if (i + 1 < level.size()) {
      proof.path.push_back(level[i + 1]);
    }  // else: the unpaired last node rises without a sibling
  }
  return proof;
}

Bytes merkle_root(const std::vector<Bytes>& leaves_data) { return MerkleTree(leaves_data).root(); }

MerkleProof merkle_proof(const std::vector<Bytes>& leaves_data, std::size_t index) {
  return MerkleTree(leaves_data).proof(index);
}

bool merkle_verify(ByteView leaf_data, const MerkleProof& proof, ByteView root) {
  // RFC 9162 §2.1.3.2, step by step.
  if (proof.index >= proof.count || proof.path.size() > kMerkleMaxPath || root.size() != kHashSize) return false;
  std::uint64_t fn = proof.index, sn = proof.count - 1;
  Bytes r = merkle_leaf_hash(leaf_data);
  for (const Bytes& p : proof.path) {
    if (p.size() != kHashSize || sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = merkle_node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && constant_time_equal(r, root);
}

Json::Value proof_json(const MerkleProof& proof) {
  Json::Value v(Json::objectValue);
  v["index"] = Json::UInt64(proof.index);
  v["count"] = Json::UInt64(proof.count);
  v["path"] = Json::Value(Json::arrayValue);
  for (const Bytes& p : proof.path) v["path"].append(hex_encode(p));
  return v;
}

Result<MerkleProof> proof_from_json(const Json::Value& json) {
  if (!json.isObject()) return malformed("not a JSON object");
  for (const auto& name : json.getMemberNames()) {
    if (name != "index" && name != "count" && name != "path") return malformed("unknown member \"" + name + "\"");
  }
  const Json::Value& index = json["index"];
  const Json::Value& count = json["count"];
  const Json::Value& path = json["path"];
  auto count_n = json_integer(count, 1, static_cast<std::int64_t>(kMerkleMaxLeaves));
  if (!count_n) return malformed("\"count\" must be an integer from 1 to " + std::to_string(kMerkleMaxLeaves));
  auto index_n = json_integer(index, 0, *count_n - 1);
  if (!index_n) return malformed("\"index\" must be an integer below \"count\"");
  if (!path.isArray() || path.size() > kMerkleMaxPath) {
    return malformed("\"path\" must be an array of at most " + std::to_string(kMerkleMaxPath) + " hashes");
  }
  MerkleProof proof;
  proof.index = static_cast<std::size_t>(*index_n);
  proof.count = static_cast<std::size_t>(*count_n);
  for (Json::ArrayIndex i = 0; i < path.size(); ++i) {
    auto h = path[i].isString() ? hex_decode(path[i].asString()) : Result<Bytes>(malformed(""));
    if (!h || h->size() != kHashSize) {
      return malformed("\"path\"[" + std::to_string(i) + "] is not 32 bytes of hex");
    }
    proof.path.push_back(std::move(h).value());
  }
  return proof;
}

}  // namespace attestd::crypto
