// SPDX-License-Identifier: MIT
// The parts of doctor every group uses: the environment snapshot, the file cache, building
// and counting checks, and the order in which the groups run.
#include "core/doctor.hpp"

#include <algorithm>
#include <filesystem>

#include <unistd.h>

#include "core/doctor_support.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

extern char** environ;

namespace aigw::core {

std::string
to_string(Level level)
{
  switch (level) {
  case Level::pass:
    return "pass";
  case Level::warn:
    return "warn";
  case Level::fail:
    return "fail";
  }
  return "fail";
}

std::optional<std::string>
Environment::get(const std::string& name) const
{
  const auto found = vars.find(name);
  return found == vars.end() ? std::nullopt : std::optional<std::string>(found->second);
}

std::optional<std::string>
Environment::value(const std::string& name) const
{
  auto found = get(name);
  return found && !found->empty() ? found : std::nullopt;
}

Environment
process_environment()
{
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals != std::string_view::npos) {
      env.vars.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return env;
}

const LoadedFile&
FileCache::load(const std::filesystem::path& path, config::Format format)
{
  if (const auto found = m_files.find(path); found != m_files.end()) {
    return found->second;
  }
  LoadedFile& file = m_files[path];
  auto content = util::read_file_if_exists(path);
  if (!content) {
    file.exists = true;
    file.error = config::ParseError{0, 0, content.error().message};
    return file;
  }
  if (!content->has_value()) {
    return file;
  }
  file.exists = true;
  file.bytes = std::move(**content);
  auto document = config::parse_document(format, file.bytes);
  if (document) {
    file.document = std::move(*document);
  } else {
    file.error = document.error();
  }
  return file;
}

Check
passed(std::string group, std::string id, std::string cause)
{
  return Check{std::move(group), std::move(id), Level::pass, std::move(cause), {}, {}};
}

Check
warned(std::string group, std::string id, std::string cause, std::string remedy)
{
  return Check{std::move(group), std::move(id), Level::warn, std::move(cause),
               std::move(remedy), {}};
}

Check
failed(std::string group, std::string id, std::string cause, std::string remedy)
{
  return Check{std::move(group), std::move(id), Level::fail, std::move(cause),
               std::move(remedy), {}};
}

std::string
shown(const DoctorInputs& inputs, const std::filesystem::path& path)
{
  return shown_path(inputs.paths.home, path);
}

std::string
agent_title(const std::string& agent)
{
  if (agent == "claude") {
    return "Claude Code";
  }
  if (agent == "codex") {
    return "Codex";
  }
  if (agent == "gemini") {
    return "Gemini CLI";
  }
  return agent == "cursor" ? "Cursor" : agent;
}

const config::Json*
configured_summary(const DoctorInputs& inputs, const std::string& agent)
{
  const auto found = inputs.manifest.agents.find(agent);
  return found == inputs.manifest.agents.end() ? nullptr : &found->second;
}

bool
agent_present(const DoctorInputs& inputs, const std::string& agent,
              const std::filesystem::path& folder)
{
  if (configured_summary(inputs, agent) != nullptr) {
    return true;
  }
  const auto install = inputs.versions.find(agent);
  if (install != inputs.versions.end() && install->second.binary) {
    return true;
  }
  std::error_code error;
  return std::filesystem::is_directory(folder, error);
}

bool
relay_mode(const DoctorInputs& inputs, const std::string& agent)
{
  const auto uses_relay = [](const config::Json& summary) {
    return summary.is_object() && summary.value("auth", std::string()) == "relay";
  };
  if (agent == "cursor") {
    return false;
  }
  if (const auto* summary = agent.empty() ? nullptr : configured_summary(inputs, agent)) {
    return uses_relay(*summary);
  }
  return std::any_of(inputs.manifest.agents.begin(), inputs.manifest.agents.end(),
                     [&](const auto& entry) {
                       return entry.first != "cursor" && uses_relay(entry.second);
                     });
}

std::string
aigw_command(const DoctorInputs& inputs, const std::string& args)
{
  return aigw_invocation(inputs.explicit_home) + " " + args;
}

std::string
configure_command(const DoctorInputs& inputs, const std::string& agent, const std::string& args)
{
  std::string line = aigw_command(inputs, "configure");
  if (!agent.empty()) {
    line += " " + agent;
  }
  if (relay_mode(inputs, agent)) {
    line += " --auth relay";
  }
  // Without it a new run would leave the old values in Cursor's state database.
  if (agent == "cursor" && inputs.manifest.find("cursor", inputs.paths.cursor_state_db)) {
    line += " --cursor-write-state";
  }
  return args.empty() ? line : line + " " + args;
}

Check
not_configured(const DoctorInputs& inputs, const std::string& agent)
{
  return warned(agent, agent + ".configured",
                agent_title(agent) + " is here but not set up for the gateway",
                "run: " + configure_command(inputs, agent));
}

std::vector<Check>
agent_file_checks(const DoctorInputs& inputs, const std::string& agent,
                  const std::filesystem::path& path, config::Format format,
                  const std::string& consequence)
{
  if (configured_summary(inputs, agent) != nullptr) {
    return recorded_file_checks(inputs, agent, consequence);
  }
  return {not_configured(inputs, agent), parse_check(inputs, agent, path, format, consequence)};
}

Check
unparsable(const DoctorInputs& inputs, const std::string& group, const std::string& id,
           const std::filesystem::path& path, const config::ParseError& error,
           const std::string& consequence)
{
  if (error.line == 0) {
    return failed(group, id, "cannot read " + shown(inputs, path) + ": " + error.message,
                  "make the file readable by you (ls -l " + shown(inputs, path) + ")");
  }
  const std::string where = std::to_string(error.line) + ":" + std::to_string(error.column);
  return failed(group, id,
                shown(inputs, path) + ":" + where + ": " + error.message + "; " + consequence,
                "correct the file at line " + std::to_string(error.line) + ", column "
                  + std::to_string(error.column) + " (" + aigw_command(inputs, "status")
                  + " lists its backups)");
}

void
add_check(std::vector<Check>& checks, std::optional<Check> check)
{
  if (check) {
    checks.push_back(std::move(*check));
  }
}

std::string
first_shell_word(const std::string& command)
{
  std::string word;
  std::size_t at = command.find_first_not_of(" \t");
  for (; at < command.size() && command[at] != ' ' && command[at] != '\t'; ++at) {
    if (command[at] == '\'') {
      const std::size_t close = command.find('\'', at + 1);
      word += command.substr(at + 1, close - at - 1);
      at = close == std::string::npos ? command.size() : close;
    } else if (command[at] == '\\' && at + 1 < command.size()) {
      word += command[++at];
    } else {
      word += command[at];
    }
  }
  return word;
}

std::optional<Check>
helper_program_check(const DoctorInputs& inputs, const std::string& group,
                     const std::string& id, const std::string& setting,
                     const std::string& program)
{
  if (!std::filesystem::path(program).is_absolute()) {
    return std::nullopt;
  }
  if (::access(program.c_str(), X_OK) == 0) {
    return passed(group, id, setting + " runs " + shown(inputs, program) + ", which is there");
  }
  return failed(group, id,
                setting + " runs " + shown(inputs, program)
                  + ", which is not there: " + agent_title(group) + " gets no token",
                "run " + configure_command(inputs, group) + " again with the aigw-setup you use "
                                                            "now");
}

Check
parse_check(const DoctorInputs& inputs, const std::string& group,
            const std::filesystem::path& path, config::Format format,
            const std::string& consequence)
{
  const LoadedFile& file = inputs.files.load(path, format);
  if (file.exists && !file.document) {
    return unparsable(inputs, group, group + ".file_parses", path, *file.error, consequence);
  }
  return passed(group, group + ".file_parses",
                shown(inputs, path) + (file.exists ? " parses" : " does not exist yet"));
}

std::string
key_text(const config::KeyPath& key)
{
  return util::join(key, ".");
}

Tally
tally(const std::vector<Check>& checks)
{
  Tally counts;
  for (const auto& check : checks) {
    switch (check.level) {
    case Level::pass:
      ++counts.passed;
      break;
    case Level::warn:
      ++counts.warnings;
      break;
    case Level::fail:
      ++counts.failed;
      break;
    }
  }
  return counts;
}

std::string
summary_line(const Tally& counts)
{
  return std::to_string(counts.passed) + " passed, " + std::to_string(counts.warnings)
         + (counts.warnings == 1 ? " warning, " : " warnings, ") + std::to_string(counts.failed)
         + " failed";
}

std::vector<Check>
local_checks(const DoctorInputs& inputs)
{
  std::vector<Check> checks;
  for (const auto group : {claude_checks, codex_checks, gemini_checks, cursor_checks,
                           databricks_checks, environment_checks}) {
    auto more = group(inputs);
    checks.insert(checks.end(), std::make_move_iterator(more.begin()),
                  std::make_move_iterator(more.end()));
  }
  return checks;
}

} // namespace aigw::core
