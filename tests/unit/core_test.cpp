#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "core/args.h"
#include "core/bytes.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/text.h"
#include "core/time.h"
#include "tests/support.h"

using namespace attestd;

BOOST_AUTO_TEST_SUITE(core_errors)

BOOST_AUTO_TEST_CASE(every_error_has_a_unique_name_and_exit_code) {
  std::set<std::string> names;
  std::set<int> codes;
  for (ErrorCode c : all_error_codes()) {
    names.insert(std::string(error_name(c)));
    codes.insert(exit_code(c));
    BOOST_TEST(exit_code(c) < 126);  // 126+ mean "not executable", "not found", signals
  }
  BOOST_TEST(names.size() == all_error_codes().size());
  BOOST_TEST(codes.size() == all_error_codes().size());
}

BOOST_AUTO_TEST_CASE(blindbox_failure_names_keep_their_exit_codes) {
  BOOST_TEST(exit_code(ErrorCode::DebugMode) == 30);
  BOOST_TEST(exit_code(ErrorCode::NonCompliantUvm) == 51);
  BOOST_TEST(error_name(ErrorCode::NonCompliantUvm) == "NonCompliantUvm");
}

BOOST_AUTO_TEST_CASE(describe_puts_the_name_before_the_message) {
  Error e(ErrorCode::BadSignature, "x");
  BOOST_TEST(e.describe() == "BadSignature: x");
  BOOST_TEST(e.with_context("report.bin").describe() == "BadSignature: report.bin: x");
}

BOOST_AUTO_TEST_CASE(docs_errors_md_lists_every_error_with_its_exit_code) {
  auto doc = read_text_file(test::src_dir() + "/docs/errors.md");
  BOOST_REQUIRE_MESSAGE(doc.ok(), test::why(doc));
  for (ErrorCode c : all_error_codes()) {
    std::string row = "| " + std::to_string(exit_code(c)) + " | `" + std::string(error_name(c)) + "` | " +
                      std::string(error_meaning(c)) + " |";
    BOOST_TEST(doc->find(row) != std::string::npos, "docs/errors.md lacks the row " << row);
  }
}

// The notes name errors as "`Name` (code)": each such name exists and has that code.
BOOST_AUTO_TEST_CASE(docs_errors_md_notes_give_each_error_its_own_code) {
  auto doc = read_text_file(test::src_dir() + "/docs/errors.md");
  BOOST_REQUIRE_MESSAGE(doc.ok(), test::why(doc));
  std::map<std::string, int> codes;
  for (ErrorCode c : all_error_codes()) codes[std::string(error_name(c))] = exit_code(c);
  std::regex mention("`([A-Z][A-Za-z]+)` \\(([0-9]+)\\)");
  int mentions = 0;
  for (std::sregex_iterator m(doc->begin(), doc->end(), mention), end; m != end; ++m, ++mentions) {
    std::string name = (*m)[1];
    BOOST_TEST(codes.count(name) == 1u, "docs/errors.md names an unknown error `" << name << "`");
    if (codes.count(name)) {
      BOOST_TEST(codes[name] == std::stoi((*m)[2]), "docs/errors.md gives `" << name << "` the code " << (*m)[2]);
    }
  }
  BOOST_TEST(mentions > 0, "no \"`Name` (code)\" mention matched: the pattern no longer fits the notes");
}

