#include "hal/tpm/tpm.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>
#include <utility>

#include "core/text.h"
#include "crypto/random.h"
#include "hal/tpm/marshal.h"
#include "hal/tpm/objects.h"

namespace attestd::hal::tpm {
namespace {

// Command codes (Part 2 §6.5.2).
constexpr std::uint32_t kCcNvUndefineSpace = 0x122;
constexpr std::uint32_t kCcEvictControl = 0x120;
constexpr std::uint32_t kCcNvDefineSpace = 0x12A;
constexpr std::uint32_t kCcCreatePrimary = 0x131;
constexpr std::uint32_t kCcNvWrite = 0x137;
constexpr std::uint32_t kCcStartup = 0x144;
constexpr std::uint32_t kCcCertify = 0x148;
constexpr std::uint32_t kCcNvRead = 0x14E;
constexpr std::uint32_t kCcQuote = 0x158;
constexpr std::uint32_t kCcRsaDecrypt = 0x159;
constexpr std::uint32_t kCcFlushContext = 0x165;
constexpr std::uint32_t kCcNvReadPublic = 0x169;
constexpr std::uint32_t kCcReadPublic = 0x173;
constexpr std::uint32_t kCcStartAuthSession = 0x176;
constexpr std::uint32_t kCcGetCapability = 0x17A;
constexpr std::uint32_t kCcGetRandom = 0x17B;
constexpr std::uint32_t kCcPolicyPcr = 0x17F;
constexpr std::uint32_t kCcPcrRead = 0x17E;
constexpr std::uint32_t kCcPcrExtend = 0x182;

constexpr std::uint16_t kStNoSessions = 0x8001;
constexpr std::uint16_t kStSessions = 0x8002;
constexpr std::uint32_t kRsPw = 0x40000009;
constexpr std::uint32_t kRcInitialize = 0x100;
constexpr std::uint32_t kRcHandle1 = 0x18B;  // TPM_RC_HANDLE, handle 1: nothing is there
constexpr std::uint32_t kRcValueParameter1 = 0x1C4;  // TPM_RC_VALUE, parameter 1
constexpr std::uint8_t kSePolicy = 0x01;
constexpr std::uint32_t kCapHandles = 0x00000001;
constexpr std::size_t kMaxAuthSessions = 3;  // a command carries at most three
constexpr std::size_t kHeaderSize = 10;

// Buffer bounds of the TPM2B types we read (generous: the TPM's own limits are lower).
constexpr std::size_t kMaxDigest = 64;
constexpr std::size_t kMaxName = 2 + kMaxDigest;
constexpr std::size_t kMaxNvBuffer = 4096;
constexpr std::size_t kMaxRsaKey = 512;  // 4096-bit
constexpr std::size_t kMaxAttest = 2048;
constexpr std::size_t kMaxPublic = 1024;
constexpr std::size_t kMaxCreationData = 1024;
constexpr std::size_t kMaxHandles = 256;
constexpr unsigned kPcrCount = 24;

Error device(std::string_view command, std::string what) {
  return Error(ErrorCode::DeviceError, std::string(command) + ": " + std::move(what));
}

// Builds a command: header, handles, the password authorisation, parameters.
class Command {
 public:
  Command(std::uint32_t code, bool sessions) : sessions_(sessions) {
    m_.u16(sessions ? kStSessions : kStNoSessions);
    m_.u32(0);  // size, patched in finish()
    m_.u32(code);
  }
  Command& handle(std::uint32_t h) {
    m_.u32(h);
    return *this;
  }
  // TPMS_AUTH_COMMAND for TPM_RS_PW with an empty password, one per authorised handle.
  Command& password_auth(unsigned count = 1) {
    m_.u32(9 * count);
    for (unsigned i = 0; i < count; ++i) {
      m_.u32(kRsPw);
      m_.u16(0);    // nonce
      m_.u8(0x01);  // continueSession
      m_.u16(0);    // hmac (the password)
    }
    return *this;
  }
  // TPMS_AUTH_COMMAND for a policy session that needs no HMAC (no policyAuthValue): empty
  // nonceCaller and hmac; the session ends with the command unless `keep`.
  Command& session_auth(std::uint32_t session, bool keep) {
    m_.u32(9);
    m_.u32(session);
    m_.u16(0);
    m_.u8(keep ? 0x01 : 0x00);
    m_.u16(0);
    return *this;
  }
  Marshaller& params() { return m_; }
  Bytes finish() {
    m_.patch_u32(2, static_cast<std::uint32_t>(m_.size()));
    return m_.take();
  }
  bool sessions() const { return sessions_; }

