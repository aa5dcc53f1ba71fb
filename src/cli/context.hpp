// SPDX-License-Identifier: MIT
// What every command gets: the global options of SPEC.md, the resolved paths, and the
// output channel. Built once in run(), after parsing.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "cli/output.hpp"
#include "config/file_lock.hpp"
#include "core/paths.hpp"
#include "util/signals.hpp"

namespace aigw::cli {

struct GlobalOptions
{
  std::optional<std::string> home;
  bool dry_run = false;
  bool json = false;
  int verbose = 0;
  bool quiet = false;
  bool no_color = false;
};

struct Context
{
  GlobalOptions global;
  core::EnvLookup env;
  core::Paths paths;
  Output& out;
  std::istream& in;
};

// Resolve the home and every path from the global options and the environment.
core::Paths paths_for(const GlobalOptions& global, const core::EnvLookup& env);

// Stop with exit 130 when a signal arrived while `deferred` held it off: the writes it
// protected are complete by now.
void throw_if_interrupted(const util::DeferredSignals& deferred);

// The run lock that serialises commands writing files, waited for up to a minute; none in
// a dry run, which writes nothing. Commands whose writing depends on their options (doctor
// --fix, telemetry enable) take it themselves.
std::optional<config::FileLock> take_run_lock(const Context& context);

// Set log level and colour from the global options, NO_COLOR and the terminal.
void configure_logging(const GlobalOptions& global, const core::EnvLookup& env);

} // namespace aigw::cli
