// SPDX-License-Identifier: MIT
// Databricks checks (databricks.md A3): the stored credential the token helper hands out,
// the expiry of every token the agents hold (an OAuth access token is a JWT that lasts an
// hour; a personal access token says nothing about its expiry), and environment variables
// that point Databricks tooling at another workspace than the gateway's: a token minted
// for another workspace is answered "400 Invalid Token" (unity-gateway#84).
#include <algorithm>
#include <chrono>
#include <ctime>

#include "core/credentials.hpp"
#include "core/databricks_auth.hpp"
#include "core/doctor_support.hpp"
#include "core/gateway.hpp"
#include "net/relay_config.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "databricks";

// Tokens that last less than this are worth a warning: nothing renews one in a file.
constexpr auto k_short_lived = std::chrono::hours(24);

bool
uses_token_helper(const DoctorInputs& inputs)
{
  for (const auto& [agent, summary] : inputs.manifest.agents) {
    if (summary.value("secrets", std::string()) == "helper"
        || summary.value("auth", std::string()) == "relay") {
      return true;
    }
  }
  return false;
}

// Every configured agent talks to the local relay: no agent needs the token itself.
bool
relay_only(const DoctorInputs& inputs)
{
  if (inputs.manifest.agents.empty()) {
    return false;
  }
  for (const auto& [agent, summary] : inputs.manifest.agents) {
    if (summary.value("auth", std::string()) != "relay") {
      return false;
    }
  }
  return true;
}

std::optional<Check>
credential_check(const DoctorInputs& inputs)
{
  const auto file = inputs.paths.credentials_file();
  const bool exists = util::stat_file(file).has_value();
  if (!exists && !uses_token_helper(inputs)) {
    return std::nullopt;
  }
  if (!exists && relay_only(inputs)) {
    // The relay needs the token only to forward; offline it answers every route itself.
    return warned(k_group, "databricks.credential",
                  "no token is stored in " + shown(inputs, file)
                    + ": the relay can only run --offline until it has one",
                  "to reach the gateway: "
                    + configure_command(inputs, "", "--gateway URL --token-stdin"));
  }
  if (!exists) {
    return failed(k_group, "databricks.credential",
                  "no token is stored in " + shown(inputs, file)
                    + ": `aigw-setup token` has nothing to give the agents",
                  "run " + configure_command(inputs, "") + " again with --token-stdin or "
                                                           "--token-file");
  }
  auto credential = load_credential(file);
  if (!credential) {
    return failed(k_group, "databricks.credential", credential.error().message,
                  "run " + configure_command(inputs, "") + " again with --token-stdin or "
                                                           "--token-file");
  }
  const EnvLookup env = [&inputs](const std::string& name) { return inputs.env.value(name); };
  if (auto token = current_token(*credential, env); !token) {
    return failed(k_group, "databricks.credential", token.error().message,
                  "export " + credential->token_env.value_or("it")
                    + " in the shell the agents start from");
  }
  if ((util::stat_file(file)->mode & 077) != 0) {
    return warned(k_group, "databricks.credential",
                  shown(inputs, file) + " can be read by other users",
                  "run: chmod 600 " + shown(inputs, file));
  }
  return passed(k_group, "databricks.credential",
                credential->token_env ? "the token helper reads $" + *credential->token_env
                                      : "the token is stored in " + shown(inputs, file)
                                          + ", readable by you alone");
}

// ---------------------------------------------------------------------------- expiry

// The `exp` claim of a JWT; nullopt for anything else (a personal access token).
std::optional<SystemTime>
jwt_expiry(const std::string& token)
{
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) {
    return std::nullopt;
  }
  const auto payload =
    util::base64_decode(std::string_view(token).substr(first + 1, second - first - 1));
  const auto claims = config::Json::parse(payload.value_or(""), nullptr, false);
  if (claims.is_discarded() || !claims.is_object() || !claims.contains("exp")
      || !claims["exp"].is_number()) {
    return std::nullopt;
  }
  return SystemTime(std::chrono::seconds(claims["exp"].get<long long>()));
}

