// ID and author keys as the SNP firmware sees them: the ABI's public-key format and its
// SHA-384, which a report carries as ID_KEY_DIGEST and AUTHOR_KEY_DIGEST.
#pragma once

#include <string_view>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/keys.h"

namespace attestd::verify {

// SEV-SNP ABI spec 56860, table "ECDSA Public Key Format": CURVE (4 bytes LE, 2 = P-384),
// QX and QY (72 bytes each, little-endian, zero-extended), then zeros to 0x404 bytes.
inline constexpr std::size_t kSnpPublicKeySize = 0x404;

// CryptoError unless the key is ECDSA P-384 (the only ID/author key the firmware takes).
Result<Bytes> snp_public_key(const crypto::PublicKey& key);

// SHA-384 of snp_public_key(key).
Result<Bytes> snp_key_digest(const crypto::PublicKey& key);

// The digest of the key in one PEM block: a PUBLIC KEY or a CERTIFICATE.
Result<Bytes> snp_key_digest_of_pem(std::string_view pem);

}  // namespace attestd::verify
