// SPDX-License-Identifier: MIT
// Gemini CLI checks (agents.md 3). It reads exactly one .env, the first it finds walking
// up from the folder it runs in, so a project .env or .gemini/.env hides ~/.gemini/.env;
// a variable already exported wins over the file; in a folder it does not trust (folder
// trust is on by default since 0.29) it skips ~/.gemini/.env altogether; and without
// security.auth.selectedType it asks how to log in, or headless, gives up.
#include <filesystem>

#include "core/doctor_support.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_group = "gemini";
constexpr const char* k_api_key_type = "gemini-api-key";
constexpr const char* k_broken_settings =
  "Gemini CLI stops with a configuration error or reads it otherwise than it looks";

// The .env variables configure writes; exported, each one wins over the file.
const std::vector<std::string> k_env_keys{"GEMINI_MODEL", "GOOGLE_GEMINI_BASE_URL",
                                          "GEMINI_API_KEY_AUTH_MECHANISM", "GEMINI_API_KEY"};

const config::Document*
document_at(const DoctorInputs& inputs, const fs::path& path, config::Format format)
{
  return inputs.files.load(path, format).document.get();
}

// A setting as Gemini CLI sees it: the system settings file overrides the user's.
struct Setting
{
  std::optional<config::Json> value;
  fs::path from;
};

Setting
effective(const DoctorInputs& inputs, const config::KeyPath& key)
{
  for (const auto& path : {inputs.paths.gemini_system_settings, inputs.paths.gemini_settings}) {
    const auto* document = document_at(inputs, path, config::Format::jsonc);
    if (auto value = document ? document->get(key) : std::nullopt) {
      return {std::move(value), path};
    }
  }
  return {std::nullopt, inputs.paths.gemini_settings};
}

Check
selected_type_check(const DoctorInputs& inputs)
{
  const config::KeyPath key{"security", "auth", "selectedType"};
  const Setting setting = effective(inputs, key);
  const std::string file = shown(inputs, setting.from);
  if (setting.value == config::Json(k_api_key_type)) {
    return passed(k_group, "gemini.selected_type",
                  "security.auth.selectedType is \"gemini-api-key\" in " + file);
  }
  const std::string cause =
    setting.value ? "security.auth.selectedType is " + setting.value->dump() + " in " + file
                      + ": Gemini CLI does not use GEMINI_API_KEY and the gateway"
                  : "security.auth.selectedType is not set in " + file
                      + ": Gemini CLI asks how to log in, and headless stops with \"Invalid "
                        "auth method selected.\"";
  if (setting.from != inputs.paths.gemini_settings) {
    return failed(k_group, "gemini.selected_type", cause,
                  "ask whoever manages this machine to set it to \"gemini-api-key\" there");
  }
  const auto written = written_value(inputs, "gemini", inputs.paths.gemini_settings, key);
  if (!written || *written != config::Json(k_api_key_type)) {
    return failed(k_group, "gemini.selected_type", cause,
                  "set \"security\": {\"auth\": {\"selectedType\": \"gemini-api-key\"}} there, "
                  "or run: " + configure_command(inputs, "gemini"));
  }
  Check check = failed(k_group, "gemini.selected_type", cause,
                       "run: " + aigw_command(inputs, "doctor --fix")
                         + " (sets it to \"gemini-api-key\")");
  check.repair = Repair{Repair::Kind::set_keys,
                        "gemini",
                        inputs.paths.gemini_settings,
                        {KeyEdit{key, config::Json(k_api_key_type), false}},
                        {file + ": security.auth.selectedType set to \"gemini-api-key\""}};
  return check;
}

fs::path
trusted_folders_file(const DoctorInputs& inputs)
{
  const auto custom = inputs.env.value("GEMINI_CLI_TRUSTED_FOLDERS_PATH");
  return custom ? fs::path(*custom) : inputs.paths.gemini_trusted_folders;
}

