// The Authenticode signature of a PE image (Microsoft "Windows Authenticode Portable
// Executable Signature Format"): which certificates it carries, so that the db entry
// that verified the image under Secure Boot can be named.
#pragma once

#include <vector>

#include "boot/pe.h"
#include "core/error.h"
#include "crypto/x509.h"

namespace attestd::boot {

// The certificates of the image's PKCS#7 SignedData (WIN_CERTIFICATE type
// WIN_CERT_TYPE_PKCS_SIGNED_DATA), in the order they appear. Empty when the image is
// unsigned; MalformedInput for a certificate table or SignedData that does not parse.
Result<std::vector<crypto::Certificate>> signature_certificates(const PeImage& image);

}  // namespace attestd::boot
