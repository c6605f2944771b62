#include "hal/evidence.h"

namespace attestd::hal {

Result<Bytes> EvidenceSource::decrypt_with_encryption_key(const Evidence&, ByteView) {
  return Error(ErrorCode::DeviceError, "the " + name() + " evidence source has no TPM to decrypt with");
}

}  // namespace attestd::hal
