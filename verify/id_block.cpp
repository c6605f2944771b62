#include "verify/id_block.h"

#include <algorithm>
#include <string>

#include "core/text.h"
#include "crypto/keys.h"
#include "crypto/sha.h"
#include "verify/snp_key_digest.h"

namespace attestd::verify {

namespace {

// `what` is signed by `signer` (ABI key format) with `signature` (ABI signature format).
Status verify_snp_signature(ByteView signer, ByteView signature, ByteView what, const std::string& name) {
  auto key = public_key_from_snp(signer);
  if (!key) return key.error().with_context(name + "'s key");
  auto raw = raw_signature_from_snp(signature);
  if (!raw) return raw.error().with_context(name);
  if (Status s = key->verify(crypto::SignatureScheme::EcdsaSha384, what, *raw); !s) {
    return Error(ErrorCode::BadSignature, name + " does not verify");
  }
  return ok_status();
}

}  // namespace

Result<IdBlockLaunch> check_id_block(ByteView id_block, ByteView id_auth, bool author_key_enabled,
                                     ByteView launch_digest, std::uint64_t guest_policy) {
  auto block = snp::parse_id_block(id_block);
  if (!block) return block.error();
  auto auth = snp::parse_id_auth(id_auth);
  if (!auth) return auth.error();
  if (auth->id_key_algo != snp::kKeyAlgoEcdsaP384Sha384) {
    return Error(ErrorCode::MalformedInput,
                 "ID_KEY_ALGO is " + std::to_string(auth->id_key_algo) + ", not 1 (ECDSA P-384 with SHA-384)");
  }
  if (author_key_enabled && auth->author_key_algo != snp::kKeyAlgoEcdsaP384Sha384) {
    return Error(ErrorCode::MalformedInput,
                 "AUTHOR_KEY_ALGO is " + std::to_string(auth->author_key_algo) + ", not 1 (ECDSA P-384 with SHA-384)");
  }
  if (Status s = verify_snp_signature(auth->id_key, auth->id_block_sig, id_block, "ID_BLOCK_SIG (the ID key's)"); !s) {
    return s.error();
  }
  if (author_key_enabled) {
    if (Status s = verify_snp_signature(auth->author_key, auth->id_key_sig, auth->id_key, "ID_KEY_SIG (the author key's)"); !s) {
      return s.error();
    }
  }
  if (!std::equal(launch_digest.begin(), launch_digest.end(), block->launch_digest.begin(), block->launch_digest.end())) {
    return Error(ErrorCode::MeasurementMismatch, "the ID block's LD " + hex_encode(block->launch_digest) +
                                                     " is not the launch measurement " + hex_encode(launch_digest));
  }
  if (block->policy != guest_policy) {
    return Error(ErrorCode::GuestPolicyMismatch, "the ID block's POLICY " + hex_number(block->policy) +
                                                     " is not the guest policy " + hex_number(guest_policy));
  }
  IdBlockLaunch launch;
  launch.block = *block;
  launch.id_key_digest = crypto::sha384(auth->id_key);
  launch.author_key_digest = author_key_enabled ? crypto::sha384(auth->author_key) : Bytes(48, 0);
  launch.author_key_enabled = author_key_enabled;
  return launch;
}

}  // namespace attestd::verify
