// The runtime data lives with the relying party's library (client/lib/runtime_data.h),
// which both sides share; the agent uses it under these names.
#pragma once

#include "client/lib/runtime_data.h"

namespace attestd::agent {
using client::kAgentName;
using client::kMaxRuntimeBytes;
using client::kNonceTreeAlg;
using client::kTlsKeyId;
using client::parse_runtime;
using client::report_data_for;
using client::runtime_json;
using client::RuntimeData;
}  // namespace attestd::agent
