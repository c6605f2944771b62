#include "crypto/sha.h"

#include <mbedtls/md.h>

namespace attestd::crypto {

namespace {
mbedtls_md_type_t md_type(HashAlg alg) {
  switch (alg) {
    case HashAlg::Sha256: return MBEDTLS_MD_SHA256;
    case HashAlg::Sha384: return MBEDTLS_MD_SHA384;
    case HashAlg::Sha512: return MBEDTLS_MD_SHA512;
  }
  return MBEDTLS_MD_NONE;
}
}  // namespace

std::size_t digest_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::Sha256: return 32;
    case HashAlg::Sha384: return 48;
    case HashAlg::Sha512: return 64;
  }
  return 0;
}

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::Sha256: return "SHA-256";
    case HashAlg::Sha384: return "SHA-384";
    case HashAlg::Sha512: return "SHA-512";
  }
  return "?";
}

Bytes digest(HashAlg alg, ByteView data) {
  Bytes out(digest_size(alg));
  // mbedtls_md only fails for an unknown type, which md_type never returns.
  mbedtls_md(mbedtls_md_info_from_type(md_type(alg)), data.data(), data.size(), out.data());
  return out;
}

Bytes sha256(ByteView data) { return digest(HashAlg::Sha256, data); }
Bytes sha384(ByteView data) { return digest(HashAlg::Sha384, data); }
Bytes sha512(ByteView data) { return digest(HashAlg::Sha512, data); }

struct Hasher::Impl {
  HashAlg alg;
  mbedtls_md_context_t ctx;
};

Hasher::Hasher(HashAlg alg) : impl_(std::make_unique<Impl>()) {
  impl_->alg = alg;
  mbedtls_md_init(&impl_->ctx);
  mbedtls_md_setup(&impl_->ctx, mbedtls_md_info_from_type(md_type(alg)), 0);
  mbedtls_md_starts(&impl_->ctx);
}

Hasher::~Hasher() {
  if (impl_) mbedtls_md_free(&impl_->ctx);
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    if (impl_) mbedtls_md_free(&impl_->ctx);
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Hasher::update(ByteView data) { mbedtls_md_update(&impl_->ctx, data.data(), data.size()); }

Bytes Hasher::finish() {
  Bytes out(digest_size(impl_->alg));
  mbedtls_md_finish(&impl_->ctx, out.data());
  mbedtls_md_starts(&impl_->ctx);
  return out;
}

}  // namespace attestd::crypto
