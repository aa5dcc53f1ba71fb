// SPDX-License-Identifier: MIT
// `telemetry create-tables`: its options and its run function, with the HTTP client, the
// retry policy and the waits passed in, so tests can drive it in-process against a fake
// workspace without real sleeps. Also the `telemetry enable` and `disable` subcommands,
// which live in telemetry_enable.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/exit_code.hpp"
#include "core/otel_tables.hpp"
#include "core/sql_warehouse.hpp"
#include "net/databricks_client.hpp"

namespace aigw::cli {

struct CreateTablesOptions
{
  std::string warehouse; // an ID, or "auto"
  core::TableNames names;
  bool create_schema = false;
  bool spans = false;
  bool start_warehouse = false;
  std::optional<std::string> workspace;
  std::optional<std::string> profile;
  int timeout_seconds = 900;
};

struct TelemetryServices
{
  std::function<std::unique_ptr<net::HttpClient>()> make_http;
  net::RetryPolicy retry;
  core::SqlWaitOptions wait; // timeout is taken from the options
};

// libcurl, real sleeps that end early on Ctrl-C, progress lines on stderr (not with -q).
TelemetryServices default_telemetry_services(const Context& context);

// Create the tables `options` name and report each as "created" or "already there".
// Throws util::Fatal on any failure; Ctrl-C (SIGINT) while waiting cancels the statement.
ExitCode run_create_tables(const CreateTablesOptions& options, Context& context,
                           TelemetryServices services);

// A subcommand of `telemetry` and what runs it once it was the one parsed.
struct TelemetrySubcommand
{
  CLI::App* command = nullptr;
  CommandRunner run;
};

// Add `telemetry enable` (and `disable`) to `telemetry`, with their options.
TelemetrySubcommand add_telemetry_enable(CLI::App& telemetry);
TelemetrySubcommand add_telemetry_disable(CLI::App& telemetry);

} // namespace aigw::cli
