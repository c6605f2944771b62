// SHA-2 digests.
#pragma once

#include <cstddef>
#include <memory>

#include "core/bytes.h"

namespace attestd::crypto {

enum class HashAlg { Sha256, Sha384, Sha512 };

std::size_t digest_size(HashAlg alg);
std::string_view hash_name(HashAlg alg);

Bytes sha256(ByteView data);
Bytes sha384(ByteView data);
Bytes sha512(ByteView data);
Bytes digest(HashAlg alg, ByteView data);

// Incremental hashing, for data that arrives in pieces.
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(ByteView data);
  // The digest; the hasher starts over afterwards.
  Bytes finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attestd::crypto
