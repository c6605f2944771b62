// Bounded JSON parsing over JsonCpp, with errors as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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
// The one way to read an integer from untrusted JSON: a value the text wrote as an
// integer (JsonCpp's isInt()/isUInt() also take 1.0 or 1e2, reals with an integral
// value), within [min, max]. nullopt for anything else, so the caller names its key.
std::optional<std::int64_t> json_integer(const Json::Value& v, std::int64_t min, std::int64_t max);

// Compact, deterministic (keys sorted as JsonCpp stores them) serialisation.
std::string json_compact(const Json::Value& v);
// Indented, for people: ASCII only, every other character as \uXXXX, so no control
// character or invalid UTF-8 inside a string reaches a terminal (DEL stays, harmless).
std::string json_pretty(const Json::Value& v);

}  // namespace attestd
