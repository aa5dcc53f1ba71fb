// SPDX-License-Identifier: MIT
// From a rollout file to the options of `configure` and `telemetry enable`, with the checks
// that need this machine (the profile's workspace, routes, the token, telemetry's needs), all
// done before the first write. `apply` never asks: a missing input is a usage error that
// names the rollout file, in its words rather than configure's options.
#include "cli/apply_options.hpp"

#include <algorithm>

#include "cli/managed.hpp"
#include "core/databricks_auth.hpp"
#include "util/error.hpp"

namespace aigw::cli {

namespace {

// The workspace of a ~/.databrickscfg profile, when the file and environment name none.
void
fill_from_profile(core::Rollout& rollout, const Context& context)
{
  if (!rollout.profile || rollout.workspace || rollout.gateway) {
    return;
  }
  core::DatabricksOptions wanted;
  wanted.profile = rollout.profile;
  auto auth = core::resolve_databricks_auth(wanted, context.env, context.paths.home);
  if (!auth) {
    throw util::Fatal(util::ErrorKind::usage, rollout.file.string() + ": auth.profile \""
                                                + *rollout.profile + "\": " + auth.error().message);
  }
  rollout.workspace = auth->host;
  rollout.from_environment.push_back("workspace from profile " + *rollout.profile);
}

// Every agent needs a route: the gateway, the workspace, or its own url (Cursor only warns).
void
check_routes(const core::Rollout& rollout)
{
  if (rollout.gateway || rollout.workspace) {
    return;
  }
  for (const auto& agent : rollout.agents) {
    if (!agent.url && agent.name != "cursor") {
      throw util::Fatal(util::ErrorKind::usage,
                        rollout.file.string() + ": no route for " + agent.name
                          + ": give gateway or workspace (or export AIGW_GATEWAY, "
                            "AIGW_WORKSPACE or DATABRICKS_HOST), or agents."
                          + agent.name + ".url");
    }
  }
}

void
set_agent_options(const core::RolloutAgent& agent, ConfigureOptions& options)
{
  if (agent.name == "claude") {
    options.claude_model = agent.model.value_or(options.claude_model);
    options.routes.claude_url = agent.url;
    options.skip_onboarding = agent.skip_onboarding;
  } else if (agent.name == "codex") {
    options.codex_model = agent.model.value_or(options.codex_model);
    options.routes.codex_url = agent.url;
    options.migrate_codex_profiles = agent.migrate_profiles;
  } else if (agent.name == "gemini") {
    options.gemini_model = agent.model.value_or(options.gemini_model);
    options.routes.gemini_url = agent.url;
    options.gemini_trust = agent.trust;
  } else {
    options.cursor_models = agent.models;
    options.routes.cursor_url = agent.url;
    options.cursor_write_state = agent.write_state;
  }
}

// The rollout as the options `configure` would take (extra headers are set per agent).
ConfigureOptions
options_from(const core::Rollout& rollout)
{
  ConfigureOptions options;
  options.agents = core::agent_names(rollout);
  options.routes.gateway = rollout.gateway;
  options.routes.workspace = rollout.workspace;
  options.auth = rollout.auth;
  options.relay_auth = rollout.relay_auth;
  // auth.profile goes to configure as --profile does: only with an OAuth credential. With a
  // token it only names the workspace (fill_from_profile).
  if (rollout.auth == "databricks-cli" || rollout.relay_auth != "pat") {
    options.profile = rollout.profile;
  }
  if (!rollout.managed) {
    // A managed file holds no token, so one file can serve the root run and the users' runs.
    options.token.file = rollout.token_file;
    options.token.env_name = rollout.token_env;
  }
  options.secrets = rollout.secrets;
  options.managed = rollout.managed;
  options.relay_listen = rollout.relay_listen;
  for (const auto& agent : rollout.agents) {
    set_agent_options(agent, options);
  }
  return options;
}

// Apply never asks: without a token in the file, the environment or an earlier run, stop
// here, with the rollout file's words rather than configure's options.
void
check_token(const core::Rollout& rollout, const ConfigureOptions& options, const Context& context)
{
  if (rollout.managed) {
    return; // no token is read: each user's own answers (docs/managed.md)
  }
  const std::string file = rollout.file.string();
  if (rollout.token_env && !context.env(*rollout.token_env)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_env: $" + *rollout.token_env
                                                + " is not set; the token is read from it");
  }
  if (rollout.token_file && !std::filesystem::exists(*rollout.token_file)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_file: "
                                                + rollout.token_file->string() + ": no such file");
  }
  if (rollout.auth != "pat" || context.global.dry_run || token_given(options, context)) {
    return;
  }
  if (core::load_credential(context.paths.credentials_file())) {
    return;
  }
  throw util::Fatal(util::ErrorKind::usage,
                    file
                      + ": no token: name the variable that holds it with auth.token_env or "
                        "its file with auth.token_file, or export DATABRICKS_TOKEN");
}

