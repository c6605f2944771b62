// The CLI's output layer: whatever `attest` shows a person passes through here, so text
// chosen by a network peer (an agent's or MAA's error, claims, an application's answer)
// or by an input file cannot move the cursor, erase a line or fake "OK: attested".
#pragma once

#include <json/value.h>

#include <ostream>
#include <string_view>

namespace attestd::cli {

// "  key                 value\n" on stdout; the value is one line, every control escaped.
void print_row(std::string_view key, std::string_view value);
// One line (a "\n" is added), every control escaped.
void print_line(std::ostream& out, std::string_view line);
// Several lines as they are, every other control escaped.
void print_block(std::ostream& out, std::string_view text);
// A JSON document on stdout, ASCII with every control escaped by the JSON writer.
void print_json(const Json::Value& value);
// An application's answer body: exactly its bytes when stdout is a pipe or a file (it is
// the payload), as a block ending in a line break when stdout is a terminal.
void print_payload(std::string_view body);

}  // namespace attestd::cli
