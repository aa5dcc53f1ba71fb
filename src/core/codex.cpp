// SPDX-License-Identifier: MIT
// Codex CLI: top-level model_provider and model plus a [model_providers.<id>] table in
// config.toml. Current Codex (0.134 and later) rejects `profile = "..."` and ignores
// [profiles.*], which the Databricks page still shows, so that legacy form is never
// written; an existing one is reported and, with --codex-migrate-profiles, moved into
// <name>.config.toml files (the form `codex --profile <name>` reads now).
#include "core/agents.hpp"

#include <limits>
#include <regex>

#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

// Codex accepts a command-backed token (`auth = { command, args }`) since the spring 2026
// releases (openai/codex PR #16288); older ones only know env_key.
constexpr int k_auth_command_minor = 118;
constexpr int k_profile_v2_minor = 134;

// How long Codex waits for `aigw-setup token` when it mints an OAuth token.
constexpr int k_oauth_helper_timeout_ms = 15'000;

std::optional<int>
minor_version(const std::optional<std::string>& version)
{
  if (!version) {
    return std::nullopt;
  }
  const auto parts = util::split(*version, '.');
  if (parts.size() < 2) {
    return std::nullopt;
  }
  if (parts[0] != "0") {
    return std::numeric_limits<int>::max();
  }
  return std::stoi(parts[1]);
}

config::Json
http_headers(const ConfigureRequest& request)
{
  config::Json headers = config::Json::object();
  for (const auto& header : request.extra_headers) {
    headers[header.name] = header.value;
  }
  return headers;
}

void
add_credential(FilePlan& file, AgentPlan& plan, const ConfigureRequest& request)
{
  const config::KeyPath table{"model_providers", k_codex_provider_id};
  const auto key = [&](const char* name) {
    auto path = table;
    path.emplace_back(name);
    return path;
  };
  const auto minor = minor_version(request.codex_version);

  if (request.secrets == SecretsMode::inline_token) {
    file.sensitivity = config::Sensitivity::secret;
    file.edits.push_back({key("experimental_bearer_token"), request.token->reveal(), true});
    file.edits.push_back({key("auth"), std::nullopt});
    file.edits.push_back({key("env_key"), std::nullopt});
    return;
  }
  if (minor && *minor < k_auth_command_minor) {
    file.edits.push_back({key("env_key"), "DATABRICKS_TOKEN"});
    plan.notes.push_back("Codex " + *request.codex_version
                         + " has no command-backed auth; before running codex: "
                           "export DATABRICKS_TOKEN=\"$("
                         + token_helper_command(request) + ")\"");
    if (request.token_kind == TokenKind::oauth) {
      plan.warnings.push_back("that OAuth token expires within the hour; export it again "
                              "then, or update Codex to 0.118 or later");
    }
    return;
  }
  const auto [program, args] = token_helper_argv(request);
  config::Json auth{{"command", program}, {"args", args}};
  if (request.token_kind == TokenKind::oauth) {
    // Run again well inside the token's hour; allow for a retry when another databricks CLI
    // holds its token cache (a few seconds), which a 5-second limit could cut short.
    auth["timeout_ms"] = k_oauth_helper_timeout_ms;
    auth["refresh_interval_ms"] = k_oauth_helper_refresh_ms;
  }
  file.edits.push_back({key("auth"), std::move(auth)});
  file.edits.push_back({key("experimental_bearer_token"), std::nullopt, true});
  file.edits.push_back({key("env_key"), std::nullopt});
}

bool
codex_rejects_legacy_profiles(const std::optional<std::string>& version)
{
  const auto minor = minor_version(version);
  return !minor || *minor >= k_profile_v2_minor;
}

// Each [profiles.<name>] table becomes <name>.config.toml with the same keys at top level.
void
migrate_profiles(const config::Json& profiles, DryRun dry_run, FilePlan& config_file,
                 AgentPlan& plan, const Paths& paths)
{
  const char* moves = dry_run == DryRun::yes ? "would move [profiles." : "moved [profiles.";
  static const std::regex k_profile_name("[A-Za-z0-9_-]+");
  for (const auto& [name, table] : profiles.items()) {
    if (!std::regex_match(name, k_profile_name) || !table.is_object()) {
      plan.warnings.push_back("profile \"" + name + "\" cannot become a profile file; "
                              "left in " + paths.codex_config.string());
      continue;
    }
    FilePlan profile_file{paths.codex_dir / (name + ".config.toml"), config::Format::toml};
    for (const auto& [key, value] : table.items()) {
      profile_file.edits.push_back({{key}, value});
    }
    config_file.edits.push_back({{"profiles", name}, std::nullopt});
    plan.notes.push_back(moves + name + "] to " + profile_file.path.string()
                         + "; use it with: codex --profile " + name);
    plan.files.push_back(std::move(profile_file));
  }
}

// An existing legacy profile block is reported, and moved only when asked to.
void
handle_legacy_profiles(const ConfigureRequest& request, const Paths& paths, FilePlan& file,
                       AgentPlan& plan)
{
  auto text = util::read_file_if_exists(paths.codex_config);
  if (!text || !text->has_value()) {
    return;
  }
  auto document = config::parse_document(config::Format::toml, **text);
  if (!document) {
    return; // the change engine reports the parse error with its position
  }
  const auto selector = (*document)->get({"profile"});
  const auto profiles = (*document)->get({"profiles"});
  if (!selector && !profiles) {
    return;
  }
  if (!request.migrate_codex_profiles) {
    plan.warnings.push_back(
      paths.codex_config.string() + " holds the legacy profile form (profile = / [profiles.*])"
      + (codex_rejects_legacy_profiles(request.codex_version)
           ? ", which this Codex rejects or ignores"
           : ", which Codex 0.134 and later reject")
      + "; add --codex-migrate-profiles to move it to <name>.config.toml files");
    return;
  }
  if (selector) {
    file.edits.push_back({{"profile"}, std::nullopt});
  }
  if (profiles && profiles->is_object()) {
    migrate_profiles(*profiles, request.dry_run, file, plan, paths);
  }
}

} // namespace

util::Result<AgentPlan>
plan_codex(const ConfigureRequest& request, const Paths& paths)
{
  if (!request.routes.codex) {
    return util::fail(util::ErrorKind::usage,
                      "no route for Codex CLI: give --gateway, --workspace or --codex-url");
  }
  AgentPlan plan{"codex"};
  FilePlan file{paths.codex_config, config::Format::toml};
  const config::KeyPath table{"model_providers", k_codex_provider_id};
  const auto key = [&](const char* name) {
    auto path = table;
    path.emplace_back(name);
    return path;
  };

  file.edits.push_back({{"model_provider"}, k_codex_provider_id});
  file.edits.push_back({{"model"}, request.codex_model});
  file.edits.push_back({key("name"), "Databricks AI Gateway"});
  file.edits.push_back({key("base_url"), *request.routes.codex});
  file.edits.push_back({key("wire_api"), "responses"});
  if (!request.extra_headers.empty()) {
    file.edits.push_back({key("http_headers"), http_headers(request)});
  }
  add_credential(file, plan, request);
  handle_legacy_profiles(request, paths, file, plan);
  plan.files.insert(plan.files.begin(), std::move(file));

  plan.summary = {{"route", *request.routes.codex},
                  {"model", request.codex_model},
                  {"provider", k_codex_provider_id},
                  {"secrets", request.secrets == SecretsMode::helper ? "helper" : "inline"}};
  if (request.codex_version) {
    plan.summary["codex_version"] = *request.codex_version;
  }
  return plan;
}

} // namespace aigw::core
