// SPDX-License-Identifier: MIT
// Codex checks (agents.md 2): values in config.toml that make Codex refuse to start or
// mislead it: the legacy profile form (`profile =`, [profiles.*]) that Codex 0.131 and later
// reject or ignore, a provider table under a reserved built-in id, `wire_api = "chat"`; and
// whether the provider's token source (auth command or env_key variable) is there.
#include <algorithm>

#include "core/doctor_support.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "codex";
constexpr const char* k_refuses = "Codex refuses to start";

const std::vector<std::string> k_reserved_ids{"openai", "ollama", "lmstudio"};

std::string
installed_version(const DoctorInputs& inputs)
{
  const auto found = inputs.versions.find("codex");
  return found != inputs.versions.end() && found->second.version ? *found->second.version : "";
}

// The level and wording for a setting that Codex versions in the table `when` break.
struct VersionJudgement
{
  Level level = Level::fail;
  std::string text; // "Codex 0.171.0 rejects it (openai/codex PR #24051)"
};

VersionJudgement
judge(const DoctorInputs& inputs, const std::string& when, const std::string& unknown)
{
  const std::string version = installed_version(inputs);
  if (version.empty()) {
    return {Level::fail, unknown};
  }
  const auto entries = breakage_for("codex", version, when);
  if (entries.empty()) {
    return {Level::warn, "Codex " + version + " still reads it; " + unknown};
  }
  return {entries.front().level, breakage_cause(entries.front(), "codex", version)};
}

Check
legacy_profile_check(const DoctorInputs& inputs, const config::Document& config)
{
  const std::string file = shown(inputs, inputs.paths.codex_config);
  std::vector<std::string> found;
  if (const auto selector = config.get({"profile"})) {
    found.push_back("profile = " + selector->dump());
  }
  if (const auto profiles = config.get({"profiles"}); profiles && profiles->is_object()) {
    for (const auto& [name, table] : profiles->items()) {
      found.push_back("[profiles." + name + "]");
    }
  }
  if (found.empty()) {
    return passed(k_group, "codex.legacy_profile",
                  file + " has no legacy profile (profile = or [profiles.*])");
  }
  const auto judgement = judge(inputs, "codex_legacy_profile",
                               "Codex 0.131 and later reject or ignore it");
  const bool fixable = codex_migration_plan(inputs).has_value();
  Check check{k_group, "codex.legacy_profile", judgement.level,
              file + " holds the legacy profile form (" + util::join(found, ", ")
                + "): " + judgement.text,
              fixable ? "run: " + aigw_command(inputs, "doctor --fix")
                          + " (moves each profile to <name>.config.toml, used as codex "
                            "--profile <name>)"
                      : "run: " + configure_command(inputs, "codex", "--codex-migrate-profiles"),
              {}};
  if (fixable) {
    check.repair = Repair{Repair::Kind::migrate_codex_profiles, "codex",
                          inputs.paths.codex_config, {}, {}};
  }
  return check;
}

// Ids Codex keeps for its built-in providers; amazon-bedrock takes only aws.profile.
bool
reserved(const std::string& id, const config::Json& table)
{
  if (std::find(k_reserved_ids.begin(), k_reserved_ids.end(), id) != k_reserved_ids.end()) {
    return true;
  }
  if (id != "amazon-bedrock" || !table.is_object()) {
    return false;
  }
  for (const auto& [key, value] : table.items()) {
    if (key != "aws" || !value.is_object() || value.size() != 1 || !value.contains("profile")) {
      return true;
    }
  }
  return false;
}

Check
reserved_provider_check(const DoctorInputs& inputs, const config::Json& providers)
{
  std::vector<std::string> found;
  for (const auto& [id, table] : providers.items()) {
    if (reserved(id, table)) {
      found.push_back("[model_providers." + id + "]");
    }
  }
  const std::string file = shown(inputs, inputs.paths.codex_config);
  if (found.empty()) {
    return passed(k_group, "codex.reserved_provider",
                  "no provider in " + file + " takes a built-in id (openai, ollama, lmstudio)");
  }
  return failed(k_group, "codex.reserved_provider",
                util::join(found, ", ") + " in " + file
                  + " overrides a built-in provider: Codex refuses to start (\"model_providers "
                    "contains reserved built-in provider IDs\")",
                "rename the table, e.g. [model_providers.openai-custom], and every "
                "model_provider that names it");
}

