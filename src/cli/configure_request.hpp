// SPDX-License-Identifier: MIT
// What `configure` and `apply` share: their options (from the command line, or from a
// rollout file), the core::ConfigureRequest the planners get, and the writes of one run:
// the token, relay.json with --auth relay, and every agent file through the change engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "core/agents.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
#include "core/gateway.hpp"
#include "core/plan.hpp"

namespace aigw::cli {

struct ConfigureOptions
{
  std::vector<std::string> agents;
  bool all = false;
  core::RouteOptions routes;
  std::string auth = "pat";
  core::TokenInput token;
  std::string secrets = "helper";
  std::string claude_model = core::k_default_claude_model;
  std::string codex_model = core::k_default_codex_model;
  std::string gemini_model = core::k_default_gemini_model;
  std::vector<std::string> cursor_models;
  std::string models;                       // --models: "auto" picks what is served
  std::vector<std::string> explicit_models; // the agents whose --<agent>-model was given
  std::vector<std::string> headers;
  bool skip_onboarding = false;
  std::string gemini_trust = "cwd";
  bool migrate_codex_profiles = false;
  bool cursor_write_state = false;
  std::optional<std::string> relay_listen; // --relay, with --auth relay
  std::string relay_auth = "pat";          // --relay-auth: the relay's own credential
  std::optional<std::string> profile;      // --profile, with an OAuth credential
  bool managed = false; // --managed: the system-wide files, and no token (cli/managed.cpp)
};

// Every option of `configure` (agents, routes, auth, models, ...), for `init` too.
void add_configure_options(CLI::App& command, ConfigureOptions& options);

// Refuse options that do not go together: --relay or --relay-auth without --auth relay,
// --profile or a token option with the wrong credential, and --secrets inline with
// --auth databricks-cli (a one-hour token must not be frozen in a file).
void check_auth(const ConfigureOptions& options);

// The local relay key the agents present, made (0600) when absent; a dry run makes none and
// shows a stand-in where the key would go.
util::Secret relay_key_for_agents(const Context& context);

// Whether `options` or the environment give a token (else an earlier run's kept one counts).
bool token_given(const ConfigureOptions& options, const Context& context);

// The request for every planner: routes (the relay's, with --auth relay), token, models and
// the rest of `options`. `needs_codex` asks the installed Codex for its version.
core::ConfigureRequest build_request(const ConfigureOptions& options, Context& context,
                                     bool needs_codex);

// relay.key with --auth relay, as this run finds it before build_request makes one: created
// when there is none yet, else unchanged; in a dry run a diff that shows the key as ***.
// Nothing without --auth relay.
std::optional<core::FileReport> relay_key_report(const ConfigureOptions& options,
                                                 const Context& context);

struct ConfigureWrites
{
  std::vector<core::FileReport> files; // the agents' files
  std::vector<core::FileReport> relay; // relay.json and relay.key, with --auth relay
  std::optional<core::FileReport> credential; // credentials.json, when this run keeps one
};

// Write relay.json (with --auth relay), keep the credential and write the files of `plans`,
// or with --dry-run only describe them; `relay_key` is relay_key_report's, taken before the request
// was built. The caller holds signals off (util::DeferredSignals) around this call and
// reports before it stops for one.
ConfigureWrites write_configuration(const ConfigureOptions& options, Context& context,
                                    const core::ConfigureRequest& request,
                                    std::vector<core::AgentPlan>& plans,
                                    std::optional<core::FileReport> relay_key);

} // namespace aigw::cli
