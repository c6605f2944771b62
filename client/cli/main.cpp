// attest — the relying party's command-line tool (docs/cli.md).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <json/value.h>

#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "core/json.h"

namespace attestd::cli {

int report_error(const std::string& command, const Error& error, bool json) {
  if (json) {
    Json::Value v(Json::objectValue);
    v["ok"] = false;
    Json::Value e(Json::objectValue);
    e["name"] = std::string(error.name());
    e["exit_code"] = exit_code(error.code());
    e["message"] = error.message();
    v["error"] = e;
    print_json(v);
  } else {
    // Messages carry text from the network (an agent's or MAA's error): escaped.
    print_line(std::cerr, "attest " + command + ": " + error.describe());
    // The error first, then where the options are: not the whole help, which would
    // bury the one line that says what was wrong.
    if (error.code() == ErrorCode::Usage) {
      print_line(std::cerr, "run 'attest " + command + " --help' for its options");
    }
  }
  return exit_code(error.code());
}

std::optional<int> parse_command(const std::string& command, const std::vector<std::string>& argv,
                                 const char* help, const std::vector<OptionSpec>& specs, std::size_t min_positional,
                                 std::size_t max_positional, Args& out) {
  if (Args::wants_help(argv)) {
    std::cout << (option_list_requested() ? option_list(specs) : std::string(help));
    return 0;
  }
  auto args = Args::parse(argv, specs, min_positional, max_positional);
  if (!args) return report_error(command, args.error(), false);
  out = std::move(args).value();
  return std::nullopt;
}

namespace {

constexpr const char* kUsage = R"(usage: attest <command> [options]

commands:
  show FILE [--json] [--product P]
        print an SNP attestation report or an Azure HCL report
  verify-report REPORT --certs FILE [--certs FILE ...] [--policy FILE]
                [--at RFC3339] [--trust-sim-root PEM] [--crl FILE|fetch] [--json]
        verify a report's signature, certificate chain and policy
  verify-chain --certs FILE [--certs FILE ...] [--at RFC3339] [--crl FILE] [--json]
        verify a VCEK/VLEK <- ASK/ASVK <- pinned ARK chain without a report
  fetch ca|vcek|crl PRODUCT|REPORT --out DIR [--kds-url URL] [--cache DIR] [--vlek]
        fetch the CA chain, a report's VCEK or the CRL from AMD KDS, checked
  export-certs CERT_TABLE --out DIR
        write an extended report's certificates to DIR (vcek.der, ask.der, ...)
  verify-token TOKEN --maa URL [--jwks FILE] [--policy FILE] [--nonce STR]
               [--runtime-data FILE] [--at RFC3339] [--json]
        verify a Microsoft Azure Attestation token and its SEV-SNP claims
  connect https://HOST:PORT --maa URL [--policy FILE] [--json]
        attest an attestd agent over attested TLS and print its verified claims
  request https://HOST:PORT/PATH --maa URL [-X METHOD] [-d DATA] [-H 'K: V']
        attest, then send the request to the application on the same connection
  measure --ovmf F [--kernel K --initrd I --append S] --vcpus N --vcpu-type T [--vmm-type V]
        compute the expected SEV-SNP launch measurement (docs/measurement.md)
  report --out FILE (--data HEX | --data-file FILE | --random) [--evidence SOURCE] [--vmpl N]
         [--certs-out DIR]
        inside a guest: get a report from the evidence source attestd would use
  derive-key --root vcek|vmrk [--fields LIST] [--guest-svn N] [--tcb HEX] [--vmpl N] [--out FILE]
        inside a guest: a key derived by the AMD-SP (SNP_GET_DERIVED_KEY)
  errors
        list every error name with its exit code

Run 'attest <command> --help' for a command's options; docs/cli.md has the details.
)";

constexpr const char* kErrorsHelp = R"(usage: attest errors

Lists every error name with its exit code and meaning (docs/errors.md).
)";

int cmd_errors(const std::vector<std::string>& argv) {
  Args args;
  if (auto done = parse_command("errors", argv, kErrorsHelp, {}, 0, 0, args)) return *done;
  for (ErrorCode c : all_error_codes()) {
    std::printf("%3d  %-26s %s\n", exit_code(c), std::string(error_name(c)).c_str(),
                std::string(error_meaning(c)).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace attestd::cli

int main(int argc, char** argv) {
  using namespace attestd::cli;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "show") return cmd_show(rest);
  if (command == "verify-report") return cmd_verify_report(rest);
  if (command == "verify-token") return cmd_verify_token(rest);
  if (command == "connect") return cmd_connect(rest);
  if (command == "request") return cmd_request(rest);
  if (command == "measure") return cmd_measure(rest);
  if (command == "fetch") return cmd_fetch(rest);
  if (command == "export-certs") return cmd_export_certs(rest);
  if (command == "verify-chain") return cmd_verify_chain(rest);
  if (command == "report") return cmd_report(rest);
  if (command == "derive-key") return cmd_derive_key(rest);
  if (command == "errors") return cmd_errors(rest);
  std::fprintf(stderr, "attest: unknown command '%s'\nrun 'attest --help' for the commands\n", command.c_str());
  return 2;
}
