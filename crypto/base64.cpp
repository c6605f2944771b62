#include "crypto/base64.h"

#include <mbedtls/base64.h>

namespace attestd::crypto {

std::string base64_encode(ByteView data) {
  std::size_t len = 0;
  mbedtls_base64_encode(nullptr, 0, &len, data.data(), data.size());
  std::string out(len, '\0');
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len,
                        data.data(), data.size());
  out.resize(len);  // len excludes the terminating NUL mbedTLS writes
  return out;
}

std::string base64url_encode(ByteView data) {
  std::string s = base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

namespace {

enum Alphabet { kStandard = 1, kUrl = 2 };

// The 6-bit value of a character of the standard alphabet.
unsigned sextet(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<unsigned>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<unsigned>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0' + 52);
  return c == '+' ? 62 : 63;
}

// Normalises to padded standard base64, then lets mbedTLS decode it.
Result<Bytes> decode(std::string_view text, int alphabets, const char* what) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::MalformedInput, std::string("invalid ") + what + ": " + why);
  };
  std::string norm;
  norm.reserve(text.size() + 3);
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) return bad("data after padding at offset " + std::to_string(i));
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      norm.push_back(c);
    } else if ((c == '+' || c == '/') && (alphabets & kStandard)) {
      norm.push_back(c);
    } else if ((c == '-' || c == '_') && (alphabets & kUrl)) {
      norm.push_back(c == '-' ? '+' : '/');
    } else {
      return bad("unexpected character at offset " + std::to_string(i));
    }
  }
  if (norm.size() % 4 == 1) return bad("impossible length " + std::to_string(text.size()));
  std::size_t need = (4 - norm.size() % 4) % 4;
  if (pad && pad != need) return bad("wrong padding");
  // RFC 4648 §3.5: a last character carrying 4 (or 2) unused bits must have them zero;
  // otherwise several texts decode to the same bytes.
  if (need != 0) {
    const unsigned unused_mask = need == 2 ? 0x0F : 0x03;
    if (sextet(norm.back()) & unused_mask) return bad("non-canonical: the unused bits of the last character are not zero");
  }
  norm.append(need, '=');
  Bytes out(norm.size() / 4 * 3);
  std::size_t len = 0;
  int ret = mbedtls_base64_decode(out.data(), out.size(), &len,
                                  reinterpret_cast<const unsigned char*>(norm.data()), norm.size());
  if (ret != 0) return bad("undecodable");
  out.resize(len);
  return out;
}

}  // namespace

Result<Bytes> base64_decode(std::string_view text) { return decode(text, kStandard, "base64"); }
Result<Bytes> base64url_decode(std::string_view text) { return decode(text, kUrl, "base64url"); }
Result<Bytes> base64_decode_any(std::string_view text) {
  return decode(text, kStandard | kUrl, "base64/base64url");
}

}  // namespace attestd::crypto
