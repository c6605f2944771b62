// Errors as values: every failure has a stable name and exit code (docs/errors.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace attestd {

// X(name, exit code, one-line meaning). Names and codes are part of the CLI's
// interface: add new ones at the end of a group, never renumber.
#define ATTESTD_ERROR_CODES(X)                                                                   \
  X(Ok, 0, "success")                                                                            \
  X(Internal, 1, "an unexpected internal failure")                                               \
  X(Usage, 2, "the command line is wrong")                                                       \
  X(FileError, 3, "a file could not be read or written")                                         \
  X(MalformedInput, 4, "input is not in the expected encoding (hex, base64, JSON, PEM)")         \
  X(MalformedReport, 5, "an attestation report is truncated, oversized or inconsistent")         \
  X(UnsupportedReportVersion, 6, "the report's VERSION is not 2, 3, 4 or 5")                         \
  X(ReservedFieldSet, 7, "a reserved report field or bit is not zero (or a must-be-one bit is 0)") \
  X(MalformedCertificate, 8, "a certificate cannot be parsed")                                   \
  X(MalformedCertTable, 9, "an SNP certificate table is malformed")                              \
  X(MalformedHclReport, 10, "an Azure HCL report is malformed")                                  \
  X(RuntimeDataMismatch, 11, "REPORT_DATA does not bind the runtime data (SHA-256 differs)")     \
  X(MalformedPolicy, 12, "a policy file is invalid")                                             \
  X(CryptoError, 13, "a cryptographic operation failed")                                         \
  X(MalformedConfig, 14, "the agent's configuration is invalid")                                \
  X(BadSignature, 20, "the report (or token) signature does not verify")                         \
  X(UntrustedChain, 21, "the certificate chain does not end at a trusted AMD root")              \
  X(CertificateExpired, 22, "a certificate is expired or not yet valid at the verification time") \
  X(MissingCertificate, 23, "the certificate needed to verify is missing")                       \
  X(SigningKeyMismatch, 24, "the report names another signing key (VCEK/VLEK) than the one given") \
  X(TcbMismatch, 25, "REPORTED_TCB differs from the certificate's TCB (SPL) extensions")         \
  X(ChipIdMismatch, 26, "CHIP_ID differs from the VCEK's hwID")                                  \
  X(ProductMismatch, 27, "the report, certificate and root disagree on the product")             \
  X(UnknownProduct, 28, "the product (Milan, Genoa, Turin) cannot be determined")                \
  X(QuoteInvalid, 29, "the TPM quote is not signed by the attested vTPM key, or not over the PCR values") \
  X(DebugMode, 30, "the guest policy allows debugging")                                          \
  X(MigrationAgentAllowed, 31, "the guest policy allows a migration agent")                      \
  X(SmtNotAllowed, 32, "SMT is allowed or enabled but the policy forbids it")                    \
  X(VmplMismatch, 33, "the report's VMPL is not allowed")                                        \
  X(TcbTooLow, 34, "a TCB component SVN is below the policy minimum")                            \
  X(GuestSvnTooLow, 35, "GUEST_SVN is below the policy minimum")                                 \
  X(MeasurementMismatch, 36, "the launch measurement is not in the allow-list")                 \
  X(HostDataMismatch, 37, "HOST_DATA differs from the policy")                                   \
  X(ReportDataMismatch, 38, "REPORT_DATA differs from the expected value")                       \
  X(IdKeyMismatch, 39, "the ID key digest is not allowed")                                       \
  X(AuthorKeyMismatch, 40, "the author key digest is not allowed")                               \
  X(FirmwareTooOld, 41, "the firmware version is below the policy minimum")                      \
  X(PolicyViolation, 42, "another guest policy or platform rule is violated")                    \
  X(PcrMismatch, 43, "a PCR of the booted code is not a value the policy allows")                \
  X(SecureBootDisabled, 44, "the guest booted without UEFI Secure Boot")                        \
  X(EventLogMismatch, 45, "the TCG event log does not replay to the quoted PCR values")          \
  X(TestSigningEnabled, 46, "the guest's OS booted with test signing enabled")                  \
  X(FlightSigningEnabled, 47, "the guest's OS booted with flight signing enabled")              \
  X(OsTypeMismatch, 48, "the guest's OS type is not the one the policy requires")                \
  X(MissingClaim, 49, "a claim the attestation service always emits is missing or mistyped")    \
  X(NotAnEnclave, 50, "the token does not attest an SEV-SNP VM")                                 \
  X(NonCompliantUvm, 51, "the token lacks the required compliance status")                       \
  X(NonceMismatch, 52, "the freshness proof does not cover our nonce")                           \
  X(ChannelBindingMismatch, 53, "the TLS peer key is not the attested key")                      \
  X(TokenExpired, 54, "the token's exp is in the past")                                          \
  X(TokenNotYetValid, 55, "the token's nbf is in the future")                                    \
  X(UntrustedIssuer, 56, "the token's issuer or key source is not the pinned MAA")              \
  X(UnsupportedAlgorithm, 57, "the token's algorithm is not RS256")                              \
  X(UnknownKey, 58, "no trusted key has the token's kid")                                        \
  X(MalformedToken, 59, "the token is not a well-formed JWS")                                    \
  X(MaaUnavailable, 60, "the attestation service cannot be reached or refused")                  \
  X(NetworkError, 61, "a network request failed (connection, TLS, timeout, HTTP status)")        \
  X(AgentOverloaded, 62, "the agent is at a connection limit; retry after the time it gives")     \
  X(DeviceError, 70, "the evidence device failed")                                               \
  X(NoEvidenceSource, 71, "no evidence source is present")                                       \
  X(AbiTooOld, 80, "the guest policy's minimum ABI version is below the policy minimum")          \
  X(PlatformMismatch, 81, "a PLATFORM_INFO bit is not what the policy requires")                   \
  X(GuestPolicyMismatch, 82, "a guest POLICY bit is not what the policy requires")                 \
  X(ProvisionalFirmware, 83, "the firmware is provisional (committed and current differ)")          \
  X(FamilyIdMismatch, 84, "FAMILY_ID differs from the policy")                                    \
  X(ImageIdMismatch, 85, "IMAGE_ID differs from the policy")                                      \
  X(ChipIdNotAllowed, 86, "CHIP_ID is not in the policy's allow-list")                            \
  X(MitigationTooLow, 87, "the launch mitigation vector lacks bits the policy requires")           \
  X(IdBlockMissing, 88, "the guest was launched without the ID block the policy requires")         \
  X(CertificateRevoked, 90, "a certificate of the chain is on AMD's revocation list")             \
  X(CrlInvalid, 91, "the revocation list is not signed by the ARK, or is out of date")            \
  X(CrlUnavailable, 92, "the revocation list the policy requires could not be had")

enum class ErrorCode : std::uint8_t {
#define X(name, code, what) name = code,
  ATTESTD_ERROR_CODES(X)
#undef X
};

std::string_view error_name(ErrorCode code);
std::string_view error_meaning(ErrorCode code);
int exit_code(ErrorCode code);
// Every code, in table order (for docs checks and --help).
std::span<const ErrorCode> all_error_codes();

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string_view name() const { return error_name(code_); }
  // "Name: message"
  std::string describe() const;
  // The same error with "context: " in front of its message.
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

// A value or the reason there is none. Never half-initialised.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Status ok_status() { return {}; }

}  // namespace attestd
