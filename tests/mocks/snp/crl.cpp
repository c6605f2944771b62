#include "tests/mocks/snp/crl.h"

#include <string>

namespace attestd::snpsim {

namespace {

Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes len;
    for (; n > 0; n >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(n & 0xff));
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050.
Bytes der_time(UnixTime t) {
  std::string s = format_rfc3339(t);  // 2025-06-01T00:00:00Z
  std::string digits;
  for (char c : s.substr(0, 19)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  bool utc = s.compare(0, 4, "2050") < 0 && s.compare(0, 4, "1950") >= 0;
  std::string body = (utc ? digits.substr(2) : digits) + "Z";
  return tlv(utc ? 0x17 : 0x18, Bytes(body.begin(), body.end()));
}

// AlgorithmIdentifier RSASSA-PSS {SHA-384, MGF1 SHA-384, salt 48, trailer 1}, byte for
// byte as AMD's ARKs and ASKs carry it.
const Bytes kPssSha384 = hex_decode(
    "304606092a864886f70d01010a3039a00f300d06096086480165030402020500a11c301a06092a864886f70d01"
    "0108300d06096086480165030402020500a203020130a303020101").value();

// AlgorithmIdentifier sha384WithRSAEncryption (PKCS#1 v1.5), NULL parameters.
const Bytes kPkcs1Sha384 = hex_decode("300d06092a864886f70d01010c0500").value();

}  // namespace

Result<Bytes> make_crl(const CrlSpec& spec, const crypto::Certificate& issuer, const crypto::PrivateKey& key) {
  Bytes entries;
  for (const Bytes& serial : spec.revoked_serials) {
    entries = cat({entries, tlv(0x30, cat({tlv(0x02, serial), der_time(spec.revoked_at ? spec.revoked_at
                                                                                         : spec.this_update)}))});
  }
  // crlExtensions [0] { cRLNumber (2.5.29.20) }
  Bytes crl_number = tlv(0x30, cat({tlv(0x06, {0x55, 0x1d, 0x14}), tlv(0x04, crypto::der_integer(spec.crl_number))}));
  const Bytes& algorithm = spec.pkcs1_v1_5 ? kPkcs1Sha384 : kPssSha384;
  Bytes tbs_body = cat({crypto::der_integer(1), algorithm, issuer.subject_der(), der_time(spec.this_update)});
  if (spec.next_update) tbs_body = cat({tbs_body, der_time(*spec.next_update)});
  if (!entries.empty()) tbs_body = cat({tbs_body, tlv(0x30, entries)});
  tbs_body = cat({tbs_body, tlv(0xa0, tlv(0x30, crl_number))});
  Bytes tbs = tlv(0x30, tbs_body);
  auto sig = key.sign(spec.pkcs1_v1_5 ? crypto::SignatureScheme::RsaPkcs1Sha384 : crypto::SignatureScheme::RsaPssSha384,
                      tbs);
  if (!sig) return sig.error();
  Bytes bits{0x00};
  bits.insert(bits.end(), sig->begin(), sig->end());
  return tlv(0x30, cat({tbs, algorithm, tlv(0x03, bits)}));
}

Result<Bytes> make_ark_crl(const SimIdentity& identity, UnixTime at, std::vector<Bytes> serials) {
  CrlSpec spec;
  spec.this_update = at - 86400;
  spec.next_update = at + 30 * 86400;
  spec.revoked_serials = std::move(serials);
  return make_crl(spec, identity.ark, identity.ark_key);
}

}  // namespace attestd::snpsim
