// SPDX-License-Identifier: MIT
// `configure [AGENT...]`: read the token (never from argv), build each agent's plan, let
// the change engine parse every file first, then write them all, the credential file and
// the state file. With --dry-run it prints the diffs and writes nothing.
#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "config/safe_writer.hpp"
#include "core/agents.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
#include "net/relay_config.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

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
  std::vector<std::string> headers;
  bool skip_onboarding = false;
  std::string gemini_trust = "cwd";
  bool migrate_codex_profiles = false;
  bool cursor_write_state = false;
  std::optional<std::string> relay_listen; // --relay, with --auth relay
};

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
                     "pat, or relay (agents hold a local relay key; the relay holds the token)")
    ->check(CLI::IsMember({"pat", "databricks-cli", "relay"}));
  command.add_option("--relay", options.relay_listen,
                     "with --auth relay: where the relay listens (default 127.0.0.1:8765)");
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
  command.add_option("--claude-model", options.claude_model, "Claude Code model")
    ->capture_default_str();
  command.add_option("--codex-model", options.codex_model, "Codex CLI model")
    ->capture_default_str();
  command.add_option("--gemini-model", options.gemini_model, "Gemini CLI model")
    ->capture_default_str();
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

// Gemini CLI trusts every folder below a trusted one, so "/" or the home folder itself
// would switch its folder trust off without saying so: those need to be asked for as such.
core::GeminiTrust
gemini_trust(const ConfigureOptions& options, const std::filesystem::path& home,
             std::filesystem::path& folder)
{
  if (options.gemini_trust == "off") {
    return core::GeminiTrust::trust_off;
  }
  folder = options.gemini_trust == "cwd" ? std::filesystem::current_path()
                                         : std::filesystem::absolute(options.gemini_trust);
  folder = folder.lexically_normal();
  if (folder == folder.root_path() || folder == home.lexically_normal()) {
    throw util::Fatal(util::ErrorKind::usage,
                      "--gemini-trust " + options.gemini_trust + ": trusting \"" + folder.string()
                        + "\" would trust every folder below it; run configure from a project "
                          "folder, name one with --gemini-trust DIR, or give --gemini-trust off");
  }
  return core::GeminiTrust::trust_folder;
}

core::RouteOptions
upstream_routes(const ConfigureOptions& options, const Context& context)
{
  core::RouteOptions routes = options.routes;
  if (!routes.gateway && !routes.workspace) {
    routes.workspace = context.env("DATABRICKS_HOST");
  }
  return routes;
}

bool
token_given(const ConfigureOptions& options, const Context& context)
{
  const auto& token = options.token;
  return token.from_stdin || token.file || token.env_name || context.env("DATABRICKS_TOKEN");
}

// The token from the options or the environment; else the one an earlier configure kept;
// else, for a dry run, a stand-in (nothing is written, so nothing needs the real one).
util::Secret
agent_token(const ConfigureOptions& options, const Context& context)
{
  if (!token_given(options, context)) {
    if (auto stored = core::load_credential(context.paths.credentials_file())) {
      if (auto token = core::current_token(*stored, context.env)) {
        AIGW_INFO("using the token kept by an earlier configure");
        return std::move(*token);
      }
    }
    if (context.global.dry_run) {
      return util::Secret("<your token>");
    }
  }
  return util::value_or_throw(core::read_token(options.token, context.in, context.env));
}

// With --auth relay every agent talks to the local relay and holds only the relay key; the
// gateway, workspace and token (when given) go to the relay's own files.
void
point_at_relay(const ConfigureOptions& options, Context& context, core::ConfigureRequest& request)
{
  const auto relay_file = net::relay_file_path(context.paths);
  const auto stored = util::value_or_throw(net::load_relay_file(relay_file));
  const std::string listen = options.relay_listen.value_or(
    stored && stored->listen ? *stored->listen : std::string(net::k_default_listen));
  const auto address = util::value_or_throw(net::parse_listen(listen));

  core::RouteOptions local;
  local.gateway = "http://" + net::to_string(address);
  request.routes = util::value_or_throw(core::resolve_routes(local));
  request.secrets = core::SecretsMode::inline_token;

  const auto key_file = net::default_key_file(context.paths);
  if (context.global.dry_run && !std::filesystem::exists(key_file)) {
    request.token = util::Secret("<relay key, created when written>");
  } else {
    const config::SafeWriter writer(context.paths.backup_dir());
    request.token = util::value_or_throw(net::load_or_create_relay_key(key_file, writer));
  }
}

// What `aigw-setup relay` will read: where to listen and where to forward.
void
save_relay_file(const ConfigureOptions& options, const Context& context,
                const config::SafeWriter& writer)
{
  const auto path = net::relay_file_path(context.paths);
  auto relay = util::value_or_throw(net::load_relay_file(path)).value_or(net::RelayFile{});
  relay.listen = options.relay_listen.value_or(relay.listen.value_or(net::k_default_listen));
  const auto routes = upstream_routes(options, context);
  if (routes.gateway || routes.workspace || routes.claude_url || routes.codex_url
      || routes.gemini_url || routes.cursor_url) {
    relay.routes = routes;
  }
  util::value_or_throw(
    writer.write(path, net::relay_file_text(relay), config::Sensitivity::plain,
                 config::Backup::skip));
}

