// SPDX-License-Identifier: MIT
// What `telemetry enable` writes per agent so that its OpenTelemetry metrics and logs reach
// the workspace's OTLP endpoint and land in two Unity Catalog tables. Each function turns
// one request into an AgentPlan that the change engine applies as the telemetry owner,
// apart from configure's keys in the same files. The values and their reasons are in
// docs/what-configure-writes.md ("Telemetry").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/paths.hpp"
#include "core/plan.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::core {

// How an agent's exports are authorised.
enum class TelemetryCredential {
  helper,       // a command the agent runs prints {"Authorization": "Bearer <token>"}
  inline_token, // the token itself in the agent's file (0600)
  relay_key,    // the local relay key; the relay swaps in the real credential
};

std::string to_string(TelemetryCredential credential);

struct TelemetryTables
{
  std::string metrics; // catalog.schema.table
  std::string logs;
};

struct TelemetryRequest
{
  TelemetryTables tables;
  std::string otel_base; // <workspace>/api/2.0/otel, or the relay's http://127.0.0.1:PORT/...
  TelemetryCredential credential = TelemetryCredential::helper;
  std::optional<util::Secret> secret; // inline_token: the token; relay_key: the relay key
  std::string helper_command;         // helper: a /bin/sh command line
  int metrics_interval_ms = 10'000;
  int logs_interval_ms = 5'000;
  std::optional<std::string> codex_version; // "0.171.0" from `codex --version`
  std::filesystem::path relay_file;         // the relay's relay.json (Gemini CLI)
};

// The path below the workspace (or the relay) where OTLP exports go.
inline constexpr const char* k_otel_path = "/api/2.0/otel";

// Check `name`, given with `option`, as catalog.schema.table: three parts, each checked as
// create-tables checks --catalog, --schema and --prefix. Usage errors name the option.
util::Result<void> validate_table_name(std::string_view name, std::string_view option);

// The plan for `agent` (claude, codex or gemini). Gemini CLI has no settings key for OTLP
// headers, so it is refused (usage error) unless the request goes through the relay.
util::Result<AgentPlan> plan_telemetry(const std::string& agent, const TelemetryRequest& request,
                                       const Paths& paths);

} // namespace aigw::core
