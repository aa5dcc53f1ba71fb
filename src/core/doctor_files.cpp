// SPDX-License-Identifier: MIT
// The files configure recorded: each must parse and still hold every key configure wrote.
// The manifest keeps only a hash of each value written (a token must not sit in it), so
// to put a changed key back doctor rebuilds the agent's plan from what the manifest does
// keep (route, model, secrets mode, auth) and the stored credential, and trusts a rebuilt
// value only when its hash is the one configure recorded: then it is exactly that value.
#include <algorithm>

#include "core/credentials.hpp"
#include "core/doctor_support.hpp"
#include "net/relay_config.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

std::string
text_field(const config::Json& summary, const char* name)
{
  const auto found = summary.find(name);
  return found != summary.end() && found->is_string() ? found->get<std::string>() : "";
}

// The token configure gave the agents: the relay key with --auth relay, else the stored
// credential. An empty one when neither is there (no value built from it will match).
util::Secret
configured_token(const DoctorInputs& inputs, const config::Json& summary)
{
  if (text_field(summary, "auth") == "relay") {
    auto key = util::read_file_if_exists(net::default_key_file(inputs.paths));
    if (key && key->has_value()) {
      return util::Secret(std::string(util::trim(**key)));
    }
    return util::Secret();
  }
  auto credential = load_credential(inputs.paths.credentials_file());
  if (!credential) {
    return util::Secret();
  }
  const EnvLookup env = [&inputs](const std::string& name) { return inputs.env.value(name); };
  auto token = current_token(*credential, env);
  return token ? std::move(*token) : util::Secret();
}

void
set_route(ConfigureRequest& request, const std::string& agent, const std::string& route)
{
  if (route.empty()) {
    return;
  }
  (agent == "claude"  ? request.routes.claude
   : agent == "codex" ? request.routes.codex
   : agent == "gemini" ? request.routes.gemini
                       : request.routes.cursor) = route;
}

// Gemini's trust: the folder configure trusted, or folder trust switched off.
void
set_gemini_trust(ConfigureRequest& request, const DoctorInputs& inputs)
{
  request.gemini_trust = GeminiTrust::trust_off;
  const auto* record = inputs.manifest.find("gemini", inputs.paths.gemini_trusted_folders);
  if (record != nullptr && !record->keys.empty() && record->keys.front().path.size() == 1) {
    request.gemini_trust = GeminiTrust::trust_folder;
    request.gemini_trust_folder = record->keys.front().path.front();
  }
}

const FilePlan*
file_plan(const AgentPlan& plan, const std::filesystem::path& file)
{
  for (const auto& candidate : plan.files) {
    if (candidate.path == file) {
      return &candidate;
    }
  }
  return nullptr;
}

// The rebuilt value of `key`, when its hash proves it is what configure wrote.
std::optional<std::optional<config::Json>>
proved_value(const FilePlan& plan, const FileRecord& record, const config::KeyPath& key)
{
  const auto owned = std::find_if(record.keys.begin(), record.keys.end(),
                                  [&](const OwnedKey& known) { return known.path == key; });
  const auto edit = std::find_if(plan.edits.begin(), plan.edits.end(),
                                 [&](const KeyEdit& candidate) { return candidate.path == key; });
  if (owned == record.keys.end() || edit == plan.edits.end()
      || value_hash(edit->value) != owned->written_hash) {
    return std::nullopt;
  }
  return edit->value;
}

// Whether `plan` writes every key `record` owns with the value configure wrote, and owned
// keys only that way (the engine would otherwise take back the keys it leaves out).
bool
plan_proved(const FilePlan& plan, const FileRecord& record)
{
  return std::all_of(record.keys.begin(), record.keys.end(), [&](const OwnedKey& key) {
    return proved_value(plan, record, key.path).has_value();
  });
}

std::optional<AgentPlan>
configured_plan(const DoctorInputs& inputs, const std::string& agent)
{
  const auto request = configured_request(inputs, agent);
  if (!request) {
    return std::nullopt;
  }
  auto plan = plan_agent(agent, *request, inputs.paths);
  return plan ? std::optional<AgentPlan>(std::move(*plan)) : std::nullopt;
}

