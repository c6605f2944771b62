// One line per event on stderr: "TIME attestd LEVEL event key=value ...".
#pragma once

#include <string>

namespace attestd::agent {

enum class LogLevel { Debug, Info, Warn, Error };

void set_log_level(LogLevel level);
bool parse_log_level(const std::string& text, LogLevel& out);
void log_event(LogLevel level, const std::string& event, const std::string& detail = "");

}  // namespace attestd::agent
