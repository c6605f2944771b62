// AMD's published certificate chains, compiled in: the only roots trusted by default.
#pragma once

#include <cstddef>
#include <string_view>

namespace attestd::verify {

namespace detail {
struct EmbeddedRoots {
  const char* product;  // file name: "milan", "genoa", "turin"
  const char* pem;      // ASK, ARK, ASVK
};
extern const EmbeddedRoots kEmbeddedRoots[];
extern const std::size_t kEmbeddedRootsCount;
}  // namespace detail

}  // namespace attestd::verify
