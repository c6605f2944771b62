#include "crypto/base64.h"

#include <mbedtls/base64.h>

#include <algorithm>
#include <array>
#include <cstdint>

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

constexpr std::uint8_t kNotInAlphabet = 0xFF;

// Each character's 6-bit value in the chosen alphabets, kNotInAlphabet for any other.
constexpr std::array<std::uint8_t, 256> sextets(int alphabets) {
  std::array<std::uint8_t, 256> t{};
  t.fill(kNotInAlphabet);
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<std::uint8_t>(i);
    t['a' + i] = static_cast<std::uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::uint8_t>(52 + i);
  if (alphabets & kStandard) {
    t['+'] = 62;
    t['/'] = 63;
  }
  if (alphabets & kUrl) {
    t['-'] = 62;
    t['_'] = 63;
  }
  return t;
}

constexpr auto kStandardSextets = sextets(kStandard);
constexpr auto kUrlSextets = sextets(kUrl);
constexpr auto kAnySextets = sextets(kStandard | kUrl);

// One pass over the text, checking and decoding. Not constant-time: what callers decode is
// public (tokens, evidence, certificates, nonces) or ciphertext, and PEM private keys go
// through mbedTLS's own reader. mbedTLS's constant-time decoder cost ten times as much
// per character, a quarter of a token check.
Result<Bytes> decode(std::string_view text, int alphabets, const char* what) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::MalformedInput, std::string("invalid ") + what + ": " + why);
  };
  const auto& value = alphabets == kStandard ? kStandardSextets : alphabets == kUrl ? kUrlSextets : kAnySextets;
  const std::size_t data = std::min(text.find('='), text.size());  // characters before any padding
  Bytes out;
  out.reserve(data / 4 * 3 + 2);
  std::uint32_t bits = 0;
  unsigned held = 0;  // bits in `bits` not yet written
  unsigned last = 0;  // the last character's value
  for (std::size_t i = 0; i < data; ++i) {
    last = value[static_cast<unsigned char>(text[i])];
    if (last == kNotInAlphabet) return bad("unexpected character at offset " + std::to_string(i));
    bits = (bits << 6) | last;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> held));
    }
  }
  for (std::size_t i = data; i < text.size(); ++i) {
    if (text[i] != '=') return bad("data after padding at offset " + std::to_string(i));
  }
  const std::size_t pad = text.size() - data;
  if (data % 4 == 1) return bad("impossible length " + std::to_string(text.size()));
  const std::size_t need = (4 - data % 4) % 4;
  if (pad && pad != need) return bad("wrong padding");
  // RFC 4648 §3.5: a last character carrying 4 (or 2) unused bits must have them zero;
  // otherwise several texts decode to the same bytes.
  if (need != 0) {
    const unsigned unused_mask = need == 2 ? 0x0F : 0x03;
    if (last & unused_mask) return bad("non-canonical: the unused bits of the last character are not zero");
  }
  return out;
}

}  // namespace

Result<Bytes> base64_decode(std::string_view text) { return decode(text, kStandard, "base64"); }
Result<Bytes> base64url_decode(std::string_view text) { return decode(text, kUrl, "base64url"); }
Result<Bytes> base64_decode_any(std::string_view text) {
  return decode(text, kStandard | kUrl, "base64/base64url");
}

}  // namespace attestd::crypto
