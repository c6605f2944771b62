// The SEV-SNP launch digest (docs/measurement.md).
#include "client/lib/measure.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/file.h"
#include "core/text.h"
#include "crypto/sha.h"

namespace attestd::client {

namespace {

// The VMSA is recorded with GPA (u64)-1, page-aligned and cut to 52 bits.
constexpr std::uint64_t kVmsaGpa = 0xFFFFFFFFF000ULL;
constexpr std::uint16_t kPageInfoLength = 0x70;
constexpr std::uint32_t kBspEip = 0xFFFFFFF0;

// GUIDs as they are stored (the first three fields little-endian), from their text form.
using Guid = std::array<std::uint8_t, 16>;
Guid guid(std::string_view text) {
  // "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp"
  std::array<std::uint8_t, 16> be{};
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size() && n < 16;) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    auto nibble = [](char c) -> std::uint8_t {
      return static_cast<std::uint8_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
    };
    be[n++] = static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1]));
    i += 2;
  }
  Guid le = be;
  std::reverse(le.begin(), le.begin() + 4);
  std::reverse(le.begin() + 4, le.begin() + 6);
  std::reverse(le.begin() + 6, le.begin() + 8);
  return le;
}

const Guid kFooterGuid = guid("96b582de-1fb2-45f7-baea-a366c55a082d");
const Guid kSevEsResetBlockGuid = guid("00f771de-1a7e-4fcb-890e-68c77e2fb44e");
const Guid kSevHashTableGuid = guid("7255371f-3a3b-4b04-927b-1da6efa8d454");
const Guid kSevMetadataGuid = guid("dc886566-984a-4798-a75e-5585a7bf67cc");

const Guid kHashTableHeaderGuid = guid("9438d606-4f22-4cc9-b479-a793d411fd21");
const Guid kKernelEntryGuid = guid("4de79437-abd2-427f-b835-d5b172d2045b");
const Guid kInitrdEntryGuid = guid("44baf731-3a2f-4bd7-9af1-41e29169781d");
const Guid kCmdlineEntryGuid = guid("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");