// What telemetry needs, checked before anything is written: Gemini CLI has no setting for
// the headers that carry the token (only the relay can add them), and without the relay the
// exports go to the workspace.
void
check_telemetry(const core::Rollout& rollout)
{
  if (telemetry_skipped(rollout) || rollout.auth == "relay") {
    return;
  }
  const std::string where = rollout.file.string() + ": telemetry.enable: ";
  const auto& agents = rollout.telemetry->enable;
  if (std::find(agents.begin(), agents.end(), "gemini") != agents.end()) {
    throw util::Fatal(util::ErrorKind::usage,
                      where + "gemini needs auth.method relay: Gemini CLI has no setting for "
                              "the headers that carry the token");
  }
  if (!rollout.workspace && !rollout.profile) {
    throw util::Fatal(util::ErrorKind::usage,
                      where + "the exports go to the workspace: give workspace (or export "
                              "AIGW_WORKSPACE or DATABRICKS_HOST)");
  }
}

} // namespace

// Why the telemetry step has nothing to do, or nullopt when it runs.
std::optional<std::string>
telemetry_skipped(const core::Rollout& rollout)
{
  if (!rollout.telemetry) {
    return "the file has no telemetry section";
  }
  if (rollout.telemetry->enable.empty()) {
    return "telemetry.enable names no agent";
  }
  if (rollout.managed) {
    return "telemetry enable writes each user's own files, not system-wide ones: apply a file "
           "without managed: true as that user";
  }
  return std::nullopt;
}

// The options `telemetry enable` would get for the telemetry section and the file's auth.
TelemetryEnableOptions
telemetry_options(const core::Rollout& rollout)
{
  const auto& telemetry = *rollout.telemetry;
  TelemetryEnableOptions options;
  options.agents = telemetry.enable;
  if (telemetry.names) {
    options.catalog = telemetry.names->catalog;
    options.schema = telemetry.names->schema;
    options.prefix = telemetry.names->prefix;
  }
  options.metrics_table = telemetry.metrics_table;
  options.logs_table = telemetry.logs_table;
  options.workspace = rollout.workspace;
  options.profile = rollout.profile;
  options.secrets = rollout.secrets;
  options.token.file = rollout.token_file;
  options.token.env_name = rollout.token_env;
  options.relay = rollout.auth == "relay";
  return options;
}

ApplyInputs
read_apply_inputs(const std::filesystem::path& file, Context& context)
{
  ApplyInputs inputs;
  auto& rollout = inputs.rollout;
  rollout = util::value_or_throw(core::load_rollout(file, context.env));
  fill_from_profile(rollout, context);
  check_routes(rollout);
  check_telemetry(rollout);

  auto& configure = inputs.configure;
  configure = options_from(rollout);
  if (configure.managed) {
    configure = managed_options(configure);
  }
  check_auth(configure);
  check_token(rollout, configure, context);
  return inputs;
}

} // namespace aigw::cli
