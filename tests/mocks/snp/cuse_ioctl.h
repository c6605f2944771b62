// The CUSE side of snp-sim's /dev/sev-guest: the SNP ioctls arrive through FUSE's
// unrestricted-ioctl protocol, in which the server cannot see the caller's memory and
// must ask the kernel for it, step by step ("retry" with the buffers it wants next):
//
//   1. nothing known yet          -> ask for the snp_guest_request_ioctl at `arg`
//   2. the ioctl struct           -> ask for req_data (96, 112 or, for SNP_GET_DERIVED_KEY,
//                                    32 bytes), and to write back the struct and resp_data
//                                    (4000 bytes; 64 for a derived key)
//   3. SNP_GET_EXT_REPORT's req   -> also ask to write back the req (certs_len) and the
//                                    caller's certificate buffer (certs_address, certs_len)
//   4. everything                 -> run the request on the device (SimSevGuestDevice: the
//                                    kernel's and the firmware's checks) and answer with the
//                                    result and the bytes of every output buffer, in order
//
// An error result may carry output too (FUSE copies it out before returning the error):
// as the driver does, the ioctl struct when exitinfo2 is set, and after INVALID_LEN the
// request with the certs_len the caller needs; nothing else is written on failure. Independent of libfuse, so the protocol is
// tested in process by playing the kernel's part (tests/unit/snp_frontends_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "hal/sev_guest.h"

namespace attestd::snpsim {

struct IoSpan {
  std::uint64_t address;  // in the calling process
  std::size_t length;
};

struct CuseIoctlStep {
  bool retry = false;
  // retry: the caller's buffers to read in (concatenated into the next call's input) and
  // those to write back (the next call's output size is the sum of their lengths).
  std::vector<IoSpan> in, out;
  // answer: the ioctl's return value (0 or -errno) and the bytes of `out`, concatenated.
  int result = 0;
  Bytes out_data;
};

// One step of the protocol. `in` is what the kernel gathered from the previous retry's
// `in` spans (empty on the first call), `out_size` the total size of its `out` spans.
// Unknown ioctls answer -ENOTTY at once, as the driver does.
CuseIoctlStep cuse_sev_guest_ioctl(hal::SevGuestDevice& device, unsigned long cmd, std::uint64_t arg, ByteView in,
                                   std::size_t out_size);

}  // namespace attestd::snpsim
