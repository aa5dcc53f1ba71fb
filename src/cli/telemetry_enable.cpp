// SPDX-License-Identifier: MIT
// `telemetry enable [AGENT...]` and `telemetry disable [AGENT...]`: point each agent's
// OpenTelemetry metrics and logs at the workspace's OTLP endpoint with their Unity Catalog
// tables, and take that back. Both run through the change engine as the telemetry owner,
// so their keys stay apart from configure's in the same files and either command can come
// before or after configure and unconfigure. An agent set up with `configure --auth relay`
// (or any agent, with --relay) sends its exports to the local relay with the relay key.
#include <algorithm>
#include <memory>

#include "cli/configure_request.hpp"
#include "cli/report.hpp"
#include "cli/takedown.hpp"
#include "cli/telemetry.hpp"
#include "core/agents.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
#include "core/databricks_auth.hpp"
#include "core/telemetry.hpp"
#include "net/relay_config.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;
using util::ErrorKind;
using util::Fatal;

const std::vector<std::string> k_telemetry_agents{"claude", "codex", "gemini"};

struct DisableOptions
{
  std::vector<std::string> agents;
  bool all = false;
};

// The two tables, from --catalog/--schema/--prefix (named as create-tables names them) or
// from --metrics-table/--logs-table; every name checked before anything else happens.
core::TelemetryTables
chosen_tables(const TelemetryEnableOptions& options)
{
  const bool any_part = options.catalog || options.schema || options.prefix;
  const bool any_name = options.metrics_table || options.logs_table;
  const bool by_parts = options.catalog && options.schema && options.prefix && !any_name;
  const bool by_name = options.metrics_table && options.logs_table && !any_part;
  if (!by_parts && !by_name) {
    throw Fatal(ErrorKind::usage, "telemetry enable: give --catalog, --schema and --prefix, or "
                                  "--metrics-table and --logs-table");
  }
  if (by_name) {
    util::throw_on_error(core::validate_table_name(*options.metrics_table, "--metrics-table"));
    util::throw_on_error(core::validate_table_name(*options.logs_table, "--logs-table"));
    return {*options.metrics_table, *options.logs_table};
  }
  const auto tables = util::value_or_throw(
    core::otel_tables({*options.catalog, *options.schema, *options.prefix}, false));
  return {tables.at(0).full_name, tables.at(1).full_name};
}

bool
through_relay(const TelemetryEnableOptions& options, const core::Manifest& manifest,
              const std::string& agent)
{
  const auto configured = manifest.agents.find(agent);
  return options.relay
         || (configured != manifest.agents.end()
             && configured->second.value("auth", std::string()) == "relay");
}

// The named agents; with none named, the configured ones that can have telemetry.
std::vector<std::string>
enable_agents(const TelemetryEnableOptions& options, const core::Manifest& manifest)
{
  if (options.all) {
    return k_telemetry_agents;
  }
  if (!options.agents.empty()) {
    return options.agents;
  }
  std::vector<std::string> agents;
  for (const auto& agent : k_telemetry_agents) {
    if (!manifest.agents.contains(agent)) {
      continue;
    }
    if (agent == "gemini" && !through_relay(options, manifest, agent)) {
      AIGW_WARN("gemini: left out: its telemetry needs the relay (configure gemini --auth "
                "relay)");
      continue;
    }
    agents.push_back(agent);
  }
  if (agents.empty()) {
    throw Fatal(ErrorKind::usage,
                "telemetry enable: no configured agent; name them (claude codex gemini) or "
                "give --all");
  }
  AIGW_WARN("no agent named; enabling telemetry for the configured ones: "
            << util::join(agents, " "));
  return agents;
}

std::string
workspace_url(const TelemetryEnableOptions& options, const Context& context)
{
  if (options.workspace) {
    return util::value_or_throw(core::normalize_base_url(*options.workspace, "--workspace"));
  }
  const auto host = context.env("DATABRICKS_HOST");
  if (host && !options.profile) {
    const bool bare = host->find("://") == std::string::npos;
    return util::value_or_throw(
      core::normalize_base_url(bare ? "https://" + *host : *host, "DATABRICKS_HOST"));
  }
  core::DatabricksOptions wanted;
  wanted.profile = options.profile;
  return util::value_or_throw(
           core::resolve_databricks_auth(wanted, context.env, context.paths.home))
    .host;
}

