// SPDX-License-Identifier: MIT
// What the doctor_*.cpp files share: building checks, showing paths, what configure
// recorded for an agent, the checks every recorded file gets (it parses; it still holds
// what configure wrote), the values configure wrote (proved by the manifest's hashes), and
// the version check against the known-breakage table.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/agents.hpp"
#include "core/doctor.hpp"

namespace aigw::core {

Check passed(std::string group, std::string id, std::string cause);
Check warned(std::string group, std::string id, std::string cause, std::string remedy);
Check failed(std::string group, std::string id, std::string cause, std::string remedy);

// `path` with the home folder written as "~".
std::string shown(const DoctorInputs& inputs, const std::filesystem::path& path);

// "Claude Code", "Codex", "Gemini CLI", "Cursor".
std::string agent_title(const std::string& agent);

// What configure recorded for `agent` (route, model, secrets, auth), or nullptr.
const config::Json* configured_summary(const DoctorInputs& inputs, const std::string& agent);

// Whether the agent is worth a group: configured, its binary found, or its folder present.
bool agent_present(const DoctorInputs& inputs, const std::string& agent,
                   const std::filesystem::path& folder);

// Whether a configure run for `agent` ("" for the whole setup) keeps relay mode: its
// record says --auth relay, or, for an agent not configured yet, another agent's does.
// Never for Cursor: its requests come from Cursor's servers, which cannot reach the relay.
bool relay_mode(const DoctorInputs& inputs, const std::string& agent);

// `args` ("doctor --fix") as an aigw-setup command line on the home doctor checked:
// --home when doctor was given one. Never a secret: only options that name places.
std::string aigw_command(const DoctorInputs& inputs, const std::string& args);

// The configure run for `agent` ("" for the whole setup) that keeps the current setup:
// --home as doctor had it, --auth relay in relay mode, then `args`.
std::string configure_command(const DoctorInputs& inputs, const std::string& agent,
                              const std::string& args = "");

// The check that says `agent` is here but not set up for the gateway.
Check not_configured(const DoctorInputs& inputs, const std::string& agent);

// The checks every agent group starts with: configured, the recorded files' checks; not
// configured, `<agent>.configured` and whether its main file `path` parses.
std::vector<Check> agent_file_checks(const DoctorInputs& inputs, const std::string& agent,
                                     const std::filesystem::path& path, config::Format format,
                                     const std::string& consequence);

// For every file configure recorded for `agent`: does it parse, and does it still hold
// each key configure wrote. `consequence` says what the agent does with a broken file.
std::vector<Check> recorded_file_checks(const DoctorInputs& inputs, const std::string& agent,
                                        const std::string& consequence);

// `<group>.file_parses` for the file at `path`: PASS when it parses or does not exist yet.
Check parse_check(const DoctorInputs& inputs, const std::string& group,
                  const std::filesystem::path& path, config::Format format,
                  const std::string& consequence);

// The check for a file that does not parse, with `consequence` ("Codex refuses to start").
Check unparsable(const DoctorInputs& inputs, const std::string& group, const std::string& id,
                 const std::filesystem::path& path, const config::ParseError& error,
                 const std::string& consequence);

// The request configure was given for `agent`, rebuilt from the manifest, the credential
// and the relay key. Fields the manifest does not keep (extra headers) are left empty:
// values built from it are only trusted once their hash matches what configure wrote.
std::optional<ConfigureRequest> configured_request(const DoctorInputs& inputs,
                                                   const std::string& agent);

// The value configure wrote at `key` of `file` for `agent`, when rebuilding it gives a
// value whose hash is the one the manifest keeps; nullopt when that cannot be proved.
std::optional<std::optional<config::Json>> written_value(const DoctorInputs& inputs,
                                                         const std::string& agent,
                                                         const std::filesystem::path& file,
                                                         const config::KeyPath& key);

// Codex's plan with --codex-migrate-profiles, rebuilt from the manifest, when every key it
// writes that configure owned before is proved to be what configure wrote (so applying it
// changes only the profiles); nullopt when Codex is not configured or that is not proved.
std::optional<AgentPlan> codex_migration_plan(const DoctorInputs& inputs);

// The version checks of `agent` for the conditions in `facts` ("" always applies).
std::vector<Check> version_checks(const DoctorInputs& inputs, const std::string& agent,
                                  const std::set<std::string>& facts);

// The one-line cause of a known-breakage entry for `agent` at `version`.
std::string breakage_cause(const Breakage& entry, const std::string& agent,
                           const std::string& version);

// Append `check` to `checks` when there is one.
void add_check(std::vector<Check>& checks, std::optional<Check> check);

// The program of a /bin/sh command line: its first word, with '...' quotes taken off.
std::string first_shell_word(const std::string& command);

// Whether the program a token helper (`setting`: "apiKeyHelper", "auth.command") runs is
// still there. nullopt when `program` is not an absolute path (PATH decides then).
std::optional<Check> helper_program_check(const DoctorInputs& inputs, const std::string& group,
                                          const std::string& id, const std::string& setting,
                                          const std::string& program);

// "env.ANTHROPIC_MODEL" for {"env", "ANTHROPIC_MODEL"}.
std::string key_text(const config::KeyPath& key);

// The first match of a.b.c version numbers in `text`.
std::optional<std::string> find_version(const std::string& text);

} // namespace aigw::core