std::uint16_t le16(ByteView b, std::size_t at) { return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8); }
std::uint32_t le32(ByteView b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
void put_le(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Error malformed(const std::string& what) { return Error(ErrorCode::MalformedInput, "OVMF: " + what); }

}  // namespace

// ---- the digest ----

LaunchDigest::LaunchDigest() : digest_(kLaunchDigestSize, 0) {}

Result<LaunchDigest> LaunchDigest::from_seed(ByteView seed) {
  if (seed.size() != kLaunchDigestSize) {
    return Error(ErrorCode::MalformedInput,
                 "an OVMF hash is 48 bytes (96 hex digits), not " + std::to_string(seed.size()) + " bytes");
  }
  LaunchDigest d;
  d.digest_ = to_bytes(seed);
  return d;
}

void LaunchDigest::update(PageType type, std::uint64_t gpa, ByteView contents) {
  std::array<std::uint8_t, kPageInfoLength> info{};
  std::copy(digest_.begin(), digest_.end(), info.begin());                 // DIGEST_CUR
  std::copy(contents.begin(), contents.end(), info.begin() + 48);          // CONTENTS
  put_le(&info[96], kPageInfoLength, 2);                                   // LENGTH
  info[98] = static_cast<std::uint8_t>(type);                              // PAGE_TYPE
  info[99] = 0;                                                            // IMI_PAGE
  // [100..103]: VMPL3_PERMS, VMPL2_PERMS, VMPL1_PERMS, reserved: all 0.
  put_le(&info[104], gpa, 8);                                              // GPA
  digest_ = crypto::sha384(info);
}

void LaunchDigest::add_normal_pages(std::uint64_t gpa, ByteView data) {
  for (std::size_t off = 0; off + kPageSize <= data.size(); off += kPageSize) {
    update(PageType::Normal, gpa + off, crypto::sha384(data.subspan(off, kPageSize)));
  }
}

void LaunchDigest::add_zero_pages(std::uint64_t gpa, std::uint64_t length) {
  static const Bytes zeros(kLaunchDigestSize, 0);
  for (std::uint64_t off = 0; off + kPageSize <= length; off += kPageSize) update(PageType::Zero, gpa + off, zeros);
}

void LaunchDigest::add_unmeasured_pages(std::uint64_t gpa, std::uint64_t length) {
  static const Bytes zeros(kLaunchDigestSize, 0);
  for (std::uint64_t off = 0; off + kPageSize <= length; off += kPageSize) {
    update(PageType::Unmeasured, gpa + off, zeros);
  }
}

void LaunchDigest::add_secrets_page(std::uint64_t gpa) { update(PageType::Secrets, gpa, Bytes(kLaunchDigestSize, 0)); }
void LaunchDigest::add_cpuid_page(std::uint64_t gpa) { update(PageType::Cpuid, gpa, Bytes(kLaunchDigestSize, 0)); }
void LaunchDigest::add_vmsa_page(ByteView page) { update(PageType::Vmsa, kVmsaGpa, crypto::sha384(page)); }

// ---- OVMF ----

std::string_view section_type_name(SectionType type) {
  switch (type) {
    case SectionType::SnpSecMem: return "SNP_SEC_MEM";
    case SectionType::SnpSecrets: return "SNP_SECRETS";
    case SectionType::Cpuid: return "CPUID";
    case SectionType::SvsmCaa: return "SVSM_CAA";
    case SectionType::SnpKernelHashes: return "SNP_KERNEL_HASHES";
  }
  return "unknown";
}

bool OvmfImage::has_section(SectionType type) const {
  return std::any_of(sections_.begin(), sections_.end(), [&](const OvmfSection& s) { return s.type == type; });
}

Result<OvmfImage> OvmfImage::parse(Bytes data) {
  const std::size_t size = data.size();
  if (size == 0) return malformed("the image is empty");
  if (size > kMaxOvmfSize) {
    return malformed("the image is " + std::to_string(size) + " bytes, above the limit of " +
                     std::to_string(kMaxOvmfSize));
  }
  if (size % kPageSize != 0) {
    return malformed("the image size " + std::to_string(size) + " is not a multiple of 4096");
  }
  ByteView d(data);

  // The GUID table ends 32 bytes before the end: ... entries, u16 size, footer GUID.
  // Each entry is <data><u16 size><GUID>, its size covering all three.
  constexpr std::size_t kEntryHeader = 2 + 16;
  if (size < 32 + kEntryHeader) return malformed("the image is too small for a footer");
  const std::size_t footer = size - 32 - kEntryHeader;
  if (!std::equal(kFooterGuid.begin(), kFooterGuid.end(), d.begin() + footer + 2)) {
    return malformed("no GUID table footer (96b582de-...) 32 bytes before the end: not an SEV-capable OVMF");
  }
  const std::size_t table_size = le16(d, footer);
  if (table_size < kEntryHeader || table_size - kEntryHeader > footer) {
    return malformed("the footer's table size " + std::to_string(table_size) + " does not fit the image");
  }
  std::map<Guid, ByteView> table;
  ByteView rest = d.subspan(footer - (table_size - kEntryHeader), table_size - kEntryHeader);
  while (rest.size() >= kEntryHeader) {
    const std::size_t header = rest.size() - kEntryHeader;
    const std::size_t entry_size = le16(rest, header);
    if (entry_size < kEntryHeader || entry_size > rest.size()) {
      return malformed("a GUID table entry has size " + std::to_string(entry_size) + ", outside " +
                       std::to_string(kEntryHeader) + ".." + std::to_string(rest.size()));
    }
    Guid g;
    std::copy(rest.begin() + header + 2, rest.begin() + header + kEntryHeader, g.begin());
    const std::size_t start = rest.size() - entry_size;
    table[g] = rest.subspan(start, header - start);
    rest = rest.first(start);
  }
  auto u32_entry = [&](const Guid& g, const char* what) -> Result<std::optional<std::uint32_t>> {
    auto it = table.find(g);
    if (it == table.end()) return std::optional<std::uint32_t>();
    if (it->second.size() < 4) return malformed(std::string("the ") + what + " entry is shorter than 4 bytes");
    return std::optional<std::uint32_t>(le32(it->second, 0));
  };

  OvmfImage img;
  auto reset = u32_entry(kSevEsResetBlockGuid, "SEV-ES reset block");
  if (!reset) return reset.error();
  if (!*reset) return malformed("no SEV-ES reset block (00f771de-...) in the GUID table: not an SEV-ES/SNP build");
  img.ap_reset_eip_ = **reset;
  auto hashes = u32_entry(kSevHashTableGuid, "SEV hash table");
  if (!hashes) return hashes.error();
  if (*hashes && **hashes != 0) img.kernel_hashes_gpa_ = **hashes;

  auto meta = u32_entry(kSevMetadataGuid, "SEV metadata");
  if (!meta) return meta.error();
  if (!*meta) return malformed("no SEV metadata (dc886566-...) in the GUID table: not an SEV-SNP build");
  const std::uint32_t offset = **meta;  // from the end of the image
  if (offset < 16 || offset > size) {
    return malformed("the SEV metadata offset " + std::to_string(offset) + " is outside the image");
  }
  const std::size_t start = size - offset;
  if (!std::equal(d.begin() + start, d.begin() + start + 4, reinterpret_cast<const std::uint8_t*>("ASEV"))) {
    return malformed("the SEV metadata at offset " + std::to_string(offset) + " lacks its \"ASEV\" signature");
  }
  const std::uint32_t meta_len = le32(d, start + 4);
  const std::uint32_t count = le32(d, start + 12);
  if (meta_len < 16 || meta_len > offset) {
    return malformed("the SEV metadata length " + std::to_string(meta_len) + " does not fit the image");
  }
  if (count > (meta_len - 16) / 12) {
    return malformed("the SEV metadata claims " + std::to_string(count) + " sections but its length " +
                     std::to_string(meta_len) + " holds " + std::to_string((meta_len - 16) / 12));
  }
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = start + 16 + 12 * std::size_t{i};
    OvmfSection s;
    s.gpa = le32(d, at);
    s.size = le32(d, at + 4);
    const std::uint32_t type = le32(d, at + 8);
    std::string which = "SEV metadata section " + std::to_string(i);
    switch (type) {
      case 1: case 2: case 3: case 4: case 0x10: s.type = static_cast<SectionType>(type); break;
      default: return malformed(which + " has unknown type " + hex_number(type));
    }
    if (s.gpa % kPageSize != 0 || s.size % kPageSize != 0 || s.size == 0) {
      return malformed(which + " (" + std::string(section_type_name(s.type)) + " at " + hex_number(s.gpa) + ", size " +
                       hex_number(s.size) + ") is not whole pages");
    }
    if (std::uint64_t{s.gpa} + s.size > kFourGiB) {
      return malformed(which + " ends above 4 GiB");
    }
    total += s.size;
    if (total > kMaxSectionBytes) {
      return malformed("the SEV metadata sections cover more than " + std::to_string(kMaxSectionBytes >> 20) +
                       " MiB");
    }
    img.sections_.push_back(s);
  }
  img.data_ = std::move(data);
  return img;
}