 private:
  bool sessions_;
  Marshaller m_;
};

const char* rc_name(std::uint32_t code) {
  switch (code) {
    case 0x100: return "TPM_RC_INITIALIZE";
    case 0x101: return "TPM_RC_FAILURE";
    case 0x103: return "TPM_RC_SEQUENCE";
    case 0x143: return "TPM_RC_COMMAND_CODE";
    case 0x144: return "TPM_RC_AUTHSIZE";
    case 0x145: return "TPM_RC_AUTH_CONTEXT";
    case 0x146: return "TPM_RC_NV_RANGE";
    case 0x147: return "TPM_RC_NV_SIZE";
    case 0x148: return "TPM_RC_NV_LOCKED";
    case 0x149: return "TPM_RC_NV_AUTHORIZATION";
    case 0x14A: return "TPM_RC_NV_UNINITIALIZED";
    case 0x14B: return "TPM_RC_NV_SPACE";
    case 0x14C: return "TPM_RC_NV_DEFINED";
    case 0x150: return "TPM_RC_BAD_CONTEXT";
    case 0x153: return "TPM_RC_PARENT";
    case 0x161: return "TPM_RC_SENSITIVE";
    case 0x901: return "TPM_RC_CONTEXT_GAP";
    case 0x902: return "TPM_RC_OBJECT_MEMORY";
    case 0x908: return "TPM_RC_YIELDED";
    case 0x909: return "TPM_RC_CANCELED";
    case 0x921: return "TPM_RC_LOCKOUT";
    case 0x922: return "TPM_RC_RETRY";
    case 0x923: return "TPM_RC_NV_UNAVAILABLE";
    // Format 1 codes (with the handle/parameter/session bits cleared).
    case 0x081: return "TPM_RC_ASYMMETRIC";
    case 0x082: return "TPM_RC_ATTRIBUTES";
    case 0x083: return "TPM_RC_HASH";
    case 0x084: return "TPM_RC_VALUE";
    case 0x085: return "TPM_RC_HIERARCHY";
    case 0x087: return "TPM_RC_KEY_SIZE";
    case 0x089: return "TPM_RC_MGF";
    case 0x08B: return "TPM_RC_HANDLE";
    case 0x08E: return "TPM_RC_AUTH_FAIL";
    case 0x095: return "TPM_RC_SIZE";
    case 0x098: return "TPM_RC_BAD_AUTH";
    case 0x09A: return "TPM_RC_KEY";
    case 0x09B: return "TPM_RC_SCHEME";
    case 0x09C: return "TPM_RC_SELECTOR";
    case 0x09D: return "TPM_RC_INSUFFICIENT";
    case 0x09E: return "TPM_RC_SIGNATURE";
    default: return nullptr;
  }
}

// The digest size of a PCR bank's hash (Part 2 §6.3, TPM_ALG_SHA1 0x0004 among them); 0
// for a hash we do not know.
std::size_t digest_size(std::uint16_t hash_alg) {
  switch (hash_alg) {
    case 0x0004: return 20;
    case kAlgSha256: return 32;
    case kAlgSha384: return 48;
    case kAlgSha512: return 64;
    default: return 0;
  }
}

// TPMS_PCR_SELECTION bitmap of three bytes (PCRs 0-23).
std::array<std::uint8_t, 3> pcr_bitmap(const std::vector<unsigned>& pcrs) {
  std::array<std::uint8_t, 3> bits{};
  for (unsigned p : pcrs) {
    if (p < kPcrCount) bits[p / 8] |= static_cast<std::uint8_t>(1u << (p % 8));
  }
  return bits;
}

}  // namespace

std::string describe_rc(std::uint32_t rc) {
  std::string out;
  std::uint32_t code = rc;
  std::string where;
  if (rc & 0x80) {  // format 1: error code in bits 5:0, location in bits 11:8
    code = 0x80 | (rc & 0x3F);
    unsigned n = (rc >> 8) & 0xF;
    if (rc & 0x40) {
      where = "parameter " + std::to_string(n);
    } else if (n & 0x8) {
      where = "session " + std::to_string(n & 0x7);
    } else if (n != 0) {
      where = "handle " + std::to_string(n);
    }
  } else if ((rc & 0xFFF) != rc) {
    code = rc;
  }
  const char* name = rc_name(code);
  out = name ? std::string(name) : std::string("TPM response code");
  out += " (" + hex_number(rc);
  if (!where.empty()) out += ": " + where;
  out += ")";
  return out;
}

Bytes PcrSelection::marshal() const {
  Marshaller m;
  m.u32(1);
  m.u16(hash_alg);
  m.u8(3);
  for (std::uint8_t b : pcr_bitmap(pcrs)) m.u8(b);
  return m.take();
}

Result<PcrSelection> parse_pcr_selection(ByteView tpml_pcr_selection) {
  Unmarshaller u(tpml_pcr_selection);
  std::uint32_t banks = u.u32();
  PcrSelection out;
  out.hash_alg = u.u16();
  std::uint8_t n = u.u8();
  ByteView bits = u.raw(3);
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (!u.ok()) return Error(ErrorCode::MalformedInput, "TPML_PCR_SELECTION: " + u.failure());
  if (banks != 1 || n != 3) {
    return Error(ErrorCode::MalformedInput, "TPML_PCR_SELECTION: " + std::to_string(banks) + " banks with " +
                                                std::to_string(n) + "-byte bitmaps, expected one bank of 3 bytes");
  }
  out.pcrs.clear();
  for (unsigned p = 0; p < kPcrCount; ++p) {
    if (bits[p / 8] & (1u << (p % 8))) out.pcrs.push_back(p);
  }
  return out;
}

struct TpmResponse {
  std::vector<std::uint32_t> handles;
  Bytes params;
};

namespace {
// Splits a response into handles and parameters after checking its header; `handles`
// is how many handles this command's response carries.
Result<TpmResponse> parse_response(std::string_view name, bool sessions, ByteView r, unsigned handles) {
  Unmarshaller u(r);
  std::uint16_t tag = u.u16();
  std::uint32_t size = u.u32();
  std::uint32_t rc = u.u32();
  if (!u.ok()) return device(name, "response truncated: " + std::to_string(r.size()) + " bytes, header needs 10");
  if (size != r.size()) {
    return device(name, "response size field " + std::to_string(size) + " differs from the " +
                            std::to_string(r.size()) + " bytes received");
  }
  if (tag != kStNoSessions && tag != kStSessions) return device(name, "response has unknown tag " + hex_number(tag));
  if (rc != 0) return device(name, "TPM returned " + describe_rc(rc));
  if ((tag == kStSessions) != sessions) {
    return device(name, "response tag " + hex_number(tag) + " does not match the command's sessions");
  }
  TpmResponse out;
  for (unsigned i = 0; i < handles; ++i) out.handles.push_back(u.u32());
  if (sessions) {
    std::uint32_t param_size = u.u32();
    ByteView params = u.raw(param_size);
    if (!u.ok()) return device(name, "response parameters: " + u.failure());
    out.params = to_bytes(params);
    // The authorisation area: a TPMS_AUTH_RESPONSE (nonce, attributes, hmac) per session
    // of the command, one to three; they carry nothing to check, but they must be whole.
    std::size_t sessions_seen = 0;
    do {
      u.tpm2b(kMaxDigest);
      u.u8();
      u.tpm2b(kMaxDigest);
      ++sessions_seen;
    } while (u.ok() && u.remaining() != 0 && sessions_seen < kMaxAuthSessions);
    if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " bytes after the authorisation area");
  } else {
    ByteView params = u.raw(u.remaining());
    if (!u.ok()) return device(name, "response: " + u.failure());
    out.params = to_bytes(params);
  }
  if (!u.ok()) return device(name, "response: " + u.failure());
  return out;
}

// The response code of a response (0 when it is too short to hold one).
std::uint32_t response_code(ByteView response) {
  if (response.size() < kHeaderSize) return 0;
  return (std::uint32_t{response[6]} << 24) | (std::uint32_t{response[7]} << 16) | (std::uint32_t{response[8]} << 8) |
         response[9];
}

// Warnings that ask for the same command again (Part 2 §6.6.3): the TPM is busy, was
// interrupted, or is still testing an algorithm.
bool should_retry(ByteView response) {
  std::uint32_t rc = response_code(response);
  return rc == 0x922 /* RETRY */ || rc == 0x908 /* YIELDED */ || rc == 0x90A /* TESTING */;
}

}  // namespace

