// The VM layer of an azurevm token, for people (rows) and programs (--json): shown by
// attest verify-token and attest connect next to the SEV-SNP claims.
#pragma once

#include <json/value.h>

#include "client/lib/azurevm_claims.h"

namespace attestd::cli {

// Rows "vm secure boot", "vm debugging", "vm signing", "vm os", "attested pcrs", "vm id"
// (the measured boot's own "secure boot" row is the event log's, shown by attest connect).
void print_vm_rows(const client::VmFacts& vm);

// {"secure_boot", "debug": {"boot", "kernel", "hypervisor", "debuggers_disabled"},
//  "test_signing", "flight_signing", "os": {"type", "distro", "version", "build",
//  "is_windows"}, "attested_pcrs": [...], "vm_id"}
Json::Value vm_json(const client::VmFacts& vm);

}  // namespace attestd::cli
