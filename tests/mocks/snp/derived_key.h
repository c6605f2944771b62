// snp-sim's answer to MSG_KEY_REQ (SNP_GET_DERIVED_KEY), deterministic so tests can
// compare keys (docs/snp-sim.md, "Derived keys"):
//
//   root secret = SHA-384(label || DER of the identity's VCEK or VLEK private key), the
//                 label naming the root: "attestd snp-sim VCEK root", "... VLEK root" or
//                 "... VMRK" (a real VMRK is random per launch; the sim's is per chip)
//   message     = "attestd snp-sim MSG_KEY_REQ v1" || u64 GUEST_FIELD_SELECT || u32 VMPL
//                 || each selected field in bit order: u64 POLICY, IMAGE_ID (16), FAMILY_ID
//                 (16), MEASUREMENT (48) of the launch, then the request's u32 GUEST_SVN and
//                 u64 TCB_VERSION (all little-endian)
//   key         = the first 32 bytes of HMAC-SHA-384(root secret, message)
//
// Refused as the firmware refuses, with MSG_KEY_RSP status INVALID_PARAM (0x16): reserved
// bits or bytes set, KEY_SEL 3, a VMPL above 3 or below the guest's own, a GUEST_SVN above
// the launch's, a TCB_VERSION with reserved bytes or any SVN above the committed TCB;
// INVALID_KEY (0x27) for KEY_SEL 2 (VLEK) when no VLEK is installed (the launch signs with
// the VCEK).
#pragma once

#include <cstdint>

#include "hal/derived_key.h"
#include "tests/mocks/snp/sim.h"

namespace attestd::snpsim {

struct KeyAnswer {
  std::uint32_t status = 0;  // MSG_KEY_RSP STATUS
  hal::DerivedKey key{};     // zero unless status is 0
};

// `launch` is the guest as launched (policy, IDs, measurement, GUEST_SVN, committed TCB =
// reported_tcb or the identity's, use_vlek); `guest_vmpl` the VMPL the request comes from.
KeyAnswer derive_key(const SimIdentity& identity, const ReportRequest& launch, std::uint32_t guest_vmpl,
                     const hal::uapi::SnpDerivedKeyReq& request);

}  // namespace attestd::snpsim
