// SPDX-License-Identifier: MIT
// Shared by the `telemetry create-tables` tests: the fake workspace with one running
// warehouse and the schema main.telemetry, the command run against it, and the texts the
// tests expect back.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/cli_runner.hpp"
#include "support/fake_workspace.hpp"
#include "support/test_context.hpp"

namespace aigw::test::telemetry_setup {

inline const std::string k_show = "SHOW TABLES IN `main`.`telemetry` LIKE 'claude_otel_*'";
inline const std::string k_warehouse = "a1b2c3d4e5f60718";

inline std::string
error_line(const std::string& message)
{
  return "aigw-setup: error: " + message + "\n";
}

// A workspace with one running warehouse and the schema main.telemetry.
struct Setup
{
  FakeWorkspace workspace;
  TempDir dir;
  std::filesystem::path home = dir / "home";

  Setup()
  {
    std::filesystem::create_directories(home);
    workspace.add_warehouse({k_warehouse, "Shared", "RUNNING", false, 1});
    workspace.add_schema("main", "telemetry");
  }

  // The command with main.telemetry and prefix claude; `extra` may name others instead.
  std::vector<std::string> args(const std::vector<std::string>& extra) const
  {
    std::map<std::string, std::string> names{
      {"--catalog", "main"}, {"--schema", "telemetry"}, {"--prefix", "claude"}};
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      if (names.contains(extra[i]) && i + 1 < extra.size()) {
        names[extra[i]] = extra[i + 1];
        ++i;
      } else {
        rest.push_back(extra[i]);
      }
    }
    std::vector<std::string> all{"--home", home.string(), "telemetry", "create-tables",
                                 "--workspace", workspace.url()};
    for (const auto& [option, value] : names) {
      all.insert(all.end(), {option, value});
    }
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  }

  aigw::test::CliResult run(std::vector<std::string> extra,
                            std::map<std::string, std::string> env = {
                              {"DATABRICKS_TOKEN", FakeWorkspace::k_token}}) const
  {
    return aigw::test::run_cli(args(std::move(extra)), "", env);
  }
};

} // namespace aigw::test::telemetry_setup
