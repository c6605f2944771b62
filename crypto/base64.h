// Base64 (RFC 4648 §4) and base64url (§5).
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"

namespace attestd::crypto {

std::string base64_encode(ByteView data);     // padded
std::string base64url_encode(ByteView data);  // unpadded, as JOSE uses it

// Each accepts padded and unpadded input of its own alphabet; no whitespace.
Result<Bytes> base64_decode(std::string_view text);
Result<Bytes> base64url_decode(std::string_view text);
// Either alphabet, padded or not (real clients of MAA send all four).
Result<Bytes> base64_decode_any(std::string_view text);

}  // namespace attestd::crypto
