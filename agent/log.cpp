#include "agent/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "core/time.h"

namespace attestd::agent {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::mutex g_mu;
const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }

bool parse_log_level(const std::string& t, LogLevel& out) {
  for (LogLevel l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
    if (t == name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void log_event(LogLevel level, const std::string& event, const std::string& detail) {
  if (static_cast<int>(level) < g_level.load()) return;
  std::string line = format_rfc3339(now_unix()) + " attestd " + name(level) + " " + event;
  if (!detail.empty()) line += " " + detail;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace attestd::agent
