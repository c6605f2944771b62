// The `attest` subcommands. Each returns the process exit code (docs/errors.md).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace attestd::cli {

int cmd_show(const std::vector<std::string>& args);
int cmd_verify_report(const std::vector<std::string>& args);
int cmd_verify_token(const std::vector<std::string>& args);

// Prints "attest <command>: Name: message" to stderr (or a JSON error object to stdout
// when `json`), and returns the error's exit code.
int report_error(const std::string& command, const Error& error, bool json);

}  // namespace attestd::cli
