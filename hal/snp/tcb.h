// AMD EPYC product lines and their TCB_VERSION layouts (SEV-SNP ABI spec 56860,
// "TCB_VERSION Structure"). The same 64-bit value means different SVNs on Turin than on
// Milan/Genoa, so every TCB value must be read together with the product it came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace attestd::snp {

enum class Product { Unknown, Milan, Genoa, Turin };

// "Milan", "Genoa", "Turin" or "Unknown" — the names AMD KDS uses in its URLs.
std::string_view product_name(Product product);

// From a VCEK's productName extension: "Milan-B0", "Genoa", "Turin-B0", ... The line name
// (case-sensitive) may be followed by "-<stepping>". Anything else is UnknownProduct.
Result<Product> product_from_name(std::string_view name);

// From the report's CPUID_FAM_ID / CPUID_MOD_ID (extended family and model already
// combined): family 0x19 models 0x00-0x0F Milan, 0x10-0x1F and 0xA0-0xAF Genoa;
// family 0x1A models 0x00-0x11 Turin. Everything else is Unknown.
Product product_from_cpuid(std::uint8_t family, std::uint8_t model);

// The security version numbers of one TCB_VERSION value.
struct TcbVersion {
  std::uint8_t fmc = 0;  // Turin only; always 0 for Milan/Genoa
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;

  bool operator==(const TcbVersion&) const = default;
};

// Milan/Genoa: bytes {0 BL, 1 TEE, 6 SNP, 7 ucode}; Turin: {0 FMC, 1 BL, 2 TEE, 3 SNP,
// 7 ucode}; byte 0 is the least significant byte of the little-endian u64. Unknown uses
// the Milan/Genoa layout, the only one that existed before CPUID appeared in reports (v3).
TcbVersion decode_tcb(Product product, std::uint64_t raw);
// The inverse of decode_tcb (reserved bytes zero; fmc dropped for Milan/Genoa).
std::uint64_t encode_tcb(Product product, const TcbVersion& tcb);

// Whether the layout's reserved bytes are zero: Milan/Genoa bytes 2-5, Turin bytes 4-6.
bool tcb_reserved_bytes_zero(Product product, std::uint64_t raw);

// "bl=3 tee=0 snp=8 ucode=115"; Turin: "fmc=1 bl=3 tee=0 snp=8 ucode=115".
std::string describe_tcb(Product product, std::uint64_t raw);

}  // namespace attestd::snp
