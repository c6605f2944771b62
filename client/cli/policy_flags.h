// The policy a verifying command applies: --policy FILE merged with the one-off checks
// (--measurement, --host-data, --report-data, --id-key-digest, --author-key-digest,
// --cce-policy, and for tokens --compliance-status), as snpguest offers them. A key set
// both in the file and by a flag is a usage error naming both.
#pragma once

#include <string>
#include <vector>

#include "core/args.h"
#include "verify/policy.h"

namespace attestd::cli {

enum class Evidence { Report, Token };

// The options to add to a command's OptionSpec list (--policy included).
std::vector<OptionSpec> policy_option_specs(Evidence evidence);

// The --help lines for them.
const char* policy_options_help(Evidence evidence);

struct ChosenPolicy {
  verify::Policy policy;
  std::string name;  // for the summary: the file, the flags, or the default
};

// `default_name` names the default policy when neither a file nor a flag is given.
Result<ChosenPolicy> policy_from_args(const Args& args, Evidence evidence, const std::string& default_name);

}  // namespace attestd::cli