// "Codes are grouped: 1–14 input, ...": every code falls in one of the ranges it states.
BOOST_AUTO_TEST_CASE(docs_errors_md_groups_cover_every_code) {
  auto doc = read_text_file(test::src_dir() + "/docs/errors.md");
  BOOST_REQUIRE_MESSAGE(doc.ok(), test::why(doc));
  std::size_t start = doc->find("Codes are grouped:");
  BOOST_REQUIRE(start != std::string::npos);
  std::string groups = doc->substr(start, doc->find("\n\n", start) - start);
  std::vector<std::pair<int, int>> ranges;
  std::regex range("([0-9]+)\u2013([0-9]+)");
  for (std::sregex_iterator m(groups.begin(), groups.end(), range), end; m != end; ++m) {
    ranges.emplace_back(std::stoi((*m)[1]), std::stoi((*m)[2]));
  }
  for (ErrorCode c : all_error_codes()) {
    const int code = exit_code(c);
    if (code == 0) continue;
    bool covered = std::any_of(ranges.begin(), ranges.end(), [&](auto r) { return r.first <= code && code <= r.second; });
    BOOST_TEST(covered, "docs/errors.md's groups do not cover " << code << " " << error_name(c));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_bytes)

BOOST_AUTO_TEST_CASE(hex_round_trips_and_accepts_upper_case) {
  Bytes b{0x00, 0x7f, 0x80, 0xff};
  BOOST_TEST(hex_encode(b) == "007f80ff");
  BOOST_TEST((*hex_decode("007F80FF") == b));
}

BOOST_AUTO_TEST_CASE(hex_rejects_odd_length_and_non_digits) {
  BOOST_TEST(error_name(hex_decode("abc").error().code()) == "MalformedInput");
  auto r = hex_decode("0g");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "not a hex digit at offset 1");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_compares_length_and_content) {
  Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  BOOST_TEST(constant_time_equal(a, b));
  BOOST_TEST(!constant_time_equal(a, c));
  BOOST_TEST(!constant_time_equal(a, d));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_time)

BOOST_AUTO_TEST_CASE(rfc3339_utc_and_offsets) {
  BOOST_TEST(*parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  BOOST_TEST(*parse_rfc3339("2025-06-01T00:00:00Z") == 1748736000);
  BOOST_TEST(*parse_rfc3339("2025-06-01T02:00:00+02:00") == 1748736000);
  BOOST_TEST(*parse_rfc3339("2025-05-31T23:30:00.123-00:30") == 1748736000);
  BOOST_TEST(*parse_rfc3339("2024-02-29T12:00:00Z") == 1709208000);
}

BOOST_AUTO_TEST_CASE(rfc3339_rejects_impossible_or_incomplete_times) {
  for (const char* bad : {"", "2025-06-01", "2025-06-01T00:00:00", "2025-13-01T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2025-06-01T24:00:00Z", "2025-06-01T00:00:00Zjunk",
                          "2025-06-01T00:00:00.Z", "2025-06-01T00:00:00+2:00"}) {
    auto r = parse_rfc3339(bad);
    BOOST_TEST(!r.ok(), "accepted '" << bad << "'");
  }
}

BOOST_AUTO_TEST_CASE(format_is_the_inverse_of_parse) {
  for (UnixTime t : {UnixTime{0}, UnixTime{951782400}, UnixTime{1748736000}, UnixTime{4102444799}}) {
    BOOST_TEST(*parse_rfc3339(format_rfc3339(t)) == t);
  }
  BOOST_TEST(format_rfc3339(1748736000) == "2025-06-01T00:00:00Z");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_json)

BOOST_AUTO_TEST_CASE(strict_parsing_rejects_comments_trailing_data_and_duplicate_keys) {
  BOOST_TEST(parse_json(R"({"a": 1})", "t").ok());
  BOOST_TEST(!parse_json(R"({"a": 1} x)", "t").ok());
  BOOST_TEST(!parse_json("{\"a\": 1 /* c */}", "t").ok());
  BOOST_TEST(!parse_json(R"({"a": 1, "a": 2})", "t").ok());
  BOOST_TEST(!parse_json(R"({"a": 1,})", "t").ok());
}

BOOST_AUTO_TEST_CASE(size_and_depth_are_bounded) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  BOOST_TEST(!parse_json(deep, "t").ok());
  BOOST_TEST(!parse_json(std::string(100, ' ') + "1", "t", 50).ok());
}

// The reader is kept per thread: a document too deep (the reader throws inside) or
// invalid must leave nothing behind for the next one.
BOOST_AUTO_TEST_CASE(a_document_parses_after_one_that_failed) {
  BOOST_TEST(!parse_json(std::string(100, '[') + std::string(100, ']'), "t").ok());
  BOOST_TEST(!parse_json(R"({"a": [1, {"b": )", "t").ok());
  auto v = parse_json(R"({"a": [1, {"b": 2}]})", "t");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST((*v)["a"][1]["b"].asInt() == 2);
  BOOST_TEST(v->getMemberNames().size() == 1u);
}

