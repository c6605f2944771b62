// Bounded JSON parsing over JsonCpp, with errors as values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <json/value.h>

#include "core/error.h"

namespace attestd {

inline constexpr std::size_t kMaxJsonSize = 1024 * 1024;

// Strict RFC 8259 parsing (no comments, no trailing commas, duplicate keys rejected),
// bounded in size and nesting depth. `what` names the document in error messages.
Result<Json::Value> parse_json(std::string_view text, std::string_view what,
                               std::size_t max_size = kMaxJsonSize);
// Compact, deterministic (keys sorted as JsonCpp stores them) serialisation.
std::string json_compact(const Json::Value& v);
std::string json_pretty(const Json::Value& v);

}  // namespace attestd
