// SPDX-License-Identifier: MIT
// The questions of `init`, each asked only when no flag answered it and nothing on the
// machine did: agents (those installed are the default), workspace (the ~/.databrickscfg
// profiles are offered by number), token (typed without echo), and for Gemini CLI the folder
// to trust when init runs from the home folder, where configure's default cannot work.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/init.hpp"
#include "core/agents.hpp"
#include "core/credentials.hpp"
#include "core/databricks_auth.hpp"
#include "core/gateway.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

namespace fs = std::filesystem;

void
say(const std::string& text)
{
  std::cerr << text << '\n';
}

util::Result<std::vector<std::string>>
parse_agent_list(const std::string& answer)
{
  std::string words = answer;
  std::replace(words.begin(), words.end(), ',', ' ');
  std::vector<std::string> agents;
  for (const auto& word : util::split(words, ' ')) {
    if (word.empty()) {
      continue;
    }
    if (word == "all") {
      return core::k_agents;
    }
    if (std::find(core::k_agents.begin(), core::k_agents.end(), word) == core::k_agents.end()) {
      return util::fail(util::ErrorKind::usage,
                        "\"" + word + "\" is not an agent: claude, codex, gemini or cursor");
    }
    if (std::find(agents.begin(), agents.end(), word) == agents.end()) {
      agents.push_back(word);
    }
  }
  if (agents.empty()) {
    return util::fail(util::ErrorKind::usage, "name at least one agent");
  }
  return agents;
}

std::vector<std::string>
choose_agents(const InitOptions& options, const Context& context, const Prompter& prompter)
{
  if (options.configure.all) {
    return core::k_agents;
  }
  if (!options.configure.agents.empty()) {
    return options.configure.agents;
  }
  const auto found = core::detect_agents(context.paths);
  if (!prompter.interactive()) {
    if (found.empty()) {
      Prompter::missing("the agents to set up (none was found on this machine)",
                        "claude, codex, gemini or cursor as arguments, or --all");
    }
    say("init: setting up the agents found on this machine: " + util::join(found, " "));
    return found;
  }
  say("Agents found on this machine: " + (found.empty() ? "none" : util::join(found, ", ")));
  for (;;) {
    auto agents = parse_agent_list(prompter.ask(
      "Agents to set up (claude codex gemini cursor, or all)", util::join(found, " ")));
    if (agents) {
      return *agents;
    }
    say(agents.error().message);
  }
}

struct Profile
{
  std::string name;
  std::string host;
  std::optional<std::string> token;
};

std::optional<std::string>
value_of(const core::ConfigSection& section, const std::string& key)
{
  const auto found = section.find(key);
  return found == section.end() || found->second.empty() ? std::nullopt
                                                         : std::optional(found->second);
}

// The profiles that name a workspace, in the file's (alphabetical) order.
std::vector<Profile>
workspace_profiles(const core::DatabricksConfigFile& file)
{
  std::vector<Profile> profiles;
  for (const auto& [name, section] : file.sections) {
    if (const auto host = value_of(section, "host"); host && name != "__settings__") {
      profiles.push_back({name, *host, value_of(section, "token")});
    }
  }
  return profiles;
}

Profile
named_profile(const core::DatabricksConfigFile& file, const std::string& name)
{
  const auto profile = util::value_or_throw(core::select_profile(file, name));
  const auto host = profile ? value_of(profile->values, "host") : std::nullopt;
  if (!host) {
    throw util::Fatal(util::ErrorKind::usage,
                      "--profile " + name + ": the profile in " + file.path.string()
                        + " names no host; add `host = https://...` to it or give --workspace");
  }
  return {name, *host, value_of(profile->values, "token")};
}

// A URL the routes accept (https, or http on loopback), or why not.
util::Result<std::string>
checked_workspace(const std::string& url)
{
  core::RouteOptions routes;
  routes.workspace = url;
  auto resolved = core::resolve_routes(routes);
  AIGW_TRY(resolved);
  return url;
}

// Where the workspace came from, for the token question and the summary.
struct Workspace
{
  std::string url;
  std::optional<Profile> profile;
  bool is_gateway = false; // a gateway host (https://<id>.ai-gateway.cloud.databricks.com)
};

// A URL on an AI Gateway host serves the routes itself (the older layout), where a workspace
// serves them under /ai-gateway: typed where a workspace was asked for, it means --gateway.
bool
names_gateway_host(const std::string& url)
{
  return util::to_lower(core::url_host(url)).find(".ai-gateway.") != std::string::npos;
}

Workspace
ask_workspace(const std::vector<Profile>& profiles, const Prompter& prompter)
{
  if (!profiles.empty()) {
    say("Databricks profiles in ~/.databrickscfg:");
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      say("  " + std::to_string(i + 1) + ") " + profiles[i].name + "  " + profiles[i].host);
    }
  }
  const std::string question = profiles.empty()
                                 ? "Databricks workspace URL (or the AI Gateway's URL)"
                                 : "Workspace: a profile's number, or a URL";
  for (;;) {
    const auto answer = prompter.ask(question, profiles.empty() ? "" : "1");
    if (!answer.empty() && answer.find_first_not_of("0123456789") == std::string::npos) {
      const auto number = std::stoul(answer.substr(0, 6));
      if (number >= 1 && number <= profiles.size()) {
        return {profiles[number - 1].host, profiles[number - 1]};
      }
      say("There is no profile " + answer + "; pick 1 to " + std::to_string(profiles.size()));
      continue;
    }
    auto checked = checked_workspace(answer);
    if (checked && names_gateway_host(*checked)) {
      say("init: " + *checked + " is an AI Gateway host: using it as the gateway (--gateway)");
      return {*checked, std::nullopt, true};
    }
    if (checked) {
      return {*checked, std::nullopt};
    }
    say(checked.error().message);
  }
}

