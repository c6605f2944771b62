// Host and port text, and which addresses are loopback.
#include <boost/test/unit_test.hpp>

#include "net/address.h"

using namespace attestd::net;

BOOST_AUTO_TEST_SUITE(net_address)

BOOST_AUTO_TEST_CASE(only_numeric_loopback_addresses_are_loopback) {
  for (const char* yes : {"127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    BOOST_TEST(is_loopback_ip(yes), yes);
  }
  for (const char* no : {"127.0.0.1.nip.io", "localhost", "128.0.0.1", "0.0.0.0", "::", "::ffff:10.0.0.1", "10.0.0.1",
                         "127.1", "", "[::1]", " 127.0.0.1"}) {
    BOOST_TEST(!is_loopback_ip(no), no);
  }
}

BOOST_AUTO_TEST_CASE(host_and_port_are_split_with_brackets_for_ipv6) {
  auto v4 = split_host_port("127.0.0.1:8443");
  BOOST_REQUIRE(v4.has_value());
  BOOST_TEST(v4->host == "127.0.0.1");
  BOOST_TEST(v4->port == 8443);
  auto v6 = split_host_port("[::1]:0");
  BOOST_REQUIRE(v6.has_value());
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->port == 0);
  for (const char* bad : {"127.0.0.1", "::1:80", "[::1]80", "host:", ":80", "host:65536", "host:8x", "host:123456"}) {
    BOOST_TEST(!split_host_port(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