std::string
utc_text(SystemTime time)
{
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &parts);
  return buffer;
}

void
add_token(std::vector<std::pair<std::string, std::string>>& tokens, std::string place,
          const std::optional<config::Json>& value)
{
  if (value && value->is_string() && !value->get<std::string>().empty()) {
    tokens.emplace_back(std::move(place), value->get<std::string>());
  }
}

// Every token the agents or the helper hold, with the place it is kept.
std::vector<std::pair<std::string, std::string>>
held_tokens(const DoctorInputs& inputs)
{
  std::vector<std::pair<std::string, std::string>> tokens;
  if (auto credential = load_credential(inputs.paths.credentials_file())) {
    const EnvLookup env = [&inputs](const std::string& name) { return inputs.env.value(name); };
    if (auto token = current_token(*credential, env)) {
      tokens.emplace_back(shown(inputs, inputs.paths.credentials_file()), token->reveal());
    }
  }
  const auto value = [&](const std::filesystem::path& path, config::Format format,
                         const config::KeyPath& key) {
    const auto* document = inputs.files.load(path, format).document.get();
    return document ? document->get(key) : std::nullopt;
  };
  add_token(tokens, shown(inputs, inputs.paths.claude_settings),
            value(inputs.paths.claude_settings, config::Format::json,
                  {"env", "ANTHROPIC_AUTH_TOKEN"}));
  add_token(tokens, shown(inputs, inputs.paths.codex_config),
            value(inputs.paths.codex_config, config::Format::toml,
                  {"model_providers", k_codex_provider_id, "experimental_bearer_token"}));
  add_token(tokens, shown(inputs, inputs.paths.gemini_env),
            value(inputs.paths.gemini_env, config::Format::dotenv, {"GEMINI_API_KEY"}));
  return tokens;
}

// The relay key the agents hold in relay mode; "" when there is none.
std::string
relay_key(const DoctorInputs& inputs)
{
  const auto key = util::read_file_if_exists(net::default_key_file(inputs.paths));
  return key && key->has_value() ? std::string(util::trim(**key)) : "";
}

Check
expiry_check(const DoctorInputs& inputs, const std::string& place, const std::string& token)
{
  if (const std::string key = relay_key(inputs); !key.empty() && token == key) {
    return passed(k_group, "databricks.token_expiry",
                  "the relay key in " + place + " is the relay's local key, not a Databricks "
                                                "token: it does not expire");
  }
  const auto expiry = jwt_expiry(token);
  if (!expiry) {
    return passed(k_group, "databricks.token_expiry",
                  "the token in " + place + " is not an OAuth token: only the workspace knows "
                                            "when it expires (the round trips try it)");
  }
  const std::string when = utc_text(*expiry);
  const std::string remedy = "configure with a personal access token ("
                             + configure_command(inputs, "", "--token-stdin")
                             + "), which lasts as long as the workspace allows";
  if (*expiry <= inputs.now) {
    return failed(k_group, "databricks.token_expiry",
                  "the token in " + place + " expired at " + when + ": the gateway refuses it",
                  remedy);
  }
  if (*expiry - inputs.now < k_short_lived) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(*expiry - inputs.now);
    return warned(k_group, "databricks.token_expiry",
                  "the token in " + place + " expires at " + when + " (in "
                    + std::to_string(minutes.count()) + " min) and nothing renews it",
                  remedy);
  }
  return passed(k_group, "databricks.token_expiry",
                "the token in " + place + " is valid until " + when);
}

// ---------------------------------------------------------------------------- workspace

// The workspace the gateway hangs off, from a workspace-hosted route (URL/ai-gateway/...).
std::optional<std::string>
gateway_workspace(const DoctorInputs& inputs)
{
  for (const auto& [agent, summary] : inputs.manifest.agents) {
    const std::string route = summary.value("route", std::string());
    if (const std::size_t at = route.find("/ai-gateway/"); at != std::string::npos) {
      return route.substr(0, at);
    }
  }
  return std::nullopt;
}