bool
token_named(const core::TokenInput& token)
{
  return token.from_stdin || token.file || token.env_name;
}

// --secrets inline: the token given now, else the one configure kept; a stand-in for a dry
// run, which writes nothing.
util::Secret
inline_token(const TelemetryEnableOptions& options, const Context& context)
{
  if (!token_named(options.token) && !context.env("DATABRICKS_TOKEN")) {
    if (auto stored = core::load_credential(context.paths.credentials_file())) {
      if (core::is_oauth(*stored)) {
        // An OAuth token lasts an hour: frozen in a file, telemetry would stop within it.
        throw util::Fatal(util::ErrorKind::usage,
                          "--secrets inline cannot use the " + stored->auth
                            + " credential configure kept: its OAuth tokens last one hour; "
                              "leave --secrets at helper (`aigw-setup token --otel-headers` "
                              "fetches a fresh one) or give a personal access token");
      }
      if (auto token = core::current_token(*stored, context.env)) {
        return std::move(*token);
      }
    }
    if (context.global.dry_run) {
      return util::Secret("<your token>");
    }
  }
  return util::value_or_throw(core::read_token(options.token, context.in, context.env));
}

// The command the agents run for their headers: `aigw-setup [--home H] token --otel-headers`.
std::string
headers_helper_command(const Context& context)
{
  core::ConfigureRequest self;
  self.self_executable = util::current_executable();
  if (context.global.home) {
    self.explicit_home = context.paths.home;
  }
  return core::token_helper_command(self) + " --otel-headers";
}

core::TelemetryRequest
direct_request(const TelemetryEnableOptions& options, Context& context,
               core::TelemetryRequest request)
{
  request.otel_base = workspace_url(options, context) + core::k_otel_path;
  if (options.secrets == "inline") {
    request.credential = core::TelemetryCredential::inline_token;
    request.secret = inline_token(options, context);
  } else {
    request.credential = core::TelemetryCredential::helper;
    request.helper_command = headers_helper_command(context);
  }
  return request;
}

// Exports go to the relay's OTel path with the relay key, as the agents' other requests do.
core::TelemetryRequest
relay_request(Context& context, core::TelemetryRequest request)
{
  const auto stored = util::value_or_throw(net::load_relay_file(request.relay_file));
  const std::string listen = stored && stored->listen ? *stored->listen
                                                      : std::string(net::k_default_listen);
  const auto address =
    util::value_or_throw(net::parse_listen(listen, request.relay_file.string() + ": listen"));
  request.otel_base = "http://" + net::to_string(address) + core::k_otel_path;
  request.credential = core::TelemetryCredential::relay_key;
  if (!stored || !stored->routes.workspace) {
    AIGW_WARN("the relay knows no workspace, so it keeps OTel exports in its spool; run "
              "aigw-setup configure --auth relay --workspace URL");
  }

  request.secret = relay_key_for_agents(context);
  return request;
}

bool
credential_kept(const Context& context)
{
  return core::load_credential(context.paths.credentials_file()).has_value();
}

// The headers helper runs `aigw-setup token`, which reads the credential configure keeps:
// without one, a token must come with this command. Checked before anything is written.
void
require_helper_token(const TelemetryEnableOptions& options, const Context& context,
                     const core::Manifest& manifest, const std::vector<std::string>& agents)
{
  const bool helper = options.secrets == "helper"
                      && std::any_of(agents.begin(), agents.end(), [&](const std::string& agent) {
                           return !through_relay(options, manifest, agent);
                         });
  if (helper && !credential_kept(context) && !token_named(options.token)
      && !context.env("DATABRICKS_TOKEN")) {
    throw Fatal(ErrorKind::usage,
                "the OTel headers helper needs a kept token: give --token-stdin, --token-file "
                "FILE or DATABRICKS_TOKEN, or run configure first");
  }
}

