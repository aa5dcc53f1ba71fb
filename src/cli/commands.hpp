// SPDX-License-Identifier: MIT
// The command table. Each command file has one setup function that adds its options to
// its CLI11 subcommand and hands back the function that runs it once parsing is done.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "cli/exit_code.hpp"

namespace aigw::cli {

using CommandRunner = std::function<ExitCode(Context&)>;

struct CommandSpec
{
  const char* name;
  const char* summary;
  CommandRunner (*setup)(CLI::App& command);
  bool writes; // takes the run lock (unless --dry-run)
};

const std::vector<CommandSpec>& command_table();

CommandRunner setup_configure(CLI::App& command);
CommandRunner setup_unconfigure(CLI::App& command);
CommandRunner setup_status(CLI::App& command);
CommandRunner setup_token(CLI::App& command);
CommandRunner setup_relay(CLI::App& command);
CommandRunner setup_telemetry(CLI::App& command);
CommandRunner setup_test(CLI::App& command);
CommandRunner setup_apply(CLI::App& command);
CommandRunner setup_doctor(CLI::App& command);
CommandRunner setup_demo(CLI::App& command);
CommandRunner setup_models(CLI::App& command);
CommandRunner setup_completion(CLI::App& command);
CommandRunner setup_init(CLI::App& command);

// `test` on `routes` with what configure wrote, for the last step of `init`; a route that
// cannot be tested (Cursor with no model, say) is skipped with its reason, not an error.
ExitCode run_test_routes(const std::vector<std::string>& routes, Context& context);

} // namespace aigw::cli
