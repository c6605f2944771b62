// Time as seconds since the Unix epoch (UTC), and its RFC 3339 form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace attestd {

using UnixTime = std::int64_t;

UnixTime now_unix();
// "2025-06-01T00:00:00Z", "2025-06-01T02:00:00+02:00", fractional seconds allowed.
Result<UnixTime> parse_rfc3339(std::string_view text);
std::string format_rfc3339(UnixTime t);
// Days since 1970-01-01 for a proleptic Gregorian date (no range limits of time_t/tm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace attestd
