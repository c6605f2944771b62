// snp-sim's SNP_LAUNCH_FINISH with an ID block (sim.h).
#include <algorithm>

#include "tests/mocks/snp/sim.h"
#include "verify/id_block.h"

namespace attestd::snpsim {

Status launch_with_id_block(ReportRequest& request, const IdBlockInput& input) {
  auto launch = verify::check_id_block(input.id_block, input.id_auth, input.author_key_enabled,
                                       request.measurement, request.policy);
  if (!launch) return launch.error().with_context("launch refused");
  request.family_id = launch->block.family_id;
  request.image_id = launch->block.image_id;
  request.guest_svn = launch->block.guest_svn;
  std::copy_n(launch->id_key_digest.begin(), request.id_key_digest.size(), request.id_key_digest.begin());
  std::copy_n(launch->author_key_digest.begin(), request.author_key_digest.size(), request.author_key_digest.begin());
  request.author_key_en = launch->author_key_enabled;
  return ok_status();
}

}  // namespace attestd::snpsim
