// X.509 certificates: parsing, extensions, chain verification at a chosen time, issuing.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "crypto/keys.h"

namespace attestd::crypto {

// basicConstraints (RFC 5280 §4.2.1.9) as the certificate carries it.
struct BasicConstraints {
  bool ca = false;
  std::optional<int> path_len;  // pathLenConstraint, when present
  bool operator==(const BasicConstraints&) const = default;
};

// keyUsage bits as in RFC 5280 §4.2.1.3 (and mbedTLS's MBEDTLS_X509_KU_*).
inline constexpr unsigned kKeyUsageDigitalSignature = 0x80;
inline constexpr unsigned kKeyUsageKeyCertSign = 0x04;
inline constexpr unsigned kKeyUsageCrlSign = 0x02;

class Certificate {
 public:
  static Result<Certificate> from_der(ByteView der);
  // One or more PEM CERTIFICATE blocks, or one DER certificate. An input with no
  // certificate at all is an error.
  static Result<std::vector<Certificate>> parse_all(ByteView pem_or_der);

  const Bytes& der() const;
  std::string pem() const;
  std::string subject() const;  // "CN=SEV-Milan, O=Advanced Micro Devices, ..."
  std::string issuer() const;
  Bytes subject_der() const;  // the subject Name as encoded (what a CRL's issuer must equal)
  std::string subject_common_name() const;
  Bytes serial() const;
  UnixTime not_before() const;
  UnixTime not_after() const;
  PublicKey public_key() const;
  bool is_ca() const;  // basicConstraints cA
  // The extensions as mbedTLS parsed them; nullopt when the certificate has none.
  std::optional<BasicConstraints> basic_constraints() const;
  std::optional<unsigned> key_usage() const;
  std::optional<std::vector<std::string>> extended_key_usage() const;  // dotted OIDs
  bool is_self_issued() const;
  // This certificate's issuer name is `ca`'s subject name (byte for byte).
  bool names_issuer(const Certificate& ca) const;
  std::string signature_algorithm() const;  // e.g. "RSASSA-PSS", "ECDSA with SHA384"
  // The contents of the extnValue OCTET STRING of the extension with this OID.
  std::optional<Bytes> extension(std::string_view dotted_oid) const;

  bool operator==(const Certificate& other) const { return der() == other.der(); }

  struct Impl;
  explicit Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Checks that `leaf` chains through `intermediates` (any order, unused ones ignored) to
// one of `roots`, every signature verifying and every certificate on the path valid at
// time `at`. Returns the root reached. UntrustedChain for a broken or foreign path,
// CertificateExpired (naming the certificate and its validity) for a time failure.
Result<Certificate> verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                                 std::span<const Certificate> roots, UnixTime at);

// Checks one exact path, leaf first and trust anchor last: each certificate is issued by
// the next one (its issuer name is the next one's subject, and the next one's key
// verifies its signature), the anchor is self-issued, and every certificate is valid at
// `at`. A path that verifies some other way (e.g. the leaf signed by the anchor itself,
// skipping an intermediate) does not count. UntrustedChain naming the broken link,
// CertificateExpired naming the certificate and its validity.
Status verify_path(std::span<const Certificate> path, UnixTime at);

// What to put in a new certificate.
struct CertificateSpec {
  std::string subject;  // "CN=...,O=..."
  Bytes serial;         // big-endian, 1..20 bytes
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  bool basic_constraints = true;  // false leaves the extension out (as on AMD's VCEKs)
  bool is_ca = false;
  int max_path_len = -1;  // -1: no limit
  // keyUsage bits as in RFC 5280 §4.2.1.3 (digitalSignature = 0x80, keyCertSign = 0x04,
  // cRLSign = 0x02); 0 leaves the extension out.
  unsigned key_usage = 0;
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries
  std::vector<std::string> extended_key_usage;  // dotted OIDs; empty leaves the extension out
  struct Extension {
    std::string oid;  // dotted
    bool critical = false;
    Bytes value;      // DER of the extension value (inside extnValue)
  };
  std::vector<Extension> extensions;
  HashAlg hash = HashAlg::Sha384;
};

// Signed by `issuer_key` under `issuer` (the issuer certificate; nullptr = self-signed).
// RSA issuers sign with PKCS#1 v1.5, EC issuers with ECDSA.
Result<Certificate> issue_certificate(const CertificateSpec& spec, const PublicKey& subject_key,
                                      const PrivateKey& issuer_key, const Certificate* issuer);

// DER helpers for extension values.
Bytes der_integer(std::uint64_t value);
Bytes der_ia5_string(std::string_view s);
Bytes der_octet_string(ByteView data);

}  // namespace attestd::crypto
