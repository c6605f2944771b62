// The nonce Merkle tree: RFC 6962's tree heads and audit paths, RFC 9162's verifier.
#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "crypto/merkle.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::crypto;

namespace {

Bytes unhex(const std::string& h) { return *hex_decode(h); }

// RFC 6962's reference inputs (certificate-transparency test data): eight leaves and the
// tree head of each prefix of them.
std::vector<Bytes> ct_leaves() {
  std::vector<Bytes> leaves;
  for (const char* h : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                        "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(unhex(h));
  }
  return leaves;
}
const char* kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Bytes> nonces(std::size_t n) {
  std::vector<Bytes> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(sha256(as_bytes("nonce " + std::to_string(i))));
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_merkle)

BOOST_AUTO_TEST_CASE(tree_heads_equal_rfc_6962_reference_roots) {
  auto leaves = ct_leaves();
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    std::vector<Bytes> prefix(leaves.begin(), leaves.begin() + n);
    BOOST_TEST(hex_encode(merkle_root(prefix)) == kCtRoots[n], "size " << n);
  }
}

BOOST_AUTO_TEST_CASE(audit_paths_equal_rfc_6962_reference_paths) {
  auto leaves = ct_leaves();
  MerkleProof first = merkle_proof(leaves, 0);
  BOOST_REQUIRE(first.path.size() == 3u);
  BOOST_TEST(hex_encode(first.path[0]) == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  BOOST_TEST(hex_encode(first.path[1]) == "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  BOOST_TEST(hex_encode(first.path[2]) == "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  MerkleProof sixth = merkle_proof(leaves, 5);
  BOOST_REQUIRE(sixth.path.size() == 3u);
  BOOST_TEST(hex_encode(sixth.path[0]) == "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  BOOST_TEST(hex_encode(sixth.path[1]) == "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  BOOST_TEST(hex_encode(sixth.path[2]) == "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
}

BOOST_AUTO_TEST_CASE(a_single_leaf_tree_has_the_leaf_hash_as_root_and_an_empty_path) {
  auto one = nonces(1);
  Bytes root = merkle_root(one);
  BOOST_TEST(root == merkle_leaf_hash(one[0]));
  Bytes expected = {0x00};
  expected.insert(expected.end(), one[0].begin(), one[0].end());
  BOOST_TEST(root == sha256(expected));
  MerkleProof p = merkle_proof(one, 0);
  BOOST_TEST(p.path.empty());
  BOOST_TEST(merkle_verify(one[0], p, root));
}

BOOST_AUTO_TEST_CASE(two_leaves_make_one_node_of_their_leaf_hashes) {
  auto two = nonces(2);
  Bytes expected = {0x01};
  for (const auto& l : two) {
    Bytes h = merkle_leaf_hash(l);
    expected.insert(expected.end(), h.begin(), h.end());
  }
  BOOST_TEST(merkle_root(two) == sha256(expected));
}

BOOST_AUTO_TEST_CASE(every_proof_verifies_for_every_tree_size) {
  for (std::size_t n : {1, 2, 3, 5, 7, 8, 1000}) {
    auto leaves = nonces(n);
    Bytes root = merkle_root(leaves);
    MerkleTree tree(leaves);
    BOOST_TEST(tree.root() == root);
    for (std::size_t i = 0; i < n; ++i) {
      MerkleProof p = tree.proof(i);
      BOOST_TEST(p.index == i);
      BOOST_TEST(p.count == n);
      if (!merkle_verify(leaves[i], p, root)) BOOST_FAIL("size " << n << " index " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_proof_for_another_nonce_index_or_count_fails) {
  auto leaves = nonces(7);
  Bytes root = merkle_root(leaves);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    MerkleProof p = merkle_proof(leaves, i);
    BOOST_TEST(!merkle_verify(leaves[(i + 1) % 7], p, root), "nonce, index " << i);
    MerkleProof moved = p;
    moved.index = (i + 1) % 7;
    BOOST_TEST(!merkle_verify(leaves[i], moved, root), "index " << i);
    for (std::size_t count : {std::size_t{2}, std::size_t{1000}}) {
      MerkleProof resized = p;
      resized.count = count;
      BOOST_TEST(!merkle_verify(leaves[i], resized, root), "count " << count << ", index " << i);
    }
    MerkleProof shortened = p;
    shortened.path.pop_back();
    BOOST_TEST(!merkle_verify(leaves[i], shortened, root));
    MerkleProof flipped = p;
    flipped.path[0][0] ^= 1;
    BOOST_TEST(!merkle_verify(leaves[i], flipped, root));
  }
  BOOST_TEST(!merkle_verify(leaves[0], merkle_proof(leaves, 0), merkle_root(nonces(8))));
}

BOOST_AUTO_TEST_CASE(the_path_does_not_bind_the_count_where_the_tree_shape_agrees) {
  // Leaf 0 has the same audit-path shape in trees of 5 to 8 leaves, so the RFC 9162
  // verifier accepts any of those counts: the count is bound by the attested runtime data
  // ("nonces": {"count"}), and the relying party must compare it with the proof's.
  auto leaves = nonces(7);
  MerkleProof p = merkle_proof(leaves, 0);
  p.count = 8;
  BOOST_TEST(merkle_verify(leaves[0], p, merkle_root(leaves)));
}

BOOST_AUTO_TEST_CASE(an_inner_node_does_not_pass_for_a_leaf) {
  // Domain separation: presenting the two leaf hashes under the root as one "leaf" of a
  // one-leaf tree does not give the root.
  auto two = nonces(2);
  Bytes inner = merkle_leaf_hash(two[0]);
  Bytes right = merkle_leaf_hash(two[1]);
  inner.insert(inner.end(), right.begin(), right.end());
  MerkleProof p{0, 1, {}};
  BOOST_TEST(!merkle_verify(inner, p, merkle_root(two)));
}

BOOST_AUTO_TEST_CASE(proofs_round_trip_through_json) {
  auto leaves = nonces(5);
  MerkleProof p = merkle_proof(leaves, 4);
  Json::Value j = proof_json(p);
  BOOST_TEST(j["index"].asUInt64() == 4u);
  BOOST_TEST(j["count"].asUInt64() == 5u);
  BOOST_TEST(j["path"].size() == p.path.size());
  auto back = proof_from_json(*parse_json(json_compact(j), "proof"));
  BOOST_REQUIRE_MESSAGE(back.ok(), test::why(back));
  BOOST_TEST(back->index == p.index);
  BOOST_TEST(back->count == p.count);
  BOOST_TEST((back->path == p.path));
  BOOST_TEST(merkle_verify(leaves[4], *back, merkle_root(leaves)));
}

BOOST_AUTO_TEST_CASE(malformed_json_proofs_are_refused_naming_the_member) {
  auto refused = [](const std::string& text, const std::string& mention) {
    auto r = proof_from_json(*parse_json(text, "proof"));
    BOOST_TEST(!r.ok(), text);
    if (!r.ok()) {
      BOOST_TEST((r.error().code() == ErrorCode::MalformedInput));
      BOOST_TEST(r.error().message().find(mention) != std::string::npos, r.error().message());
    }
  };
  std::string h32(64, 'a');
  refused("[]", "object");
  refused(R"({"index": 0, "path": []})", "count");
  refused(R"({"index": 0, "count": 0, "path": []})", "count");
  refused(R"({"index": 0, "count": 1048577, "path": []})", "count");
  refused(R"({"index": 2, "count": 2, "path": []})", "index");
  refused(R"({"index": -1, "count": 2, "path": []})", "index");
  refused(R"({"index": 0.5, "count": 2, "path": []})", "index");
  refused(R"({"index": 0, "count": 2})", "path");
  refused(R"({"index": 0, "count": 2, "path": ["abcd"]})", "path\"[0]");
  refused(R"({"index": 0, "count": 2, "path": [")" + std::string(64, 'z') + R"("]})", "path\"[0]");
  refused(R"({"index": 0, "count": 2, "path": [1]})", "path\"[0]");
  refused(R"({"index": 0, "count": 2, "path": [], "extra": 1})", "extra");
  std::string long_path = "[";
  for (int i = 0; i < 65; ++i) long_path += (i ? ",\"" : "\"") + h32 + "\"";
  long_path += "]";
  refused(R"({"index": 0, "count": 2, "path": )" + long_path + "}", "64");
  BOOST_TEST(proof_from_json(*parse_json(R"({"index": 1, "count": 2, "path": [")" + h32 + R"("]})", "p")).ok());
}

BOOST_AUTO_TEST_SUITE_END()
