// The checks the SNP firmware makes on an ID block at SNP_LAUNCH_FINISH (SEV-SNP ABI spec
// 56860, "SNP_LAUNCH_FINISH"), and what it then records for the guest: snp-sim's launch
// runs them, and a guest owner can run them on the blocks `attest measure` wrote.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/error.h"
#include "hal/snp/id_block.h"

namespace attestd::verify {

// What every report of a guest launched with an ID block carries from it.
struct IdBlockLaunch {
  snp::IdBlock block;         // FAMILY_ID, IMAGE_ID (and GUEST_SVN)
  Bytes id_key_digest;        // SHA-384 of ID_KEY (48 bytes)
  Bytes author_key_digest;    // SHA-384 of AUTHOR_KEY; 48 zero bytes unless author_key_enabled
  bool author_key_enabled = false;  // SIGNER_INFO.AUTHOR_KEY_EN
};

// Checks, in this order, and fails naming the check:
//   the blocks parse (MalformedInput), ID_KEY_ALGO (and with the author key AUTHOR_KEY_ALGO)
//   is 1, ECDSA P-384 with SHA-384 (MalformedInput);
//   ID_BLOCK_SIG verifies over the ID block with ID_KEY (BadSignature);
//   with author_key_enabled, ID_KEY_SIG verifies over ID_KEY with AUTHOR_KEY (BadSignature);
//   the block's LD equals `launch_digest` (MeasurementMismatch);
//   the block's POLICY equals `guest_policy` (GuestPolicyMismatch).
Result<IdBlockLaunch> check_id_block(ByteView id_block, ByteView id_auth, bool author_key_enabled,
                                     ByteView launch_digest, std::uint64_t guest_policy);

}  // namespace attestd::verify
