// libFuzzer: every TPM response the TPM client parses, as a (compromised or broken) TPM
// would send it. The input's first byte picks what runs; for the commands, the rest is the
// TPM's responses in order, each as a big-endian u16 length and the bytes, which a
// TpmTransport hands back one per command. Each command must end in its value or a named
// error, with the value holding what the command promises.
//   0-8: one Tpm command;  9: AzureVtpmSource::get_evidence (64 bytes of report data
//   first), then check_azure_evidence on what it returned;  10-12: the pure parsers of
//   TPMS_ATTEST, TPMT_SIGNATURE and TPMT_PUBLIC on the raw rest;  13-18: the commands of
//   AzureGuest's encryption key (CreatePrimary, Certify, StartAuthSession, PolicyPCR,
//   RSA_Decrypt, GetCapability);  19-21: the pure parsers of a certify TPMS_ATTEST,
//   TPM2B_PUBLIC and TPML_PCR_SELECTION on the raw rest.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hal/azure_vtpm.h"
#include "hal/snp/hcl.h"
#include "hal/tpm/objects.h"
#include "hal/tpm/quote.h"
#include "hal/tpm/tpm.h"
#include "hal/tpm/transport.h"

namespace {

using namespace attestd;
namespace tpm = hal::tpm;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// A TPM whose responses are the fuzz input. A command's retries take responses too, so a
// bound on them bounds the client's waiting (20 ms per TPM_RC_RETRY).
class ScriptedTransport : public tpm::TpmTransport {
 public:
  explicit ScriptedTransport(ByteView script) : script_(script) {}
  Result<Bytes> transact(ByteView) override {
    if (script_.size() < 2 || ++answered_ > kMaxResponses) {
      return Error(ErrorCode::DeviceError, "scripted TPM: no more responses");
    }
    std::size_t n = std::min<std::size_t>((script_[0] << 8) | script_[1], script_.size() - 2);
    Bytes r(script_.begin() + 2, script_.begin() + 2 + static_cast<std::ptrdiff_t>(n));
    script_ = script_.subspan(2 + n);
    return r;
  }
  std::string describe() const override { return "scripted TPM"; }

