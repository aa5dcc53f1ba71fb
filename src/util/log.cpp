// SPDX-License-Identifier: MIT
#include "util/log.hpp"

#include "util/secret.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace aigw::util::log {

namespace {

std::atomic<Level> g_level{Level::warn};
std::atomic<bool> g_color{false};
std::mutex g_write_mutex;

const char*
label(Level level)
{
  switch (level) {
  case Level::error:
    return "error";
  case Level::warn:
    return "warning";
  case Level::info:
    return "info";
  case Level::debug:
    return "debug";
  case Level::trace:
    return "trace";
  }
  return "log";
}

const char*
color_of(Level level)
{
  switch (level) {
  case Level::error:
    return "\033[1;31m";
  case Level::warn:
    return "\033[1;33m";
  default:
    return "\033[2m";
  }
}

} // namespace

void
set_level(Level level)
{
  g_level = level;
}

Level
level()
{
  return g_level;
}

void
set_color(bool enabled)
{
  g_color = enabled;
}

bool
color()
{
  return g_color;
}

void
write(Level level, std::string_view message)
{
  // One line, one write: stderr is unbuffered, and a busy relay logs a line per request.
  std::string line = "aigw-setup: ";
  if (g_color) {
    line += color_of(level);
  }
  line += label(level);
  line += g_color ? ":\033[0m " : ": ";
  line += redact(message);
  line += '\n';

  const std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace aigw::util::log