Result<Bytes> Tpm::send(std::string_view name, ByteView command) {
  constexpr int kAttempts = 50;  // 50 x 20 ms, a bounded wait
  Result<Bytes> raw = Error(ErrorCode::Internal, "not sent");
  for (int attempt = 0;; ++attempt) {
    raw = transport_->transact(command);
    if (!raw) return raw.error().with_context(std::string(name));
    if (attempt + 1 >= kAttempts || !should_retry(*raw)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return raw;
}

Result<TpmResponse> Tpm::execute(std::string_view name, ByteView command) {
  auto raw = send(name, command);
  if (!raw) return raw.error();
  return parse(name, command, *raw);
}

Result<TpmResponse> Tpm::parse(std::string_view name, ByteView command, ByteView raw) {
  bool sessions = command.size() >= 2 && command[0] == 0x80 && command[1] == 0x02;
  unsigned handles = 0;
  std::uint32_t cc = command.size() >= kHeaderSize
                         ? (std::uint32_t{command[6]} << 24) | (std::uint32_t{command[7]} << 16) |
                               (std::uint32_t{command[8]} << 8) | command[9]
                         : 0;
  if (cc == kCcCreatePrimary || cc == kCcStartAuthSession) handles = 1;
  return parse_response(name, sessions, raw, handles);
}

namespace {
// A parameter reader that turns a parse failure into a DeviceError for `name`.
Status finish_params(std::string_view name, const Unmarshaller& u) {
  if (!u.ok()) return device(name, "malformed response: " + u.failure());
  return ok_status();
}

// The parameters of TPM2_Quote and TPM2_Certify: TPM2B_ATTEST, then an RSA TPMT_SIGNATURE.
Result<SignedAttest> signed_attest(std::string_view name, ByteView params) {
  Unmarshaller u(params);
  SignedAttest out;
  out.attest = to_bytes(u.tpm2b(kMaxAttest));
  std::size_t sig_start = u.position();
  std::uint16_t sig_alg = u.u16();
  if (sig_alg == kAlgRsassa || sig_alg == kAlgRsapss) {
    u.u16();
    u.tpm2b(kMaxRsaKey);
  } else if (u.ok()) {
    return device(name, "unsupported signature algorithm " + hex_number(sig_alg));
  }
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " bytes after the signature");
  if (Status s = finish_params(name, u); !s) return s.error();
  out.signature = to_bytes(params.subspan(sig_start, u.position() - sig_start));
  return out;
}

// TPMT_PUBLIC of the attestation key create_persistent_ak makes: RSA-2048, restricted
// signing, RSASSA-SHA256, usable with its (empty) password.
Bytes ak_template() {
  Marshaller pub;
  pub.u16(kAlgRsa);
  pub.u16(kAlgSha256);
  pub.u32(kObjectFixedTpm | kObjectFixedParent | kObjectSensitiveDataOrigin | kObjectUserWithAuth | kObjectRestricted |
          kObjectSign);
  pub.u16(0);  // authPolicy
  pub.u16(kAlgNull);
  pub.u16(kAlgRsassa);
  pub.u16(kAlgSha256);
  pub.u16(2048);
  pub.u32(0);  // exponent 65537
  pub.u16(0);  // unique
  return pub.take();
}
}  // namespace

Status Tpm::startup() {
  Command c(kCcStartup, false);
  c.params().u16(0);  // TPM_SU_CLEAR
  auto r = execute("TPM2_Startup", c.finish());
  if (!r && r.error().message().find(describe_rc(kRcInitialize)) != std::string::npos) return ok_status();
  if (!r) return r.error();
  return ok_status();
}

Result<Bytes> Tpm::get_random(std::uint16_t count) {
  Command c(kCcGetRandom, false);
  c.params().u16(count);
  auto r = execute("TPM2_GetRandom", c.finish());
  if (!r) return r.error();
  Unmarshaller u(r->params);
  ByteView bytes = u.tpm2b(kMaxDigest);
  if (Status s = finish_params("TPM2_GetRandom", u); !s) return s.error();
  return to_bytes(bytes);
}

Result<NvPublic> Tpm::nv_read_public(std::uint32_t index) {
  auto pub = nv_find(index);
  if (!pub) return pub.error();
  if (!*pub) {
    return device("TPM2_NV_ReadPublic", "TPM returned " + describe_rc(kRcHandle1)).with_context("NV index " + hex_number(index));
  }
  return **pub;
}

Result<std::optional<NvPublic>> Tpm::nv_find(std::uint32_t index) {
  constexpr std::string_view name = "TPM2_NV_ReadPublic";
  Command c(kCcNvReadPublic, false);
  c.handle(index);
  Bytes command = c.finish();
  auto raw = send(name, command);
  if (!raw) return raw.error().with_context("NV index " + hex_number(index));
  if (response_code(*raw) == kRcHandle1) return std::optional<NvPublic>();
  auto r = parse(name, command, *raw);
  if (!r) return r.error().with_context("NV index " + hex_number(index));
  Unmarshaller u(r->params);
  std::uint16_t size = u.u16();
  Unmarshaller p = u.sub(size);
  NvPublic pub;
  pub.index = p.u32();
  pub.name_alg = p.u16();
  pub.attributes = p.u32();
  p.tpm2b(kMaxDigest);  // authPolicy
  pub.data_size = p.u16();
  u.tpm2b(kMaxName);
  if (Status s = finish_params(name, p.ok() ? u : p); !s) return s.error();
  if (pub.index != index) return device(name, "TPM answered for index " + hex_number(pub.index) + ", not " + hex_number(index));
  return std::optional<NvPublic>(pub);
}

Result<Bytes> Tpm::nv_read(std::uint32_t index, std::size_t chunk) {
  constexpr std::string_view name = "TPM2_NV_Read";
  auto pub = nv_read_public(index);
  if (!pub) return pub.error();
  chunk = std::clamp<std::size_t>(chunk, 1, kMaxNvBuffer);
  const std::uint32_t auth = (pub->attributes & kNvOwnerRead) ? kRhOwner : index;
  Bytes out;
  out.reserve(pub->data_size);
  while (out.size() < pub->data_size) {
    auto n = static_cast<std::uint16_t>(std::min<std::size_t>(chunk, pub->data_size - out.size()));
    Command c(kCcNvRead, true);
    c.handle(auth).handle(index).password_auth();
    c.params().u16(n);
    c.params().u16(static_cast<std::uint16_t>(out.size()));
    auto r = execute(name, c.finish());
    if (!r) return r.error().with_context("NV index " + hex_number(index) + " at offset " + std::to_string(out.size()));
    Unmarshaller u(r->params);
    ByteView data = u.tpm2b(kMaxNvBuffer);
    if (Status s = finish_params(name, u); !s) return s.error();
    if (data.size() != n) {
      return device(name, "asked for " + std::to_string(n) + " bytes, got " + std::to_string(data.size()));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  return out;
}

Status Tpm::nv_define_space(std::uint32_t index, std::uint16_t size, std::uint32_t attributes) {
  Command c(kCcNvDefineSpace, true);
  c.handle(kRhOwner).password_auth();
  Marshaller& p = c.params();
  p.u16(0);  // TPM2B_AUTH: empty
  Marshaller pub;
  pub.u32(index);
  pub.u16(kAlgSha256);
  pub.u32(attributes);
  pub.u16(0);  // authPolicy: none
  pub.u16(size);
  p.tpm2b(pub.bytes());
  auto r = execute("TPM2_NV_DefineSpace", c.finish());
  if (!r) return r.error().with_context("NV index " + hex_number(index));
  return ok_status();
}

Status Tpm::nv_undefine_space(std::uint32_t index) {
  Command c(kCcNvUndefineSpace, true);
  c.handle(kRhOwner).handle(index).password_auth();
  auto r = execute("TPM2_NV_UndefineSpace", c.finish());
  if (!r) return r.error().with_context("NV index " + hex_number(index));
  return ok_status();
}

Status Tpm::nv_write(std::uint32_t index, ByteView data, std::uint16_t offset, std::size_t chunk) {
  chunk = std::clamp<std::size_t>(chunk, 1, kMaxNvBuffer);
  std::size_t done = 0;
  do {
    std::size_t n = std::min(chunk, data.size() - done);
    Command c(kCcNvWrite, true);
    c.handle(kRhOwner).handle(index).password_auth();
    c.params().tpm2b(data.subspan(done, n));
    c.params().u16(static_cast<std::uint16_t>(offset + done));
    auto r = execute("TPM2_NV_Write", c.finish());
    if (!r) return r.error().with_context("NV index " + hex_number(index) + " at offset " + std::to_string(offset + done));
    done += n;
  } while (done < data.size());
  return ok_status();
}

Result<QuoteResponse> Tpm::quote(std::uint32_t key_handle, ByteView qualifying_data, const PcrSelection& pcrs) {
  constexpr std::string_view name = "TPM2_Quote";
  if (qualifying_data.size() > kMaxDigest) {
    return Error(ErrorCode::Usage, "TPM2_Quote: qualifying data of " + std::to_string(qualifying_data.size()) +
                                       " bytes exceeds a digest's size");
  }
  Command c(kCcQuote, true);
  c.handle(key_handle).password_auth();
  c.params().tpm2b(qualifying_data);
  c.params().u16(kAlgNull);  // inScheme: the key's own
  c.params().raw(pcrs.marshal());
  auto r = execute(name, c.finish());
  if (!r) return r.error().with_context("key " + hex_number(key_handle));
  return signed_attest(name, r->params);
}

Result<std::vector<Bytes>> Tpm::pcr_read(const PcrSelection& pcrs) {
  constexpr std::string_view name = "TPM2_PCR_Read";
  std::vector<unsigned> wanted;
  for (unsigned p : pcrs.pcrs) {
    if (p >= kPcrCount) return Error(ErrorCode::Usage, "PCR " + std::to_string(p) + " is out of range (0-23)");
    wanted.push_back(p);
  }
  const std::size_t value_size = digest_size(pcrs.hash_alg);
  if (value_size == 0) return Error(ErrorCode::Usage, "PCR bank of hash " + hex_number(pcrs.hash_alg) + " is not supported");
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<Bytes> values;
  std::size_t next = 0;
  while (next < wanted.size()) {
    PcrSelection ask{pcrs.hash_alg, std::vector<unsigned>(wanted.begin() + static_cast<std::ptrdiff_t>(next), wanted.end())};
    Command c(kCcPcrRead, false);
    c.params().raw(ask.marshal());
    auto r = execute(name, c.finish());
    if (!r) return r.error();
    Unmarshaller u(r->params);
    u.u32();  // pcrUpdateCounter
    std::uint32_t banks = u.u32();
    std::array<std::uint8_t, 3> got{};
    for (std::uint32_t b = 0; b < banks && u.ok(); ++b) {
      std::uint16_t alg = u.u16();
      std::uint8_t n = u.u8();
      ByteView bits = u.raw(n);
      if (u.ok() && alg == pcrs.hash_alg) {
        for (std::size_t i = 0; i < std::min<std::size_t>(n, 3); ++i) got[i] |= bits[i];
      }
    }
    std::uint32_t count = u.u32();
    if (u.ok() && count > 8) u.fail("TPML_DIGEST count " + std::to_string(count) + " exceeds 8");
    std::vector<Bytes> digests;
    for (std::uint32_t i = 0; i < count && u.ok(); ++i) digests.push_back(to_bytes(u.tpm2b(kMaxDigest)));
    if (Status s = finish_params(name, u); !s) return s.error();
    for (const Bytes& d : digests) {
      if (d.size() != value_size) {
        return device(name, "a value of " + std::to_string(d.size()) + " bytes in the bank of hash " +
                                hex_number(pcrs.hash_alg) + ", whose values have " + std::to_string(value_size));
      }
    }
    // The TPM returns the lowest selected PCRs it can in this call; they must be the
    // next ones we asked for, one digest each.
    std::size_t consumed = 0;
    for (std::size_t i = next; i < wanted.size() && consumed < digests.size(); ++i, ++consumed) {
      unsigned p = wanted[i];
      if (!(got[p / 8] & (1u << (p % 8)))) break;
    }
    if (digests.empty() || consumed != digests.size()) {
      return device(name, "the TPM's selection and digests do not match what was asked");
    }
    for (auto& d : digests) values.push_back(std::move(d));
    next += consumed;
  }
  return values;
}

Result<KeyPublic> parse_rsa_public(ByteView tpmt_public) {
  Unmarshaller u(tpmt_public);
  std::uint32_t attributes = 0;
  std::uint16_t scheme = kAlgNull, scheme_hash = kAlgNull;
  std::uint16_t type = u.u16();
  std::uint16_t name_alg = u.u16();
  attributes = u.u32();
  ByteView auth_policy = u.tpm2b(kMaxDigest);
  if (u.ok() && type != kAlgRsa) {
    return Error(ErrorCode::MalformedInput, "TPMT_PUBLIC: key type " + hex_number(type) + " is not RSA");
  }
  std::uint16_t sym = u.u16();
  if (sym != kAlgNull) {
    u.u16();  // keyBits
    u.u16();  // mode
  }
  scheme = u.u16();
  if (scheme != kAlgNull && scheme != kAlgRsaes) scheme_hash = u.u16();  // RSAES has no details
  u.u16();  // keyBits
  std::uint32_t exponent = u.u32();
  ByteView n = u.tpm2b(kMaxRsaKey);
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (!u.ok()) return Error(ErrorCode::MalformedInput, "TPMT_PUBLIC: " + u.failure());
  if (exponent == 0) exponent = 65537;
  Bytes e;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!e.empty() || (exponent >> shift) & 0xFF) e.push_back(static_cast<std::uint8_t>(exponent >> shift));
  }
  auto key = crypto::PublicKey::rsa_from_components(n, e);
  if (!key) return key.error().with_context("TPMT_PUBLIC");
  return KeyPublic{to_bytes(tpmt_public), attributes, scheme,   scheme_hash,
                   std::move(key).value(), name_alg,   to_bytes(auth_policy)};
}

Result<KeyPublic> Tpm::read_public(std::uint32_t handle) {
  constexpr std::string_view name = "TPM2_ReadPublic";
  Command c(kCcReadPublic, false);
  c.handle(handle);
  auto r = execute(name, c.finish());
  if (!r) return r.error().with_context("handle " + hex_number(handle));
  Unmarshaller u(r->params);
  ByteView area = u.tpm2b(kMaxPublic);
  u.tpm2b(kMaxName);
  u.tpm2b(kMaxName);
  if (Status s = finish_params(name, u); !s) return s.error();
  auto k = parse_rsa_public(area);
  if (!k) return device(name, k.error().message());
  return k;
}

Status Tpm::evict_control(std::uint32_t object_handle, std::uint32_t persistent_handle) {
  Command c(kCcEvictControl, true);
  c.handle(kRhOwner).handle(object_handle).password_auth();
  c.params().u32(persistent_handle);
  auto r = execute("TPM2_EvictControl", c.finish());
  if (!r) return r.error();
  return ok_status();
}

Status Tpm::pcr_extend(unsigned pcr, ByteView sha256_digest) {
  if (pcr > 23 || sha256_digest.size() != 32) {
    return Error(ErrorCode::Usage, "TPM2_PCR_Extend: PCR " + std::to_string(pcr) + " with a " +
                                       std::to_string(sha256_digest.size()) + "-byte digest");
  }
  Command c(kCcPcrExtend, true);
  c.handle(pcr).password_auth();
  c.params().u32(1);  // TPML_DIGEST_VALUES: one TPMT_HA
  c.params().u16(kAlgSha256);
  c.params().raw(sha256_digest);
  auto r = execute("TPM2_PCR_Extend", c.finish());
  if (!r) return r.error().with_context("PCR " + std::to_string(pcr));
  return ok_status();
}

Status Tpm::flush_context(std::uint32_t handle) {
  Command c(kCcFlushContext, false);
  c.params().u32(handle);
  auto r = execute("TPM2_FlushContext", c.finish());
  if (!r) return r.error();
  return ok_status();
}

Result<CreatedObject> Tpm::create_primary(std::uint32_t hierarchy, ByteView tpmt_public_template) {
  constexpr std::string_view name = "TPM2_CreatePrimary";
  if (tpmt_public_template.size() > kMaxPublic) {
    return Error(ErrorCode::Usage, "TPM2_CreatePrimary: a template of " + std::to_string(tpmt_public_template.size()) +
                                       " bytes");
  }
  Command c(kCcCreatePrimary, true);
  c.handle(hierarchy).password_auth();
  Marshaller& p = c.params();
  p.u16(4);  // TPM2B_SENSITIVE_CREATE: empty userAuth and data
  p.u16(0);
  p.u16(0);
  p.tpm2b(tpmt_public_template);
  p.u16(0);  // outsideInfo
  p.u32(0);  // creationPCR: none
  auto r = execute(name, c.finish());
  if (!r) return r.error().with_context("hierarchy " + hex_number(hierarchy));
  if (r->handles.size() != 1) return device(name, "no object handle");
  CreatedObject out;
  out.handle = r->handles[0];
  Unmarshaller u(r->params);
  out.public_area = to_bytes(u.tpm2b(kMaxPublic));
  u.tpm2b(kMaxCreationData);  // creationData
  u.tpm2b(kMaxDigest);        // creationHash
  u.u16();                    // creationTicket: tag, hierarchy, digest
  u.u32();
  u.tpm2b(kMaxDigest);
  out.name = to_bytes(u.tpm2b(kMaxName));
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (Status s = finish_params(name, u); !s) {
    (void)flush_context(out.handle);  // loaded all the same: do not leave it behind
    return s.error();
  }
  return out;
}

Result<SignedAttest> Tpm::certify(std::uint32_t object_handle, std::uint32_t sign_handle, ByteView qualifying_data) {
  constexpr std::string_view name = "TPM2_Certify";
  if (qualifying_data.size() > kMaxDigest) {
    return Error(ErrorCode::Usage, "TPM2_Certify: qualifying data of " + std::to_string(qualifying_data.size()) +
                                       " bytes exceeds a digest's size");
  }
  Command c(kCcCertify, true);
  c.handle(object_handle).handle(sign_handle).password_auth(2);
  c.params().tpm2b(qualifying_data);
  c.params().u16(kAlgNull);  // inScheme: the signing key's own
  auto r = execute(name, c.finish());
  if (!r) return r.error().with_context("object " + hex_number(object_handle) + " by key " + hex_number(sign_handle));
  return signed_attest(name, r->params);
}

Result<std::uint32_t> Tpm::start_policy_session() {
  constexpr std::string_view name = "TPM2_StartAuthSession";
  auto nonce = crypto::random_bytes(16);
  if (!nonce) return nonce.error().with_context(name);
  Command c(kCcStartAuthSession, false);
  c.handle(kRhNull).handle(kRhNull);  // tpmKey, bind: unsalted, unbound
  c.params().tpm2b(*nonce);
  c.params().u16(0);  // encryptedSalt: none
  c.params().u8(kSePolicy);
  c.params().u16(kAlgNull);  // symmetric: no parameter encryption
  c.params().u16(kAlgSha256);
  auto r = execute(name, c.finish());
  if (!r) return r.error();
  if (r->handles.size() != 1) return device(name, "no session handle");
  Unmarshaller u(r->params);
  u.tpm2b(kMaxDigest);  // nonceTPM: only an HMAC session would need it
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (Status s = finish_params(name, u); !s) {
    (void)flush_context(r->handles[0]);
    return s.error();
  }
  return r->handles[0];
}

Status Tpm::policy_pcr(std::uint32_t session, ByteView pcr_digest, const PcrSelection& pcrs) {
  constexpr std::string_view name = "TPM2_PolicyPCR";
  if (pcr_digest.size() > kMaxDigest) {
    return Error(ErrorCode::Usage, "TPM2_PolicyPCR: a PCR digest of " + std::to_string(pcr_digest.size()) + " bytes");
  }
  Command c(kCcPolicyPcr, false);
  c.handle(session);
  c.params().tpm2b(pcr_digest);
  c.params().raw(pcrs.marshal());
  Bytes command = c.finish();
  auto raw = send(name, command);
  if (!raw) return raw.error();
  if (response_code(*raw) == kRcValueParameter1) {
    return device(name, "the PCRs no longer hold the values the policy was made for (TPM returned " +
                            describe_rc(kRcValueParameter1) + ")");
  }
  auto r = parse(name, command, *raw);
  if (!r) return r.error().with_context("session " + hex_number(session));
  if (!r->params.empty()) return device(name, std::to_string(r->params.size()) + " unexpected response bytes");
  return ok_status();
}

Result<Bytes> Tpm::rsa_decrypt(std::uint32_t key_handle, std::uint32_t policy_session, ByteView ciphertext) {
  constexpr std::string_view name = "TPM2_RSA_Decrypt";
  if (ciphertext.size() > kMaxRsaKey) {
    return Error(ErrorCode::Usage, "TPM2_RSA_Decrypt: a ciphertext of " + std::to_string(ciphertext.size()) +
                                       " bytes is larger than any RSA key");
  }
  Command c(kCcRsaDecrypt, true);
  c.handle(key_handle).session_auth(policy_session, false);
  c.params().tpm2b(ciphertext);
  c.params().u16(kAlgRsaes);  // TPMT_RSA_DECRYPT: RSAES has no details
  c.params().u16(0);          // label: none
  auto r = execute(name, c.finish());
  if (!r) return r.error().with_context("key " + hex_number(key_handle));
  Unmarshaller u(r->params);
  ByteView message = u.tpm2b(kMaxRsaKey);
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (Status s = finish_params(name, u); !s) return s.error();
  return to_bytes(message);
}

Result<std::vector<std::uint32_t>> Tpm::handles(std::uint32_t first) {
  constexpr std::string_view name = "TPM2_GetCapability";
  Command c(kCcGetCapability, false);
  c.params().u32(kCapHandles);
  c.params().u32(first);
  c.params().u32(static_cast<std::uint32_t>(kMaxHandles));
  auto r = execute(name, c.finish());
  if (!r) return r.error();
  Unmarshaller u(r->params);
  u.u8();  // moreData: a TPM holds far fewer than kMaxHandles of one kind
  std::uint32_t capability = u.u32();
  std::uint32_t count = u.u32();
  if (u.ok() && capability != kCapHandles) u.fail("capability " + hex_number(capability) + ", not TPM_CAP_HANDLES");
  if (u.ok() && count > kMaxHandles) u.fail("TPML_HANDLE count " + std::to_string(count));
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < count && u.ok(); ++i) out.push_back(u.u32());
  if (u.ok() && u.remaining() != 0) u.fail(std::to_string(u.remaining()) + " trailing bytes");
  if (Status s = finish_params(name, u); !s) return s.error();
  // The list runs on into the next ranges; keep this range's (the top byte is its type).
  std::erase_if(out, [&](std::uint32_t h) { return (h >> 24) != (first >> 24); });
  return out;
}

Result<KeyPublic> Tpm::create_persistent_ak(std::uint32_t persistent_handle) {
  auto created = create_primary(kRhOwner, ak_template());
  if (!created) return created.error();
  Status persisted = evict_control(created->handle, persistent_handle);
  Status flushed = flush_context(created->handle);
  if (!persisted) return persisted.error();
  if (!flushed) return flushed.error();
  return read_public(persistent_handle);
}

}  // namespace attestd::hal::tpm