// ---- kernel hashes ----

KernelHashes kernel_hashes(ByteView kernel, ByteView initrd, std::string_view cmdline) {
  KernelHashes h;
  h.kernel = crypto::sha256(kernel);
  h.initrd = crypto::sha256(initrd);
  std::string with_nul(cmdline);
  with_nul.push_back('\0');
  h.cmdline = crypto::sha256(as_bytes(with_nul));
  return h;
}

Result<KernelHashes> kernel_hashes_from_files(const std::string& kernel, const std::optional<std::string>& initrd,
                                              std::string_view cmdline) {
  constexpr std::size_t kMaxBootFile = 1024ULL * 1024 * 1024;
  auto k = read_file(kernel, kMaxBootFile);
  if (!k) return k.error().with_context("--kernel");
  Bytes i;
  if (initrd) {
    auto r = read_file(*initrd, kMaxBootFile);
    if (!r) return r.error().with_context("--initrd");
    i = std::move(r).value();
  }
  return kernel_hashes(*k, i, cmdline);
}

Bytes sev_hashes_table(const KernelHashes& hashes) {
  constexpr std::size_t kEntry = 16 + 2 + 32;
  constexpr std::size_t kLength = 16 + 2 + 3 * kEntry;  // 168
  Bytes t((kLength + 15) & ~std::size_t{15}, 0);
  std::copy(kHashTableHeaderGuid.begin(), kHashTableHeaderGuid.end(), t.begin());
  put_le(&t[16], kLength, 2);
  std::size_t at = 18;
  for (auto [g, h] : {std::pair{&kCmdlineEntryGuid, &hashes.cmdline}, std::pair{&kInitrdEntryGuid, &hashes.initrd},
                      std::pair{&kKernelEntryGuid, &hashes.kernel}}) {
    std::copy(g->begin(), g->end(), t.begin() + at);
    put_le(&t[at + 16], kEntry, 2);
    std::copy(h->begin(), h->end(), t.begin() + at + 18);
    at += kEntry;
  }
  return t;
}

