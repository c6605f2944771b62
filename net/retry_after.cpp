#include "net/retry_after.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

namespace attestd::net {

namespace {

// The longest HTTP-date form (RFC 850's, with "Wednesday") is 37 characters.
constexpr std::size_t kMaxDateLength = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `seconds` (already known not to exceed cap_s + 1) as milliseconds, at most `cap_ms`.
std::chrono::milliseconds capped(std::uint64_t seconds, std::uint64_t cap_ms) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(seconds * 1000, cap_ms)));
}

}  // namespace

std::optional<std::chrono::milliseconds> retry_after_delay(std::string_view value, std::chrono::milliseconds cap,
                                                           UnixTime now) {
  const std::uint64_t cap_ms = cap.count() > 0 ? static_cast<std::uint64_t>(cap.count()) : 0;
  // Anything beyond this many seconds is the cap: counting stops there, so the sum
  // cannot overflow however many digits arrive.
  const std::uint64_t enough_s = cap_ms / 1000 + 1;
  if (value.empty()) return std::nullopt;

  if (std::all_of(value.begin(), value.end(), is_digit)) {
    std::uint64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + static_cast<std::uint64_t>(c - '0');
      if (seconds > enough_s) return capped(enough_s, cap_ms);
    }
    return capped(seconds, cap_ms);
  }

  // Every HTTP-date form starts with a day name; libcurl parses all three forms, and
  // would make something of many non-dates too, so only those reach it.
  if (!is_alpha(value.front()) || value.size() > kMaxDateLength) return std::nullopt;
  const std::time_t at = curl_getdate(std::string(value).c_str(), nullptr);
  if (at == -1) return std::nullopt;
  if (at <= now) return std::chrono::milliseconds(0);
  const std::uint64_t ahead = static_cast<std::uint64_t>(at) - static_cast<std::uint64_t>(now);
  return capped(std::min(ahead, enough_s), cap_ms);
}

}  // namespace attestd::net
