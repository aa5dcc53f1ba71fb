// SPDX-License-Identifier: MIT
// `telemetry create-tables`: its options and its run function, with the HTTP client, the
// retry policy and the waits passed in, so tests can drive it in-process against a fake
// workspace without real sleeps. Also the `telemetry enable` and `disable` subcommands,
// which live in telemetry_enable.cpp, and the part of `enable` that `apply` runs.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/exit_code.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
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

// The options of `telemetry enable`; `apply` fills them in from its rollout file.
struct TelemetryEnableOptions
{
  std::vector<std::string> agents;
  bool all = false;
  std::optional<std::string> catalog;
  std::optional<std::string> schema;
  std::optional<std::string> prefix;
  std::optional<std::string> metrics_table;
  std::optional<std::string> logs_table;
  int metrics_interval_ms = 10'000;
  int logs_interval_ms = 5'000;
  std::optional<std::string> workspace;
  std::optional<std::string> profile;
  std::string secrets = "helper";
  core::TokenInput token;
  bool relay = false; // through the relay even when configure did not set it up
};

// What one `telemetry enable` did: each agent's plan, and a report per file.
struct TelemetryEnableResult
{
  std::vector<core::AgentPlan> plans;
  std::vector<core::FileReport> files;
};

// `telemetry enable` less its run lock and its report, for `apply`, which holds the lock
// and reports on its own; the caller holds signals off. Throws util::Fatal on any failure.
TelemetryEnableResult enable_telemetry(const TelemetryEnableOptions& options, Context& context);

} // namespace aigw::cli