// A token named here is kept as configure keeps it; else the kept one stays as it is.
void
keep_helper_credential(const TelemetryEnableOptions& options, Context& context)
{
  if (credential_kept(context) && !token_named(options.token)) {
    return;
  }
  auto token = util::value_or_throw(core::read_token(options.token, context.in, context.env));
  const core::StoredCredential credential{"pat", std::move(token), options.token.env_name};
  const config::SafeWriter writer(context.paths.backup_dir());
  util::throw_on_error(core::save_credential(context.paths, writer, credential));
}

std::vector<core::AgentPlan>
enable_plans(const TelemetryEnableOptions& options, Context& context,
             const core::Manifest& manifest, const std::vector<std::string>& agents)
{
  core::TelemetryRequest common;
  common.tables = chosen_tables(options);
  if (!context.global.dry_run) {
    require_helper_token(options, context, manifest, agents);
  }
  common.metrics_interval_ms = options.metrics_interval_ms;
  common.logs_interval_ms = options.logs_interval_ms;
  common.relay_file = net::relay_file_path(context.paths);
  if (std::find(agents.begin(), agents.end(), "codex") != agents.end()) {
    common.codex_version = core::installed_codex_version();
  }

  // Each mode's request is built once, and only when an agent needs it.
  std::optional<core::TelemetryRequest> direct;
  std::optional<core::TelemetryRequest> relayed;
  std::vector<core::AgentPlan> plans;
  for (const auto& agent : agents) {
    const bool relay = through_relay(options, manifest, agent);
    auto& request = relay ? relayed : direct;
    if (!request) {
      request = relay ? relay_request(context, common)
                      : direct_request(options, context, common);
    }
    plans.push_back(util::value_or_throw(core::plan_telemetry(agent, *request, context.paths)));
  }
  return plans;
}

core::DryRun
dry_run_of(const Context& context)
{
  return context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
}

bool
uses_helper(const std::vector<core::AgentPlan>& plans)
{
  return std::any_of(plans.begin(), plans.end(), [](const core::AgentPlan& plan) {
    return plan.summary.value("credential", std::string()) == "helper";
  });
}

ExitCode
run_enable(const TelemetryEnableOptions& options, Context& context)
{
  // Not for create-tables, which may wait for a warehouse for minutes and writes no file.
  const auto lock = take_run_lock(context);
  const util::DeferredSignals deferred;
  const auto done = enable_telemetry(options, context);
  const auto& tables = done.plans.front().summary;
  print_telemetry_report(
    context,
    Json{{"command", "telemetry enable"},
         {"tables", {{"metrics", tables["metrics_table"]}, {"logs", tables["logs_table"]}}}},
    done.plans,
    done.files);
  throw_if_interrupted(deferred);
  return ExitCode::ok;
}

ExitCode
run_disable(const DisableOptions& options, Context& context)
{
  const auto lock = take_run_lock(context);
  auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  std::vector<std::string> agents = options.agents;
  if (options.all || agents.empty()) {
    agents.clear();
    for (const auto& [agent, summary] : manifest.telemetry) {
      agents.push_back(agent);
    }
  }
  std::vector<core::AgentPlan> plans;
  for (const auto& agent : agents) {
    plans.push_back(core::AgentPlan{agent});
    if (!manifest.telemetry.contains(agent)) {
      plans.back().notes.push_back(agent + ": telemetry was not enabled");
    }
  }

  // Known before the change engine takes the records out (a dry run leaves them in).
  const LastUsers gone = last_users(manifest, agents, core::k_owner_telemetry);
  auto changes = util::value_or_throw(
    core::plan_unconfigure(agents, manifest, core::k_owner_telemetry));
  const util::DeferredSignals deferred;
  auto reports = util::value_or_throw(
    core::apply_changes_at(context.paths, changes, manifest, dry_run_of(context)));
  const Takedown takedown = take_down(context, gone, "telemetry disable", changes);
  if (plans.empty()) {
    context.out.line("telemetry is not enabled for any agent");
  }
  print_telemetry_report(context, Json{{"command", "telemetry disable"}}, plans, reports,
                         takedown);
  throw_if_interrupted(deferred);
  if (!takedown.errors.empty()) {
    throw Fatal(ErrorKind::write, takedown.errors.front());
  }
  return ExitCode::ok;
}

