// Retry-After as RFC 9110 §10.2.3 defines it, read saturating: whatever a server sends,
// the wait is a number of milliseconds between 0 and the cap, or the header is ignored.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "net/retry_after.h"

using namespace attestd;
using std::chrono::milliseconds;

namespace {

const milliseconds kCap(30000);
const UnixTime kNow = 784111777 - 10;  // ten seconds before Sun, 06 Nov 1994 08:49:37 GMT

constexpr long long kIgnored = -1;

// The wait in milliseconds, or kIgnored (printable, for Boost.Test's messages).
long long delay(std::string_view value, milliseconds cap = kCap) {
  auto d = net::retry_after_delay(value, cap, kNow);
  return d ? d->count() : kIgnored;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(net_retry_after)

BOOST_AUTO_TEST_CASE(delay_seconds_are_that_many_seconds) {
  BOOST_TEST(delay("0") == 0);
  BOOST_TEST(delay("2") == 2000);
  BOOST_TEST(delay("007") == 7000);
}

BOOST_AUTO_TEST_CASE(a_delay_beyond_the_cap_is_the_cap) {
  BOOST_TEST(delay("31") == 30000);
  BOOST_TEST(delay("3000000") == 30000);  // 3e9 ms: beyond a 32-bit int
}

BOOST_AUTO_TEST_CASE(a_delay_beyond_any_integer_is_the_cap) {
  BOOST_TEST(delay("9223372036854775807") == 30000);      // INT64_MAX seconds
  BOOST_TEST(delay("99999999999999999999999") == 30000);  // beyond 64 bits
  BOOST_TEST(delay(std::string(10000, '9')) == 30000);
  BOOST_TEST(delay("9223372036854775807", milliseconds(250)) == 250);
  BOOST_TEST(delay("9223372036854775807", milliseconds(0)) == 0);
}

BOOST_AUTO_TEST_CASE(what_is_not_a_non_negative_integer_or_a_date_is_ignored) {
  for (const char* v : {"-1", "+1", "1.5", "1e3", "0x10", " ", "1 2", "soon", "Sun, garbage", ""}) {
    BOOST_TEST(delay(v) == kIgnored, "'" << v << "'");
  }
}

BOOST_AUTO_TEST_CASE(an_http_date_is_the_time_until_it_in_each_of_its_three_forms) {
  BOOST_TEST(delay("Sun, 06 Nov 1994 08:49:37 GMT") == 10000);  // IMF-fixdate
  BOOST_TEST(delay("Sunday, 06-Nov-94 08:49:37 GMT") == 10000);  // RFC 850
  BOOST_TEST(delay("Sun Nov  6 08:49:37 1994") == 10000);        // asctime
}

BOOST_AUTO_TEST_CASE(an_http_date_in_the_past_is_no_wait) {
  BOOST_TEST(delay("Sun, 06 Nov 1994 08:49:00 GMT") == 0);
  BOOST_TEST(delay("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
}

BOOST_AUTO_TEST_CASE(a_far_http_date_is_the_cap) {
  BOOST_TEST(delay("Fri, 31 Dec 9999 23:59:59 GMT") == 30000);
  BOOST_TEST(delay("Sun, 06 Nov 1994 08:50:37 GMT", milliseconds(5000)) == 5000);
}

BOOST_AUTO_TEST_SUITE_END()
