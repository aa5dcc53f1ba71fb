// SPDX-License-Identifier: MIT
// Claude Code checks (agents.md 1): its settings are strict JSON whose env values must all
// be strings (a number crashes it, anthropics/claude-code#45494); a credential exported in
// the shell outranks apiKeyHelper; managed settings and a project's own settings win over
// ~/.claude/settings.json key by key; a fresh install without onboarding marked done asks
// to log in before it reads the gateway settings (anthropics/claude-code#4714).
#include <filesystem>

#include "core/doctor_support.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "claude";
constexpr const char* k_broken_settings = "Claude Code skips a settings file with errors entirely";

// The settings a gateway setup depends on; another file that sets them decides instead.
const std::vector<config::KeyPath> k_gateway_keys{
  {"env", "ANTHROPIC_BASE_URL"}, {"env", "ANTHROPIC_AUTH_TOKEN"}, {"env", "ANTHROPIC_API_KEY"},
  {"env", "ANTHROPIC_MODEL"},    {"env", "ANTHROPIC_CUSTOM_HEADERS"}, {"apiKeyHelper"},
  {"forceLoginMethod"}};

const config::Document*
user_settings(const DoctorInputs& inputs)
{
  return inputs.files.load(inputs.paths.claude_settings, config::Format::json).document.get();
}

std::string
type_name(const config::Json& value)
{
  if (value.is_number()) {
    return "a number";
  }
  if (value.is_boolean()) {
    return "a boolean";
  }
  return value.is_null() ? "null" : value.is_array() ? "an array" : "an object";
}

// Whether the variable `name` may hold a credential (a word of it is TOKEN, KEY, SECRET or
// PASSWORD), whose value is then never shown.
bool
secret_name(const std::string& name)
{
  for (const auto& word : util::split(name, '_')) {
    if (word == "TOKEN" || word == "KEY" || word == "SECRET" || word == "PASSWORD") {
      return true;
    }
  }
  return false;
}

// The string a number or boolean stands for; nullopt when no string is certainly meant.
std::optional<std::string>
meant_string(const config::Json& value)
{
  if (value.is_number() || value.is_boolean()) {
    return value.dump();
  }
  return std::nullopt;
}

Check
env_strings_check(const DoctorInputs& inputs, const config::Document& settings)
{
  const std::string file = shown(inputs, inputs.paths.claude_settings);
  const auto env = settings.get({"env"});
  if (env && !env->is_object()) {
    return failed(k_group, "claude.env_not_string",
                  "env in " + file + " is " + type_name(*env) + ", not an object of strings; "
                    "Claude Code cannot read it",
                  "make it an object: \"env\": {\"NAME\": \"value\"}");
  }
  std::vector<std::string> keys;
  std::vector<std::string> meant;
  Repair repair{Repair::Kind::set_keys, "claude", inputs.paths.claude_settings, {}, {}};
  const config::Json members = env.value_or(config::Json::object());
  for (const auto& [name, value] : members.items()) {
    if (value.is_string()) {
      continue;
    }
    keys.push_back("env." + name + " (" + type_name(value) + ")");
    const auto text = meant_string(value);
    const std::string shown_text =
      text && !secret_name(name) ? config::Json(*text).dump() : "\"...\"";
    meant.push_back("\"" + name + "\": " + shown_text);
    if (text) {
      repair.edits.push_back(KeyEdit{{"env", name}, *text, secret_name(name)});
      repair.what.push_back(file + ": env." + name + " is now the string " + shown_text);
    }
  }
  if (keys.empty()) {
    return passed(k_group, "claude.env_not_string", "every env value in " + file + " is a string");
  }
  const bool fixable = repair.edits.size() == keys.size()
                       && inputs.manifest.find("claude", inputs.paths.claude_settings) != nullptr;
  Check check = failed(k_group, "claude.env_not_string",
                       util::join(keys, ", ") + " in " + file
                         + " must be a string; Claude Code crashes on it "
                           "(\"H.toLowerCase is not a function\")",
                       "write it as a string: " + util::join(meant, ", ")
                         + (fixable ? " (" + aigw_command(inputs, "doctor --fix") + " does it)"
                                    : ""));
  if (fixable) {
    check.repair = std::move(repair);
  }
  return check;
}

// In helper mode configure takes the credential variables out of the env block, so one
// exported in the shell is what Claude Code uses: it ranks above apiKeyHelper.
std::optional<Check>
shell_credential_check(const DoctorInputs& inputs, const config::Document& settings)
{
  if (!settings.get({"apiKeyHelper"}) || settings.get({"env", "ANTHROPIC_AUTH_TOKEN"})) {
    return std::nullopt;
  }
  std::vector<std::string> exported;
  for (const char* name : {"ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"}) {
    if (inputs.env.value(name) && !settings.get({"env", name})) {
      exported.emplace_back(name);
    }
  }
  if (exported.empty()) {
    return passed(k_group, "claude.shell_credential",
                  "no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY is exported above apiKeyHelper");
  }
  const bool one = exported.size() == 1;
  return failed(k_group, "claude.shell_credential",
                util::join(exported, " and ")
                  + (one ? " is exported in this shell and outranks" : " are exported in this "
                                                                        "shell and outrank")
                  + " apiKeyHelper: Claude Code sends " + (one ? "it" : "them")
                  + " instead of the gateway token",
                "unset " + util::join(exported, " ") + " and remove "
                  + (one ? "its export" : "their exports") + " from your shell profile");
}