core::ConfigureRequest
build_request(const ConfigureOptions& options, Context& context, bool needs_codex)
{
  core::ConfigureRequest request;
  if (options.auth == "relay") {
    point_at_relay(options, context, request);
  } else {
    request.routes = util::value_or_throw(core::resolve_routes(upstream_routes(options, context)));
    request.secrets = options.secrets == "inline" ? core::SecretsMode::inline_token
                                                  : core::SecretsMode::helper;
    request.token = agent_token(options, context);
  }
  request.claude_model = options.claude_model;
  request.codex_model = options.codex_model;
  request.gemini_model = options.gemini_model;
  request.cursor_models = options.cursor_models;
  for (const auto& text : options.headers) {
    request.extra_headers.push_back(util::value_or_throw(core::parse_header(text)));
  }
  request.skip_onboarding = options.skip_onboarding;
  request.gemini_trust = gemini_trust(options, context.paths.home, request.gemini_trust_folder);
  request.migrate_codex_profiles = options.migrate_codex_profiles;
  request.cursor_write_state = options.cursor_write_state;
  request.codex_version = needs_codex ? core::installed_codex_version() : std::nullopt;
  request.self_executable = util::current_executable();
  if (context.global.home) {
    request.explicit_home = context.paths.home;
  }
  return request;
}

void
check_auth(const ConfigureOptions& options)
{
  if (options.auth == "databricks-cli") {
    // TODO(#5): --auth databricks-cli (OAuth through `databricks auth token`).
    throw util::Fatal(util::ErrorKind::usage,
                      "--auth databricks-cli is not available in this version; use --auth pat "
                      "or --auth relay");
  }
  if (options.relay_listen && options.auth != "relay") {
    throw util::Fatal(util::ErrorKind::usage, "--relay goes with --auth relay");
  }
}

// The token the agents (or, with --auth relay, the relay) use, and the relay's file.
void
save_credentials(const ConfigureOptions& options, Context& context,
                 const core::ConfigureRequest& request, const config::SafeWriter& writer)
{
  if (options.auth != "relay") {
    if (!token_given(options, context)) {
      return; // the kept credential (a token, or a variable's name) stays as it is
    }
    const core::StoredCredential credential{"pat", request.token, options.token.env_name};
    util::throw_on_error(core::save_credential(context.paths, writer, credential));
    return;
  }
  save_relay_file(options, context, writer);
  if (token_given(options, context)) {
    auto token = util::value_or_throw(core::read_token(options.token, context.in, context.env));
    const core::StoredCredential credential{"pat", std::move(token), options.token.env_name};
    util::throw_on_error(core::save_credential(context.paths, writer, credential));
  }
}

ExitCode
run_configure(const ConfigureOptions& options, Context& context)
{
  check_auth(options);
  const auto agents = chosen_agents(options, context);
  const bool needs_codex = std::find(agents.begin(), agents.end(), "codex") != agents.end();
  const core::ConfigureRequest request = build_request(options, context, needs_codex);

  std::vector<core::AgentPlan> plans;
  for (const auto& agent : agents) {
    plans.push_back(util::value_or_throw(core::plan_agent(agent, request, context.paths)));
  }
  auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  auto changes = util::value_or_throw(core::plan_configure(plans, manifest));

  const config::SafeWriter writer(context.paths.backup_dir());
  const auto dry_run = context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
  const util::DeferredSignals deferred;
  if (dry_run == core::DryRun::no) {
    // The token first: an agent file that calls `aigw-setup token` must find it.
    save_credentials(options, context, request, writer);
    for (auto& plan : plans) {
      plan.summary["auth"] = options.auth;
      changes.agents_added[plan.agent] = plan.summary;
    }
  }
  const auto save = [&](const core::Manifest& state) {
    return core::save_manifest(context.paths, writer, state);
  };
  auto reports =
    util::value_or_throw(core::apply_changes(changes, manifest, writer, dry_run, save));
  print_configure_report(context, plans, reports);
  throw_if_interrupted(deferred);
  return ExitCode::ok;
}

} // namespace

CommandRunner
setup_configure(CLI::App& command)
{
  auto options = std::make_shared<ConfigureOptions>();
  command.add_option("agents", options->agents, "claude, codex, gemini, cursor")
    ->check(CLI::IsMember(core::k_agents));
  command.add_flag("--all", options->all, "all four agents");
  add_route_options(command, *options);
  add_auth_options(command, *options);
  add_agent_options(command, *options);
  command.footer("\nExamples:\n"
                 "  aigw-setup configure --all --gateway https://gw.example.com --token-stdin\n"
                 "  aigw-setup configure claude --secrets inline --token-file ~/pat.txt\n");
  return [options](Context& context) { return run_configure(*options, context); };
}

} // namespace aigw::cli