bool
within(const fs::path& folder, const fs::path& root)
{
  const auto relative = folder.lexically_normal().lexically_relative(root.lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// Whether trustedFolders.json trusts `folder`: a TRUST_FOLDER rule covers the folder and
// everything below it, a TRUST_PARENT rule the same from the rule's parent.
bool
folder_trusted(const DoctorInputs& inputs, const fs::path& folder)
{
  const auto* rules = document_at(inputs, trusted_folders_file(inputs), config::Format::jsonc);
  const auto all = rules ? rules->get({}) : std::nullopt;
  if (!all || !all->is_object()) {
    return false;
  }
  for (const auto& [path, level] : all->items()) {
    const fs::path root = level == "TRUST_PARENT" ? fs::path(path).parent_path() : fs::path(path);
    if ((level == "TRUST_FOLDER" || level == "TRUST_PARENT") && within(folder, root)) {
      return true;
    }
  }
  return false;
}

// Whether this Gemini CLI trusts no folder until told to (on by default since 0.29).
bool
trust_on_by_default(const DoctorInputs& inputs)
{
  const auto install = inputs.versions.find("gemini");
  if (install == inputs.versions.end() || !install->second.version) {
    return true;
  }
  return !breakage_for("gemini", *install->second.version, "gemini_folder_trust").empty();
}

Check
folder_trust_check(const DoctorInputs& inputs)
{
  const std::string project = shown(inputs, inputs.project);
  const Setting enabled = effective(inputs, {"security", "folderTrust", "enabled"});
  if (enabled.value == config::Json(false)
      || (!enabled.value && !trust_on_by_default(inputs))) {
    return passed(k_group, "gemini.folder_trust", "folder trust is off, so Gemini CLI reads "
                                                    + shown(inputs, inputs.paths.gemini_env)
                                                    + " in every folder");
  }
  if (inputs.env.value("GEMINI_CLI_TRUST_WORKSPACE") == "true") {
    return passed(k_group, "gemini.folder_trust",
                  "GEMINI_CLI_TRUST_WORKSPACE=true makes Gemini CLI trust every folder");
  }
  if (folder_trusted(inputs, inputs.project)) {
    return passed(k_group, "gemini.folder_trust",
                  "Gemini CLI trusts " + project + " ("
                    + shown(inputs, trusted_folders_file(inputs)) + ")");
  }
  const std::string trusted = util::shell_quote(inputs.project.string());
  return failed(k_group, "gemini.folder_trust",
                "Gemini CLI does not trust " + project + ": there it skips "
                  + shown(inputs, inputs.paths.gemini_env) + " and the gateway settings",
                "run: " + configure_command(inputs, "gemini", "--gemini-trust " + trusted)
                  + " (or --gemini-trust off)");
}

// The first .env Gemini CLI finds walking up from the project before it gets to ours.
std::optional<fs::path>
hiding_env_file(const DoctorInputs& inputs)
{
  std::error_code error;
  for (fs::path dir = inputs.project.lexically_normal(); !dir.empty(); dir = dir.parent_path()) {
    if (dir == inputs.paths.home) {
      return std::nullopt; // there ~/.gemini/.env itself comes first
    }
    for (const auto& candidate : {dir / ".gemini" / ".env", dir / ".env"}) {
      if (candidate != inputs.paths.gemini_env && fs::is_regular_file(candidate, error)) {
        return candidate;
      }
    }
    if (dir == dir.parent_path()) {
      break;
    }
  }
  return std::nullopt;
}

Check
env_hidden_check(const DoctorInputs& inputs)
{
  const std::string ours = shown(inputs, inputs.paths.gemini_env);
  const auto hiding = hiding_env_file(inputs);
  if (!hiding) {
    return passed(k_group, "gemini.env_hidden",
                  "no .env between " + shown(inputs, inputs.project) + " and ~ hides " + ours);
  }
  return failed(k_group, "gemini.env_hidden",
                shown(inputs, *hiding) + " is loaded instead of " + ours
                  + ": Gemini CLI reads only the first .env it finds walking up from "
                  + shown(inputs, inputs.project),
                "move what you need from " + shown(inputs, *hiding) + " into " + ours
                  + " and rename it, or run Gemini CLI from another folder");
}

Check
env_exported_check(const DoctorInputs& inputs)
{
  const auto* dotenv = document_at(inputs, inputs.paths.gemini_env, config::Format::dotenv);
  std::vector<std::string> exported;
  for (const auto& name : k_env_keys) {
    const auto value = inputs.env.get(name);
    const auto in_file = dotenv ? dotenv->get({name}) : std::nullopt;
    if (value && (!in_file || *in_file != config::Json(*value))) {
      exported.push_back(name);
    }
  }
  const std::string ours = shown(inputs, inputs.paths.gemini_env);
  if (exported.empty()) {
    return passed(k_group, "gemini.env_exported", "no exported variable overrides " + ours);
  }
  return failed(k_group, "gemini.env_exported",
                util::join(exported, ", ") + (exported.size() == 1 ? " is" : " are")
                  + " exported in this shell with another value, which Gemini CLI keeps over "
                  + ours,
                "unset " + util::join(exported, " ")
                  + " and remove the export from your shell profile");
}

std::set<std::string>
version_facts(const DoctorInputs& inputs)
{
  const auto* dotenv = document_at(inputs, inputs.paths.gemini_env, config::Format::dotenv);
  const auto model = dotenv ? dotenv->get({"GEMINI_MODEL"}) : std::nullopt;
  if (model && model->is_string()) {
    const std::string name = model->get<std::string>();
    if (name.starts_with("databricks-gemini-") && name.find("flash") != std::string::npos) {
      return {"gemini_flash_model"};
    }
  }
  return {};
}

} // namespace

std::vector<Check>
gemini_checks(const DoctorInputs& inputs)
{
  if (!agent_present(inputs, "gemini", inputs.paths.gemini_env.parent_path())) {
    return {};
  }
  auto checks = agent_file_checks(inputs, k_group, inputs.paths.gemini_settings,
                                  config::Format::jsonc, k_broken_settings);
  if (configured_summary(inputs, "gemini") != nullptr) {
    checks.push_back(selected_type_check(inputs));
    checks.push_back(folder_trust_check(inputs));
    checks.push_back(env_hidden_check(inputs));
    checks.push_back(env_exported_check(inputs));
  }
  auto versions = version_checks(inputs, "gemini", version_facts(inputs));
  checks.insert(checks.end(), versions.begin(), versions.end());
  return checks;
}

} // namespace aigw::core
