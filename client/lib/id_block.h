// Signing an ID block (docs/measurement.md, "ID block"): the guest owner's ID key signs the
// ID block, the author key (optional) signs the ID key, in the form QEMU's sev-snp-guest
// object takes (id-block=, id-auth= base64, author-key-enabled=on).
#pragma once

#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/keys.h"
#include "hal/snp/id_block.h"

namespace attestd::client {

struct SignedIdBlock {
  Bytes id_block;                          // 0x60 bytes
  Bytes id_auth;                           // 0x1000 bytes (ID_AUTH_INFO)
  Bytes id_key_digest;                     // what reports carry as ID_KEY_DIGEST
  std::optional<Bytes> author_key_digest;  // AUTHOR_KEY_DIGEST, with an author key
};

// Signs `block` with the ID key and, when given, ID_KEY with the author key (ECDSA P-384
// with SHA-384, ID_KEY_ALGO and AUTHOR_KEY_ALGO 1). CryptoError unless both keys are
// ECDSA P-384.
Result<SignedIdBlock> sign_id_block(const snp::IdBlock& block, const crypto::PrivateKey& id_key,
                                    const crypto::PrivateKey* author_key);

// An ECDSA P-384 private key from a PEM (or DER) file: FileError when it cannot be read,
// CryptoError when it holds no private key or another kind of key.
Result<crypto::PrivateKey> read_id_signing_key(const std::string& path);

}  // namespace attestd::client
