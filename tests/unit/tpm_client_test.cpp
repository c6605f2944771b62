// The hand-written TPM 2.0 client against swtpm, and against a broken TPM.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>

#include "crypto/random.h"
#include "hal/tpm/marshal.h"
#include "hal/tpm/quote.h"
#include "hal/tpm/tpm.h"
#include "tests/mocks/azure/swtpm.h"
#include "tests/process.h"

namespace attestd {
namespace {

using hal::tpm::Tpm;

// One swtpm for the tests of this file (each uses its own NV indices and handles).
azuresim::test::Swtpm& swtpm() {
  static azuresim::test::Swtpm instance("client");
  return instance;
}

// Passes commands to a real TPM and keeps the last response.
class RecordingTransport : public hal::tpm::TpmTransport {
 public:
  explicit RecordingTransport(std::shared_ptr<hal::tpm::TpmTransport> inner) : inner_(std::move(inner)) {}
  Result<Bytes> transact(ByteView command) override {
    auto r = inner_->transact(command);
    if (r) last = *r;
    return r;
  }
  std::string describe() const override { return "recording"; }
  Bytes last;

 private:
  std::shared_ptr<hal::tpm::TpmTransport> inner_;
};

// A TPM that answers with canned bytes, to check how the client takes broken responses.
class CannedTransport : public hal::tpm::TpmTransport {
 public:
  explicit CannedTransport(Bytes response) : response_(std::move(response)) {}
  Result<Bytes> transact(ByteView) override { return response_; }
  std::string describe() const override { return "canned"; }

