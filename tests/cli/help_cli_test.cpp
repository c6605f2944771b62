// The command lines as a new user meets them: every option a program accepts is described
// in its --help, and a usage error says what was wrong first, then where the options are.
//
// A program's accepted options come from its own option table: with ATTESTD_LIST_OPTIONS=1,
// --help prints them instead of the help (core/args.h). So an option added to a table and
// not to the help fails here, and so does a help line for an option the table lacks.
#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "tests/process.h"

using namespace attestd;
using namespace attestd::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The long names ("--name") of a program's option table, as ATTESTD_LIST_OPTIONS=1 prints
// them: "--name" or "-X, --name", one a line. Anything else means the command printed
// something other than its table (it does not parse its arguments through the parser).
std::set<std::string> accepted_options(const std::string& command_line) {
  RunResult r = run("ATTESTD_LIST_OPTIONS=1 " + command_line + " --help");
  BOOST_TEST(r.exit_code == 0, command_line << ": " << r.err);
  std::set<std::string> out;
  const std::regex entry("(-[A-Za-z], )?(--[a-z0-9-]+)");
  for (const auto& line : lines_of(r.out)) {
    std::smatch m;
    BOOST_TEST(std::regex_match(line, m, entry), command_line << " listed '" << line << "' as an option");
    if (m.size() > 2) out.insert(m[2]);
  }
  return out;
}

// The options a help text describes: lines that begin, after indentation, with "--name"
// or "-X, --name" (the option tables of the help texts).
std::set<std::string> described_options(const std::string& help) {
  std::set<std::string> out;
  const std::regex entry(" +(-[A-Za-z], )?(--[a-z0-9-]+)([ ,=].*)?");
  for (const auto& line : lines_of(help)) {
    std::smatch m;
    if (std::regex_match(line, m, entry)) out.insert(m[2]);
  }
  return out;
}

std::string help_of(const std::string& command_line) {
  RunResult r = run(command_line + " --help");
  BOOST_TEST(r.exit_code == 0, command_line << ": " << r.err);
  return r.out;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const auto& x : a) {
    if (!b.count(x)) out.insert(x);
  }
  return out;
}

// The commands `attest --help` lists: "  NAME ..." lines under "commands:".
std::vector<std::string> attest_commands() {
  std::vector<std::string> out;
  bool in_commands = false;
  for (const auto& line : lines_of(help_of(attest()))) {
    if (line == "commands:") in_commands = true;
    else if (in_commands && line.empty()) break;
    else if (in_commands && line.size() > 2 && line.rfind("  ", 0) == 0 && line[2] != ' ') {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return out;
}

void check_help_describes(const std::string& command_line, const std::set<std::string>& accepted,
                          const std::set<std::string>& described) {
  BOOST_TEST(minus(accepted, described).empty(),
             command_line << " --help does not describe: " << joined(minus(accepted, described)));
  BOOST_TEST(minus(described, accepted).empty(),
             command_line << " --help describes options it does not take: " << joined(minus(described, accepted)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_help)

BOOST_AUTO_TEST_CASE(every_attest_command_describes_each_of_its_options_in_its_help) {
  std::vector<std::string> commands = attest_commands();
  BOOST_TEST(commands.size() >= 7u, "attest --help lists " << commands.size() << " commands");
  for (const auto& command : commands) {
    std::string line = attest() + " " + command;
    check_help_describes(line, accepted_options(line), described_options(help_of(line)));
  }
}

BOOST_AUTO_TEST_CASE(connect_and_request_describe_timeout_ca_file_and_jwks) {
  for (const char* command : {"connect", "request"}) {
    std::set<std::string> described = described_options(help_of(attest() + " " + command));
    for (const char* option : {"--timeout", "--ca-file", "--jwks", "--maa", "--policy"}) {
      BOOST_TEST(described.count(option) == 1u, "attest " << command << " --help lacks " << option);
    }
  }
}

BOOST_AUTO_TEST_CASE(maa_emu_describes_each_of_its_options_in_its_help) {
  std::string line = bin_dir() + "/maa-emu";
  std::set<std::string> accepted = accepted_options(line);
  BOOST_TEST(accepted.count("--token-lifetime") == 1u);
  check_help_describes(line, accepted, described_options(help_of(line)));
}

// snp-sim has one help for its four commands: each command's options are described in it,
// and it describes no option that no command takes.
BOOST_AUTO_TEST_CASE(snp_sim_describes_the_options_of_every_command_in_its_help) {
  std::string snp_sim = bin_dir() + "/snp-sim";
  std::set<std::string> described = described_options(help_of(snp_sim));
  std::set<std::string> all;
  for (const char* command : {"keygen", "report", "serve", "paravisor"}) {
    std::set<std::string> accepted = accepted_options(snp_sim + " " + command);
    BOOST_TEST(!accepted.empty(), command);
    BOOST_TEST(minus(accepted, described).empty(),
               "snp-sim --help does not describe " << command << "'s " << joined(minus(accepted, described)));
    all.insert(accepted.begin(), accepted.end());
  }
  BOOST_TEST(minus(described, all).empty(), "snp-sim --help describes options no command takes: " << joined(minus(described, all)));
}

BOOST_AUTO_TEST_CASE(a_usage_error_comes_first_then_a_one_line_hint_not_the_whole_help) {
  RunResult r = run(attest() + " connect https://localhost:1 --maa https://x.attest.azure.net --bogus");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "attest connect: Usage: unknown option '--bogus'\nrun 'attest connect --help' for its options\n");
  // A usage error found after parsing (a required option missing) gets the same hint.
  RunResult missing = run(attest() + " verify-report report.bin");
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err ==
             "attest verify-report: Usage: --certs is required (the VCEK or VLEK, and optionally ASK/ARK)\n"
             "run 'attest verify-report --help' for its options\n");
}

BOOST_AUTO_TEST_CASE(an_unknown_command_is_named_with_a_hint) {
  RunResult r = run(attest() + " frobnicate");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err == "attest: unknown command 'frobnicate'\nrun 'attest --help' for the commands\n");
  RunResult errors = run(attest() + " errors --all");
  BOOST_TEST(errors.exit_code == 2);
  BOOST_TEST(errors.err == "attest errors: Usage: unknown option '--all'\nrun 'attest errors --help' for its options\n");
}

BOOST_AUTO_TEST_CASE(maa_emu_and_snp_sim_usage_errors_end_with_a_one_line_hint) {
  RunResult maa = run(bin_dir() + "/maa-emu --bogus");
  BOOST_TEST(maa.exit_code == 2);
  BOOST_TEST(maa.err == "maa-emu: unknown option '--bogus'\nrun 'maa-emu --help' for its options\n");
  RunResult sim = run(bin_dir() + "/snp-sim report --bogus");
  BOOST_TEST(sim.exit_code == 2);
  BOOST_TEST(sim.err == "snp-sim: Usage: unknown argument '--bogus'\nrun 'snp-sim --help' for the commands and options\n");
}

BOOST_AUTO_TEST_SUITE_END()
