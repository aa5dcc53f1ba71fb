// SPDX-License-Identifier: MIT
// What the doctor tests share: a scratch home configured by the real binary, the
// DoctorInputs for it (system files moved under the home, a fixed clock, no real
// environment), fake agent binaries that print a version, and finding a check by id.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/doctor.hpp"
#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace aigw::test {

inline const std::string k_doctor_token = "dapi-doctor-token-7c1e";

// 2026-12-04T12:00:00Z, the time every doctor test runs at.
inline core::SystemTime
doctor_now()
{
  return core::SystemTime(std::chrono::seconds(1796385600));
}

// A home below `dir`, copied from fixtures/`fixture_home` when one is named.
inline std::filesystem::path
doctor_home(const TempDir& dir, const std::string& fixture_home = "")
{
  const auto home = dir / "home";
  std::filesystem::create_directories(home / "project");
  if (!fixture_home.empty()) {
    copy_tree(fixture(fixture_home), home);
  }
  return home;
}

// Run `aigw-setup --home HOME configure ARGS --gateway https://gw.example.com --token-stdin
// --gemini-trust off` with `env` and `token` on stdin; ARGS with --workspace, --token-env
// or --gemini-trust replace the matching default.
inline void
configure_home(const std::filesystem::path& home, std::vector<std::string> args,
               const std::map<std::string, std::string>& env = {},
               const std::string& token = k_doctor_token)
{
  std::vector<std::string> all{"--home", home.string(), "configure"};
  all.insert(all.end(), args.begin(), args.end());
  if (std::find(args.begin(), args.end(), "--workspace") == args.end()) {
    all.emplace_back("--gateway");
    all.emplace_back("https://gw.example.com");
  }
  if (std::find(args.begin(), args.end(), "--token-env") == args.end()) {
    all.emplace_back("--token-stdin");
  }
  if (std::find(args.begin(), args.end(), "--gemini-trust") == args.end()) {
    all.emplace_back("--gemini-trust");
    all.emplace_back("off");
  }
  const auto result = run_cli(all, token + "\n", env);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
}

inline core::DoctorInputs
doctor_inputs(const std::filesystem::path& home, core::Environment env = {},
              core::InstalledVersions versions = {})
{
  const core::EnvLookup none = [](const std::string&) { return std::optional<std::string>(); };
  core::DoctorInputs inputs;
  inputs.paths =
    core::resolve_paths(core::Platform::linux, home, core::HomeSource::explicit_home, none);
  inputs.paths.claude_managed_settings = home / "etc/claude-code/managed-settings.json";
  inputs.paths.gemini_system_settings = home / "etc/gemini-cli/settings.json";
  inputs.paths.codex_system_config = home / "etc/codex/config.toml";
  auto manifest = core::load_manifest(inputs.paths.state_file());
  REQUIRE(manifest);
  inputs.manifest = std::move(*manifest);
  inputs.env = std::move(env);
  inputs.versions = std::move(versions);
  inputs.project = home / "project";
  inputs.now = doctor_now();
  inputs.self_executable = AIGW_BINARY;
  inputs.explicit_home = home;
  return inputs;
}

// How doctor's remedies run aigw-setup on `home`: doctor_inputs() gives it as --home.
inline std::string
aigw_on(const std::filesystem::path& home)
{
  return "aigw-setup --home " + home.string();
}

// Installed versions as probe_versions() would report them.
inline core::InstalledVersions
installed(const std::map<std::string, std::string>& versions)
{
  core::InstalledVersions result;
  for (const auto& [agent, version] : versions) {
    result[agent] = core::AgentInstall{"/opt/bin/" + agent, version};
  }
  return result;
}

// Small scripts in `dir` that print what each agent's --version prints.
inline void
fake_agents(const std::filesystem::path& dir, const std::map<std::string, std::string>& outputs)
{
  std::filesystem::create_directories(dir);
  for (const auto& [name, output] : outputs) {
    write_bytes(dir / name, "#!/bin/sh\necho '" + output + "'\n");
    std::filesystem::permissions(dir / name, std::filesystem::perms::owner_all);
  }
}

// The checks with `id`, in order.
inline std::vector<core::Check>
checks_with(const std::vector<core::Check>& checks, const std::string& id)
{
  std::vector<core::Check> found;
  for (const auto& check : checks) {
    if (check.id == id) {
      found.push_back(check);
    }
  }
  return found;
}

// The one check with `id`; fails the test when there is not exactly one.
inline core::Check
the_check(const std::vector<core::Check>& checks, const std::string& id)
{
  const auto found = checks_with(checks, id);
  INFO("check id: " << id);
  REQUIRE(found.size() == 1);
  return found.front();
}

// Check that `check` has `level`, `cause` and, when one is given, `remedy`.
inline void
expect(const core::Check& check, core::Level level, const std::string& cause,
       const std::string& remedy = {})
{
  INFO("check id: " << check.id);
  CHECK(check.level == level);
  CHECK(check.cause == cause);
  if (!remedy.empty()) {
    CHECK(check.remedy == remedy);
  }
}

// Replace `from` by `to` in the file at `path`; `from` must be there.
inline void
edit_file(const std::filesystem::path& path, const std::string& from, const std::string& to)
{
  std::string text = read_bytes(path);
  const auto at = text.find(from);
  INFO(path.string() << " should contain: " << from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  write_bytes(path, text);
}

} // namespace aigw::test