// ---- VMM and vCPU types ----

std::string_view vmm_type_name(VmmType type) {
  switch (type) {
    case VmmType::Qemu: return "QEMU";
    case VmmType::Ec2: return "ec2";
    case VmmType::Gce: return "gce";
  }
  return "unknown";
}

Result<VmmType> vmm_type_from_name(std::string_view name) {
  for (VmmType t : {VmmType::Qemu, VmmType::Ec2, VmmType::Gce}) {
    if (iequals(name, vmm_type_name(t))) return t;
  }
  return Error(ErrorCode::Usage, "unknown VMM type '" + std::string(name) + "' (QEMU, ec2 or gce)");
}

std::uint32_t cpu_signature(unsigned family, unsigned model, unsigned stepping) {
  // Families above 0xF are 0xF plus an extended family.
  unsigned base_family = family > 0xF ? 0xF : family;
  unsigned ext_family = family > 0xF ? (family - 0xF) & 0xFF : 0;
  return ext_family << 20 | ((model >> 4) & 0xF) << 16 | base_family << 8 | (model & 0xF) << 4 | (stepping & 0xF);
}

namespace {
struct VcpuType {
  const char* name;
  unsigned family, model, stepping;
};
// QEMU's builtin EPYC models.
constexpr VcpuType kVcpuTypes[] = {
    {"EPYC", 23, 1, 2},         {"EPYC-v1", 23, 1, 2},       {"EPYC-v2", 23, 1, 2},
    {"EPYC-IBPB", 23, 1, 2},    {"EPYC-v3", 23, 1, 2},       {"EPYC-v4", 23, 1, 2},
    {"EPYC-Rome", 23, 49, 0},   {"EPYC-Rome-v1", 23, 49, 0}, {"EPYC-Rome-v2", 23, 49, 0},
    {"EPYC-Rome-v3", 23, 49, 0}, {"EPYC-Milan", 25, 1, 1},   {"EPYC-Milan-v1", 25, 1, 1},
    {"EPYC-Milan-v2", 25, 1, 1}, {"EPYC-Genoa", 25, 17, 0},  {"EPYC-Genoa-v1", 25, 17, 0},
    {"EPYC-Turin", 26, 0, 0},
};
}  // namespace

Result<std::uint32_t> vcpu_type_signature(std::string_view name) {
  for (const auto& t : kVcpuTypes) {
    if (name == t.name) return cpu_signature(t.family, t.model, t.stepping);
  }
  std::string known;
  for (const auto& t : kVcpuTypes) known += std::string(known.empty() ? "" : ", ") + t.name;
  return Error(ErrorCode::Usage, "unknown vCPU type '" + std::string(name) + "' (one of " + known + ")");
}

std::vector<std::string> vcpu_type_names() {
  std::vector<std::string> names;
  for (const auto& t : kVcpuTypes) names.emplace_back(t.name);
  return names;
}

// ---- VMSA ----

