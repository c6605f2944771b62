// The measured boot of an attestd guest on a vTPM (Azure-style CVMs; docs/measured-boot.md):
// the answer's "tpm" member, checked against the attestation key MAA vouched for and the
// batch's runtime data, and replayed against the firmware's event log.
#pragma once

#include <map>
#include <optional>
#include <string_view>

#include "boot/event_log.h"
#include "core/bytes.h"
#include "core/error.h"
#include "core/json.h"
#include "crypto/keys.h"
#include "verify/policy.h"

namespace attestd::client {

// The PCRs every quote must cover: the firmware and its configuration (0-7) and the UKI's
// sections (11). Others (9, 12) are checked when quoted.
inline const std::vector<unsigned> kRequiredPcrs = {0, 1, 2, 3, 4, 5, 6, 7, 11};

// The "tpm" member as sent (agent/service.h): decoded, not yet verified.
struct BootEvidence {
  Bytes quote;      // TPMS_ATTEST
  Bytes signature;  // TPMT_SIGNATURE
  std::map<unsigned, Bytes> pcrs;
  std::optional<Bytes> event_log;
};

// QuoteInvalid naming the member for anything that is not the documented shape (a missing
// or non-base64url quote/signature, a PCR key that is not 0-23, a value that is not 32
// bytes of hex, a log over boot::kMaxEventLogBytes).
Result<BootEvidence> parse_boot_evidence(const Json::Value& tpm);

// A boot whose quote, PCR values and event log all held.
struct VerifiedBoot {
  std::map<unsigned, Bytes> pcrs;
  boot::EventLog log;
  std::optional<bool> secure_boot;
};

// In this order: the quote's signature by `ak` (QuoteInvalid); its qualifying data equal to
// SHA-256 of report_data_for(runtime_text) (NonceMismatch: a quote of another batch); the
// PCR values hashing to the signed digest, covering kRequiredPcrs (QuoteInvalid); the
// event log parsing and replaying to every quoted PCR (EventLogMismatch naming the PCR);
// the policy's secure_boot and pcrs (SecureBootDisabled, PcrMismatch: check_boot_policy).
Result<VerifiedBoot> verify_boot(const BootEvidence& evidence, const crypto::PublicKey& ak,
                                 std::string_view runtime_text, const verify::Policy& policy);

// The vTPM attestation key MAA vouched for: "HCLAkPub" in the token's x-ms-runtime (the
// paravisor's runtime claims). QuoteInvalid when the claims publish none.
Result<crypto::PublicKey> attested_ak(const Json::Value& runtime_claims);

}  // namespace attestd::client
