#include "core/json.h"

#include <json/reader.h>
#include <json/value.h>
#include <json/writer.h>

#include <memory>

namespace attestd {

Result<Json::Value> parse_json(std::string_view text, std::string_view what,
                               std::size_t max_size) {
  if (text.size() > max_size) {
    return Error(ErrorCode::MalformedInput, std::string(what) + ": JSON larger than " +
                                                std::to_string(max_size) + " bytes");
  }
  // One reader per thread: building the settings and the reader cost a sixth of parsing
  // a token's claims. A parse starts from a clean state.
  thread_local const std::unique_ptr<Json::CharReader> reader = [] {
    Json::CharReaderBuilder builder;
    Json::CharReaderBuilder::strictMode(&builder.settings_);
    builder.settings_["stackLimit"] = 64;
    builder.settings_["failIfExtra"] = true;
    builder.settings_["rejectDupKeys"] = true;
    return std::unique_ptr<Json::CharReader>(builder.newCharReader());
  }();
  Json::Value root;
  std::string errs;
  bool parsed = false;
  try {
    parsed = reader->parse(text.data(), text.data() + text.size(), &root, &errs);
  } catch (const Json::Exception& e) {
    // JsonCpp throws, rather than reports, when nesting exceeds stackLimit.
    errs = e.what();
  }
  if (!parsed) {
    while (!errs.empty() && (errs.back() == '\n' || errs.back() == ' ')) errs.pop_back();
    for (char& c : errs) {
      if (c == '\n') c = ' ';
    }
    return Error(ErrorCode::MalformedInput, std::string(what) + ": invalid JSON: " + errs);
  }
  return root;
}

std::optional<std::int64_t> json_integer(const Json::Value& v, std::int64_t min, std::int64_t max) {
  if (v.type() != Json::intValue && v.type() != Json::uintValue) return std::nullopt;
  if (!v.isInt64()) return std::nullopt;  // a uintValue above INT64_MAX
  std::int64_t n = v.asInt64();
  if (n < min || n > max) return std::nullopt;
  return n;
}

std::string json_compact(const Json::Value& v) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  builder["emitUTF8"] = true;
  return Json::writeString(builder, v);
}

std::string json_pretty(const Json::Value& v) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "  ";
  builder["emitUTF8"] = false;
  return Json::writeString(builder, v);
}

}  // namespace attestd