 private:
  static constexpr int kMaxResponses = 16;
  ByteView script_;
  int answered_ = 0;
};

void require_error(const Error& e, std::initializer_list<ErrorCode> allowed) {
  require(std::find(allowed.begin(), allowed.end(), e.code()) != allowed.end());
  require(!e.message().empty());
}

template <typename R>
void require_device_error(const R& r) {
  if (!r) require_error(r.error(), {ErrorCode::DeviceError});
}

void run_command(std::uint8_t op, ByteView script) {
  constexpr std::uint32_t kIndex = hal::kAzureHclReportIndex;
  tpm::Tpm t(std::make_shared<ScriptedTransport>(script));
  switch (op) {
    case 0: require_device_error(t.startup()); break;
    case 1: {
      auto r = t.get_random(16);
      require_device_error(r);
      if (r) require(r->size() <= 16);
      break;
    }
    case 2: {
      auto r = t.nv_read_public(kIndex);
      require_device_error(r);
      if (r) require(r->index == kIndex);
      break;
    }
    case 3: {
      auto r = t.nv_read(kIndex, 1024);
      require_device_error(r);
      break;
    }
    case 4: {
      Bytes qualifying(32, 0x5A);
      auto r = t.quote(hal::kAzureAkHandle, qualifying, tpm::PcrSelection{});
      require_device_error(r);
      if (r) require(r->attest.size() <= 2048 && r->signature.size() >= 6);
      break;
    }
    case 5: {
      tpm::PcrSelection sel;  // SHA-256, PCRs 0-7
      auto r = t.pcr_read(sel);
      require_device_error(r);
      if (r) {
        require(r->size() == sel.pcrs.size());
        for (const Bytes& v : *r) require(v.size() == 32);  // a SHA-256 bank's values
      }
      break;
    }
    case 6: {
      auto r = t.read_public(hal::kAzureAkHandle);
      require_device_error(r);
      if (r) require(r->key.type() == crypto::KeyType::Rsa);
      break;
    }
    case 7: require_device_error(t.create_persistent_ak(0x81000010)); break;
    default: {
      Bytes data(300, 0xC3);
      require_device_error(t.nv_write(0x01400002, data, 0, 128));
    }
  }
}

void run_key_command(std::uint8_t op, ByteView script) {
  tpm::Tpm t(std::make_shared<ScriptedTransport>(script));
  const tpm::PcrSelection sel{tpm::kAlgSha256, hal::kQuotedPcrs};
  switch (op) {
    case 13: {
      auto r = t.create_primary(tpm::kRhNull, tpm::encryption_key_template(Bytes(32, 0x11)));
      require_device_error(r);
      if (r) require(r->public_area.size() <= 1024 && r->name.size() <= 66);
      break;
    }
    case 14: {
      auto r = t.certify(tpm::kTransientFirst, hal::kAzureAkHandle, {});
      require_device_error(r);
      if (r) require(r->attest.size() <= 2048 && r->signature.size() >= 6);
      break;
    }
    case 15: require_device_error(t.start_policy_session()); break;
    case 16: require_device_error(t.policy_pcr(0x03000000, Bytes(32, 0x22), sel)); break;
    case 17: {
      auto r = t.rsa_decrypt(tpm::kTransientFirst, 0x03000000, Bytes(256, 0x33));
      require_device_error(r);
      if (r) require(r->size() <= 512);
      break;
    }
    default: {
      auto r = t.handles(tpm::kTransientFirst);
      require_device_error(r);
      if (r) {
        require(r->size() <= 256);
        for (std::uint32_t h : *r) require((h >> 24) == 0x80);
      }
    }
  }
}

void run_key_parser(std::uint8_t op, ByteView in) {
  if (op == 19) {
    auto c = tpm::parse_certify_attest(in);
    if (!c) return require_error(c.error(), {ErrorCode::MalformedInput});
    require(c->name.size() <= 66 && c->qualified_name.size() <= 66 && c->extra_data.size() <= 64);
  } else if (op == 20) {
    auto k = tpm::parse_tpm2b_public(in);
    if (!k) return require_error(k.error(), {ErrorCode::MalformedInput});
    require(tpm::tpm2b_public(k->public_area) == Bytes(in.begin(), in.end()));
    auto name = tpm::object_name(k->public_area);
    if (!name) return require_error(name.error(), {ErrorCode::MalformedInput});
  } else {
    auto sel = tpm::parse_pcr_selection(in);
    if (!sel) return require_error(sel.error(), {ErrorCode::MalformedInput});
    require(sel->marshal() == Bytes(in.begin(), in.end()));  // nothing lost, nothing added
  }
}

void run_evidence(ByteView in) {
  if (in.size() < 64) return;
  hal::ReportData report_data{};
  std::copy(in.begin(), in.begin() + 64, report_data.begin());
  hal::AzureVtpmOptions options;
  options.poll_interval = std::chrono::milliseconds(0);
  options.timeout = std::chrono::milliseconds(0);  // one read of the HCL report
  hal::AzureVtpmSource source(std::make_shared<ScriptedTransport>(in.subspan(64)), options);
  auto e = source.get_evidence(report_data);
  if (!e) {
    require_error(e.error(), {ErrorCode::DeviceError});
    return;
  }
  require(e->hcl_report && e->quote && e->runtime_claims);
  auto hcl = snp::parse_hcl_report(*e->hcl_report);
  require(hcl && hcl->snp_report_bytes == e->report);
  auto user = hal::hcl_user_data(*e->runtime_claims);
  require(user && *user == Bytes(report_data.begin(), report_data.end()));
  // What a verifier makes of it: a verdict, never a crash.
  auto checked = hal::check_azure_evidence(*e, report_data);
  if (!checked) {
    require_error(checked.error(), {ErrorCode::MalformedInput, ErrorCode::BadSignature, ErrorCode::NonceMismatch,
                                    ErrorCode::ReportDataMismatch, ErrorCode::UnsupportedAlgorithm});
  }
}

void run_parser(std::uint8_t op, ByteView in) {
  if (op == 10) {
    auto q = tpm::parse_quote_attest(in);
    if (!q) return require_error(q.error(), {ErrorCode::MalformedInput});
    require(q->extra_data.size() <= 64 && q->pcr_digest.size() <= 64 && q->qualified_signer.size() <= 66);
    require(std::is_sorted(q->pcrs.begin(), q->pcrs.end()) && (q->pcrs.empty() || q->pcrs.back() < 32));
  } else if (op == 11) {
    auto s = tpm::parse_tpm_signature(in);
    if (!s) return require_error(s.error(), {ErrorCode::MalformedInput});
    require(s->signature.size() <= 512);
  } else {
    auto k = tpm::parse_rsa_public(in);
    if (!k) return require_error(k.error(), {ErrorCode::MalformedInput});
    require(k->key.type() == crypto::KeyType::Rsa && k->public_area == Bytes(in.begin(), in.end()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t op = data[0] % 22;
  ByteView rest(data + 1, size - 1);
  if (op <= 8) run_command(op, rest);
  else if (op == 9) run_evidence(rest);
  else if (op <= 12) run_parser(op, rest);
  else if (op <= 18) run_key_command(op, rest);
  else run_key_parser(op, rest);
  return 0;
}
