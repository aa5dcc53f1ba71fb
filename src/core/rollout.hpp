// SPDX-License-Identifier: MIT
// The fleet rollout file that `apply -f FILE` reads (docs/apply.md has the schema): parsed
// with yaml-cpp and checked in full before anything is touched, into plain structs that
// carry no YAML type. Every error names FILE:LINE:COLUMN, the key path and the cause. A
// scalar written as "${NAME}" is taken from the environment; AIGW_GATEWAY, AIGW_WORKSPACE
// and DATABRICKS_HOST fill in the gateway and workspace the file leaves out. A token is
// never a value in the file: only the name of its variable or of its file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/agents.hpp"
#include "core/otel_tables.hpp"
#include "core/paths.hpp"
#include "util/error.hpp"

namespace aigw::core {

// The one version of the format this build reads.
inline constexpr int k_rollout_version = 1;

// The most a rollout file may hold: far more than any real one, and a bound on memory.
inline constexpr std::size_t k_max_rollout_size = 1024 * 1024;

struct RolloutAgent
{
  std::string name;                 // claude, codex, gemini or cursor
  std::optional<std::string> model; // claude, codex, gemini; nullopt: the default model
  std::vector<std::string> models;  // cursor
  std::vector<Header> headers;      // claude, codex, gemini
  std::optional<std::string> url;   // the agent's own route, checked
  bool skip_onboarding = false;     // claude
  bool migrate_profiles = false;    // codex
  std::string trust = "off";        // gemini: "off" or an absolute folder to trust
  bool write_state = false;         // cursor
};

struct RolloutTelemetry
{
  std::optional<TableNames> names;          // catalog, schema and prefix
  std::optional<std::string> metrics_table; // or both full names: catalog.schema.table
  std::optional<std::string> logs_table;
  std::vector<std::string> enable; // agents whose telemetry goes to the tables
};

struct Rollout
{
  std::filesystem::path file;
  int version = k_rollout_version;
  std::optional<std::string> workspace; // normalised, as are all URLs here
  std::optional<std::string> gateway;

  std::string auth = "pat"; // pat, databricks-cli or relay
  std::optional<std::string> profile;
  std::optional<std::string> token_env;
  std::optional<std::filesystem::path> token_file; // relative paths: from the file's folder
  std::string secrets = "helper";                  // helper or inline
  bool managed = false; // the system-wide files instead of the home's (docs/managed.md)

  std::vector<RolloutAgent> agents; // in the order of k_agents, whatever the file's order
  std::optional<RolloutTelemetry> telemetry;
  std::optional<std::string> relay_listen;
  std::string relay_auth = "pat"; // the relay's own credential: pat, databricks-cli, oauth-m2m

  // Where the values the file did not give came from: "workspace from $DATABRICKS_HOST".
  std::vector<std::string> from_environment;
};

// Parse and check the rollout `text`, named `file` in messages; `${NAME}` values and the
// fill-ins come from `env`. Every failure is a usage error starting FILE:LINE:COLUMN.
util::Result<Rollout> parse_rollout(std::string_view text, const std::filesystem::path& file,
                                    const EnvLookup& env);

// Read `file` (at most k_max_rollout_size bytes) and parse it.
util::Result<Rollout> load_rollout(const std::filesystem::path& file, const EnvLookup& env);

// The agents `rollout` names, in order.
std::vector<std::string> agent_names(const Rollout& rollout);

} // namespace aigw::core