// The keys of `record` that `document` no longer holds as configure wrote them, and the
// repair of those whose written value can be proved.
Check
changed_keys_check(const DoctorInputs& inputs, const FileRecord& record,
                   const config::Document& document, std::optional<AgentPlan>& plan)
{
  const std::string& agent = record.agent;
  std::vector<std::string> changed;
  Repair repair{Repair::Kind::set_keys, agent, record.path, {}, {}};
  for (const auto& key : record.keys) {
    if (value_hash(document.get(key.path)) == key.written_hash) {
      continue;
    }
    changed.push_back(key_text(key.path));
    if (!plan) {
      plan = configured_plan(inputs, agent); // rebuilt once per agent, and only when needed
    }
    const FilePlan* rebuilt = plan ? file_plan(*plan, record.path) : nullptr;
    if (auto value = rebuilt ? proved_value(*rebuilt, record, key.path) : std::nullopt) {
      repair.edits.push_back(KeyEdit{key.path, *value, key.secret});
      repair.what.push_back(shown(inputs, record.path) + ": " + key_text(key.path)
                            + " put back to what configure wrote");
    }
  }
  const std::string file = shown(inputs, record.path);
  if (changed.empty()) {
    return passed(agent, agent + ".file_as_written",
                  file + " parses and holds what configure wrote");
  }

  const bool all_proved = repair.edits.size() == changed.size();
  Check check = warned(agent, agent + ".file_as_written",
                       file + ": " + util::join(changed, ", ")
                         + (changed.size() == 1 ? " was" : " were")
                         + " changed since configure wrote it",
                       all_proved ? "run: " + aigw_command(inputs, "doctor --fix")
                                      + " (puts back what configure wrote), or keep the change "
                                        "if you made it on purpose"
                                  : "run " + configure_command(inputs, agent)
                                      + " again with the options you used, or keep the change "
                                        "if you made it on purpose");
  if (all_proved) {
    check.repair = std::move(repair);
  }
  return check;
}

// One check for one recorded file: missing, unparsable, changed, or as written.
Check
recorded_file_check(const DoctorInputs& inputs, const FileRecord& record,
                    const std::string& consequence, std::optional<AgentPlan>& plan)
{
  const std::string& agent = record.agent;
  const auto format = format_from_name(record.format).value_or(config::Format::json);
  const LoadedFile& file = inputs.files.load(record.path, format);
  if (!file.exists) {
    return failed(agent, agent + ".file_missing",
                  shown(inputs, record.path) + " is gone; " + agent_title(agent)
                    + " needs what configure wrote there",
                  "run: " + configure_command(inputs, agent));
  }
  if (!file.document) {
    return unparsable(inputs, agent, agent + ".file_parses", record.path, *file.error,
                      consequence);
  }
  return changed_keys_check(inputs, record, *file.document, plan);
}

} // namespace

std::optional<ConfigureRequest>
configured_request(const DoctorInputs& inputs, const std::string& agent)
{
  const config::Json* summary = configured_summary(inputs, agent);
  if (summary == nullptr || !summary->is_object()) {
    return std::nullopt;
  }
  ConfigureRequest request;
  set_route(request, agent, text_field(*summary, "route"));
  request.secrets = text_field(*summary, "secrets") == "inline" ? SecretsMode::inline_token
                                                                : SecretsMode::helper;
  request.token = configured_token(inputs, *summary);

  const std::string model = text_field(*summary, "model");
  (agent == "claude" ? request.claude_model
   : agent == "codex" ? request.codex_model
                      : request.gemini_model) = model;
  if (const auto models = summary->find("models"); models != summary->end()) {
    for (const auto& name : *models) {
      request.cursor_models.push_back(name.is_string() ? name.get<std::string>() : "");
    }
  }
  if (const std::string version = text_field(*summary, "codex_version"); !version.empty()) {
    request.codex_version = version;
  }

  request.skip_onboarding = inputs.manifest.find("claude", inputs.paths.claude_state) != nullptr;
  request.cursor_write_state =
    inputs.manifest.find("cursor", inputs.paths.cursor_state_db) != nullptr;
  set_gemini_trust(request, inputs);
  request.self_executable = inputs.self_executable;
  request.explicit_home = inputs.explicit_home;
  return request;
}

std::optional<std::optional<config::Json>>
written_value(const DoctorInputs& inputs, const std::string& agent,
              const std::filesystem::path& file, const config::KeyPath& key)
{
  const FileRecord* record = inputs.manifest.find(agent, file);
  if (record == nullptr) {
    return std::nullopt;
  }
  const auto plan = configured_plan(inputs, agent);
  const FilePlan* rebuilt = plan ? file_plan(*plan, file) : nullptr;
  return rebuilt ? proved_value(*rebuilt, *record, key) : std::nullopt;
}

std::optional<AgentPlan>
codex_migration_plan(const DoctorInputs& inputs)
{
  auto request = configured_request(inputs, "codex");
  if (!request) {
    return std::nullopt;
  }
  request->migrate_codex_profiles = true;
  auto plan = plan_codex(*request, inputs.paths);
  if (!plan) {
    return std::nullopt;
  }
  for (const auto& file : plan->files) {
    const FileRecord* record = inputs.manifest.find("codex", file.path);
    if (record != nullptr && !plan_proved(file, *record)) {
      return std::nullopt;
    }
  }
  return std::move(*plan);
}

std::vector<Check>
recorded_file_checks(const DoctorInputs& inputs, const std::string& agent,
                     const std::string& consequence)
{
  std::vector<Check> checks;
  std::optional<AgentPlan> plan;
  for (const FileRecord* record : inputs.manifest.records_of(agent)) {
    checks.push_back(recorded_file_check(inputs, *record, consequence, plan));
  }
  return checks;
}

} // namespace aigw::core
