// SPDX-License-Identifier: MIT
// Diagnostics on stderr, results never. A message is built only when its level is on, so
// debug lines cost nothing by default. Callers pass text that is already redacted.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace aigw::util::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

void set_level(Level level);
Level level();
void set_color(bool enabled);
bool color();

// Write one line at `level` to stderr, prefixed "aigw-setup: <level>: ".
void write(Level level, std::string_view message);

inline bool
enabled(Level at)
{
  return static_cast<int>(at) <= static_cast<int>(level());
}

} // namespace aigw::util::log

#define AIGW_LOG(lvl, expr)                                                              \
  do {                                                                                   \
    if (::aigw::util::log::enabled(::aigw::util::log::Level::lvl)) {                     \
      std::ostringstream aigw_log_stream_;                                               \
      aigw_log_stream_ << expr;                                                          \
      ::aigw::util::log::write(::aigw::util::log::Level::lvl, aigw_log_stream_.str());   \
    }                                                                                    \
  } while (false)

#define AIGW_DEBUG(expr) AIGW_LOG(debug, expr)
#define AIGW_INFO(expr) AIGW_LOG(info, expr)
#define AIGW_WARN(expr) AIGW_LOG(warn, expr)
