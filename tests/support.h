// Shared test helpers: where the genuine vectors live, reading them, scratch space.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/bytes.h"
#include "core/file.h"

namespace attestd::test {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// tests/vectors, the genuine vectors (ATTESTD_VECTORS, set by `make test`, may point elsewhere).
inline std::string vectors_dir() { return env_or("ATTESTD_VECTORS", "tests/vectors"); }
inline std::string vector_path(const std::string& rel) { return vectors_dir() + "/" + rel; }
// build/bin, where attest and snp-sim are.
inline std::string bin_dir() { return env_or("ATTESTD_BIN", "build/bin"); }
// A scratch folder emptied at the start of `make test`.
inline std::string tmp_dir() { return env_or("ATTESTD_TMP", "/tmp"); }
inline std::string src_dir() { return env_or("ATTESTD_SRC", "."); }

inline Bytes read_vector(const std::string& rel) {
  auto r = read_file(vector_path(rel));
  if (!r) throw std::runtime_error(r.error().describe());
  return std::move(r).value();
}

// The error of a failed Result, for test messages ("" when it succeeded).
template <typename R>
std::string why(const R& r) {
  return r ? std::string() : r.error().describe();
}

inline std::string read_vector_text(const std::string& rel) {
  Bytes b = read_vector(rel);
  return std::string(b.begin(), b.end());
}

}  // namespace attestd::test
