#include "tests/mocks/azure/firmware.h"

namespace attestd::azuresim {

Status measure_boot(hal::tpm::Tpm& tpm, const boot::EventLog& log) {
  for (const boot::Event& e : log.events) {
    if (e.type == boot::kEvNoAction) continue;
    if (Status s = tpm.pcr_extend(e.pcr, e.sha256); !s) {
      return s.error().with_context("event " + std::to_string(e.index));
    }
  }
  return ok_status();
}

}  // namespace attestd::azuresim
