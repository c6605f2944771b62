// A minimal TPM 2.0 client: the handful of commands attestd needs, marshalled by hand
// (docs/tpm.md says why not tpm2-tss). Authorisation is the password session
// (TPM_RS_PW) with an empty password, or an unsalted, unbound policy session for a key
// usable only through its policy (PolicyPCR). Every response is parsed within bounds; a
// TPM error becomes a DeviceError naming the command and the response code.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/keys.h"
#include "hal/tpm/transport.h"

namespace attestd::hal::tpm {

// Algorithm identifiers (TPM 2.0 Part 2 §6.3) and handles we use.
inline constexpr std::uint16_t kAlgRsa = 0x0001;
inline constexpr std::uint16_t kAlgSha256 = 0x000B;
inline constexpr std::uint16_t kAlgSha384 = 0x000C;
inline constexpr std::uint16_t kAlgSha512 = 0x000D;
inline constexpr std::uint16_t kAlgNull = 0x0010;
inline constexpr std::uint16_t kAlgRsassa = 0x0014;
inline constexpr std::uint16_t kAlgRsaes = 0x0015;
inline constexpr std::uint16_t kAlgRsapss = 0x0016;
inline constexpr std::uint32_t kRhOwner = 0x40000001;
inline constexpr std::uint32_t kRhNull = 0x40000007;
inline constexpr std::uint32_t kRhEndorsement = 0x4000000B;
// The first handle of each range TPM2_GetCapability(TPM_CAP_HANDLES) lists (Part 2 §7.2).
inline constexpr std::uint32_t kTransientFirst = 0x80000000;
inline constexpr std::uint32_t kLoadedSessionFirst = 0x02000000;

// TPMA_NV bits (Part 2 §13.4).
inline constexpr std::uint32_t kNvOwnerWrite = 1u << 1;
inline constexpr std::uint32_t kNvAuthWrite = 1u << 2;
inline constexpr std::uint32_t kNvWritten = 1u << 29;
inline constexpr std::uint32_t kNvOwnerRead = 1u << 17;
inline constexpr std::uint32_t kNvAuthRead = 1u << 18;
inline constexpr std::uint32_t kNvNoDa = 1u << 25;
// Read and written by the owner (empty password), as Azure's user-data index is.
inline constexpr std::uint32_t kNvOwnerReadWrite = kNvOwnerWrite | kNvAuthWrite | kNvOwnerRead | kNvAuthRead | kNvNoDa;

// "TPM_RC_HANDLE (0x18b: handle 1)": a response code's name and where it points.
std::string describe_rc(std::uint32_t rc);

// One bank of PCRs (TPMS_PCR_SELECTION with a 3-byte bitmap: PCRs 0-23).
struct PcrSelection {
  std::uint16_t hash_alg = kAlgSha256;
  std::vector<unsigned> pcrs = {0, 1, 2, 3, 4, 5, 6, 7};

  // TPML_PCR_SELECTION with this one bank.
  Bytes marshal() const;
};

// A TPML_PCR_SELECTION as PcrSelection marshals it: one bank, a 3-byte bitmap.
// MalformedInput for anything else (several banks, another size, trailing bytes).
Result<PcrSelection> parse_pcr_selection(ByteView tpml_pcr_selection);

struct NvPublic {
  std::uint32_t index = 0;
  std::uint16_t name_alg = 0;
  std::uint32_t attributes = 0;
  std::uint16_t data_size = 0;
};

// An RSA key's public area as the TPM reports it.
struct KeyPublic {
  Bytes public_area;     // TPMT_PUBLIC, marshalled
  std::uint32_t attributes = 0;      // TPMA_OBJECT
  std::uint16_t scheme = kAlgNull;   // the key's scheme (RSASSA, RSAPSS, RSAES, NULL)
  std::uint16_t scheme_hash = kAlgNull;
  crypto::PublicKey key;
  std::uint16_t name_alg = kAlgNull;
  Bytes auth_policy;     // the policy digest that authorises its use (empty: none)
};

// What TPM2_Quote and TPM2_Certify return: what the key signed and the signature, both
// marshalled.
struct SignedAttest {
  Bytes attest;     // TPMS_ATTEST (the contents of TPM2B_ATTEST)
  Bytes signature;  // TPMT_SIGNATURE
};
using QuoteResponse = SignedAttest;

// An object TPM2_CreatePrimary loaded: its transient handle (flush_context it) and
// public area.
struct CreatedObject {
  std::uint32_t handle = 0;
  Bytes public_area;  // TPMT_PUBLIC, marshalled (the contents of TPM2B_PUBLIC)
  Bytes name;         // TPM2B_NAME contents: nameAlg || H(public_area)
};

// TPMT_PUBLIC of an RSA key: RSA public areas only (the Azure AK is RSA-2048).
// MalformedInput for anything else or a truncated area.
Result<KeyPublic> parse_rsa_public(ByteView tpmt_public);

struct TpmResponse;

class Tpm {
 public:
  explicit Tpm(std::shared_ptr<TpmTransport> transport) : transport_(std::move(transport)) {}

