// SPDX-License-Identifier: MIT
#include "util/log.hpp"

#include "util/secret.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

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
  const std::string clean = redact(message);
  std::lock_guard lock(g_write_mutex);
  if (g_color) {
    std::fprintf(stderr, "aigw-setup: %s%s:\033[0m ", color_of(level), label(level));
  } else {
    std::fprintf(stderr, "aigw-setup: %s: ", label(level));
  }
  std::fwrite(clean.data(), 1, clean.size(), stderr);
  std::fputc('\n', stderr);
}

} // namespace aigw::util::log
