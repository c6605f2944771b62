#include "client/cli/output.h"

#include <unistd.h>

#include <iostream>
#include <string>

#include "core/json.h"
#include "core/text.h"

namespace attestd::cli {

void print_row(std::string_view key, std::string_view value) {
  std::cout << "  " << key << std::string(key.size() < 20 ? 20 - key.size() : 1, ' ') << terminal_safe(value)
            << "\n";
}

void print_line(std::ostream& out, std::string_view line) { out << terminal_safe(line) << "\n"; }

void print_block(std::ostream& out, std::string_view text) { out << terminal_safe(text, true); }

void print_json(const Json::Value& value) { std::cout << json_pretty(value) << std::endl; }

void print_payload(std::string_view body) {
  if (!::isatty(STDOUT_FILENO)) {
    std::cout << body;
    return;
  }
  print_block(std::cout, body);
  if (!body.empty() && body.back() != '\n') std::cout << "\n";
}

}  // namespace attestd::cli