std::filesystem::path
databrickscfg(const DoctorInputs& inputs)
{
  const EnvLookup env = [&inputs](const std::string& name) { return inputs.env.value(name); };
  return databricks_config_path(env, inputs.paths.home);
}

// The host of profile `name`, or the reason there is none.
util::Result<std::string>
profile_host(const DoctorInputs& inputs, const std::string& name)
{
  const auto path = databrickscfg(inputs);
  auto file = read_databricks_config(path);
  AIGW_TRY(file);
  auto profile = select_profile(*file, name);
  if (!profile) {
    std::string message = profile.error().message;
    if (const auto at = message.find(path.string()); at != std::string::npos) {
      message.replace(at, path.string().size(), shown(inputs, path));
    }
    return util::fail(profile.error().kind, message);
  }
  std::optional<std::string> host;
  if (profile->has_value()) {
    const auto& values = (*profile)->values;
    if (const auto found = values.find("host"); found != values.end()) {
      host = found->second;
    }
  }
  if (!host) {
    return util::fail(util::ErrorKind::usage,
                      "profile " + name + " in " + shown(inputs, path) + " names no host");
  }
  return *host;
}

std::optional<Check>
profile_check(const DoctorInputs& inputs, const std::optional<std::string>& workspace)
{
  const auto name = inputs.env.value("DATABRICKS_CONFIG_PROFILE");
  if (!name) {
    return passed(k_group, "databricks.config_profile", "DATABRICKS_CONFIG_PROFILE is not set");
  }
  const auto host = profile_host(inputs, *name);
  if (!host) {
    return failed(k_group, "databricks.config_profile",
                  "DATABRICKS_CONFIG_PROFILE=" + *name + ": " + host.error().message,
                  "unset DATABRICKS_CONFIG_PROFILE, or add that profile to "
                    + shown(inputs, databrickscfg(inputs)));
  }
  if (!workspace) {
    return std::nullopt; // nothing to compare it with
  }
  if (url_host(*host) == url_host(*workspace)) {
    return passed(k_group, "databricks.config_profile",
                  "DATABRICKS_CONFIG_PROFILE=" + *name + " points at the gateway's workspace");
  }
  return failed(k_group, "databricks.config_profile",
                "DATABRICKS_CONFIG_PROFILE=" + *name + " points at " + *host + ", not the "
                  "gateway's workspace " + *workspace + ": tokens minted for it get \"400 "
                  "Invalid Token\"",
                "unset DATABRICKS_CONFIG_PROFILE, or set it to a profile whose host is "
                  + *workspace);
}

std::optional<Check>
host_check(const DoctorInputs& inputs, const std::optional<std::string>& workspace)
{
  const auto host = inputs.env.value("DATABRICKS_HOST");
  if (!host || !workspace) {
    return std::nullopt;
  }
  if (url_host(*host) == url_host(*workspace)) {
    return passed(k_group, "databricks.host", "DATABRICKS_HOST is the gateway's workspace");
  }
  return warned(k_group, "databricks.host",
                "DATABRICKS_HOST is " + *host + ", not the gateway's workspace " + *workspace
                  + ": configure without --workspace would use it",
                "export DATABRICKS_HOST=" + *workspace + ", or unset it");
}

} // namespace

std::vector<Check>
databricks_checks(const DoctorInputs& inputs)
{
  if (inputs.manifest.agents.empty()) {
    return {};
  }
  std::vector<Check> checks;
  add_check(checks, credential_check(inputs));
  std::vector<std::string> seen;
  for (const auto& [place, token] : held_tokens(inputs)) {
    if (std::find(seen.begin(), seen.end(), token) == seen.end()) {
      seen.push_back(token);
      checks.push_back(expiry_check(inputs, place, token));
    }
  }
  const auto workspace = gateway_workspace(inputs);
  add_check(checks, profile_check(inputs, workspace));
  add_check(checks, host_check(inputs, workspace));
  return checks;
}

} // namespace aigw::core