BOOST_AUTO_TEST_CASE(json_integer_takes_only_integers_as_written_and_in_range) {
  auto v = parse_json(R"({"i": 3, "neg": -2, "real": 1.0, "exp": 1e2, "big": 18446744073709551615, "b": true, "s": "3"})",
                      "t");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(json_integer((*v)["i"], 0, 3).value_or(-1) == 3);
  BOOST_TEST(json_integer((*v)["neg"], -5, 5).value_or(0) == -2);
  BOOST_TEST(!json_integer((*v)["i"], 0, 2).has_value());
  BOOST_TEST(!json_integer((*v)["neg"], 0, 5).has_value());
  BOOST_TEST(!json_integer((*v)["real"], 0, 3).has_value());
  BOOST_TEST(!json_integer((*v)["exp"], 0, 1000).has_value());
  BOOST_TEST(!json_integer((*v)["big"], 0, INT64_MAX).has_value());
  BOOST_TEST(!json_integer((*v)["b"], 0, 3).has_value());
  BOOST_TEST(!json_integer((*v)["s"], 0, 3).has_value());
  BOOST_TEST(!json_integer((*v)["missing"], 0, 3).has_value());
}

BOOST_AUTO_TEST_CASE(errors_name_the_document) {
  auto r = parse_json("{", "policy");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message().rfind("policy: invalid JSON", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_text)

BOOST_AUTO_TEST_CASE(hex_number_is_0x_lowercase_hex_padded_to_the_digits_asked_for) {
  BOOST_TEST(hex_number(0x30000) == "0x30000");
  BOOST_TEST(hex_number(0) == "0x0");
  BOOST_TEST(hex_number(0x21, 4) == "0x0021");
  BOOST_TEST(hex_number(0xABCDEF, 8) == "0x00abcdef");
  BOOST_TEST(hex_number(~std::uint64_t{0}, 16) == "0xffffffffffffffff");
  BOOST_TEST(hex_number(0x800F12, 2) == "0x800f12");  // never cut
  BOOST_TEST(hex_number(1, 99) == "0x0000000000000001");  // at most 16 digits
}

BOOST_AUTO_TEST_CASE(terminal_safe_escapes_every_control_and_keeps_printable_utf8) {
  BOOST_TEST(terminal_safe("\x1b[2K\rOK: attested") == "\\x1b[2K\\x0dOK: attested");
  BOOST_TEST(terminal_safe("a\nb\tc\x7f") == "a\\x0ab\\x09c\\x7f");
  BOOST_TEST(terminal_safe("a\nb\tc\x7f", true) == "a\nb\tc\\x7f");
  BOOST_TEST(terminal_safe("\xc2\x9b" "31m") == "\\xc2\\x9b31m");  // U+009B, CSI
  BOOST_TEST(terminal_safe("\x9b" "31m") == "\\x9b31m");              // a lone byte: not UTF-8
  BOOST_TEST(terminal_safe("caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x94\x92") == "caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x94\x92");
  BOOST_TEST(terminal_safe("\xc0\xaf") == "\\xc0\\xaf");                     // overlong '/'
  BOOST_TEST(terminal_safe("\xed\xa0\x80") == "\\xed\\xa0\\x80");            // a surrogate
  BOOST_TEST(terminal_safe("\xe2\x80") == "\\xe2\\x80");                     // cut short
  BOOST_TEST(terminal_safe(std::string("a\0b", 3)) == "a\\x00b");
}

BOOST_AUTO_TEST_CASE(pretty_json_is_ascii_with_every_control_escaped) {
  Json::Value v(Json::objectValue);
  v["m"] = "\x1b[2K \xc2\x9b caf\xc3\xa9";
  std::string text = json_pretty(v);
  BOOST_TEST(text.find("\\u001b[2K \\u009b caf\\u00e9") != std::string::npos, text);
  auto back = parse_json(text, "t");
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back)["m"].asString() == v["m"].asString());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_args)

