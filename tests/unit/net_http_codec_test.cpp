// The request parser as the connection loop drives it: bytes fed as they arrive.
#include <boost/test/unit_test.hpp>

#include <string>

#include "net/internal/http_codec.h"

using namespace attestd::net;
using detail::RequestParser;

BOOST_AUTO_TEST_SUITE(net_http_codec)

// Found by fuzz_http_request: Boost.Beast 1.74 asserts (n >= 5, aborting attestd) when a
// first and final chunk "0\r\n" is followed by a read of fewer than five bytes
// (boostorg/beast#2861). A client could stop the agent with three small TCP segments.
BOOST_AUTO_TEST_CASE(a_final_chunk_whose_end_arrives_a_byte_at_a_time_completes_the_request) {
  RequestParser parser(16 * 1024, 1024);
  std::string buf = "POST /generate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  BOOST_TEST((parser.feed(buf) == RequestParser::State::NeedMore));
  buf += "\r";
  BOOST_TEST((parser.feed(buf) == RequestParser::State::NeedMore));
  buf += "\n";
  BOOST_REQUIRE((parser.feed(buf) == RequestParser::State::Done));
  BOOST_TEST(buf.empty());
  HttpRequest request;
  std::string why;
  BOOST_REQUIRE(parser.take(request, why));
  BOOST_TEST(request.path == "/generate");
  BOOST_TEST(request.body.empty());
}

BOOST_AUTO_TEST_SUITE_END()
