// The VM layer of an azurevm token, for people (the JSON is client::vm_facts_json): shown by
// attest verify-token and attest connect next to the SEV-SNP claims.
#pragma once

#include "client/lib/azurevm_claims.h"

namespace attestd::cli {

// Rows "vm secure boot", "vm debugging", "vm signing", "vm os", "attested pcrs", "vm id"
// (the measured boot's own "secure boot" row is the event log's, shown by attest connect).
void print_vm_rows(const client::VmFacts& vm);

}  // namespace attestd::cli