BOOST_AUTO_TEST_CASE(flag_integers_are_whole_strings_in_range) {
  using cli::parse_flag_integer;
  BOOST_TEST(parse_flag_integer("--timeout", "30", 1, 3600).value() == 30u);
  BOOST_TEST(parse_flag_integer("--timeout", "3600", 1, 3600).value() == 3600u);
  BOOST_TEST(parse_flag_integer("--timeout", "3601", 1, 3600).error().describe() ==
             "Usage: --timeout: '3601' is out of range (1 to 3600)");
  BOOST_TEST(parse_flag_integer("--timeout", "0", 1, 3600).error().message() == "--timeout: '0' is out of range (1 to 3600)");
  for (const char* bad : {"", " 5", "5 ", "+5", "-5", "5s", "0x10", "1e3", "99999999999999999999999"}) {
    auto r = parse_flag_integer("--timeout", bad, 1, 3600);
    BOOST_TEST(!r.ok(), bad);
    if (!r.ok()) BOOST_TEST(r.error().name() == "Usage");
  }
  BOOST_TEST(parse_flag_integer("--timeout", "99999999999999999999999", 1, 3600).error().message() ==
             "--timeout: '99999999999999999999999' is out of range (1 to 3600)");
}

BOOST_AUTO_TEST_CASE(flag_integers_may_be_hex_when_the_flag_says_so) {
  using cli::IntegerBase;
  using cli::parse_flag_integer;
  BOOST_TEST(parse_flag_integer("--guest-features", "0x21", 0, UINT64_MAX, IntegerBase::DecimalOrHex).value() == 0x21u);
  BOOST_TEST(parse_flag_integer("--guest-features", "0XfFfFfFfFfFfFfFfF", 0, UINT64_MAX, IntegerBase::DecimalOrHex).value() ==
             UINT64_MAX);
  BOOST_TEST(parse_flag_integer("--guest-features", "33", 0, UINT64_MAX, IntegerBase::DecimalOrHex).value() == 33u);
  BOOST_TEST(!parse_flag_integer("--guest-features", "0x", 0, UINT64_MAX, IntegerBase::DecimalOrHex).ok());
  BOOST_TEST(!parse_flag_integer("--guest-features", "0x1_0", 0, UINT64_MAX, IntegerBase::DecimalOrHex).ok());
  BOOST_TEST(parse_flag_integer("--guest-features", "0x10000000000000000", 0, UINT64_MAX, IntegerBase::DecimalOrHex)
                 .error()
                 .message() == "--guest-features: '0x10000000000000000' is out of range (0 to 18446744073709551615)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(core_file)

BOOST_AUTO_TEST_CASE(read_file_names_a_missing_path) {
  auto r = read_file("/nonexistent/attestd-file");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() == "FileError: /nonexistent/attestd-file: No such file or directory");
}

BOOST_AUTO_TEST_CASE(read_file_refuses_more_than_its_limit_and_directories) {
  std::string path = test::tmp_dir() + "/core_file_limit";
  BOOST_REQUIRE(write_file(path, Bytes(100, 7)).ok());
  BOOST_TEST(read_file(path, 100).ok());
  BOOST_TEST(!read_file(path, 99).ok());
  BOOST_TEST(!read_file(test::tmp_dir()).ok());
}

// A stream of unknown size (a pipe, standard input) is read up to one byte past the
// limit and no further: the rest stays unread, never in memory.
BOOST_AUTO_TEST_CASE(read_stream_stops_one_byte_past_its_limit) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  Bytes data(60000, 'a');  // fits in a pipe's buffer: no writer thread needed
  BOOST_REQUIRE(::write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  auto r = read_stream(fds[0], "standard input", 1000);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().describe() == "FileError: standard input: larger than the limit of 1000 bytes");
  auto rest = read_stream(fds[0], "the rest", 100000);
  ::close(fds[0]);
  BOOST_REQUIRE(rest.ok());
  BOOST_TEST(rest->size() == 60000u - 1001u);
}

BOOST_AUTO_TEST_CASE(read_stream_returns_everything_within_its_limit) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  BOOST_REQUIRE(::write(fds[1], "token", 5) == 5);
  ::close(fds[1]);
  auto r = read_stream(fds[0], "standard input", 5);
  ::close(fds[0]);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(as_chars(*r) == "token");
}

BOOST_AUTO_TEST_SUITE_END()
