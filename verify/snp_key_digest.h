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

// The key back from the ABI's format: MalformedInput unless CURVE is 2 (P-384) and the
// bytes above each 48-byte coordinate and after QY are zero; CryptoError when the point
// is not on the curve.
Result<crypto::PublicKey> public_key_from_snp(ByteView snp_key);

// SEV-SNP ABI spec 56860, table "ECDSA Signature Format": R and S (72 bytes each,
// little-endian, zero-extended), then zeros to 0x200 bytes. `raw` is a P-384 signature
// as crypto::PrivateKey::sign gives it, big-endian R || S (96 bytes).
Result<Bytes> snp_signature(ByteView raw);
// Back to R || S: MalformedInput unless the ABI form is 0x200 bytes whose bytes above
// each 48-byte scalar, and after S, are zero.
Result<Bytes> raw_signature_from_snp(ByteView snp_signature);

}  // namespace attestd::verify
