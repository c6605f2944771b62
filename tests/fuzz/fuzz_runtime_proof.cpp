// libFuzzer: what a relying party takes from an agent's answer besides the token: the
// runtime data (parse_runtime), the Merkle proof of its nonce (proof_from_json,
// merkle_verify), and the whole check of client::check_attestation_answer. The input is
// the runtime JSON, a NUL, the proof JSON, a NUL, then the nonce's bytes. The token's
// claims are made to attest exactly that runtime data, in both token shapes, so that the
// check goes past the runtime binding to the proof and the channel binding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/lib/agent_session.h"
#include "client/lib/runtime_data.h"
#include "core/json.h"
#include "crypto/keys.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "crypto/sha.h"

namespace {

using namespace attestd;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::string_view next_part(std::string_view& in) {
  std::size_t nul = in.find('\0');
  std::string_view part = in.substr(0, nul);
  in = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  return part;
}

const crypto::PublicKey& other_key() {
  static const auto key = *crypto::PrivateKey::generate_ec_from_seed(crypto::EcCurve::P256, as_bytes("fuzz-peer"));
  static const crypto::PublicKey pub = key.public_key();
  return pub;
}

// A proof that verified must stop verifying for any other nonce.
void check_proof(ByteView nonce, const crypto::MerkleProof& proof, ByteView root) {
  if (!crypto::merkle_verify(nonce, proof, root)) return;
  require(proof.index < proof.count && proof.count <= crypto::kMerkleMaxLeaves);
  Bytes other(nonce.begin(), nonce.end());
  other.push_back(0);
  require(!crypto::merkle_verify(other, proof, root));
}

// The tree the agent builds, with our nonce at the proof's index: its proof verifies, and
// the two ways of making a proof agree.
void check_tree(ByteView nonce, const crypto::MerkleProof& shape) {
  if (shape.count > 64) return;
  std::vector<Bytes> leaves;
  for (std::size_t i = 0; i < shape.count; ++i) {
    leaves.push_back(i == shape.index ? Bytes(nonce.begin(), nonce.end()) : Bytes{static_cast<std::uint8_t>(i), 0xA5});
  }
  crypto::MerkleTree tree(leaves);
  require(tree.root() == crypto::merkle_root(leaves));
  crypto::MerkleProof proof = tree.proof(shape.index);
  require(proof.path == crypto::merkle_proof(leaves, shape.index).path);
  require(crypto::merkle_verify(nonce, proof, tree.root()));
  auto again = crypto::proof_from_json(crypto::proof_json(proof));
  require(again && again->path == proof.path && again->index == proof.index && again->count == proof.count);
}

// Both token shapes attest `runtime_text`: SevSnpVm as x-ms-runtime itself, Azure vTPM as
// user-data = SHA-256(runtime) padded to 64 bytes, with the
// client payload of its report data.
void check_answer(std::string_view runtime_text, const crypto::MerkleProof& proof, ByteView nonce) {
  auto attested = parse_json(runtime_text, "runtime data");
  auto parsed = client::parse_runtime(runtime_text);
  const crypto::PublicKey& peer = parsed ? parsed->tls_key : other_key();

  Json::Value sevsnpvm(Json::objectValue);
  if (attested) sevsnpvm["x-ms-runtime"] = *attested;
  Json::Value azure(Json::objectValue);
  Bytes user_data = crypto::sha256(as_bytes(runtime_text));
  user_data.resize(64, 0);
  azure["x-ms-runtime"]["user-data"] = hex_encode(user_data);
  // An AzureGuest token also echoes the ClientPayload of the batch at its top level.
  Json::Value azure_token(Json::objectValue);
  azure_token["x-ms-runtime"]["client-payload"][client::kClientPayloadKey] =
      crypto::base64_encode(as_bytes(client::client_payload_value(client::report_data_for(runtime_text))));

  const std::pair<client::TokenShape, const Json::Value*> shapes[] = {{client::TokenShape::SevSnpVm, &sevsnpvm},
                                                                      {client::TokenShape::AzureGuest, &azure}};
  for (const auto& [shape, tee] : shapes) {
    client::SnpTokenClaims claims{shape, tee, {}};
    if (shape == client::TokenShape::AzureGuest) claims.token = &azure_token;
    auto answer = client::check_attestation_answer(claims, runtime_text, proof, nonce, peer);
    if (answer) {
      require(parsed.ok());
      require(proof.count == answer->count);
      require(crypto::merkle_verify(nonce, proof, answer->merkle_root));
      require(answer->tls_key == peer);
      // The same answer seen over a connection with another key is refused.
      auto elsewhere = client::check_attestation_answer(claims, runtime_text, proof, nonce, other_key());
      require(!elsewhere && elsewhere.error().code() == ErrorCode::ChannelBindingMismatch);
    } else {
      ErrorCode c = answer.error().code();
      require(c == ErrorCode::MalformedInput || c == ErrorCode::RuntimeDataMismatch ||
              c == ErrorCode::NonceMismatch || c == ErrorCode::ChannelBindingMismatch);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view runtime_text = next_part(in);
  std::string_view proof_text = next_part(in);
  ByteView nonce = as_bytes(in);

  auto runtime = client::parse_runtime(runtime_text);
  if (runtime) {
    require(runtime->merkle_root.size() == 32);
    require(runtime->count >= 1 && runtime->count <= crypto::kMerkleMaxLeaves);
    require(runtime->time > 0);
  } else {
    require(runtime.error().code() == ErrorCode::MalformedInput);
  }

  auto proof_doc = parse_json(proof_text, "proof");
  if (!proof_doc) return 0;
  auto proof = crypto::proof_from_json(*proof_doc);
  if (!proof) {
    require(proof.error().code() == ErrorCode::MalformedInput);
    return 0;
  }
  require(proof->index < proof->count && proof->count <= crypto::kMerkleMaxLeaves);
  require(proof->path.size() <= crypto::kMerkleMaxPath);
  for (const Bytes& h : proof->path) require(h.size() == 32);

  if (runtime) check_proof(nonce, *proof, runtime->merkle_root);
  check_tree(nonce, *proof);
  check_answer(runtime_text, *proof, nonce);
  return 0;
}