// The workspace from --profile, $DATABRICKS_HOST or a question; nothing to do when
// --workspace or --gateway gave it.
std::optional<Workspace>
choose_workspace(const InitOptions& options, const Context& context, const Prompter& prompter)
{
  const auto& routes = options.configure.routes;
  if (routes.gateway || routes.workspace) {
    return std::nullopt;
  }
  const auto config = core::databricks_config_path(context.env, context.paths.home);
  if (options.configure.profile) {
    const auto profile = named_profile(util::value_or_throw(core::read_databricks_config(config)),
                                       *options.configure.profile);
    return Workspace{profile.host, profile};
  }
  if (const auto host = context.env("DATABRICKS_HOST")) {
    say("init: workspace " + *host + " (from $DATABRICKS_HOST)");
    return std::nullopt;
  }
  if (!prompter.interactive()) {
    Prompter::missing("the workspace", "--workspace URL, --gateway URL or --profile NAME");
  }
  const auto file = util::value_or_throw(core::read_databricks_config(config));
  return ask_workspace(workspace_profiles(file), prompter);
}

bool
kept_token_works(const Context& context)
{
  const auto stored = core::load_credential(context.paths.credentials_file());
  return stored && core::current_token(*stored, context.env).has_value();
}

// The token for the agents (or the relay): given, from the chosen profile, kept by an
// earlier run, or typed. nullopt when the kept one will do.
std::optional<util::Secret>
choose_token(const Onboarding& onboarding, const std::optional<Workspace>& workspace,
             Context& context, const Prompter& prompter)
{
  const auto& options = onboarding.configure;
  if (token_given(options, context)) {
    return util::value_or_throw(core::read_token(options.token, context.in, context.env));
  }
  if (workspace && workspace->profile && workspace->profile->token) {
    say("init: using the token of profile " + workspace->profile->name);
    return util::value_or_throw(
      core::validate_token(*workspace->profile->token, "profile " + workspace->profile->name));
  }
  if (kept_token_works(context)) {
    say("init: using the token kept by an earlier configure");
    return std::nullopt;
  }
  if (!prompter.interactive()) {
    Prompter::missing("a personal access token",
                      "--token-stdin, --token-file FILE or $DATABRICKS_TOKEN");
  }
  const std::string where = workspace ? " for " + workspace->url : "";
  for (;;) {
    auto typed = core::validate_token(prompter.ask_secret("Personal access token" + where).reveal(),
                                      "the token typed");
    if (typed) {
      return std::move(*typed);
    }
    say(typed.error().message);
  }
}

// Gemini CLI reads ~/.gemini/.env only in a trusted folder, and configure will not trust
// the home folder or / (that trusts everything below): ask for a project folder or "off".
void
choose_gemini_trust(const InitOptions& options, Onboarding& onboarding, const Context& context,
                    const Prompter& prompter)
{
  const auto& agents = onboarding.agents;
  if (options.gemini_trust_given || !prompter.interactive()
      || std::find(agents.begin(), agents.end(), "gemini") == agents.end()) {
    return;
  }
  const auto here = fs::current_path().lexically_normal();
  if (here != here.root_path() && here != context.paths.home.lexically_normal()) {
    return;
  }
  say("Gemini CLI reads ~/.gemini/.env only inside folders it trusts, and init runs in " +
      here.string() + ", which would trust every folder below it.");
  for (;;) {
    const auto answer = prompter.ask("Folder to trust for Gemini CLI (a project folder), or off");
    const auto folder = fs::absolute(answer).lexically_normal();
    if (answer == "off" || (fs::is_directory(folder) && folder != folder.root_path()
                            && folder != context.paths.home.lexically_normal())) {
      onboarding.configure.gemini_trust = answer;
      return;
    }
    say(answer + " is not a project folder here; name one, or answer off");
  }
}

} // namespace

Onboarding
gather_answers(const InitOptions& options, Context& context, const Prompter& prompter)
{
  Onboarding onboarding{options.configure, {}, std::nullopt};
  onboarding.agents = choose_agents(options, context, prompter);
  choose_gemini_trust(options, onboarding, context, prompter);

  // With OAuth, configure itself reads the profile and the databricks CLI mints the tokens.
  const auto& chosen = onboarding.configure;
  if (chosen.auth == "databricks-cli" || (chosen.auth == "relay" && chosen.relay_auth != "pat")) {
    return onboarding;
  }
  const auto workspace = choose_workspace(options, context, prompter);
  if (workspace && workspace->is_gateway) {
    onboarding.configure.routes.gateway = workspace->url;
  } else if (workspace) {
    onboarding.configure.routes.workspace = workspace->url;
  }
  onboarding.configure.profile.reset(); // for a token, the profile gave what it had above
  onboarding.token = choose_token(onboarding, workspace, context, prompter);
  return onboarding;
}

} // namespace aigw::cli