void
add_enable_options(CLI::App& command, TelemetryEnableOptions& options)
{
  command.add_option("agents", options.agents, "claude, codex, gemini")
    ->check(CLI::IsMember(k_telemetry_agents));
  command.add_flag("--all", options.all, "Claude Code, Codex CLI and Gemini CLI");
  command.add_option("--catalog", options.catalog, "Unity Catalog catalog of both tables");
  command.add_option("--schema", options.schema, "schema in that catalog");
  command.add_option("--prefix", options.prefix,
                     "table name prefix: <prefix>_otel_metrics, <prefix>_otel_logs");
  command.add_option("--metrics-table", options.metrics_table,
                     "catalog.schema.table for metrics (instead of the three above)");
  command.add_option("--logs-table", options.logs_table, "catalog.schema.table for logs");
  command.add_option("--metrics-interval", options.metrics_interval_ms,
                     "Claude Code's metrics export interval, in ms")
    ->capture_default_str()
    ->check(CLI::Range(1'000, 86'400'000));
  command.add_option("--logs-interval", options.logs_interval_ms,
                     "Claude Code's logs export interval, in ms")
    ->capture_default_str()
    ->check(CLI::Range(1'000, 86'400'000));
}

void
add_route_and_secret_options(CLI::App& command, TelemetryEnableOptions& options)
{
  command.add_option("--workspace", options.workspace,
                     "Databricks workspace URL (default $DATABRICKS_HOST)");
  command.add_option("--profile", options.profile, "~/.databrickscfg profile for the workspace");
  command.add_option("--secrets", options.secrets,
                     "helper (default: agents run `aigw-setup token --otel-headers`) or inline")
    ->check(CLI::IsMember({"helper", "inline"}));
  command.add_flag("--token-stdin", options.token.from_stdin, "read the token from stdin");
  command.add_option("--token-file", options.token.file, "read the token from this file");
  command.add_option("--token-env", options.token.env_name,
                     "read the token from this variable whenever it is needed");
  command.add_flag("--relay", options.relay,
                   "send exports through the local relay, at the address configure --auth "
                   "relay gave it (default 127.0.0.1:8765)");
}

} // namespace

TelemetryEnableResult
enable_telemetry(const TelemetryEnableOptions& options, Context& context)
{
  auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  const auto agents = enable_agents(options, manifest);
  auto plans = enable_plans(options, context, manifest, agents);
  auto changes = util::value_or_throw(
    core::plan_configure(plans, manifest, core::k_owner_telemetry));

  if (!context.global.dry_run) {
    // The credential first: an agent file that calls `aigw-setup token` must find it.
    if (uses_helper(plans)) {
      keep_helper_credential(options, context);
    }
    for (const auto& plan : plans) {
      changes.agents_added[plan.agent] = plan.summary;
    }
  }
  auto files = util::value_or_throw(
    core::apply_changes_at(context.paths, changes, manifest, dry_run_of(context)));
  return {std::move(plans), std::move(files)};
}

TelemetrySubcommand
add_telemetry_enable(CLI::App& telemetry)
{
  auto options = std::make_shared<TelemetryEnableOptions>();
  CLI::App* command = telemetry.add_subcommand(
    "enable", "point each agent's OTel metrics and logs at the workspace's tables");
  add_enable_options(*command, *options);
  add_route_and_secret_options(*command, *options);
  command->footer("\nExamples:\n"
                  "  aigw-setup telemetry enable claude codex --workspace "
                  "https://adb-1.azuredatabricks.net --catalog main --schema telemetry "
                  "--prefix claude\n"
                  "  aigw-setup telemetry enable --all --metrics-table main.t.cc_otel_metrics "
                  "--logs-table main.t.cc_otel_logs\n");
  return {command, [options](Context& context) { return run_enable(*options, context); }};
}

TelemetrySubcommand
add_telemetry_disable(CLI::App& telemetry)
{
  auto options = std::make_shared<DisableOptions>();
  CLI::App* command = telemetry.add_subcommand(
    "disable", "take back exactly what telemetry enable wrote");
  command->add_option("agents", options->agents, "claude, codex, gemini (default: all)")
    ->check(CLI::IsMember(k_telemetry_agents));
  command->add_flag("--all", options->all, "every agent telemetry was enabled for");
  return {command, [options](Context& context) { return run_disable(*options, context); }};
}

} // namespace aigw::cli