Check
wire_api_check(const DoctorInputs& inputs, const config::Json& providers)
{
  std::vector<std::string> found;
  for (const auto& [id, table] : providers.items()) {
    if (table.is_object() && table.value("wire_api", config::Json()) == "chat") {
      found.push_back("model_providers." + id + ".wire_api = \"chat\"");
    }
  }
  const std::string file = shown(inputs, inputs.paths.codex_config);
  if (found.empty()) {
    return passed(k_group, "codex.wire_api_chat", "no provider in " + file
                                                    + " uses wire_api = \"chat\"");
  }
  const auto judgement = judge(inputs, "codex_wire_api_chat",
                               "Codex 0.122 and later refuse to start on it");
  return Check{k_group, "codex.wire_api_chat", judgement.level,
               util::join(found, ", ") + " in " + file + ": " + judgement.text,
               "set wire_api = \"responses\" if that provider serves the Responses API, or "
               "remove its table",
               {}};
}

// Where our provider gets its token: the auth command must exist, the env_key variable
// must be exported.
std::optional<Check>
token_source_check(const DoctorInputs& inputs, const config::Json& provider)
{
  if (const auto auth = provider.find("auth"); auth != provider.end() && auth->is_object()) {
    const std::string program = auth->value("command", std::string());
    return helper_program_check(inputs, k_group, "codex.auth_command", "auth.command", program);
  }
  const auto env_key = provider.find("env_key");
  if (env_key == provider.end() || !env_key->is_string()) {
    return std::nullopt;
  }
  const std::string name = env_key->get<std::string>();
  if (inputs.env.value(name)) {
    return passed(k_group, "codex.env_key", "$" + name + " (env_key) is exported");
  }
  return failed(k_group, "codex.env_key",
                "env_key names $" + name + ", which is not exported: Codex stops with an error "
                                           "before it sends anything",
                "export " + name + "=\"$(" + aigw_command(inputs, "token")
                  + ")\" before running codex, or upgrade Codex and run "
                  + configure_command(inputs, "codex") + " again");
}

std::set<std::string>
version_facts(const config::Json& providers)
{
  std::set<std::string> facts;
  const auto ours = providers.find(k_codex_provider_id);
  if (ours != providers.end() && ours->is_object() && ours->contains("auth")) {
    facts.insert("codex_auth_command");
  }
  return facts;
}

} // namespace

std::vector<Check>
codex_checks(const DoctorInputs& inputs)
{
  if (!agent_present(inputs, "codex", inputs.paths.codex_dir)) {
    return {};
  }
  const bool configured = configured_summary(inputs, "codex") != nullptr;
  auto checks =
    agent_file_checks(inputs, k_group, inputs.paths.codex_config, config::Format::toml, k_refuses);

  const auto* config =
    inputs.files.load(inputs.paths.codex_config, config::Format::toml).document.get();
  config::Json providers = config::Json::object();
  if (config != nullptr) {
    providers = config->get({"model_providers"}).value_or(config::Json::object());
    checks.push_back(legacy_profile_check(inputs, *config));
    if (providers.is_object()) {
      checks.push_back(reserved_provider_check(inputs, providers));
      checks.push_back(wire_api_check(inputs, providers));
    }
  }
  const auto ours = providers.find(k_codex_provider_id);
  if (configured && ours != providers.end() && ours->is_object()) {
    add_check(checks, token_source_check(inputs, *ours));
  }
  auto versions = version_checks(inputs, "codex",
                                 providers.is_object() ? version_facts(providers)
                                                       : std::set<std::string>{});
  checks.insert(checks.end(), versions.begin(), versions.end());
  return checks;
}

} // namespace aigw::core