 private:
  Bytes response_;
};

Bytes response(std::uint16_t tag, std::uint32_t rc, ByteView body, std::optional<std::uint32_t> size = {}) {
  hal::tpm::Marshaller m;
  m.u16(tag);
  m.u32(size.value_or(static_cast<std::uint32_t>(10 + body.size())));
  m.u32(rc);
  m.raw(body);
  return m.take();
}

std::string error_of(Bytes canned) {
  Tpm tpm(std::make_shared<CannedTransport>(std::move(canned)));
  auto r = tpm.get_random(8);
  return r ? "ok" : r.error().describe();
}

void write(const std::string& path, ByteView data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// The PCR file tpm2_quote -o writes and tpm2_checkquote -f reads (tpm2-tools 5.x): a dump
// of the C structs in host order — TPML_PCR_SELECTION (u32 count, 16 TPMS_PCR_SELECTION
// of 8 bytes with padding), u32 number of TPML_DIGEST, then each TPML_DIGEST (u32 count,
// 8 TPM2B_DIGEST of 2 + 64 bytes). (Its -l option with bare values fails in 5.4.)
Bytes tpm2_tools_pcr_file(const hal::tpm::PcrSelection& sel, const std::vector<Bytes>& values) {
  Bytes out;
  auto le = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  Bytes marshalled = sel.marshal();  // u32 1, u16 alg, u8 3, bitmap
  le(1, 4);
  le(sel.hash_alg, 2);
  out.push_back(3);
  out.insert(out.end(), marshalled.begin() + 7, marshalled.begin() + 10);
  out.resize(4 + 16 * 8, 0);
  const std::size_t lists = (values.size() + 7) / 8;
  le(lists, 4);
  for (std::size_t l = 0; l < lists; ++l) {
    std::size_t n = std::min<std::size_t>(8, values.size() - 8 * l);
    le(n, 4);
    for (std::size_t i = 0; i < 8; ++i) {
      Bytes d = i < n ? values[8 * l + i] : Bytes();
      le(d.size(), 2);
      d.resize(64, 0);
      out.insert(out.end(), d.begin(), d.end());
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tpm_client)

BOOST_AUTO_TEST_CASE(get_random_over_the_swtpm_socket_returns_the_bytes_asked_for) {
  Tpm tpm(swtpm().transport());
  BOOST_REQUIRE(tpm.startup());  // already started by --flags startup-clear: still fine
  auto r = tpm.get_random(16);
  BOOST_REQUIRE_MESSAGE(r, test::why(r));
  BOOST_TEST(r->size() == 16u);
}

BOOST_AUTO_TEST_CASE(nv_index_larger_than_one_chunk_reads_back_in_chunks) {
  Tpm tpm(swtpm().transport());
  constexpr std::uint32_t kIndex = 0x01500010;
  (void)tpm.nv_undefine_space(kIndex);
  BOOST_REQUIRE(tpm.nv_define_space(kIndex, 2048));
  Bytes data = *crypto::random_bytes(2048);
  BOOST_REQUIRE(tpm.nv_write(kIndex, data, 0, 1024));
  auto pub = tpm.nv_read_public(kIndex);
  BOOST_REQUIRE_MESSAGE(pub, test::why(pub));
  BOOST_TEST(pub->data_size == 2048u);
  BOOST_TEST(pub->attributes & hal::tpm::kNvWritten);
  auto back = tpm.nv_read(kIndex, 700);  // 700 + 700 + 648
  BOOST_REQUIRE_MESSAGE(back, test::why(back));
  BOOST_TEST(*back == data);
}

BOOST_AUTO_TEST_CASE(reading_an_undefined_nv_index_names_the_command_and_the_response_code) {
  Tpm tpm(swtpm().transport());
  auto r = tpm.nv_read(0x01500099);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().name() == "DeviceError");
  BOOST_TEST(r.error().message().find("TPM2_NV_ReadPublic") != std::string::npos, r.error().message());
  BOOST_TEST(r.error().message().find("TPM_RC_HANDLE") != std::string::npos, r.error().message());
}

BOOST_AUTO_TEST_CASE(finding_an_undefined_nv_index_is_none_and_a_defined_one_its_public_area) {
  Tpm tpm(swtpm().transport());
  auto absent = tpm.nv_find(0x01500098);
  BOOST_REQUIRE_MESSAGE(absent, test::why(absent));
  BOOST_TEST(!absent->has_value());
  BOOST_REQUIRE(tpm.nv_define_space(0x01500097, 32).ok());
  auto present = tpm.nv_find(0x01500097);
  BOOST_REQUIRE_MESSAGE(present, test::why(present));
  BOOST_REQUIRE(present->has_value());
  BOOST_TEST((*present)->data_size == 32u);
  BOOST_REQUIRE(tpm.nv_undefine_space(0x01500097).ok());
}

BOOST_AUTO_TEST_CASE(quote_by_a_persistent_ak_verifies_here_and_with_tpm2_checkquote) {
  Tpm tpm(swtpm().transport());
  constexpr std::uint32_t kAk = 0x81000013;
  auto ak = tpm.read_public(kAk);
  if (!ak) ak = tpm.create_persistent_ak(kAk);
  BOOST_REQUIRE_MESSAGE(ak, test::why(ak));
  BOOST_TEST(ak->scheme == hal::tpm::kAlgRsassa);
  BOOST_TEST(ak->key.bits() == 2048u);

  hal::tpm::PcrSelection pcrs;
  Bytes nonce = *crypto::random_bytes(32);
  auto q = tpm.quote(kAk, nonce, pcrs);
  BOOST_REQUIRE_MESSAGE(q, test::why(q));
  auto values = tpm.pcr_read(pcrs);
  BOOST_REQUIRE_MESSAGE(values, test::why(values));
  BOOST_TEST(values->size() == 8u);
  hal::TpmQuote quote{q->attest, q->signature, pcrs.marshal(), *values};
  auto info = hal::tpm::verify_quote(quote, ak->key, nonce);
  BOOST_REQUIRE_MESSAGE(info, test::why(info));
  BOOST_TEST(info->pcrs == pcrs.pcrs);

  const std::string dir = swtpm().dir();
  write(dir + "/ak.pem", as_bytes(ak->key.pem()));
  write(dir + "/quote.msg", q->attest);
  write(dir + "/quote.sig", q->signature);
  write(dir + "/pcrs.bin", tpm2_tools_pcr_file(pcrs, *values));
  const std::string check = "tpm2_checkquote -u " + dir + "/ak.pem -m " + dir + "/quote.msg -s " + dir +
                            "/quote.sig -f " + dir + "/pcrs.bin -g sha256 -q ";
  auto good = test::run(check + hex_encode(nonce));
  BOOST_TEST(good.exit_code == 0, good.out + good.err);
  Bytes other = nonce;
  other[0] ^= 1;
  auto bad = test::run(check + hex_encode(other));
  BOOST_TEST(bad.exit_code != 0, "tpm2_checkquote accepted the wrong qualifying data");
}

BOOST_AUTO_TEST_CASE(pcr_read_of_more_than_eight_pcrs_takes_several_calls) {
  Tpm tpm(swtpm().transport());
  hal::tpm::PcrSelection all;
  all.pcrs.clear();
  for (unsigned i = 0; i < 24; ++i) all.pcrs.push_back(i);
  auto values = tpm.pcr_read(all);
  BOOST_REQUIRE_MESSAGE(values, test::why(values));
  BOOST_TEST(values->size() == 24u);
  BOOST_TEST((*values)[17] == Bytes(32, 0xFF));  // PCRs 17-22 start at all ones
}

BOOST_AUTO_TEST_CASE(a_truncated_response_is_a_device_error) {
  BOOST_TEST(error_of(Bytes{0x80, 0x01, 0x00}).find("DeviceError: TPM2_GetRandom: response truncated") == 0u,
             error_of(Bytes{0x80, 0x01, 0x00}));
  // The header is whole but the TPM2B inside claims more than there is.
  std::string e = error_of(response(0x8001, 0, Bytes{0x00, 0x08, 1, 2}));
  BOOST_TEST(e.find("DeviceError: TPM2_GetRandom: malformed response: truncated") == 0u, e);
}

BOOST_AUTO_TEST_CASE(a_response_with_a_wrong_tag_is_a_device_error) {
  std::string e = error_of(response(0x00C4, 0, Bytes{0x00, 0x00}));
  BOOST_TEST(e == "DeviceError: TPM2_GetRandom: response has unknown tag 0xc4");
}

BOOST_AUTO_TEST_CASE(a_response_whose_size_field_lies_is_a_device_error) {
  std::string e = error_of(response(0x8001, 0, Bytes{0x00, 0x00}, 4000));
  BOOST_TEST(e.find("size field 4000 differs") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_tpm_error_code_is_named_in_the_device_error) {
  BOOST_TEST(error_of(response(0x8001, 0x101, {})) == "DeviceError: TPM2_GetRandom: TPM returned TPM_RC_FAILURE (0x101)");
  BOOST_TEST(error_of(response(0x8001, 0x1C4, {})) ==
             "DeviceError: TPM2_GetRandom: TPM returned TPM_RC_VALUE (0x1c4: parameter 1)");
}

BOOST_AUTO_TEST_CASE(an_oversized_tpm2b_is_a_device_error_not_a_read_past_the_end) {
  std::string e = error_of(response(0x8001, 0, Bytes{0xFF, 0xFF}));
  BOOST_TEST(e.find("more than its type allows") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(every_truncation_of_genuine_swtpm_responses_is_a_device_error) {
  auto recorder = std::make_shared<RecordingTransport>(swtpm().transport());
  Tpm tpm(recorder);
  constexpr std::uint32_t kAk = 0x81000013;
  if (!tpm.read_public(kAk)) BOOST_REQUIRE(tpm.create_persistent_ak(kAk));
  hal::tpm::PcrSelection pcrs;
  using Call = std::function<bool(Tpm&)>;
  const std::vector<std::pair<std::string, Call>> calls = {
      {"quote", [&](Tpm& t) { return t.quote(kAk, Bytes(32, 7), pcrs).ok(); }},
      {"pcr_read", [&](Tpm& t) { return t.pcr_read(pcrs).ok(); }},
      {"read_public", [&](Tpm& t) { return t.read_public(kAk).ok(); }},
      {"nv_read_public", [&](Tpm& t) { return t.nv_read_public(0x01500010).ok() || true; }},
  };
  for (const auto& [what, call] : calls) {
    BOOST_REQUIRE_MESSAGE(call(tpm), what);
    const Bytes full = recorder->last;
    for (std::size_t n = 0; n < full.size(); ++n) {
      // Cut, with the size field both as sent and fixed up to the cut length, so that
      // the parameter parsers see short input too.
      for (bool fix : {false, true}) {
        Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        if (fix && n >= 6) {
          for (int i = 0; i < 4; ++i) cut[2 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
        }
        Tpm broken(std::make_shared<CannedTransport>(cut));
        if (what == "nv_read_public") {
          auto r = broken.nv_read_public(0x01500010);
          BOOST_TEST((!r && r.error().name() == "DeviceError"), what << " cut at " << n);
        } else {
          BOOST_TEST(!call(broken), what << " cut at " << n << " accepted");
        }
      }
    }
  }
}

// Found by fuzz_tpm_response: values of any size up to 64 bytes were taken for a
// SHA-256 bank, and went into the evidence as PCR values.
BOOST_AUTO_TEST_CASE(a_pcr_value_of_the_wrong_size_for_its_bank_is_a_device_error) {
  hal::tpm::Marshaller body;
  body.u32(42);  // pcrUpdateCounter
  body.raw(hal::tpm::PcrSelection{}.marshal());  // SHA-256, PCRs 0-7, as asked
  body.u32(8);
  for (int i = 0; i < 8; ++i) body.tpm2b(Bytes(20, 0xAB));  // SHA-1 sized
  Tpm tpm(std::make_shared<CannedTransport>(response(0x8001, 0, body.bytes())));
  auto values = tpm.pcr_read(hal::tpm::PcrSelection{});
  BOOST_REQUIRE(!values);
  BOOST_TEST(values.error().describe() ==
             "DeviceError: TPM2_PCR_Read: a value of 20 bytes in the bank of hash 0xb, whose values have 32");
}

BOOST_AUTO_TEST_CASE(a_quote_with_a_broken_signature_area_is_a_device_error) {
  hal::tpm::Marshaller body;
  body.u32(0);  // parameterSize patched below
  body.u16(0);  // empty TPM2B_ATTEST
  body.u16(0x0018);  // ECDSA: not supported
  Bytes b = body.take();
  b[3] = static_cast<std::uint8_t>(b.size() - 4);
  b.insert(b.end(), {0x00, 0x00, 0x01, 0x00, 0x00});  // the password session's response
  Tpm tpm(std::make_shared<CannedTransport>(response(0x8002, 0, b)));
  auto q = tpm.quote(0x81000003, Bytes(32, 1), {});
  BOOST_REQUIRE(!q);
  BOOST_TEST(q.error().describe() == "DeviceError: TPM2_Quote: unsupported signature algorithm 0x18");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd
