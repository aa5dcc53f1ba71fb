// SPDX-License-Identifier: MIT
// From options and configured state to round-trip targets. The command line wins over what
// configure wrote, route by route: a per-agent URL, then --gateway or --workspace, then the
// state file's route. A route that configure pointed at the local relay (--auth relay) is
// tested with the relay key, as the agent would call it, and knows from relay.json where
// the relay forwards it; every other route with the token given now, else the one configure
// kept. $DATABRICKS_HOST never replaces a configured route: it only tells where the
// workspace is (OTel, model listings, the other layout).
#include "core/round_trip_targets.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include "core/agents.hpp"
#include "core/credentials.hpp"
#include "core/manifest.hpp"
#include "core/otel_tables.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

struct LayoutPath
{
  RouteKind kind;
  const char* suffix;
  bool workspace_hosted;
};

// Per route, the paths of each layout, the one configure writes first (databricks.md A5).
// The workspace-hosted ones come first because "/ai-gateway/anthropic" also ends in
// "/anthropic".
constexpr std::array k_layout_paths{
  LayoutPath{RouteKind::claude, "/ai-gateway/anthropic", true},
  LayoutPath{RouteKind::claude, "/anthropic", false},
  LayoutPath{RouteKind::codex, "/ai-gateway/codex/v1", true},
  LayoutPath{RouteKind::codex, "/ai-gateway/openai/v1", true},
  LayoutPath{RouteKind::codex, "/openai/v1", false},
  LayoutPath{RouteKind::codex, "/codex/v1", false},
  LayoutPath{RouteKind::gemini, "/ai-gateway/gemini", true},
  LayoutPath{RouteKind::gemini, "/gemini", false},
  LayoutPath{RouteKind::cursor, "/cursor/v1", false},
};

constexpr std::array k_agent_kinds{RouteKind::claude, RouteKind::codex, RouteKind::gemini,
                                   RouteKind::cursor};

std::optional<std::string>
route_under(RouteKind kind, const std::string& root, bool workspace_hosted)
{
  for (const auto& path : k_layout_paths) {
    if (path.kind == kind && path.workspace_hosted == workspace_hosted) {
      return root + path.suffix;
    }
  }
  return std::nullopt;
}

// The root of `url` and whether it is a workspace-hosted route; nullopt when `url` is in
// neither layout (a custom route).
std::optional<std::pair<std::string, bool>>
split_route(RouteKind kind, const std::string& url)
{
  for (const auto& path : k_layout_paths) {
    const std::string_view suffix = path.suffix;
    if (path.kind == kind && url.ends_with(suffix) && url.size() > suffix.size()) {
      return std::pair{url.substr(0, url.size() - suffix.size()), path.workspace_hosted};
    }
  }
  return std::nullopt;
}

std::optional<RouteKind>
agent_kind(const std::string& name)
{
  for (const RouteKind kind : k_agent_kinds) {
    if (to_string(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

// What the selection and the state know about where things are.
struct Places
{
  Routes routes; // from the command line
  std::optional<std::string> gateway;
  std::optional<std::string> workspace;
};

util::Result<Places>
places_of(const RouteSelection& selection, const ConfiguredState& state)
{
  auto routes = resolve_routes(selection.urls);
  AIGW_TRY(routes);
  Places places{*routes, routes->gateway, routes->workspace};
  if (!places.workspace && selection.env_workspace) {
    std::string host = *selection.env_workspace;
    if (host.find("://") == std::string::npos) {
      host = "https://" + host; // the Databricks SDKs accept a bare host name here
    }
    auto normalized = normalize_base_url(host, "$DATABRICKS_HOST");
    AIGW_TRY(normalized);
    places.workspace = *normalized;
  }
  if (state.relay) {
    places.gateway = places.gateway ? places.gateway : state.relay->routes.gateway;
    places.workspace = places.workspace ? places.workspace : state.relay->routes.workspace;
  }
  return places;
}

std::optional<std::string>
route_of(RouteKind kind, const Routes& routes)
{
  switch (kind) {
  case RouteKind::claude:
    return routes.claude;
  case RouteKind::codex:
    return routes.codex;
  case RouteKind::gemini:
    return routes.gemini;
  default:
    return routes.cursor;
  }
}

std::optional<std::string>
string_in(const config::Json& summary, const char* key)
{
  if (summary.is_object() && summary.contains(key) && summary[key].is_string()) {
    return summary[key].get<std::string>();
  }
  return std::nullopt;
}

std::optional<std::string>
model_for(RouteKind kind, const RouteSelection& selection, const config::Json& summary)
{
  const std::string agent = to_string(kind);
  if (auto given = selection.models.find(agent); given != selection.models.end()) {
    return given->second;
  }
  if (auto model = string_in(summary, "model")) {
    return model;
  }
  switch (kind) {
  case RouteKind::claude:
    return k_default_claude_model;
  case RouteKind::codex:
    return k_default_codex_model;
  case RouteKind::gemini:
    return k_default_gemini_model;
  default:
    break;
  }
  // Cursor has no default: configure records the models it was given.
  if (summary.is_object() && summary.contains("models") && summary["models"].is_array()
      && !summary["models"].empty() && summary["models"][0].is_string()) {
    return summary["models"][0].get<std::string>();
  }
  return std::nullopt;
}

// Where the relay forwards the route of `kind`, as relay.json says; nullopt when it names
// no gateway for it (the relay then answers with its own error).
std::optional<RelayHop>
relay_hop(RouteKind kind, const ConfiguredState& state)
{
  if (!state.relay) {
    return std::nullopt;
  }
  const auto routes = resolve_routes(state.relay->routes);
  const auto upstream = routes ? route_of(kind, *routes) : std::nullopt;
  if (!upstream) {
    return std::nullopt;
  }
  return RelayHop{*upstream, state.relay_file};
}

RouteCredential
token_for(const RouteSelection& selection, const ConfiguredState& state)
{
  if (selection.token) {
    return *selection.token;
  }
  return state.kept_token.value_or(RouteCredential{{}, {}, "no token"});
}

RouteTarget
base_target(RouteKind kind, const RouteSelection& selection)
{
  RouteTarget target;
  target.kind = kind;
  target.headers = selection.headers;
  target.timeout = selection.timeout;
  return target;
}

// The target for one agent; nullopt with `skipped` filled when it cannot be tested and was
// not named. Named routes that cannot be tested are usage errors.
util::Result<std::optional<RouteTarget>>
agent_target(RouteKind kind, bool named, const RouteSelection& selection,
             const ConfiguredState& state, const Places& places, std::vector<std::string>& skipped)
{
  const std::string agent = to_string(kind);
  const auto configured = state.agents.find(agent);
  const config::Json summary = configured != state.agents.end() ? configured->second
                                                                : config::Json::object();
  auto url = route_of(kind, places.routes);
  const bool from_state = !url;
  url = url ? url : string_in(summary, "route");
  if (!url && !named) {
    skipped.push_back(agent + ": no route known (give --gateway, --workspace or --" + agent
                      + "-url)");
    return std::optional<RouteTarget>{};
  }
  if (!url) {
    return util::fail(ErrorKind::usage, agent + ": no route known: configure it, or give "
                                          "--gateway, --workspace or --" + agent + "-url");
  }
  const auto model = model_for(kind, selection, summary);
  if (!model) {
    if (named) {
      return util::fail(ErrorKind::usage, "cursor: name the model to test with --cursor-model");
    }
    skipped.push_back("cursor: no model known (give --cursor-model)");
    return std::optional<RouteTarget>{};
  }

  RouteTarget target = base_target(kind, selection);
  target.base_url = *url;
  target.model = *model;
  const bool via_relay = from_state && string_in(summary, "auth") == "relay";
  target.credential = via_relay ? state.relay_key.value_or(
                                    RouteCredential{{}, {}, k_relay_key_source})
                                : token_for(selection, state);
  target.relay = via_relay ? relay_hop(kind, state) : std::nullopt;
  target.alternatives = route_alternatives(kind, *url, places.gateway, places.workspace);
  target.workspace = places.workspace;
  if (auto split = split_route(kind, *url); !target.workspace && split && split->second) {
    target.workspace = split->first;
  }
  return std::optional<RouteTarget>(std::move(target));
}

util::Result<void>
validate_table(const std::string& table, const char* option)
{
  const auto parts = util::split(table, '.');
  if (parts.size() != 3) {
    return util::fail(ErrorKind::usage, std::string(option) + " \"" + table
                                          + "\": expected catalog.schema.table");
  }
  for (const auto& part : parts) {
    auto valid = validate_uc_name(part, option);
    AIGW_TRY(valid);
  }
  return {};
}

util::Result<void>
add_otel_targets(const RouteSelection& selection, const ConfiguredState& state,
                 const Places& places, std::vector<RouteTarget>& targets)
{
  if (!places.workspace) {
    return util::fail(ErrorKind::usage, "otel: no workspace known: give --workspace or set "
                                        "DATABRICKS_HOST");
  }
  const net::RelayTables recorded = state.relay ? state.relay->tables : net::RelayTables{};
  const std::array tables{
    std::tuple{RouteKind::otel_metrics, selection.metrics_table.value_or(
                                          recorded.metrics.value_or("")), "--metrics-table"},
    std::tuple{RouteKind::otel_logs, selection.logs_table.value_or(recorded.logs.value_or("")),
               "--logs-table"},
  };
  const std::size_t before = targets.size();
  for (const auto& [kind, table, option] : tables) {
    if (table.empty()) {
      continue;
    }
    auto valid = validate_table(table, option);
    AIGW_TRY(valid);
    RouteTarget target = base_target(kind, selection);
    target.base_url = *places.workspace;
    target.model = table;
    target.credential = token_for(selection, state);
    targets.push_back(std::move(target));
  }
  if (targets.size() == before) {
    return util::fail(ErrorKind::usage, "otel: no table known: name them with --metrics-table "
                                        "and --logs-table (catalog.schema.table)");
  }
  return {};
}

// The routes to test when none is named: the configured agents, all four with --gateway,
// and OTel when a table is known.
std::vector<std::string>
default_routes(const RouteSelection& selection, const ConfiguredState& state,
               const Places& places)
{
  std::vector<std::string> names;
  for (const RouteKind kind : k_agent_kinds) {
    const std::string agent = to_string(kind);
    if (state.agents.contains(agent) || selection.urls.gateway) {
      names.push_back(agent);
    }
  }
  const bool relay_tables = state.relay
                            && (state.relay->tables.metrics || state.relay->tables.logs);
  if (places.workspace && (selection.metrics_table || selection.logs_table || relay_tables)) {
    names.emplace_back("otel");
  }
  return names;
}

} // namespace

std::vector<Alternative>
route_alternatives(RouteKind kind, const std::string& route_url,
                   const std::optional<std::string>& gateway,
                   const std::optional<std::string>& workspace)
{
  std::vector<Alternative> alternatives;
  const auto add = [&](const std::string& root, bool workspace_hosted) {
    const auto url = route_under(kind, root, workspace_hosted);
    const bool known = std::any_of(alternatives.begin(), alternatives.end(),
                                   [&](const Alternative& other) { return other.base_url == url; });
    if (!url || *url == route_url || known) {
      return;
    }
    alternatives.push_back({*url, workspace_hosted ? "workspace-hosted" : "gateway host",
                            (workspace_hosted ? "--workspace " : "--gateway ") + root});
  };
  if (const auto split = split_route(kind, route_url)) {
    add(split->first, !split->second);
  }
  if (gateway) {
    add(*gateway, false);
  }
  if (workspace) {
    add(*workspace, true);
  }
  return alternatives;
}

util::Result<ConfiguredState>
load_configured_state(const Paths& paths, const EnvLookup& env)
{
  ConfiguredState state;
  auto manifest = load_manifest(paths.state_file());
  AIGW_TRY(manifest);
  state.agents = manifest->agents;
  state.relay_file = net::relay_file_path(paths);
  auto relay = net::load_relay_file(state.relay_file);
  AIGW_TRY(relay);
  state.relay = *relay;

  std::error_code error;
  if (std::filesystem::exists(paths.credentials_file(), error)) {
    auto stored = load_credential(paths.credentials_file());
    AIGW_TRY(stored);
    RouteCredential kept{{}, {}, stored->token_env ? "$" + *stored->token_env
                                                   : "the token configure kept"};
    if (auto token = current_token(*stored, env)) {
      kept.token = std::move(*token);
    } else {
      kept.problem = token.error().message; // an OAuth login that lapsed says what to run
    }
    state.kept_token = std::move(kept);
  }

  auto key = util::read_file_if_exists(net::default_key_file(paths));
  AIGW_TRY(key);
  if (key->has_value() && !util::trim(**key).empty()) {
    state.relay_key = RouteCredential{util::Secret(std::string(util::trim(**key))), {},
                                      k_relay_key_source};
  }
  return state;
}

util::Result<RoutePlan>
plan_round_trips(const RouteSelection& selection, const ConfiguredState& state)
{
  auto places = places_of(selection, state);
  AIGW_TRY(places);
  const bool named = !selection.routes.empty();
  std::vector<std::string> names;
  for (const auto& name : named ? selection.routes : default_routes(selection, state, *places)) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }

  RoutePlan plan;
  for (const auto& name : names) {
    if (name == "otel") {
      auto added = add_otel_targets(selection, state, *places, plan.targets);
      AIGW_TRY(added);
      continue;
    }
    const auto kind = agent_kind(name);
    if (!kind) {
      return util::fail(ErrorKind::usage, "unknown route \"" + name
                                            + "\" (claude, codex, gemini, cursor or otel)");
    }
    const bool strict = named && !selection.skip_untestable;
    auto target = agent_target(*kind, strict, selection, state, *places, plan.skipped);
    AIGW_TRY(target);
    if (*target) {
      plan.targets.push_back(std::move(**target));
    }
  }
  if (plan.targets.empty()) {
    return util::fail(ErrorKind::usage, "nothing to test: no agent is configured here; name "
                                        "routes (claude codex gemini cursor otel) or give "
                                        "--gateway");
  }
  return plan;
}

} // namespace aigw::core