  TpmTransport& transport() const { return *transport_; }

  // TPM2_Startup(CLEAR); a TPM already started (TPM_RC_INITIALIZE) is fine.
  Status startup();
  Result<Bytes> get_random(std::uint16_t count);

  Result<NvPublic> nv_read_public(std::uint32_t index);
  // The same, or nullopt when no index is defined there (TPM_RC_HANDLE); a TPM that
  // cannot be reached, or any other failure, is still an error.
  Result<std::optional<NvPublic>> nv_find(std::uint32_t index);
  // The whole index, in chunks of at most `chunk` bytes (the TPM's MAX_NV_BUFFER_SIZE
  // is 1024 or more on every TPM we know; 2048 on Azure's vTPM). Authorised by the owner
  // when the index allows OWNERREAD, else by the index itself (AUTHREAD).
  Result<Bytes> nv_read(std::uint32_t index, std::size_t chunk = 1024);
  Status nv_define_space(std::uint32_t index, std::uint16_t size, std::uint32_t attributes = kNvOwnerReadWrite);
  Status nv_undefine_space(std::uint32_t index);
  // Written at `offset` in chunks of at most `chunk` bytes, authorised by the owner.
  Status nv_write(std::uint32_t index, ByteView data, std::uint16_t offset = 0, std::size_t chunk = 1024);

  // TPM2_Quote by the key at `key_handle` with its own scheme (TPM_ALG_NULL in the command).
  Result<QuoteResponse> quote(std::uint32_t key_handle, ByteView qualifying_data, const PcrSelection& pcrs);
  // PCR values of the selection, in ascending PCR order (several TPM2_PCR_Read calls
  // when the TPM returns at most 8 digests per call).
  Result<std::vector<Bytes>> pcr_read(const PcrSelection& pcrs);
  Result<KeyPublic> read_public(std::uint32_t handle);

  // TPM2_CreatePrimary under `hierarchy` (kRhOwner, kRhNull, ...; its empty password)
  // from `tpmt_public_template`, with empty sensitive data. Under kRhNull the same
  // template gives the same key until the TPM resets. The caller flushes the handle.
  Result<CreatedObject> create_primary(std::uint32_t hierarchy, ByteView tpmt_public_template);
  // TPM2_Certify of the object at `object_handle` by the signing key at `sign_handle`
  // (both authorised by their empty passwords), with the signing key's own scheme.
  Result<SignedAttest> certify(std::uint32_t object_handle, std::uint32_t sign_handle, ByteView qualifying_data);
  // TPM2_StartAuthSession of a policy session: unbound, unsalted, no parameter encryption,
  // SHA-256, a random nonceCaller. Returns its handle (flush_context it, unless a command
  // that used it ended it).
  Result<std::uint32_t> start_policy_session();
  // TPM2_PolicyPCR: the PCRs of `pcrs` must hash (SHA-256) to `pcr_digest` now. When they
  // do not, a DeviceError saying the PCRs changed (the TPM's TPM_RC_VALUE).
  Status policy_pcr(std::uint32_t session, ByteView pcr_digest, const PcrSelection& pcrs);
  // TPM2_RSA_Decrypt with RSAES (PKCS#1 v1.5) and no label, authorised by the policy
  // session, which the command ends (continueSession clear) when it succeeds.
  Result<Bytes> rsa_decrypt(std::uint32_t key_handle, std::uint32_t policy_session, ByteView ciphertext);
  // TPM2_GetCapability(TPM_CAP_HANDLES): the handles in use in the range of `first`
  // (kTransientFirst: loaded objects; kLoadedSessionFirst: sessions).
  Result<std::vector<std::uint32_t>> handles(std::uint32_t first);

  // For provisioning (the paravisor emulator, tests): an RSA-2048 restricted signing
  // primary key under the owner hierarchy with RSASSA-SHA256 (an attestation key),
  // made persistent at `persistent_handle`.
  Result<KeyPublic> create_persistent_ak(std::uint32_t persistent_handle);
  // TPM2_PCR_Extend of the SHA-256 bank only (what firmware does for each event it logs).
  Status pcr_extend(unsigned pcr, ByteView sha256_digest);
  Status evict_control(std::uint32_t object_handle, std::uint32_t persistent_handle);
  Status flush_context(std::uint32_t handle);

 private:
  // The command's response, resent while the TPM asks for a retry (bounded).
  Result<Bytes> send(std::string_view name, ByteView command);
  Result<struct TpmResponse> parse(std::string_view name, ByteView command, ByteView response);
  Result<struct TpmResponse> execute(std::string_view name, ByteView command);  // send, then parse

  std::shared_ptr<TpmTransport> transport_;
};

}  // namespace attestd::hal::tpm
