// SPDX-License-Identifier: MIT
// `configure [AGENT...]`: read the token (never from argv), build each agent's plan, let
// the change engine parse every file first, then write them all, the credential file and
// the state file (configure_request.cpp, shared with `apply`). With --dry-run it prints the
// diffs and writes nothing.
#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "cli/configure_request.hpp"
#include "cli/managed.hpp"
#include "cli/models.hpp"
#include "cli/report.hpp"
#include "core/agents.hpp"
#include "core/credentials.hpp"
#include "core/managed.hpp"
#include "util/log.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

void
add_route_options(CLI::App& command, ConfigureOptions& options)
{
  command.add_option("--gateway", options.routes.gateway, "AI Gateway base URL");
  command.add_option("--workspace", options.routes.workspace,
                     "Databricks workspace URL (default $DATABRICKS_HOST)");
  command.add_option("--claude-url", options.routes.claude_url, "Claude Code route");
  command.add_option("--codex-url", options.routes.codex_url, "Codex CLI route");
  command.add_option("--gemini-url", options.routes.gemini_url, "Gemini CLI route");
  command.add_option("--cursor-url", options.routes.cursor_url, "Cursor route");
}

void
add_auth_options(CLI::App& command, ConfigureOptions& options)
{
  command.add_option("--auth", options.auth,
                     "pat, databricks-cli (OAuth tokens from `databricks auth token`), or relay "
                     "(agents hold a local relay key; the relay holds the credential)")
    ->check(CLI::IsMember({"pat", "databricks-cli", "relay"}));
  command.add_option("--profile", options.profile,
                     "~/.databrickscfg profile for --auth databricks-cli or an OAuth relay");
  command.add_option("--relay", options.relay_listen,
                     "with --auth relay: where the relay listens (default 127.0.0.1:8765)");
  command.add_option("--relay-auth", options.relay_auth,
                     "with --auth relay: the relay's credential, pat (default), databricks-cli "
                     "or oauth-m2m")
    ->check(CLI::IsMember({"pat", "databricks-cli", "oauth-m2m"}));
  command.add_flag("--token-stdin", options.token.from_stdin, "read the token from stdin");
  command.add_option("--token-file", options.token.file, "read the token from this file");
  command.add_option("--token-env", options.token.env_name,
                     "read the token from this variable, now and whenever it is needed "
                     "(instead of keeping a copy)");
  command.add_option("--secrets", options.secrets, "helper (default) or inline")
    ->check(CLI::IsMember({"helper", "inline"}));
}

void
add_agent_options(CLI::App& command, ConfigureOptions& options)
{
  // An explicit model wins over --models auto, so which were given is kept.
  const auto given = [&options](const char* agent) {
    return [&options, agent](const std::string&) { options.explicit_models.emplace_back(agent); };
  };
  command.add_option("--claude-model", options.claude_model, "Claude Code model (or auto)")
    ->capture_default_str()
    ->each(given("claude"));
  command.add_option("--codex-model", options.codex_model, "Codex CLI model (or auto)")
    ->capture_default_str()
    ->each(given("codex"));
  command.add_option("--gemini-model", options.gemini_model, "Gemini CLI model (or auto)")
    ->capture_default_str()
    ->each(given("gemini"));
  command.add_option("--models", options.models,
                     "auto: each agent's model not named above is picked from what is served")
    ->check(CLI::IsMember({"auto"}));
  command.add_option("--cursor-model", options.cursor_models, "Cursor custom model (repeat)");
  command.add_option("--header", options.headers, "extra header \"Name: value\" (repeat)");
  command.add_flag("--skip-onboarding", options.skip_onboarding,
                   "mark ~/.claude.json so a fresh Claude Code does not ask to log in");
  command.add_option("--gemini-trust", options.gemini_trust,
                     "cwd (trust this folder), off (folder trust off), or a folder to trust")
    ->capture_default_str();
  command.add_flag("--codex-migrate-profiles", options.migrate_codex_profiles,
                   "move a legacy [profiles.*] block to <name>.config.toml files");
  command.add_flag("--cursor-write-state", options.cursor_write_state,
                   "also write Cursor's state database (Cursor must be closed)");
}

std::vector<std::string>
chosen_agents(const ConfigureOptions& options, const Context& context)
{
  if (options.all) {
    return core::k_agents;
  }
  if (!options.agents.empty()) {
    return options.agents;
  }
  auto found = core::detect_agents(context.paths);
  if (found.empty()) {
    throw util::Fatal(util::ErrorKind::usage,
                      "no agent found on this machine; name them (claude codex gemini cursor) "
                      "or give --all");
  }
  AIGW_WARN("no agent named; configuring the ones found here: " << util::join(found, " "));
  return found;
}

// With --auth relay and no token at hand (no token option, no $DATABRICKS_TOKEN), the
// agents are set up but the relay has nothing to forward with: say so, since everything
// looks fine until the first prompt gets a 502.
void
warn_if_relay_lacks_credential(const ConfigureOptions& options, const Context& context)
{
  if (options.auth != "relay" || options.relay_auth != "pat" || context.global.dry_run
      || core::load_credential(context.paths.credentials_file())) {
    return;
  }
  AIGW_WARN("the relay has no credential yet, so only `aigw-setup relay --offline` can answer "
            "the agents; store a token with `aigw-setup configure --auth relay --token-file "
            "FILE` (or --token-stdin) to forward to the gateway");
}

ExitCode
run_configure(const ConfigureOptions& given, Context& context)
{
  const ConfigureOptions options = given.managed ? managed_options(given) : given;
  check_auth(options);
  const auto agents = chosen_agents(options, context);
  const bool needs_codex = std::find(agents.begin(), agents.end(), "codex") != agents.end();
  const ConfigureOptions chosen = with_auto_models(options, agents);
  auto relay_key = relay_key_report(options, context); // before the request makes the key
  const core::ConfigureRequest request = build_request(chosen, context, needs_codex);

  std::vector<core::AgentPlan> plans;
  for (const auto& agent : agents) {
    plans.push_back(util::value_or_throw(
      options.managed ? core::plan_managed(agent, request, context.paths)
                      : core::plan_agent(agent, request, context.paths)));
  }
  note_auto_models(chosen, request, plans);
  const util::DeferredSignals deferred;
  ConfigureWrites writes;
  if (options.managed) {
    writes.files = write_managed(context, plans, options.auth);
  } else {
    writes = write_configuration(options, context, request, plans, std::move(relay_key));
  }
  print_configure_report(context, plans, writes.files, writes.relay, writes.credential);
  warn_if_relay_lacks_credential(options, context);
  throw_if_interrupted(deferred);
  return ExitCode::ok;
}

} // namespace

void
add_configure_options(CLI::App& command, ConfigureOptions& options)
{
  command.add_option("agents", options.agents, "claude, codex, gemini, cursor")
    ->check(CLI::IsMember(core::k_agents));
  command.add_flag("--all", options.all, "all four agents");
  add_route_options(command, options);
  add_auth_options(command, options);
  add_agent_options(command, options);
}

CommandRunner
setup_configure(CLI::App& command)
{
  auto options = std::make_shared<ConfigureOptions>();
  add_configure_options(command, *options);
  command.add_flag("--managed", options->managed,
                   "write the system-wide managed files instead, for every user (as root; "
                   "docs/managed.md)");
  command.footer("\nExamples:\n"
                 "  aigw-setup configure --all --gateway https://gw.example.com --token-stdin\n"
                 "  aigw-setup configure claude --secrets inline --token-file ~/pat.txt\n");
  return [options](Context& context) { return run_configure(*options, context); };
}

} // namespace aigw::cli
