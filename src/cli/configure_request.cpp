// SPDX-License-Identifier: MIT
// The request and the writes `configure` and `apply` share. The token is read once (never
// from argv); with --auth relay the agents get the relay's address and key instead, and the
// relay's own file gets the gateway. The token is kept before any agent file is written,
// because an agent file that calls `aigw-setup token` must find it. An OAuth credential
// (--auth databricks-cli, or the relay's --relay-auth databricks-cli or oauth-m2m) is
// resolved the way Databricks' tools resolve it, and only its method, host and profile are
// kept: each `aigw-setup token`, and the relay, mint a token from them when one is needed.
#include "cli/configure_request.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/models.hpp"
#include "config/safe_writer.hpp"
#include "net/relay_config.hpp"
#include "util/diff.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace aigw::cli {

namespace {

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
    // The default names the folder configure runs in, which the user did not choose as such.
    const std::string option = options.gemini_trust == "cwd"
                                 ? "--gemini-trust cwd (the default: the folder configure runs in)"
                                 : "--gemini-trust " + options.gemini_trust;
    throw util::Fatal(util::ErrorKind::usage,
                      option + ": trusting \"" + folder.string()
                        + "\" would trust every folder below it; run configure from a project "
                          "folder, name one with --gemini-trust DIR, or give --gemini-trust off");
  }
  return core::GeminiTrust::trust_folder;
}

// The OAuth method of the credential this run keeps, if it keeps one.
std::optional<std::string>
oauth_method(const ConfigureOptions& options)
{
  if (options.auth == "databricks-cli") {
    return options.auth;
  }
  if (options.auth == "relay" && options.relay_auth != "pat") {
    return options.relay_auth;
  }
  return std::nullopt;
}

// The OAuth credential for `method`, host and profile found as Databricks' tools find them.
// The method is the one asked for even when the profile's auth_type names another: the
// profile gives the host, and `databricks auth token --profile P` is what runs.
core::StoredCredential
resolve_oauth(const ConfigureOptions& options, const Context& context, const std::string& method)
{
  core::DatabricksOptions wanted;
  wanted.host = options.routes.workspace;
  wanted.profile = options.profile;
  wanted.auth_type = method;
  const auto auth = util::value_or_throw(
    core::resolve_databricks_auth(wanted, context.env, context.paths.home));
  return core::oauth_credential(auth, context.env, context.paths.home);
}

// The routes as given; without a gateway or workspace, the workspace of the OAuth
// credential or else $DATABRICKS_HOST.
core::RouteOptions
upstream_routes(const ConfigureOptions& options, const Context& context)
{
  core::RouteOptions routes = options.routes;
  if (!routes.gateway && !routes.workspace) {
    const auto method = oauth_method(options);
    routes.workspace = method ? resolve_oauth(options, context, *method).host
                              : context.env("DATABRICKS_HOST");
  }
  return routes;
}

