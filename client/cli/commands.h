// The `attest` subcommands. Each returns the process exit code (docs/errors.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/args.h"
#include "core/error.h"
#include "hal/snp/cert_table.h"

namespace attestd::cli {

int cmd_show(const std::vector<std::string>& args);
int cmd_verify_report(const std::vector<std::string>& args);
int cmd_verify_token(const std::vector<std::string>& args);
int cmd_connect(const std::vector<std::string>& args);
int cmd_request(const std::vector<std::string>& args);
int cmd_measure(const std::vector<std::string>& args);
// cmd_kds.cpp: attest fetch ca|vcek|crl, export-certs, verify-chain.
int cmd_fetch(const std::vector<std::string>& args);
int cmd_export_certs(const std::vector<std::string>& args);
int cmd_verify_chain(const std::vector<std::string>& args);
// Writes each entry of a certificate table to DIR (created if needed) as snpguest names
// them: vcek.der, vlek.der, ask.der, ark.der, <guid>.der; the paths written, in order.
Result<std::vector<std::string>> write_certificates(const std::vector<snp::CertTableEntry>& table,
                                                    const std::string& dir);
// cmd_guest.cpp: inside a guest, attest report and attest derive-key.
int cmd_report(const std::vector<std::string>& args);
int cmd_derive_key(const std::vector<std::string>& args);
// attest measure --uki: the expected PCRs of a UKI boot (measure_boot.cpp).
int cmd_measure_boot(const Args& args);

// Parses a command's arguments into `out`, printing `help` for --help (exit 0) or with a
// usage error (exit 2); returns the exit code when the command should stop there.
std::optional<int> parse_command(const std::string& command, const std::vector<std::string>& argv,
                                 const char* help, const std::vector<OptionSpec>& specs, std::size_t min_positional,
                                 std::size_t max_positional, Args& out);

// Prints "attest <command>: Name: message" to stderr (or a JSON error object to stdout
// when `json`), and returns the error's exit code.
int report_error(const std::string& command, const Error& error, bool json);

}  // namespace attestd::cli