// The gateway keys that `other` sets to something else than the user's settings do.
std::vector<std::string>
overridden_keys(const config::Document& other, const config::Document* user)
{
  std::vector<std::string> keys;
  for (const auto& key : k_gateway_keys) {
    const auto theirs = other.get(key);
    if (theirs && (user == nullptr || user->get(key) != theirs)) {
      keys.push_back(key_text(key));
    }
  }
  return keys;
}

std::vector<std::filesystem::path>
managed_files(const DoctorInputs& inputs)
{
  std::vector<std::filesystem::path> files{inputs.paths.claude_managed_settings};
  std::error_code error;
  const auto drop_ins = inputs.paths.claude_managed_settings.parent_path() / "managed-settings.d";
  for (const auto& entry : std::filesystem::directory_iterator(drop_ins, error)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".json") && !name.starts_with(".")) {
      files.push_back(entry.path());
    }
  }
  return files;
}

Check
managed_settings_check(const DoctorInputs& inputs)
{
  std::vector<std::string> found;
  for (const auto& path : managed_files(inputs)) {
    const LoadedFile& file = inputs.files.load(path, config::Format::json);
    if (!file.document) {
      continue; // absent, or broken: Claude Code then drops its invalid entries
    }
    const auto keys = overridden_keys(*file.document, user_settings(inputs));
    if (!keys.empty()) {
      found.push_back(shown(inputs, path) + " sets " + util::join(keys, ", "));
    }
  }
  if (found.empty()) {
    return passed(k_group, "claude.managed_settings",
                  "no managed settings override the gateway settings");
  }
  return failed(k_group, "claude.managed_settings",
                util::join(found, "; ") + ": managed settings win over "
                  + shown(inputs, inputs.paths.claude_settings),
                "ask whoever manages this machine to drop those keys or set them to the "
                "gateway's values (aigw-setup does not edit managed settings)");
}

std::optional<Check>
project_settings_check(const DoctorInputs& inputs)
{
  const auto dir = inputs.project / ".claude";
  if (inputs.project.empty() || dir / "settings.json" == inputs.paths.claude_settings) {
    return std::nullopt;
  }
  std::vector<std::string> found;
  for (const auto& path : {dir / "settings.json", dir / "settings.local.json"}) {
    const LoadedFile& file = inputs.files.load(path, config::Format::json);
    if (file.document) {
      const auto keys = overridden_keys(*file.document, user_settings(inputs));
      if (!keys.empty()) {
        found.push_back(shown(inputs, path) + " sets " + util::join(keys, ", "));
      }
    }
  }
  if (found.empty()) {
    return passed(k_group, "claude.project_settings",
                  "no project settings in " + shown(inputs, inputs.project)
                    + " override the gateway settings");
  }
  return warned(k_group, "claude.project_settings",
                util::join(found, "; ") + ", which wins over "
                  + shown(inputs, inputs.paths.claude_settings) + " in that project",
                "remove those keys there unless that project is meant to use another gateway");
}

std::optional<Check>
onboarding_check(const DoctorInputs& inputs)
{
  const auto& path = inputs.paths.claude_state;
  const LoadedFile& file = inputs.files.load(path, config::Format::json);
  if (file.exists && !file.document) {
    if (inputs.manifest.find("claude", path) != nullptr) {
      return std::nullopt; // the recorded file's own check says so
    }
    return unparsable(inputs, k_group, "claude.state_parses", path, *file.error,
                      "Claude Code stops with a configuration error");
  }
  if (file.document && file.document->get({"hasCompletedOnboarding"}) == config::Json(true)) {
    return passed(k_group, "claude.onboarding", shown(inputs, path) + " marks onboarding done");
  }
  // The relay is the agents' gateway in relay mode, so configure needs no URL then.
  const std::string options = relay_mode(inputs, "claude")
                                ? "--skip-onboarding"
                                : "--skip-onboarding --gateway URL (your gateway)";
  return warned(k_group, "claude.onboarding",
                shown(inputs, path) + " does not mark onboarding done: a fresh Claude Code asks "
                                      "to log in before it reads the gateway settings",
                "run: " + configure_command(inputs, "claude", options) + ", or log in once");
}

std::optional<Check>
key_helper_check(const DoctorInputs& inputs, const config::Document& settings)
{
  const auto helper = settings.get({"apiKeyHelper"});
  if (!helper || !helper->is_string()) {
    return std::nullopt;
  }
  return helper_program_check(inputs, k_group, "claude.key_helper", "apiKeyHelper",
                              first_shell_word(helper->get<std::string>()));
}

} // namespace

std::vector<Check>
claude_checks(const DoctorInputs& inputs)
{
  if (!agent_present(inputs, "claude", inputs.paths.claude_settings.parent_path())) {
    return {};
  }
  const bool configured = configured_summary(inputs, "claude") != nullptr;
  auto checks = agent_file_checks(inputs, k_group, inputs.paths.claude_settings,
                                  config::Format::json, k_broken_settings);

  const config::Document* settings = user_settings(inputs);
  if (settings != nullptr) {
    checks.push_back(env_strings_check(inputs, *settings));
  }
  if (configured) {
    if (settings != nullptr) {
      add_check(checks, shell_credential_check(inputs, *settings));
    }
    checks.push_back(managed_settings_check(inputs));
    add_check(checks, project_settings_check(inputs));
    add_check(checks, onboarding_check(inputs));
    if (settings != nullptr) {
      add_check(checks, key_helper_check(inputs, *settings));
    }
  }
  auto versions = version_checks(inputs, "claude", {});
  checks.insert(checks.end(), versions.begin(), versions.end());
  return checks;
}

} // namespace aigw::core