namespace {
// Offsets in the VMSA (AMD APM vol. 2, table B-4, "VMSA layout, state save area").
namespace vmsa {
constexpr std::size_t kEs = 0x000, kCs = 0x010, kSs = 0x020, kDs = 0x030, kFs = 0x040, kGs = 0x050;
constexpr std::size_t kGdtr = 0x060, kLdtr = 0x070, kIdtr = 0x080, kTr = 0x090;
constexpr std::size_t kEfer = 0x0D0, kCr4 = 0x148, kCr0 = 0x158, kDr7 = 0x160, kDr6 = 0x168;
constexpr std::size_t kRflags = 0x170, kRip = 0x178, kGPat = 0x268, kRdx = 0x310;
constexpr std::size_t kSevFeatures = 0x3B0, kXcr0 = 0x3E8, kMxcsr = 0x408, kX87Fcw = 0x410;
}  // namespace vmsa

void put_segment(Bytes& page, std::size_t at, std::uint16_t selector, std::uint16_t attrib, std::uint32_t limit,
                 std::uint64_t base) {
  put_le(&page[at], selector, 2);
  put_le(&page[at + 2], attrib, 2);
  put_le(&page[at + 4], limit, 4);
  put_le(&page[at + 8], base, 8);
}
}  // namespace

Bytes vmsa_page(std::uint32_t eip, std::uint64_t sev_features, std::uint32_t vcpu_sig, VmmType vmm) {
  // The VMMs differ in the reset state they hand the AMD-SP.
  std::uint16_t cs_attrib = 0x9B, ss_attrib = 0x93, tr_attrib = 0x8B;
  std::uint64_t rdx = vcpu_sig, g_pat = 0x0007040600070406ULL;  // PAT reset value (APM vol. 2, A.3)
  std::uint32_t mxcsr = 0x1F80;
  std::uint16_t fcw = 0x37F;
  switch (vmm) {
    case VmmType::Qemu: break;
    case VmmType::Ec2:
      cs_attrib = eip == kBspEip ? 0x9A : 0x9B;
      ss_attrib = 0x92;
      tr_attrib = 0x83;
      rdx = 0x600;
      mxcsr = 0;
      fcw = 0;
      break;
    case VmmType::Gce:
      g_pat = 0x00070106;
      rdx = 0x600;
      mxcsr = 0;
      fcw = 0;
      break;
  }
  Bytes p(kPageSize, 0);
  using namespace vmsa;
  put_segment(p, kEs, 0, 0x93, 0xFFFF, 0);
  put_segment(p, kCs, 0xF000, cs_attrib, 0xFFFF, eip & 0xFFFF0000U);
  put_segment(p, kSs, 0, ss_attrib, 0xFFFF, 0);
  put_segment(p, kDs, 0, 0x93, 0xFFFF, 0);
  put_segment(p, kFs, 0, 0x93, 0xFFFF, 0);
  put_segment(p, kGs, 0, 0x93, 0xFFFF, 0);
  put_segment(p, kGdtr, 0, 0, 0xFFFF, 0);
  put_segment(p, kLdtr, 0, 0x82, 0xFFFF, 0);
  put_segment(p, kIdtr, 0, 0, 0xFFFF, 0);
  put_segment(p, kTr, 0, tr_attrib, 0xFFFF, 0);
  put_le(&p[kEfer], 0x1000, 8);  // EFER.SVME, set by KVM
  put_le(&p[kCr4], 0x40, 8);     // CR4.MCE, set by KVM
  put_le(&p[kCr0], 0x10, 8);     // CR0.ET
  put_le(&p[kDr7], 0x400, 8);
  put_le(&p[kDr6], 0xFFFF0FF0, 8);
  put_le(&p[kRflags], 0x2, 8);
  put_le(&p[kRip], eip & 0xFFFF, 8);
  put_le(&p[kGPat], g_pat, 8);
  put_le(&p[kRdx], rdx, 8);
  put_le(&p[kSevFeatures], sev_features, 8);
  put_le(&p[kXcr0], 0x1, 8);
  put_le(&p[kMxcsr], mxcsr, 4);
  put_le(&p[kX87Fcw], fcw, 2);
  return p;
}

// ---- the launch ----

Bytes snp_ovmf_hash(const OvmfImage& ovmf) {
  LaunchDigest d;
  d.add_normal_pages(ovmf.gpa(), ovmf.data());
  return d.digest();
}

