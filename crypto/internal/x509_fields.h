// Private to crypto/: reading the fields mbedTLS parses out of X.509 certificates and CRLs.
#pragma once

#include <mbedtls/x509.h>

#include <string>

#include "core/time.h"

namespace attestd::crypto::detail {

// An X.509 time (UTC) as seconds since the epoch.
UnixTime to_unix(const mbedtls_x509_time& t);

// A distinguished name as mbedTLS prints it ("CN=ARK-Milan, O=..."); empty if it cannot.
std::string dn_string(const mbedtls_x509_name* name);

}  // namespace attestd::crypto::detail