// The token from the options or the environment; else the one an earlier configure kept;
// else, for a dry run, a stand-in (nothing is written, so nothing needs the real one).
util::Secret
agent_token(const ConfigureOptions& options, const Context& context)
{
  if (!token_given(options, context)) {
    // A kept OAuth credential is no token to write anywhere: its tokens last an hour.
    auto stored = core::load_credential(context.paths.credentials_file());
    if (stored && !core::is_oauth(*stored)) {
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
  const std::string given_in = options.relay_listen ? "--relay" : relay_file.string() + ": listen";
  const auto address = util::value_or_throw(net::parse_listen(listen, given_in));

  core::RouteOptions local;
  local.gateway = "http://" + net::to_string(address);
  request.routes = util::value_or_throw(core::resolve_routes(local));
  request.secrets = core::SecretsMode::inline_token;

  request.token = relay_key_for_agents(context);
  request.relay_key_file = net::default_key_file(context.paths);
}

// What `aigw-setup relay` will read: where to listen and where to forward. In a dry run
// the report says what would happen and nothing is written.
core::FileReport
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
  const std::string text = net::relay_file_text(relay);

  core::FileReport report{"relay", path};
  if (context.global.dry_run) {
    const auto before = util::value_or_throw(util::read_file_if_exists(path));
    report.status = !before           ? config::WriteStatus::created
                    : *before == text ? config::WriteStatus::unchanged
                                      : config::WriteStatus::changed;
    report.diff = util::unified_diff(before.value_or(""), text, path.string());
    return report;
  }
  const auto outcome = util::value_or_throw(
    writer.write(path, text, config::Sensitivity::plain, config::Backup::skip));
  report.status = outcome.status;
  return report;
}

// The credential this run keeps: an OAuth method's, or the token given. None without a new
// token: the kept credential (a token, or a variable's name) stays as it is.
std::optional<core::StoredCredential>
credential_to_keep(const ConfigureOptions& options, Context& context,
                   const core::ConfigureRequest& request)
{
  if (const auto method = oauth_method(options)) {
    return resolve_oauth(options, context, *method);
  }
  if (!token_given(options, context)) {
    return std::nullopt;
  }
  // With --auth relay the request holds the relay key; the token is read for the relay.
  util::Secret token = options.auth == "relay" ? util::value_or_throw(core::read_token(
                                                   options.token, context.in, context.env))
                                               : *request.token;
  return core::StoredCredential{"pat", std::move(token), options.token.env_name};
}

// The credential file's text with its token as `mask`. Not through util::Secret, which
// would register the mask itself as a secret to redact.
std::string
masked_credential_text(const core::StoredCredential& credential, const char* mask)
{
  auto json = nlohmann::ordered_json::parse(core::credential_file_text(credential));
  if (json.contains("token")) {
    json["token"] = mask;
  }
  return json.dump(2) + "\n";
}

// credentials.json as keeping `credential` leaves it. A dry run's diff shows every token as
// ***, a different new one as "*** (new)" so that a changed token still shows.
core::FileReport
describe_credential(const Context& context, const core::StoredCredential& credential)
{
  const auto path = context.paths.credentials_file();
  const auto before = util::value_or_throw(util::read_file_if_exists(path));
  const std::string text = core::credential_file_text(credential);
  core::FileReport report{"credential", path};
  report.status = !before           ? config::WriteStatus::created
                  : *before == text ? config::WriteStatus::unchanged
                                    : config::WriteStatus::changed;
  if (!context.global.dry_run || report.status == config::WriteStatus::unchanged) {
    return report;
  }
  const auto kept = core::load_credential(path);
  const bool new_token = kept && kept->token && credential.token
                         && kept->token->reveal() != credential.token->reveal();
  const std::string old_text = !before ? std::string()
                               : kept  ? masked_credential_text(*kept, "***")
                                       : std::string("***\n");
  report.diff = util::unified_diff(
    old_text, masked_credential_text(credential, new_token ? "*** (new)" : "***"),
    path.string());
  return report;
}

// The token --models auto sends: the agents' own, or with --auth relay the relay's; none
// for a dry run's stand-in. Standard input can be read once only, and the relay reads it.
std::optional<util::Secret>
listing_token(const ConfigureOptions& options, Context& context,
              const core::ConfigureRequest& request)
{
  if (const auto method = oauth_method(options)) {
    // An OAuth credential gives a token minted now, as `aigw-setup token` will.
    const auto credential = resolve_oauth(options, context, *method);
    return util::value_or_throw(core::current_token(credential, context.env));
  }
  if (token_given(options, context)) {
    if (options.auth != "relay") {
      return request.token;
    }
    if (options.token.from_stdin) {
      throw util::Fatal(util::ErrorKind::usage, "--models auto with --auth relay cannot read the "
                                                "token from stdin: give --token-file or "
                                                "--token-env");
    }
    return util::value_or_throw(core::read_token(options.token, context.in, context.env));
  }
  const auto stored = core::load_credential(context.paths.credentials_file());
  if (!stored) {
    return std::nullopt;
  }
  auto token = core::current_token(*stored, context.env);
  return token ? std::optional(std::move(*token)) : std::nullopt;
}

// Where --models auto asks: the upstream routes (with --auth relay the agents' routes are
// the relay's, which may not be running yet) and the headers Claude Code gets.
AutoModelSources
auto_model_sources(const ConfigureOptions& options, Context& context,
                   const core::ConfigureRequest& request)
{
  AutoModelSources sources;
  sources.routes = options.auth == "relay" ? util::value_or_throw(core::resolve_routes(
                                               upstream_routes(options, context)))
                                           : request.routes;
  sources.env_workspace = context.env("DATABRICKS_HOST");
  sources.token = listing_token(options, context, request);
  sources.headers = request.extra_headers;
  return sources;
}

} // namespace

util::Secret
relay_key_for_agents(const Context& context)
{
  const auto key_file = net::default_key_file(context.paths);
  if (context.global.dry_run && !std::filesystem::exists(key_file)) {
    return util::Secret("<relay key, created when written>");
  }
  const config::SafeWriter writer(context.paths.backup_dir());
  return util::value_or_throw(net::load_or_create_relay_key(key_file, writer));
}

