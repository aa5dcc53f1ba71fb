// SPDX-License-Identifier: MIT
// `doctor`: checks that each end in PASS, WARN or FAIL with one line of cause and, unless
// they pass, one line of remedy. Every check is a function of one DoctorInputs (paths, a
// snapshot of the environment, the manifest, the installed agents' versions, the project
// folder and the time), so tests hand it fixtures and never change the real environment.
// The checks live one file per group (doctor_claude.cpp, doctor_codex.cpp, ...). A check
// that `doctor --fix` can repair carries its Repair; doctor_fix.cpp applies repairs
// through the change engine, the way configure writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "core/changes.hpp"
#include "core/manifest.hpp"
#include "core/paths.hpp"
#include "core/plan.hpp"

namespace aigw::core {

enum class Level { pass, warn, fail };

// "pass", "warn" or "fail".
std::string to_string(Level level);

// A change `doctor --fix` may make. Only repairs that are certainly safe exist: a value
// put back to what configure wrote (its hash in the manifest proves it), a value an agent
// crashes on turned into the string it means, the legacy Codex profile form moved the way
// configure moves it.
struct Repair
{
  enum class Kind { set_keys, migrate_codex_profiles };

  Kind kind = Kind::set_keys;
  std::string agent;
  std::filesystem::path file;
  std::vector<KeyEdit> edits;    // set_keys: edits of a file the manifest records
  std::vector<std::string> what; // one line per edit for the report, never a secret
};

struct Check
{
  std::string group; // claude, codex, gemini, cursor, databricks, environment, network
  std::string id;    // stable, for --json: "claude.env_not_string"
  Level level = Level::pass;
  std::string cause;  // one line
  std::string remedy; // one line; empty for a pass
  std::optional<Repair> repair;
};

// A snapshot of the environment variables. Unlike EnvLookup it keeps variables set to ""
// apart from unset ones: Gemini CLI, for one, keeps an exported empty value over its .env.
struct Environment
{
  std::map<std::string, std::string> vars;

  // The value of `name` when it is set, even to "".
  std::optional<std::string> get(const std::string& name) const;

  // The value of `name` when it is set to something other than "".
  std::optional<std::string> value(const std::string& name) const;
};

// The variables of this process.
Environment process_environment();

// What `<agent> --version` told, for the agent's binary found on PATH.
struct AgentInstall
{
  std::optional<std::filesystem::path> binary;
  std::optional<std::string> version; // "2.1.230"; nullopt when it did not say
};

using InstalledVersions = std::map<std::string, AgentInstall>; // by agent name

// Find each agent's binary on `path_variable` (a PATH value) and run `<binary> --version`,
// all of them at once, each stopped after `timeout`.
InstalledVersions probe_versions(const std::string& path_variable,
                                 std::chrono::milliseconds timeout);

// A config file as doctor read it: once per run, however many checks look at it.
struct LoadedFile
{
  bool exists = false;
  std::string bytes;
  std::unique_ptr<config::Document> document; // set when it parsed
  std::optional<config::ParseError> error;    // set when it did not, or could not be read
};

class FileCache
{
public:
  // The file at `path` read and parsed as `format`.
  const LoadedFile& load(const std::filesystem::path& path, config::Format format);

private:
  std::map<std::filesystem::path, LoadedFile> m_files;
};

using SystemTime = std::chrono::system_clock::time_point;

struct DoctorInputs
{
  Paths paths;
  Environment env;
  Manifest manifest;
  InstalledVersions versions;
  std::filesystem::path project; // the folder the agents run in (.env files, trust)
  SystemTime now{};
  // How configure wrote the token helper: this binary, and --home when one was given.
  std::string self_executable;
  std::optional<std::filesystem::path> explicit_home;
  mutable FileCache files;
};

// The checks of each group, in the order they are printed.
std::vector<Check> claude_checks(const DoctorInputs& inputs);
std::vector<Check> codex_checks(const DoctorInputs& inputs);
std::vector<Check> gemini_checks(const DoctorInputs& inputs);
std::vector<Check> cursor_checks(const DoctorInputs& inputs);
std::vector<Check> databricks_checks(const DoctorInputs& inputs);
std::vector<Check> environment_checks(const DoctorInputs& inputs);

// Every check that needs no network, group after group.
std::vector<Check> local_checks(const DoctorInputs& inputs);

// What one round trip of `test` gave, as doctor needs it. This is the seam to the round
// trips (core/round_trip.hpp): the command runs them and doctor turns what they gave into
// checks of the network group, so these checks are tested without a server.
struct RouteOutcome
{
  std::string route;   // "claude", "codex", "gemini", "cursor", "otel-metrics", ...
  std::string url;     // redacted
  std::string verdict; // the stable verdict id of `test`: "pass", "token_invalid", ...
  std::string cause;
  std::string remedy;
  std::optional<std::string> date_header; // the reply's Date, for the clock check
  SystemTime received_at{};
};

// One check per route, then the clock against the replies' Date headers.
std::vector<Check> network_checks(const std::vector<RouteOutcome>& outcomes);

// The check for the clock against `date_header` (an HTTP date) received at `received_at`.
Check clock_check(const std::string& date_header, SystemTime received_at);

struct Tally
{
  int passed = 0;
  int warnings = 0;
  int failed = 0;
};

Tally tally(const std::vector<Check>& checks);

// "3 passed, 1 warning, 2 failed".
std::string summary_line(const Tally& counts);

// ---------------------------------------------------------------------------- known breakage

// One entry of templates/known-breakage.json.
struct Breakage
{
  std::string agent;
  std::string versions; // ">=0.131.0", "<0.19.0", ">=0.29.0 <1.0.0"
  std::string when;     // "" (always), or the condition a check tests: "codex_legacy_profile"
  Level level = Level::warn;
  std::string breaks; // what goes wrong
  std::string remedy; // what to do
  std::string source; // issue, commit or doc
};

// The table compiled into the binary.
const std::vector<Breakage>& known_breakage();

// Parse the text of known-breakage.json; the message names the entry that is wrong.
util::Result<std::vector<Breakage>> parse_breakage(const std::string& text);

// Whether `version` ("0.171.0", "0.19.0-preview.1") is inside `range`.
bool version_in_range(const std::string& version, const std::string& range);

// The entries for `agent` at `version` whose condition is `when`.
std::vector<Breakage> breakage_for(const std::string& agent, const std::string& version,
                                   const std::string& when);

// ---------------------------------------------------------------------------- --fix

struct FixOutcome
{
  std::vector<FileReport> files; // what was (or, in a dry run, would be) written
  std::vector<std::string> changed; // "~/.claude/settings.json: env.X is now the string ..."
  std::vector<std::string> skipped; // repairs that could not be made, and why
};

// Make the repairs of `checks` through the change engine: backups, the manifest, the safe
// writer. The caller holds the run lock.
util::Result<FixOutcome> apply_repairs(const std::vector<Check>& checks,
                                       const DoctorInputs& inputs, DryRun dry_run);

} // namespace aigw::core
