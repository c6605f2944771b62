#include "boot/expected_boot.h"

#include <algorithm>

#include "boot/authenticode.h"
#include "boot/le_cursor.h"
#include "boot/uefi_types.h"
#include "core/text.h"
#include "crypto/sha.h"
#include "crypto/x509.h"

namespace attestd::boot {

namespace {

constexpr std::string_view kCallingEfiApplication = "Calling EFI Application from Boot Option";

ExpectedEvent event(unsigned pcr, std::uint32_t type, ByteView measured, std::string description) {
  return ExpectedEvent{pcr, type, crypto::sha256(measured), std::move(description)};
}

ExpectedEvent separator(unsigned pcr) {
  const Bytes zero(4, 0);
  return event(pcr, kEvSeparator, zero, "separator");
}

// EV_EFI_VARIABLE_DRIVER_CONFIG and _AUTHORITY measure the whole UEFI_VARIABLE_DATA.
ExpectedEvent variable_event(std::uint32_t type, const EfiGuid& vendor, const std::string& name, ByteView data,
                             std::string description) {
  return event(7, type, encode_variable_data(vendor, name, data), std::move(description));
}

struct DbEntry {
  Bytes signature_data;  // EFI_SIGNATURE_DATA: SignatureOwner, then the certificate
  crypto::Certificate cert;
};

// The X.509 entries of db's EFI_SIGNATURE_LISTs (UEFI 2.10 §32.4.1).
Result<std::vector<DbEntry>> db_certificates(ByteView db) {
  auto signatures = parse_signatures(db);
  if (!signatures) return signatures.error().with_context("db");
  std::vector<DbEntry> out;
  for (const Signature& s : *signatures) {
    if (s.type != kEfiCertX509) continue;
    auto cert = crypto::Certificate::from_der(s.data.subspan(16));
    if (!cert) return cert.error().with_context("db");
    out.push_back(DbEntry{to_bytes(s.data), std::move(cert).value()});
  }
  return out;
}

}  // namespace

Result<std::vector<ExpectedEvent>> expected_pcr4(const PeImage& uki, const std::string& efi_path, bool secure_boot) {
  std::vector<ExpectedEvent> out = {
      event(4, kEvEfiAction, as_bytes(kCallingEfiApplication), std::string(kCallingEfiApplication)), separator(4),
      ExpectedEvent{4, kEvEfiBootServicesApplication, uki.authenticode_sha256(), efi_path}};
  if (secure_boot) return out;
  const PeSection* linux = uki.find_section(".linux");
  if (!linux) return Error(ErrorCode::MalformedInput, "the UKI has no .linux section");
  auto kernel = PeImage::parse(uki.section_contents(*linux));
  if (!kernel) return kernel.error().with_context("the UKI's .linux section");
  out.push_back(ExpectedEvent{4, kEvEfiBootServicesApplication, kernel->authenticode_sha256(), kStubKernelDevicePath});
  return out;
}

Result<std::vector<ExpectedEvent>> expected_pcr7(const PeImage& uki, const UefiVariableStore& vars, bool secure_boot) {
  std::vector<ExpectedEvent> out;
  const Bytes secure_boot_value{static_cast<std::uint8_t>(secure_boot ? 1 : 0)};
  out.push_back(variable_event(kEvEfiVariableDriverConfig, kEfiGlobalVariable, "SecureBoot", secure_boot_value, "SecureBoot"));
  struct Policy {
    const EfiGuid& vendor;
    const char* name;
  };
  for (const Policy& p : {Policy{kEfiGlobalVariable, "PK"}, Policy{kEfiGlobalVariable, "KEK"},
                          Policy{kEfiImageSecurityDatabase, "db"}, Policy{kEfiImageSecurityDatabase, "dbx"}}) {
    const UefiVariable* v = vars.find(p.vendor, p.name);
    out.push_back(variable_event(kEvEfiVariableDriverConfig, p.vendor, p.name, v ? ByteView(v->data) : ByteView(), p.name));
  }
  if (const UefiVariable* dbt = vars.find(kEfiImageSecurityDatabase, "dbt")) {
    out.push_back(variable_event(kEvEfiVariableDriverConfig, kEfiImageSecurityDatabase, "dbt", dbt->data, "dbt"));
  }
  out.push_back(separator(7));
  if (!secure_boot) return out;

  // The first db certificate that is, or issued, a certificate of the UKI's signature:
  // the entry the firmware's image verification succeeds with, and measures.
  const UefiVariable* db = vars.find(kEfiImageSecurityDatabase, "db");
  if (!db) return Error(ErrorCode::MalformedInput, "Secure Boot on, but the VARS file has no db variable");
  auto entries = db_certificates(db->data);
  if (!entries) return entries.error();
  auto signers = signature_certificates(uki);
  if (!signers) return signers.error();
  if (signers->empty()) return Error(ErrorCode::MalformedInput, "Secure Boot on, but the UKI is not signed");
  for (const DbEntry& entry : *entries) {
    bool verifies = std::any_of(signers->begin(), signers->end(), [&](const crypto::Certificate& c) {
      return c == entry.cert || c.names_issuer(entry.cert);
    });
    if (verifies) {
      out.push_back(variable_event(kEvEfiVariableAuthority, kEfiImageSecurityDatabase, "db", entry.signature_data,
                                   "db: " + terminal_safe(entry.cert.subject())));
      return out;
    }
  }
  return Error(ErrorCode::MalformedInput,
               "Secure Boot on, but no db certificate verifies the UKI's signature (signer: " +
                   signers->front().subject() + ")");
}

std::vector<ExpectedEvent> expected_pcr11(const PeImage& uki) {
  std::vector<ExpectedEvent> out;
  for (const std::string& name : measured_uki_sections()) {
    const PeSection* s = uki.find_section(name);
    if (!s || s->virtual_size == 0) continue;
    std::string with_nul = name + '\0';
    out.push_back(event(11, kEvIpl, as_bytes(with_nul), name));
    out.push_back(event(11, kEvIpl, uki.section_contents(*s), name));
  }
  return out;
}

Bytes replay_expected(const std::vector<ExpectedEvent>& events) {
  Bytes pcr(32, 0);
  for (const ExpectedEvent& e : events) {
    Bytes joined = pcr;
    joined.insert(joined.end(), e.sha256.begin(), e.sha256.end());
    pcr = crypto::sha256(joined);
  }
  return pcr;
}

Result<ExpectedBoot> expected_boot(const BootInputs& in) {
  ExpectedBoot out;
  auto pcr4 = expected_pcr4(*in.uki, in.efi_path, in.secure_boot);
  if (!pcr4) return pcr4.error();
  out.events[4] = std::move(pcr4).value();
  auto pcr7 = expected_pcr7(*in.uki, *in.vars, in.secure_boot);
  if (!pcr7) return pcr7.error();
  out.events[7] = std::move(pcr7).value();
  out.events[11] = expected_pcr11(*in.uki);
  for (const auto& [pcr, events] : out.events) out.pcrs[pcr] = replay_expected(events);
  return out;
}

}  // namespace attestd::boot
