#include "tests/mocks/azure/hcl_writer.h"

#include <cctype>

#include "crypto/base64.h"
#include "hal/snp/report.h"

namespace attestd::azuresim {
namespace {

void put_u32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

Bytes write_hcl_report(ByteView snp_report, std::string_view runtime_claims, std::size_t padded_size) {
  constexpr std::size_t kRequestData = 0x4C0, kVariableData = 0x4D4;
  Bytes out(kVariableData + runtime_claims.size());
  const char sig[4] = {'H', 'C', 'L', 'A'};
  std::copy(sig, sig + 4, out.begin());
  put_u32(out, 0x04, 1);  // version
  put_u32(out, 0x08, static_cast<std::uint32_t>(out.size()));
  put_u32(out, 0x0C, 2);  // request_type, as in genuine reports
  std::copy(snp_report.begin(), snp_report.begin() + std::min(snp_report.size(), snp::kReportSize), out.begin() + 0x20);
  put_u32(out, kRequestData, static_cast<std::uint32_t>(kVariableData - kRequestData + runtime_claims.size()));
  put_u32(out, kRequestData + 4, 1);  // version
  put_u32(out, kRequestData + 8, 2);  // SNP
  put_u32(out, kRequestData + 12, 1);  // SHA-256
  put_u32(out, kRequestData + 16, static_cast<std::uint32_t>(runtime_claims.size()));
  std::copy(runtime_claims.begin(), runtime_claims.end(), out.begin() + kVariableData);
  if (out.size() < padded_size) out.resize(padded_size, 0);
  return out;
}

std::string azure_runtime_claims(const crypto::PublicKey& ak, ByteView user_data, const std::string& vm_unique_id) {
  std::string hex = hex_encode(user_data);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return R"({"keys":[{"kid":"HCLAkPub","key_ops":["sign"],"kty":"RSA","e":")" +
         crypto::base64url_encode(ak.rsa_exponent()) + R"(","n":")" + crypto::base64url_encode(ak.rsa_modulus()) +
         R"("}],"vm-configuration":{"console-enabled":true,"secure-boot":true,"tpm-enabled":true,"vmUniqueId":")" +
         vm_unique_id + R"("},"user-data":")" + hex + R"("})";
}

}  // namespace attestd::azuresim