void
check_auth(const ConfigureOptions& options)
{
  const auto usage = [](const std::string& message) {
    throw util::Fatal(util::ErrorKind::usage, message);
  };
  if (options.relay_listen && options.auth != "relay") {
    usage("--relay goes with --auth relay");
  }
  if (options.relay_auth != "pat" && options.auth != "relay") {
    usage("--relay-auth goes with --auth relay; the agents themselves take --auth "
          "databricks-cli");
  }
  const auto method = oauth_method(options);
  if (options.profile && !method) {
    usage("--profile goes with --auth databricks-cli or --auth relay --relay-auth "
          "databricks-cli|oauth-m2m");
  }
  const auto& token = options.token;
  if (method && (token.from_stdin || token.file || token.env_name)) {
    usage("--token-stdin, --token-file and --token-env give a personal access token; "
          "with " + std::string(options.auth == "relay" ? "--relay-auth " : "--auth ")
          + *method + " no token is kept");
  }
  if (options.auth == "databricks-cli" && options.secrets == "inline") {
    usage("--secrets inline cannot go with --auth databricks-cli: its OAuth tokens last one "
          "hour and must not be frozen in a file; leave --secrets at helper, where Claude Code "
          "and Codex run `aigw-setup token` for a fresh one");
  }
}

bool
token_given(const ConfigureOptions& options, const Context& context)
{
  const auto& token = options.token;
  return token.from_stdin || token.file || token.env_name || context.env("DATABRICKS_TOKEN");
}

core::ConfigureRequest
build_request(const ConfigureOptions& options, Context& context, bool needs_codex)
{
  core::ConfigureRequest request;
  if (const auto method = oauth_method(options)) {
    // Resolved now so that a missing profile or workspace stops the run before any write.
    resolve_oauth(options, context, *method);
  }
  if (options.auth == "relay") {
    point_at_relay(options, context, request);
  } else {
    request.routes = util::value_or_throw(core::resolve_routes(upstream_routes(options, context)));
    request.secrets =
      options.secrets == "inline" ? core::SecretsMode::inline_token : core::SecretsMode::helper;
    if (options.auth == "databricks-cli") {
      request.token_kind = core::TokenKind::oauth;
    } else if (!options.managed) {
      // A managed file holds no token: each user's `aigw-setup token` reads their own.
      request.token = agent_token(options, context);
    }
  }
  request.claude_model = options.claude_model;
  request.codex_model = options.codex_model;
  request.gemini_model = options.gemini_model;
  request.cursor_models = options.cursor_models;
  for (const auto& text : options.headers) {
    request.extra_headers.push_back(util::value_or_throw(core::parse_header(text)));
  }
  if (has_auto_model(request)) {
    pick_auto_models(auto_model_sources(options, context, request), request);
  }
  request.skip_onboarding = options.skip_onboarding;
  request.gemini_trust = gemini_trust(options, context.paths.home, request.gemini_trust_folder);
  request.migrate_codex_profiles = options.migrate_codex_profiles;
  request.cursor_write_state = options.cursor_write_state;
  request.codex_version = needs_codex ? core::installed_codex_version() : std::nullopt;
  request.self_executable = util::current_executable();
  request.dry_run = context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
  if (context.global.home) {
    request.explicit_home = context.paths.home;
  }
  return request;
}

std::optional<core::FileReport>
relay_key_report(const ConfigureOptions& options, const Context& context)
{
  if (options.auth != "relay") {
    return std::nullopt;
  }
  const auto path = net::default_key_file(context.paths);
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return core::FileReport{"relay", path, config::WriteStatus::unchanged};
  }
  core::FileReport report{"relay", path, config::WriteStatus::created};
  if (context.global.dry_run) {
    report.diff = util::unified_diff("", "***\n", path.string());
  }
  return report;
}

ConfigureWrites
write_configuration(const ConfigureOptions& options, Context& context,
                    const core::ConfigureRequest& request, std::vector<core::AgentPlan>& plans,
                    std::optional<core::FileReport> relay_key)
{
  auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  auto changes = util::value_or_throw(core::plan_configure(plans, manifest));

  ConfigureWrites writes;
  const config::SafeWriter writer(context.paths.backup_dir());
  const auto dry_run = context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
  std::optional<core::FileReport> relay_file;
  if (options.auth == "relay") {
    relay_file = save_relay_file(options, context, writer);
  }
  if (const auto credential = credential_to_keep(options, context, request)) {
    writes.credential = describe_credential(context, *credential);
    if (dry_run == core::DryRun::no) {
      util::throw_on_error(core::save_credential(context.paths, writer, *credential));
    }
  }
  if (dry_run == core::DryRun::no) {
    for (auto& plan : plans) {
      plan.summary["auth"] = options.auth;
      changes.agents_added[plan.agent] = plan.summary;
    }
  }
  for (auto* report : {&relay_file, &relay_key}) {
    if (*report) {
      writes.relay.push_back(std::move(**report));
    }
  }
  const auto save = [&](const core::Manifest& state) {
    return core::save_manifest(context.paths, writer, state);
  };
  writes.files =
    util::value_or_throw(core::apply_changes(changes, manifest, writer, dry_run, save));
  return writes;
}

} // namespace aigw::cli
