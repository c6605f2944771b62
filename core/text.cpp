#include "core/text.h"

#include <cstdio>

namespace attestd {

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629 §4), 0 if there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) len = 3, lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
  else if (b0 >= 0xF0 && b0 <= 0xF4) len = 4, lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

void append_escaped(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

}  // namespace

std::string terminal_safe(std::string_view s, bool keep_line_breaks) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (keep_line_breaks && (c == '\n' || c == '\t')) {
      out += static_cast<char>(c);
      ++i;
    } else if (std::size_t len = c >= 0x80 ? utf8_sequence(s, i) : 0; len != 0) {
      // U+0080-U+009F, the C1 controls, are C2 80 to C2 9F.
      bool c1 = c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
      for (std::size_t k = 0; k < len; ++k) {
        if (c1) append_escaped(out, static_cast<unsigned char>(s[i + k]));
        else out += s[i + k];
      }
      i += len;
    } else {
      append_escaped(out, c);
      ++i;
    }
  }
  return out;
}

std::string printable_quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') out += static_cast<char>(c);
    else append_escaped(out, c);
  }
  return out + "\"";
}

std::string hex_number(std::uint64_t v, int min_digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", min_digits < 0 ? 0 : (min_digits > 16 ? 16 : min_digits),
                static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace attestd
