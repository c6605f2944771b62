// libFuzzer target: the AzureGuest wire format (client/lib/azure_guest) is total on both
// sides. What parse_azureguest_request accepts serialises to a body that parses back to
// the same evidence; what parse_sealed_token accepts opens (with a wrong key) to an
// error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/lib/azure_guest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto request = attestd::client::parse_azureguest_request(text)) {
    std::string body = attestd::client::azureguest_request_body(*request);
    auto again = attestd::client::parse_azureguest_request(body);
    if (!again || attestd::client::azureguest_request_body(*again) != body) __builtin_trap();
  }
  if (auto sealed = attestd::client::parse_sealed_token(text)) {
    if (sealed->key_bits != 128 && sealed->key_bits != 192 && sealed->key_bits != 256) __builtin_trap();
    (void)attestd::client::open_sealed_token(*sealed, attestd::Bytes(sealed->key_bits / 8, 0));
    (void)attestd::client::open_sealed_token(*sealed, attestd::Bytes(7, 0));
  }
  return 0;
}
