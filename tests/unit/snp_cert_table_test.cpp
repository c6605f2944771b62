// The extended-report certificate table (hal/snp/cert_table.h).
#include <boost/test/unit_test.hpp>

#include "hal/snp/cert_table.h"
#include "tests/support.h"
#include "tests/unit/snp_test_support.h"

namespace attestd::snp {
namespace {

using attestd::test::read_vector;
using test::code_name;
using test::name_of;

constexpr std::size_t kEntry = 24;

// VCEK, ASK and ARK blobs from the genuine Milan vector (the CA bundle stands in for
// both AMD certificates: the table does not look inside blobs).
std::vector<CertTableEntry> milan_entries() {
  Bytes vcek = read_vector("snp/virtee-sev_milan/vcek.der");
  Bytes bundle = read_vector("snp/virtee-sev_milan/ca_bundle.pem");
  Bytes ark(bundle.begin(), bundle.begin() + bundle.size() / 2);
  Bytes ask(bundle.begin() + bundle.size() / 2, bundle.end());
  return {{kVcekGuid, vcek}, {kAskGuid, ask}, {kArkGuid, ark}};
}

std::string_view parse_code(const Bytes& b) { return code_name(parse_cert_table(b)); }

Guid guid_with_last_byte(std::uint8_t b) {
  Guid g = kVcekGuid;
  g[15] = b;
  return g;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snp_cert_table)

BOOST_AUTO_TEST_CASE(known_guids_print_in_rfc4122_order) {
  BOOST_TEST(guid_to_string(kVcekGuid) == "63da758d-e664-4564-adc5-f4b93be8accd");
  BOOST_TEST(guid_to_string(kVlekGuid) == "a8074bc2-a25a-483e-aae6-39c045a0b8a1");
  BOOST_TEST(guid_to_string(kAskGuid) == "4ab7b379-bbac-4fe4-a02f-05aef327c782");
  BOOST_TEST(guid_to_string(kArkGuid) == "c0b406a4-a803-4952-9743-3fb6014cd0ae");
}

BOOST_AUTO_TEST_CASE(guid_bytes_are_the_string_hex_in_order) {
  BOOST_TEST(hex_encode(kVcekGuid) == "63da758de6644564adc5f4b93be8accd");
}

BOOST_AUTO_TEST_CASE(guid_from_string_inverts_guid_to_string) {
  for (const Guid* g : {&kVcekGuid, &kVlekGuid, &kAskGuid, &kArkGuid}) {
    auto parsed = guid_from_string(guid_to_string(*g));
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(hex_encode(*parsed) == hex_encode(*g));
  }
}

BOOST_AUTO_TEST_CASE(guid_from_string_accepts_uppercase) {
  auto g = guid_from_string("C0B406A4-A803-4952-9743-3FB6014CD0AE");
  BOOST_REQUIRE(g.ok());
  BOOST_CHECK(*g == kArkGuid);
}

BOOST_AUTO_TEST_CASE(malformed_guid_strings_are_malformed_input) {
  for (std::string_view s : {"", "63da758d-e664-4564-adc5-f4b93be8acc",
                             "63da758d-e664-4564-adc5-f4b93be8accdd",
                             "63da758de-664-4564-adc5-f4b93be8accd",
                             "63da758d-e664-4564-adc5-f4b93be8accg",
                             "{3da758d-e664-4564-adc5-f4b93be8acc}",
                             "63da758d_e664_4564_adc5_f4b93be8accd"}) {
    BOOST_TEST_CONTEXT("\"" << s << "\"") {
      BOOST_TEST(code_name(guid_from_string(s)) == name_of(ErrorCode::MalformedInput));
    }
  }
}

BOOST_AUTO_TEST_CASE(parse_inverts_serialize) {
  auto entries = milan_entries();
  auto parsed = parse_cert_table(serialize_cert_table(entries));
  BOOST_REQUIRE(parsed.ok());
  BOOST_CHECK(*parsed == entries);
}

BOOST_AUTO_TEST_CASE(serialize_puts_blobs_after_the_terminator_in_order) {
  auto entries = milan_entries();
  Bytes b = serialize_cert_table(entries);
  std::size_t expected_offset = 4 * kEntry;  // three entries and the terminator
  for (std::size_t i = 0; i < entries.size(); ++i) {
    BOOST_TEST_CONTEXT("entry " << i) {
      const std::size_t at = i * kEntry;
      BOOST_TEST(hex_encode(ByteView(b).subspan(at, 16)) == hex_encode(entries[i].guid));
      BOOST_TEST(test::get_u32(b, at + 16) == expected_offset);
      BOOST_TEST(test::get_u32(b, at + 20) == entries[i].data.size());
      BOOST_TEST((Bytes(b.begin() + expected_offset,
                        b.begin() + expected_offset + entries[i].data.size()) ==
                  entries[i].data));
      expected_offset += entries[i].data.size();
    }
  }
  BOOST_TEST(all_zero(ByteView(b).subspan(3 * kEntry, kEntry)));
  BOOST_TEST(b.size() == expected_offset);
}

BOOST_AUTO_TEST_CASE(page_padding_after_the_blobs_is_ignored) {
  auto entries = milan_entries();
  Bytes b = serialize_cert_table(entries);
  b.resize(4 * 4096, 0);
  auto parsed = parse_cert_table(b);
  BOOST_REQUIRE(parsed.ok());
  BOOST_CHECK(*parsed == entries);
}

BOOST_AUTO_TEST_CASE(a_lone_terminator_is_an_empty_table) {
  auto parsed = parse_cert_table(Bytes(kEntry, 0));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed->empty());
}

BOOST_AUTO_TEST_CASE(find_cert_finds_by_guid) {
  auto entries = milan_entries();
  const CertTableEntry* vcek = find_cert(entries, kVcekGuid);
  BOOST_REQUIRE(vcek != nullptr);
  BOOST_TEST((vcek->data == entries[0].data));
  BOOST_TEST(find_cert(entries, kVlekGuid) == nullptr);
}

BOOST_AUTO_TEST_CASE(missing_terminator_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(8, 0xAA)}});
  BOOST_TEST(parse_code({}) == name_of(ErrorCode::MalformedCertTable));
  BOOST_TEST(parse_code(Bytes(kEntry - 1, 0)) == name_of(ErrorCode::MalformedCertTable));
  BOOST_TEST(parse_code(Bytes(b.begin(), b.begin() + kEntry)) ==
             name_of(ErrorCode::MalformedCertTable));
  // The terminator cut short by one byte.
  BOOST_TEST(parse_code(Bytes(b.begin(), b.begin() + 2 * kEntry - 1)) ==
             name_of(ErrorCode::MalformedCertTable));
}

