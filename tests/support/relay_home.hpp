// SPDX-License-Identifier: MIT
// A home for the tests of the relay's files through the real binary: configure --auth
// relay into it, run any command with --home, and take a snapshot of what is there.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace aigw::test {

inline const std::string k_relay_token = "dapi-relay-unconf-7d41e9";
inline const char* k_relay_workspace = "https://adb-1234.5.azuredatabricks.net";

struct RelayHome
{
  TempDir dir;
  std::filesystem::path home = dir / "home";
  std::filesystem::path tool = home / k_tool_dir;
  std::filesystem::path relay_json = tool / "relay.json";
  std::filesystem::path relay_key = tool / "relay.key";
  std::filesystem::path credentials = tool / "credentials.json";

  RelayHome() { std::filesystem::create_directories(home); }

  CliResult run(std::vector<std::string> args, const std::string& input = "")
  {
    args.insert(args.begin(), {"--home", home.string()});
    return run_cli(args, input);
  }

  CliResult ok(const std::vector<std::string>& args, const std::string& input = "")
  {
    auto result = run(args, input);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return result;
  }

  // `configure AGENTS --auth relay ...` with the token on stdin (so the relay keeps one),
  // after the global options `global` (--json, --dry-run).
  CliResult configure_run(const std::vector<std::string>& agents,
                          std::vector<std::string> global = {})
  {
    global.push_back("configure");
    global.insert(global.end(), agents.begin(), agents.end());
    global.insert(global.end(), {"--auth", "relay", "--workspace", k_relay_workspace,
                                 "--token-stdin", "--gemini-trust", "off"});
    return ok(global, k_relay_token + "\n");
  }

  // configure_run for real, which leaves both of the relay's files.
  CliResult configure(const std::vector<std::string>& agents)
  {
    auto result = configure_run(agents);
    REQUIRE(std::filesystem::exists(relay_json));
    REQUIRE(std::filesystem::exists(relay_key));
    return result;
  }

  // Every file below the home but the run lock, which any writing command may leave.
  Snapshot files() const
  {
    auto all = snapshot(home);
    all.erase(std::string(k_tool_dir) + "/lock");
    return all;
  }
};

} // namespace aigw::test
