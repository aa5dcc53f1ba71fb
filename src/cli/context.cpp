// SPDX-License-Identifier: MIT
#include "cli/context.hpp"

#include <chrono>

#include <unistd.h>

#include "util/error.hpp"
#include "util/log.hpp"

namespace aigw::cli {

core::Paths
paths_for(const GlobalOptions& global, const core::EnvLookup& env)
{
  const core::Platform platform = core::host_platform();
  if (global.home) {
    const auto home = std::filesystem::absolute(*global.home).lexically_normal();
    return core::resolve_paths(platform, home, core::HomeSource::explicit_home, env);
  }
  const auto home = core::default_home(platform, env);
  if (!home) {
    throw util::Fatal(util::ErrorKind::usage, "cannot tell the home folder: set HOME or give "
                                              "--home");
  }
  return core::resolve_paths(platform, *home, core::HomeSource::default_home, env);
}

std::optional<config::FileLock>
take_run_lock(const Context& context)
{
  if (context.global.dry_run) {
    return std::nullopt;
  }
  constexpr auto k_lock_timeout = std::chrono::seconds(60);
  return util::value_or_throw(
    config::FileLock::acquire(context.paths.lock_file(), k_lock_timeout));
}

void
configure_logging(const GlobalOptions& global, const core::EnvLookup& env)
{
  using util::log::Level;
  Level level = Level::warn;
  if (global.quiet) {
    level = Level::error;
  } else if (global.verbose >= 3) {
    level = Level::trace;
  } else if (global.verbose == 2) {
    level = Level::debug;
  } else if (global.verbose == 1) {
    level = Level::info;
  }
  util::log::set_level(level);
  util::log::set_color(!global.no_color && !env("NO_COLOR") && ::isatty(STDERR_FILENO) == 1);
}

void
throw_if_interrupted(const util::DeferredSignals& deferred)
{
  if (const int number = deferred.received(); number != 0) {
    throw util::Fatal(util::ErrorKind::interrupted,
                      std::string("stopped by signal ") + std::to_string(number)
                        + " after the files were written in full");
  }
}

} // namespace aigw::cli
