// Writing Azure HCL reports (the inverse of snp::parse_hcl_report) and the runtime
// claims Azure's paravisor puts in them. Test-only: only the paravisor emulator writes
// HCL reports.
#pragma once

#include <optional>
#include <string>

#include "core/bytes.h"
#include "crypto/keys.h"

namespace attestd::azuresim {

// "HCLA", version 1, request_type 2, status 0; the SNP report at 0x20; IGVM request data
// (version 1, report type 2, hash type 1 = SHA-256); the claims at 0x4D4; zero padding up
// to `padded_size` (0: no padding). parse_hcl_report(write_hcl_report(r, c)) gives r, c.
Bytes write_hcl_report(ByteView snp_report, std::string_view runtime_claims, std::size_t padded_size = 0);

// Runtime claims shaped like the genuine ones: {"keys":[HCLAkPub JWK (kid, key_ops
// ["sign"], kty, e, n)], "vm-configuration":{...}, "user-data": UPPERCASE hex} — the
// user-data member only when given (a fresh VM has 64 zero bytes' worth).
std::string azure_runtime_claims(const crypto::PublicKey& ak, ByteView user_data,
                                 const std::string& vm_unique_id = "00000000-0000-4000-8000-000000000000");

}  // namespace attestd::azuresim
