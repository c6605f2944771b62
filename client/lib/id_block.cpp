#include "client/lib/id_block.h"

#include <algorithm>
#include <string_view>

#include "core/file.h"
#include "verify/snp_key_digest.h"

namespace attestd::client {

namespace {

constexpr std::size_t kMaxKeyFile = 64 * 1024;  // a PEM P-384 key is ~300 bytes

bool is_p384(const crypto::PrivateKey& key) {
  return key.type() == crypto::KeyType::Ec && key.public_key().curve() == crypto::EcCurve::P384;
}

// `message` signed by `key`, in the ABI's signature format.
Result<Bytes> sign_snp(const crypto::PrivateKey& key, ByteView message) {
  auto raw = key.sign(crypto::SignatureScheme::EcdsaSha384, message);
  if (!raw) return raw.error();
  return verify::snp_signature(*raw);
}

template <std::size_t N>
void copy_into(const Bytes& from, std::array<std::uint8_t, N>& to) {
  std::copy_n(from.begin(), std::min(N, from.size()), to.begin());
}

}  // namespace

Result<SignedIdBlock> sign_id_block(const snp::IdBlock& block, const crypto::PrivateKey& id_key,
                                    const crypto::PrivateKey* author_key) {
  if (!is_p384(id_key)) return Error(ErrorCode::CryptoError, "the ID key is not an ECDSA P-384 key");
  if (author_key && !is_p384(*author_key)) {
    return Error(ErrorCode::CryptoError, "the author key is not an ECDSA P-384 key");
  }
  SignedIdBlock out;
  out.id_block = snp::encode_id_block(block);
  snp::IdAuthInfo auth;
  auth.id_key_algo = snp::kKeyAlgoEcdsaP384Sha384;
  auto id_public = verify::snp_public_key(id_key.public_key());
  if (!id_public) return id_public.error();
  auto block_sig = sign_snp(id_key, out.id_block);
  if (!block_sig) return block_sig.error();
  copy_into(*id_public, auth.id_key);
  copy_into(*block_sig, auth.id_block_sig);
  out.id_key_digest = crypto::sha384(*id_public);
  if (author_key) {
    auto author_public = verify::snp_public_key(author_key->public_key());
    if (!author_public) return author_public.error();
    auto key_sig = sign_snp(*author_key, *id_public);
    if (!key_sig) return key_sig.error();
    auth.author_key_algo = snp::kKeyAlgoEcdsaP384Sha384;
    copy_into(*author_public, auth.author_key);
    copy_into(*key_sig, auth.id_key_sig);
    out.author_key_digest = crypto::sha384(*author_public);
  }
  out.id_auth = snp::encode_id_auth(auth);
  return out;
}

Result<crypto::PrivateKey> read_id_signing_key(const std::string& path) {
  auto bytes = read_file(path, kMaxKeyFile);
  if (!bytes) return bytes.error();
  std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  auto key = text.find("-----BEGIN") != std::string_view::npos ? crypto::PrivateKey::from_pem(text)
                                                                 : crypto::PrivateKey::from_der(*bytes);
  if (!key) {
    return Error(ErrorCode::CryptoError, path + " holds no unencrypted private key (" + key.error().message() + ")");
  }
  if (!is_p384(*key)) return Error(ErrorCode::CryptoError, path + " is not an ECDSA P-384 private key");
  return key;
}

}  // namespace attestd::client
