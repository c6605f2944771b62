#include "hal/snp/tcb.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

namespace attestd::snp {

static_assert(std::endian::native == std::endian::little,
              "TCB_VERSION is a little-endian u64; the layouts below are its bytes in order");

namespace {

// SEV-SNP ABI spec 56860, "TCB_VERSION Structure" for Milan and Genoa.
struct LegacyTcbLayout {
  std::uint8_t bootloader;
  std::uint8_t tee;
  std::array<std::uint8_t, 4> reserved;
  std::uint8_t snp;
  std::uint8_t microcode;
};
static_assert(sizeof(LegacyTcbLayout) == 8);
static_assert(offsetof(LegacyTcbLayout, bootloader) == 0);
static_assert(offsetof(LegacyTcbLayout, tee) == 1);
static_assert(offsetof(LegacyTcbLayout, reserved) == 2);
static_assert(offsetof(LegacyTcbLayout, snp) == 6);
static_assert(offsetof(LegacyTcbLayout, microcode) == 7);

// The same table for Turin (family 1Ah), which adds the FMC (first mutable code) SVN.
struct TurinTcbLayout {
  std::uint8_t fmc;
  std::uint8_t bootloader;
  std::uint8_t tee;
  std::uint8_t snp;
  std::array<std::uint8_t, 3> reserved;
  std::uint8_t microcode;
};
static_assert(sizeof(TurinTcbLayout) == 8);
static_assert(offsetof(TurinTcbLayout, fmc) == 0);
static_assert(offsetof(TurinTcbLayout, bootloader) == 1);
static_assert(offsetof(TurinTcbLayout, tee) == 2);
static_assert(offsetof(TurinTcbLayout, snp) == 3);
static_assert(offsetof(TurinTcbLayout, reserved) == 4);
static_assert(offsetof(TurinTcbLayout, microcode) == 7);

template <typename Layout>
Layout to_layout(std::uint64_t raw) {
  Layout l;
  std::memcpy(&l, &raw, sizeof l);
  return l;
}

template <typename Layout>
std::uint64_t from_layout(const Layout& l) {
  std::uint64_t raw;
  std::memcpy(&raw, &l, sizeof raw);
  return raw;
}

bool is_turin(Product p) { return p == Product::Turin; }

bool starts_line(std::string_view name, std::string_view line) {
  if (name.substr(0, line.size()) != line) return false;
  std::string_view rest = name.substr(line.size());
  if (rest.empty()) return true;
  if (rest.front() != '-' || rest.size() == 1) return false;
  for (char c : rest.substr(1)) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace

std::string_view product_name(Product product) {
  switch (product) {
    case Product::Milan: return "Milan";
    case Product::Genoa: return "Genoa";
    case Product::Turin: return "Turin";
    case Product::Unknown: break;
  }
  return "Unknown";
}

Result<Product> product_from_name(std::string_view name) {
  for (Product p : {Product::Milan, Product::Genoa, Product::Turin}) {
    if (starts_line(name, product_name(p))) return p;
  }
  constexpr std::size_t kShown = 64;  // the name comes from a certificate: keep messages short
  std::string shown(name.substr(0, kShown));
  return Error(ErrorCode::UnknownProduct,
               "product name \"" + shown + "\" is not Milan, Genoa or Turin[-stepping]");
}

Product product_from_cpuid(std::uint8_t family, std::uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return Product::Milan;
    if (model <= 0x1F || (model >= 0xA0 && model <= 0xAF)) return Product::Genoa;
  }
  if (family == 0x1A && model <= 0x11) return Product::Turin;
  return Product::Unknown;
}

TcbVersion decode_tcb(Product product, std::uint64_t raw) {
  if (is_turin(product)) {
    auto l = to_layout<TurinTcbLayout>(raw);
    return {.fmc = l.fmc, .bootloader = l.bootloader, .tee = l.tee, .snp = l.snp,
            .microcode = l.microcode};
  }
  auto l = to_layout<LegacyTcbLayout>(raw);
  return {.fmc = 0, .bootloader = l.bootloader, .tee = l.tee, .snp = l.snp,
          .microcode = l.microcode};
}

std::uint64_t encode_tcb(Product product, const TcbVersion& tcb) {
  if (is_turin(product)) {
    TurinTcbLayout l{.fmc = tcb.fmc, .bootloader = tcb.bootloader, .tee = tcb.tee,
                     .snp = tcb.snp, .reserved = {}, .microcode = tcb.microcode};
    return from_layout(l);
  }
  LegacyTcbLayout l{.bootloader = tcb.bootloader, .tee = tcb.tee, .reserved = {},
                    .snp = tcb.snp, .microcode = tcb.microcode};
  return from_layout(l);
}

bool tcb_reserved_bytes_zero(Product product, std::uint64_t raw) {
  if (is_turin(product)) {
    return to_layout<TurinTcbLayout>(raw).reserved == std::array<std::uint8_t, 3>{};
  }
  return to_layout<LegacyTcbLayout>(raw).reserved == std::array<std::uint8_t, 4>{};
}

std::string describe_tcb(Product product, std::uint64_t raw) {
  TcbVersion t = decode_tcb(product, raw);
  std::string out;
  if (is_turin(product)) out = "fmc=" + std::to_string(t.fmc) + " ";
  out += "bl=" + std::to_string(t.bootloader) + " tee=" + std::to_string(t.tee) +
         " snp=" + std::to_string(t.snp) + " ucode=" + std::to_string(t.microcode);
  return out;
}

}  // namespace attestd::snp
