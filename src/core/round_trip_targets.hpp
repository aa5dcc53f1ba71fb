// SPDX-License-Identifier: MIT
// Which routes a round trip goes to, and with what: the base URL, model and credential of
// each, from the command line first, then from what `configure` wrote (the state file's
// per-agent summary: route, model, auth), the relay's file (gateway, workspace, OTel tables)
// and the kept credential or relay key. Also the other URL layouts each route may be served
// under, which a bare 404 sends the round trip to try.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "core/gateway.hpp"
#include "core/paths.hpp"
#include "core/round_trip.hpp"
#include "net/relay_config.hpp"
#include "util/error.hpp"

namespace aigw::core {

// What the command line asks for.
struct RouteSelection
{
  std::vector<std::string> routes; // claude codex gemini cursor otel; none: what is configured
  RouteOptions urls;               // --gateway, --workspace, --<agent>-url
  std::optional<std::string> env_workspace;         // $DATABRICKS_HOST
  std::map<std::string, std::string> models;         // agent -> --<agent>-model
  std::optional<std::string> metrics_table;
  std::optional<std::string> logs_table;
  std::optional<RouteCredential> token; // --token-stdin, --token-file, $DATABRICKS_TOKEN
  net::Headers headers;                 // --header
  std::chrono::seconds timeout{15};
  // Named routes that cannot be tested are skipped with a reason, as unnamed ones are,
  // instead of being an error: init tests what it just set up, whatever that allows.
  bool skip_untestable = false;
};

// What earlier runs left in the tool's folder.
struct ConfiguredState
{
  std::map<std::string, config::Json> agents; // the state file's summary per agent
  std::optional<net::RelayFile> relay;
  std::filesystem::path relay_file; // where `relay` is read from
  std::optional<RouteCredential> kept_token; // the credential file's token
  std::optional<RouteCredential> relay_key;
};

// Read the state file, the relay file, the credential file and the relay key under `paths`
// (each may be missing). A file that exists but does not parse is an error.
util::Result<ConfiguredState> load_configured_state(const Paths& paths, const EnvLookup& env);

struct RoutePlan
{
  std::vector<RouteTarget> targets;
  std::vector<std::string> skipped; // why a route that could have been tested was not
};

// The targets for `selection` given `state`. Usage errors name the route and what is missing
// (no URL, no model for Cursor, no workspace or table for OTel, nothing to test at all).
util::Result<RoutePlan> plan_round_trips(const RouteSelection& selection,
                                         const ConfiguredState& state);

// The same route of `kind` at the other layouts: `route_url`'s own root in the layout it
// does not use, and the known gateway and workspace. `route_url` itself is left out.
std::vector<Alternative> route_alternatives(RouteKind kind, const std::string& route_url,
                                            const std::optional<std::string>& gateway,
                                            const std::optional<std::string>& workspace);

} // namespace aigw::core
