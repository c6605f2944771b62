// libFuzzer: policy files. Any input is a Policy or a MalformedPolicy naming the problem.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "verify/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto policy = attestd::verify::parse_policy(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!policy && policy.error().code() != attestd::ErrorCode::MalformedPolicy) __builtin_trap();
  if (policy) (void)attestd::verify::check_policy(*policy, attestd::verify::GuestFacts{});
  return 0;
}