Result<Bytes> snp_launch_digest(const OvmfImage& ovmf, const MeasureParams& params) {
  if (params.vcpus < 1 || params.vcpus > kMaxVcpus) {
    return Error(ErrorCode::Usage, "the vCPU count " + std::to_string(params.vcpus) + " is outside 1.." +
                                       std::to_string(kMaxVcpus));
  }
  if ((params.guest_features & kSevFeatureSnpActive) == 0) {
    return Error(ErrorCode::Usage, "guest features " + hex_number(params.guest_features) +
                                       " lack SNPActive (bit 0), which every SEV-SNP guest has");
  }
  // The kernel-hashes page, checked before anything is hashed.
  Bytes hashes_page;
  if (params.kernel) {
    if (!ovmf.has_section(SectionType::SnpKernelHashes)) {
      return Error(ErrorCode::MalformedInput,
                   "a kernel is given but this OVMF has no SNP_KERNEL_HASHES metadata section, so it cannot "
                   "measure a kernel (measured direct boot needs OvmfPkg/AmdSev/AmdSevX64.dsc)");
    }
    if (!ovmf.kernel_hashes_gpa()) {
      return Error(ErrorCode::MalformedInput,
                   "a kernel is given but this OVMF's GUID table has no SEV hash table address (7255371f-...)");
    }
    for (const OvmfSection& s : ovmf.sections()) {
      if (s.type == SectionType::SnpKernelHashes && s.size != kPageSize) {
        return Error(ErrorCode::MalformedInput,
                     "OVMF: the SNP_KERNEL_HASHES section is " + hex_number(s.size) + " bytes, not one page");
      }
    }
    Bytes table = sev_hashes_table(*params.kernel);
    const std::uint32_t at = *ovmf.kernel_hashes_gpa() % kPageSize;
    if (at + table.size() > kPageSize) {
      return Error(ErrorCode::MalformedInput, "OVMF: the SEV hash table at " + hex_number(*ovmf.kernel_hashes_gpa()) +
                                                  " does not fit in its page");
    }
    hashes_page.assign(kPageSize, 0);
    std::copy(table.begin(), table.end(), hashes_page.begin() + at);
  }

  LaunchDigest d;
  if (params.ovmf_hash) {
    auto seeded = LaunchDigest::from_seed(*params.ovmf_hash);
    if (!seeded) return seeded.error();
    d = std::move(seeded).value();
  } else {
    d.add_normal_pages(ovmf.gpa(), ovmf.data());
  }

  for (const OvmfSection& s : ovmf.sections()) {
    switch (s.type) {
      case SectionType::SnpSecMem:
        // GCE adds the pre-validated memory as unmeasured pages, the others as zero pages.
        if (params.vmm == VmmType::Gce) {
          d.add_unmeasured_pages(s.gpa, s.size);
        } else {
          d.add_zero_pages(s.gpa, s.size);
        }
        break;
      case SectionType::SvsmCaa: d.add_zero_pages(s.gpa, s.size); break;
      case SectionType::SnpSecrets: d.add_secrets_page(s.gpa); break;
      case SectionType::Cpuid:
        if (params.vmm != VmmType::Ec2) d.add_cpuid_page(s.gpa);  // EC2 adds it last
        break;
      case SectionType::SnpKernelHashes:
        if (params.kernel) {
          d.add_normal_pages(s.gpa, hashes_page);
        } else {
          d.add_zero_pages(s.gpa, s.size);
        }
        break;
    }
  }
  if (params.vmm == VmmType::Ec2) {
    for (const OvmfSection& s : ovmf.sections()) {
      if (s.type == SectionType::Cpuid) d.add_cpuid_page(s.gpa);
    }
  }

  Bytes bsp = vmsa_page(kBspEip, params.guest_features, params.vcpu_sig, params.vmm);
  Bytes ap = vmsa_page(ovmf.ap_reset_eip(), params.guest_features, params.vcpu_sig, params.vmm);
  for (std::uint32_t i = 0; i < params.vcpus; ++i) d.add_vmsa_page(i == 0 ? bsp : ap);
  return d.digest();
}

}  // namespace attestd::client
