// Retry-After (RFC 9110 §10.2.3), read from a server we do not control: the wait it asks
// for, saturating at the caller's cap, never an overflow.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/time.h"

namespace attestd::net {

// The wait a Retry-After value asks for, at most `cap` (a negative cap counts as 0):
// - delay-seconds, a non-negative decimal integer (1*DIGIT) of any length: that many
//   seconds; one too large for any integer type is simply the cap;
// - an HTTP-date, in any of the three forms of RFC 9110 §5.6.7 ("Sun, 06 Nov 1994
//   08:49:37 GMT", its RFC 850 and asctime forms): the time from `now` until then, 0
//   for a date that has passed.
// nullopt for anything else ("-1", "+1", "1.5", "0x10", an empty value): the caller
// waits as if there were no Retry-After.
std::optional<std::chrono::milliseconds> retry_after_delay(std::string_view value, std::chrono::milliseconds cap,
                                                           UnixTime now);

}  // namespace attestd::net