BOOST_AUTO_TEST_CASE(entry_beyond_the_buffer_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(8, 0xAA)}});
  test::put_u32(b, 20, 9);  // length 9 from offset 48 ends at 57 > 56
  auto r = parse_cert_table(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedCertTable));
  BOOST_TEST(r.error().message().find("beyond the 56-byte buffer") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(offset_plus_length_overflowing_32_bits_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(8, 0xAA)}});
  test::put_u32(b, 16, 0xFFFFFFF0);
  test::put_u32(b, 20, 0x20);  // wraps to 0x10 in 32-bit arithmetic
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedCertTable));
}

BOOST_AUTO_TEST_CASE(entry_overlapping_the_table_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(64, 0xAA)}});
  for (std::uint32_t offset : {0u, 16u, 47u}) {  // the entry, and the terminator
    BOOST_TEST_CONTEXT("offset " << offset) {
      test::put_u32(b, 16, offset);
      BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedCertTable));
    }
  }
  test::put_u32(b, 16, 48);
  BOOST_TEST(parse_code(b) == "Ok");
}

BOOST_AUTO_TEST_CASE(zero_length_entry_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(8, 0xAA)}});
  test::put_u32(b, 20, 0);
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedCertTable));
}

BOOST_AUTO_TEST_CASE(duplicate_guid_is_malformed) {
  Bytes b = serialize_cert_table({{kVcekGuid, Bytes(8, 0xAA)}, {kVcekGuid, Bytes(8, 0xBB)}});
  auto r = parse_cert_table(b);
  BOOST_TEST(code_name(r) == name_of(ErrorCode::MalformedCertTable));
  BOOST_TEST(r.error().message().find("repeats the GUID of entry 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(all_zero_guid_with_a_blob_is_malformed) {
  Bytes b = serialize_cert_table({{Guid{}, Bytes(8, 0xAA)}});
  BOOST_TEST(parse_code(b) == name_of(ErrorCode::MalformedCertTable));
}

BOOST_AUTO_TEST_CASE(at_most_64_entries) {
  std::vector<CertTableEntry> entries;
  for (int i = 0; i < 64; ++i) {
    entries.push_back({guid_with_last_byte(static_cast<std::uint8_t>(i)), Bytes(1, 0xAA)});
  }
  BOOST_TEST(parse_code(serialize_cert_table(entries)) == "Ok");
  entries.push_back({guid_with_last_byte(0xFF), Bytes(1, 0xAA)});
  BOOST_TEST(parse_code(serialize_cert_table(entries)) == name_of(ErrorCode::MalformedCertTable));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::snp
