// The SEV-SNP launch measurement (docs/measurement.md): the SHA-384 launch digest the
// AMD-SP computes while the hypervisor adds the guest's initial pages with
// SNP_LAUNCH_UPDATE, recomputed from the OVMF image, the kernel/initrd/cmdline, the vCPU
// count and type and the VMM. It reproduces virtee/sev-snp-measure (the vectors'
// reference) for the SNP mode, without SVSM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::client {

inline constexpr std::size_t kPageSize = 4096;
inline constexpr std::size_t kLaunchDigestSize = 48;  // SHA-384
inline constexpr std::uint64_t kFourGiB = 0x1'0000'0000ULL;
// The largest OVMF image accepted (it is mapped below 4 GiB; real ones are 2-4 MiB).
inline constexpr std::size_t kMaxOvmfSize = 16 * 1024 * 1024;
inline constexpr std::uint32_t kMaxVcpus = 4096;  // KVM_MAX_VCPUS
// The most the SEV metadata sections may cover together (real ones: well under 1 MiB).
inline constexpr std::uint64_t kMaxSectionBytes = 256ULL * 1024 * 1024;

// SNP_LAUNCH_UPDATE page types (SEV-SNP ABI, PAGE_INFO.PAGE_TYPE).
enum class PageType : std::uint8_t {
  Normal = 0x01,
  Vmsa = 0x02,
  Zero = 0x03,
  Unmeasured = 0x04,
  Secrets = 0x05,
  Cpuid = 0x06,
};

// The launch digest as the AMD-SP chains it: for every page added,
// digest = SHA-384(PAGE_INFO) with PAGE_INFO = {digest, contents, length 0x70, page type,
// IMI 0, reserved, VMPL3..1 permissions 0, reserved, GPA}.
class LaunchDigest {
 public:
  LaunchDigest();  // starts from 48 zero bytes
  // Starts from a digest computed elsewhere (e.g. the OVMF hash); 48 bytes.
  static Result<LaunchDigest> from_seed(ByteView seed);

  // One PAGE_INFO with `contents` (48 bytes: SHA-384 of the page, or zeros).
  void update(PageType type, std::uint64_t gpa, ByteView contents);
  // Normal pages: `data` (a multiple of 4096 bytes) page by page from `gpa`.
  void add_normal_pages(std::uint64_t gpa, ByteView data);
  void add_zero_pages(std::uint64_t gpa, std::uint64_t length);  // length: multiple of 4096
  void add_unmeasured_pages(std::uint64_t gpa, std::uint64_t length);  // contents not measured
  void add_secrets_page(std::uint64_t gpa);
  void add_cpuid_page(std::uint64_t gpa);
  // A VMSA page (4096 bytes), recorded at GPA 0xFFFFFFFFF000.
  void add_vmsa_page(ByteView page);

  const Bytes& digest() const { return digest_; }

 private:
  Bytes digest_;
};

// OVMF SEV metadata section types (edk2 OvmfPkg/ResetVector, "ASEV").
enum class SectionType : std::uint32_t {
  SnpSecMem = 1,
  SnpSecrets = 2,
  Cpuid = 3,
  SvsmCaa = 4,
  SnpKernelHashes = 0x10,
};
std::string_view section_type_name(SectionType type);

struct OvmfSection {
  std::uint32_t gpa = 0;
  std::uint32_t size = 0;
  SectionType type = SectionType::SnpSecMem;
};

// An OVMF image and what its footer's GUID table says: the SEV-ES reset block (where the
// APs start), the SEV hashes table's GPA, the SEV metadata sections.
class OvmfImage {
 public:
  // MalformedInput naming the problem: a size that is zero, not a multiple of 4096 or
  // above kMaxOvmfSize; no footer GUID table; a table or entry that does not fit; no SEV
  // metadata entry or a bad "ASEV" header; a section that is unaligned, above 4 GiB or of
  // an unknown type, or sections covering more than kMaxSectionBytes; no SEV-ES reset block.
  static Result<OvmfImage> parse(Bytes data);

