#include "core/error.h"

namespace attestd {

std::string_view error_name(ErrorCode code) {
  switch (code) {
#define X(name, num, what) \
  case ErrorCode::name:    \
    return #name;
    ATTESTD_ERROR_CODES(X)
#undef X
  }
  return "Unknown";
}

std::string_view error_meaning(ErrorCode code) {
  switch (code) {
#define X(name, num, what) \
  case ErrorCode::name:    \
    return what;
    ATTESTD_ERROR_CODES(X)
#undef X
  }
  return "unknown error";
}

int exit_code(ErrorCode code) { return static_cast<int>(code); }

namespace {
constexpr ErrorCode kAllCodes[] = {
#define X(name, num, what) ErrorCode::name,
    ATTESTD_ERROR_CODES(X)
#undef X
};
}  // namespace

std::span<const ErrorCode> all_error_codes() { return kAllCodes; }

std::string Error::describe() const { return std::string(name()) + ": " + message_; }

Error Error::with_context(std::string_view context) const {
  return Error(code_, std::string(context) + ": " + message_);
}

}  // namespace attestd