  const Bytes& data() const { return data_; }
  // Where the image is mapped: it ends at 4 GiB.
  std::uint64_t gpa() const { return kFourGiB - data_.size(); }
  std::uint32_t ap_reset_eip() const { return ap_reset_eip_; }
  // The GPA of the SEV hashes table, when the footer names a non-zero one.
  std::optional<std::uint32_t> kernel_hashes_gpa() const { return kernel_hashes_gpa_; }
  const std::vector<OvmfSection>& sections() const { return sections_; }
  bool has_section(SectionType type) const;

 private:
  Bytes data_;
  std::uint32_t ap_reset_eip_ = 0;
  std::optional<std::uint32_t> kernel_hashes_gpa_;
  std::vector<OvmfSection> sections_;
};

// The SHA-256 digests QEMU puts in the SEV hashes table for measured direct boot.
struct KernelHashes {
  Bytes kernel;   // SHA-256 of the kernel image
  Bytes initrd;   // SHA-256 of the initrd (of nothing when there is none)
  Bytes cmdline;  // SHA-256 of the command line and its terminating NUL
};
KernelHashes kernel_hashes(ByteView kernel, ByteView initrd, std::string_view cmdline);
// Reads the files (initrd optional); FileError names the file.
Result<KernelHashes> kernel_hashes_from_files(const std::string& kernel, const std::optional<std::string>& initrd,
                                              std::string_view cmdline);
// The table as QEMU lays it out: header GUID, length 168, then the cmdline, initrd and
// kernel entries (GUID, length 50, SHA-256), zero-padded to 176 bytes.
Bytes sev_hashes_table(const KernelHashes& hashes);

enum class VmmType { Qemu, Ec2, Gce };
std::string_view vmm_type_name(VmmType type);
// "QEMU" (any case), "ec2", "gce".
Result<VmmType> vmm_type_from_name(std::string_view name);

// CPUID Fn0000_0001_EAX for a family/model/stepping (AMD CPUID specification #25481).
std::uint32_t cpu_signature(unsigned family, unsigned model, unsigned stepping);
// QEMU's EPYC CPU models ("EPYC-v4", "EPYC-Milan", "EPYC-Genoa", ...).
Result<std::uint32_t> vcpu_type_signature(std::string_view name);
std::vector<std::string> vcpu_type_names();

// The initial VMSA page of a vCPU starting at `eip` for the VMM's register defaults.
Bytes vmsa_page(std::uint32_t eip, std::uint64_t sev_features, std::uint32_t vcpu_sig, VmmType vmm);

inline constexpr std::uint64_t kSevFeatureSnpActive = 0x1;
inline constexpr std::uint64_t kSevFeatureDebugSwap = 0x20;
// What the documented host stack launches with (docs/measurement.md, "Guest features"):
// QEMU >= 9.1 creates an SNP guest with KVM_SEV_INIT2 (Linux >= 6.10) and asks for no
// VMSA feature, so KVM sets SNPActive alone; DebugSwap is on only if asked for.
inline constexpr std::uint64_t kDefaultGuestFeatures = kSevFeatureSnpActive;

struct MeasureParams {
  std::uint32_t vcpus = 1;
  std::uint32_t vcpu_sig = 0;  // written to RDX by QEMU; ec2 and gce use 0x600
  VmmType vmm = VmmType::Qemu;
  std::uint64_t guest_features = kDefaultGuestFeatures;
  std::optional<KernelHashes> kernel;  // measured direct boot
  std::optional<Bytes> ovmf_hash;      // start from this instead of hashing the image
};

// The digest after the OVMF image's pages alone (what --ovmf-hash takes).
Bytes snp_ovmf_hash(const OvmfImage& ovmf);

// The launch digest: the OVMF pages (or params.ovmf_hash), the metadata sections in
// their order (SNP_SEC_MEM as zero pages, or unmeasured pages under GCE; the secrets and
// CPUID pages, the CPUID page last under EC2; SNP_KERNEL_HASHES as the hashes page when a
// kernel is given, else zero pages), then one VMSA per vCPU (the BSP's, then the APs').
// MalformedInput when a kernel is given and the OVMF has no SNP_KERNEL_HASHES section
// or no usable hashes-table GPA, or when ovmf_hash is not 48 bytes; Usage for vcpus
// outside 1..kMaxVcpus or guest features without SNPActive.
Result<Bytes> snp_launch_digest(const OvmfImage& ovmf, const MeasureParams& params);

}  // namespace attestd::client
