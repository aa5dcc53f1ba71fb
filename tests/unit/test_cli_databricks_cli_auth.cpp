// SPDX-License-Identifier: MIT
// --auth databricks-cli through the real binary: configure and apply write the helper form
// for Claude Code and Codex (golden trees in tests/fixtures/expected/) and keep only method,
// host and profile; the agents that cannot run a helper are refused before anything is
// written; `token` mints through a fake `databricks` executable first on PATH, which records
// its arguments and environment and answers as the real CLI does in each of its modes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::check_tree;
using aigw::test::fixture;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;
using aigw::test::write_bytes;

namespace {

const std::string k_host = "https://adb-123.azuredatabricks.net";

const std::string k_databrickscfg = "[DEFAULT]\n"
                                    "host = https://adb-999.azuredatabricks.net\n"
                                    "\n"
                                    "[dev]\n"
                                    "host = " + k_host + "\n"
                                    "auth_type = databricks-cli\n";

// `databricks auth token` as the real CLI answers it, per the mode in the file beside it.
const char* const k_fake_cli = R"(#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$@" > "$dir/args.txt"
env | sort > "$dir/env.txt"
n=$(cat "$dir/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/count"
case $(cat "$dir/mode") in
good)
  echo '{"access_token":"u2m-token-A","token_type":"Bearer",'
  echo ' "refresh_token":"u2m-refresh-secret","expiry":"2099-01-01T00:00:00Z"}' ;;
expired)
  echo '{"access_token":"u2m-old-token","token_type":"Bearer","expiry":"2001-02-03T04:05:06Z"}' ;;
locked)
  if [ "$n" -lt 2 ]; then
    echo "Error: cache update: exit status 45" >&2
    exit 1
  fi
  echo '{"access_token":"u2m-token-A","token_type":"Bearer","expiry":"2099-01-01T00:00:00Z"}' ;;
*)
  echo "Error: cannot get access token: databricks OAuth is not configured for this host" >&2
  exit 1 ;;
esac
)";

struct Rig
{
  TempDir dir;
  fs::path home = dir / "home";
  fs::path bin = dir / "bin";

  Rig()
  {
    write_bytes(home / ".databrickscfg", k_databrickscfg);
    write_bytes(bin / "databricks", k_fake_cli);
    ::chmod((bin / "databricks").c_str(), 0755);
    mode("good");
  }

  void mode(const std::string& name) const { write_bytes(bin / "mode", name); }

  // The fake CLI first on PATH, as `databricks` would be found on a real machine.
  std::map<std::string, std::string> env(std::map<std::string, std::string> more = {}) const
  {
    more["PATH"] = bin.string() + ":/usr/bin:/bin";
    return more;
  }

  aigw::test::CliResult run(std::vector<std::string> args,
                            std::map<std::string, std::string> more = {}) const
  {
    args.insert(args.begin(), {"--home", home.string()});
    return run_cli(args, "", env(std::move(more)));
  }

  std::string credential() const
  {
    return read_bytes(home / aigw::test::k_tool_dir / "credentials.json");
  }
};

const std::vector<std::string> k_configure{"configure", "claude", "codex", "--auth",
                                           "databricks-cli", "--profile", "dev"};

std::string
error_line(const std::string& message)
{
  return "aigw-setup: error: " + message + "\n";
}

} // namespace

TEST_CASE("cli configure --auth databricks-cli writes the helper form for claude and codex")
{
  Rig rig;
  const auto before = snapshot(rig.home);

  const auto first = rig.run(k_configure);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  check_tree(fixture("expected/databricks-cli-helper"), rig.home);
  // Method, host and profile; no token: the databricks CLI keeps its own cache.
  CHECK(rig.credential() == "{\n  \"version\": 1,\n  \"auth\": \"databricks-cli\",\n  \"host\": \""
                              + k_host + "\",\n  \"profile\": \"dev\"\n}\n");
  CHECK(!fs::exists(rig.bin / "count")); // configure itself mints nothing

  SUBCASE("status shows the method, profile and host")
  {
    const auto status = rig.run({"status"});
    REQUIRE(status.exit_code == 0);
    CHECK(status.out.find("\ncredential: databricks-cli profile dev, host " + k_host + "\n")
          != std::string::npos);
  }

  SUBCASE("a second configure changes no byte")
  {
    const auto after_first = snapshot(rig.home, aigw::test::k_tool_dir);
    REQUIRE(rig.run(k_configure).exit_code == 0);
    CHECK(snapshot(rig.home, aigw::test::k_tool_dir) == after_first);
  }

  SUBCASE("unconfigure gives the original bytes back")
  {
    const auto undo = rig.run({"unconfigure", "claude", "codex"});
    INFO(undo.err);
    REQUIRE(undo.exit_code == 0);
    CHECK(snapshot(rig.home, aigw::test::k_tool_dir) == before);
  }
}

TEST_CASE("cli configure --auth databricks-cli refuses what cannot hold a one-hour token")
{
  Rig rig;
  const auto before = snapshot(rig.home);
  const auto refused = [&](std::vector<std::string> extra, const std::string& message) {
    auto args = k_configure;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = rig.run(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err == error_line(message));
    // Nothing written: the tool's folder holds only the run lock every configure takes.
    const fs::path tool = rig.home / aigw::test::k_tool_dir;
    CHECK(snapshot(rig.home, aigw::test::k_tool_dir) == before);
    CHECK(snapshot(tool) == aigw::test::Snapshot{{"lock", read_bytes(tool / "lock")}});
  };

  SUBCASE("gemini")
  {
    refused({"gemini"},
            "Gemini CLI cannot use --auth databricks-cli: it runs no credential helper, and a "
            "one-hour OAuth token written into ~/.gemini/.env would expire there; use --auth "
            "relay --relay-auth databricks-cli (the relay keeps the token fresh), or configure "
            "gemini apart with --auth pat");
  }

  SUBCASE("cursor")
  {
    refused({"cursor"},
            "Cursor cannot use --auth databricks-cli: it needs a static key (it runs no "
            "credential helper and calls the gateway from Cursor's servers, which cannot reach "
            "a local relay); configure cursor apart with --auth pat");
  }

  SUBCASE("--secrets inline")
  {
    refused({"--secrets", "inline"},
            "--secrets inline cannot go with --auth databricks-cli: its OAuth tokens last one "
            "hour and must not be frozen in a file; leave --secrets at helper, where Claude "
            "Code and Codex run `aigw-setup token` for a fresh one");
  }

  SUBCASE("a token option")
  {
    refused({"--token-env", "MY_PAT"},
            "--token-stdin, --token-file and --token-env give a personal access token; with "
            "--auth databricks-cli no token is kept");
  }

  SUBCASE("a profile that does not exist")
  {
    const auto result = rig.run({"configure", "claude", "--auth", "databricks-cli", "--profile",
                                 "nope"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == error_line((rig.home / ".databrickscfg").string()
                                   + " has no nope profile configured"));
    CHECK(snapshot(rig.home, aigw::test::k_tool_dir) == before);
  }
}

TEST_CASE("cli token with a databricks-cli credential")
{
  Rig rig;
  // With --workspace and no profile the CLI is asked for that host only.
  const auto configured = rig.run({"configure", "claude", "--auth", "databricks-cli",
                                   "--workspace", k_host});
  INFO(configured.err);
  REQUIRE(configured.exit_code == 0);
  CHECK(rig.credential() == "{\n  \"version\": 1,\n  \"auth\": \"databricks-cli\",\n  \"host\": \""
                              + k_host + "\"\n}\n");
  const std::string login = "; run `databricks auth login --host " + k_host + "`";

  SUBCASE("the access token alone, and no DATABRICKS_* identity reaches the CLI")
  {
    const auto result = rig.run({"token"}, {{"DATABRICKS_TOKEN", "dapi-must-not-pass"},
                                            {"DATABRICKS_CONFIG_PROFILE", "elsewhere"}});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "u2m-token-A\n");
    CHECK(result.err.empty());
    CHECK(read_bytes(rig.bin / "args.txt") == "auth\ntoken\n--host\n" + k_host + "\n");
    const std::string env = read_bytes(rig.bin / "env.txt");
    CHECK(env.find("DATABRICKS_TOKEN") == std::string::npos);
    CHECK(env.find("DATABRICKS_CONFIG_PROFILE") == std::string::npos);
  }

  SUBCASE("--otel-headers")
  {
    const auto result = rig.run({"token", "--otel-headers"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "{\"Authorization\":\"Bearer u2m-token-A\"}\n");
  }

  SUBCASE("an expired token: exit 4, the remedy, and no token anywhere")
  {
    rig.mode("expired");
    const auto result = rig.run({"token"});
    CHECK(result.exit_code == 4);
    CHECK(result.out.empty());
    CHECK(result.err == error_line("`databricks auth token --host " + k_host
                                   + "` returned a token that expired at 2001-02-03T04:05:06Z"
                                   + login));
  }

  SUBCASE("telemetry enable --secrets inline refuses to freeze an OAuth token in a file")
  {
    const auto before = read_bytes(rig.home / ".claude/settings.json");
    const auto result = rig.run({"telemetry", "enable", "claude", "--workspace", k_host,
                                 "--catalog", "main", "--schema", "otel", "--prefix", "agents",
                                 "--secrets", "inline"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == error_line("--secrets inline cannot use the databricks-cli credential "
                                   "configure kept: its OAuth tokens last one hour; leave "
                                   "--secrets at helper (`aigw-setup token --otel-headers` "
                                   "fetches a fresh one) or give a personal access token"));
    CHECK(read_bytes(rig.home / ".claude/settings.json") == before);
    CHECK_FALSE(fs::exists(rig.bin / "count"));
  }

  SUBCASE("test says what to run when the login lapsed, and sends nothing")
  {
    rig.mode("expired");
    const auto result = rig.run({"--json", "test", "claude"});
    CHECK(result.exit_code == 1);
    const auto route = nlohmann::json::parse(result.out)["routes"][0];
    CHECK(route["verdict"] == "token_missing");
    CHECK(route["remedy"] == "`databricks auth token --host " + k_host
                               + "` returned a token that expired at 2001-02-03T04:05:06Z"
                               + login);
  }

  SUBCASE("the token cache locked by another CLI, then free")
  {
    rig.mode("locked");
    const auto result = rig.run({"token"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "u2m-token-A\n");
    CHECK(read_bytes(rig.bin / "count") == "2\n");
  }

  SUBCASE("not logged in to this workspace")
  {
    rig.mode("not-logged-in");
    const auto result = rig.run({"token", "--otel-headers"});
    CHECK(result.exit_code == 4);
    CHECK(result.out.empty());
    CHECK(result.err == error_line("`databricks auth token --host " + k_host
                                   + "` failed (exit 1): Error: cannot get access token: "
                                     "databricks OAuth is not configured for this host"
                                   + login));
  }
}

TEST_CASE("cli apply with auth.method databricks-cli")
{
  Rig rig;
  const fs::path rollout = rig.dir / "rollout.yaml";

  SUBCASE("writes what configure writes")
  {
    write_bytes(rollout, "version: 1\n"
                         "auth: {method: databricks-cli, profile: dev}\n"
                         "agents: {claude: , codex: }\n");
    const auto result = rig.run({"apply", "-f", rollout.string()});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    check_tree(fixture("expected/databricks-cli-helper"), rig.home);
    CHECK(rig.credential() == "{\n  \"version\": 1,\n  \"auth\": \"databricks-cli\",\n  "
                              "\"host\": \"" + k_host + "\",\n  \"profile\": \"dev\"\n}\n");
  }

  SUBCASE("refuses inline secrets at their line")
  {
    write_bytes(rollout, "version: 1\n"
                         "auth: {method: databricks-cli, profile: dev}\n"
                         "secrets: inline\n"
                         "agents: {claude: }\n");
    const auto result = rig.run({"apply", "-f", rollout.string()});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find(rollout.string() + ":3:10: secrets: inline cannot go with "
                          "auth.method databricks-cli: its OAuth tokens last one hour and must "
                          "not be frozen in a file\n")
          != std::string::npos);
    CHECK(!fs::exists(rig.home / ".claude"));
  }
}

TEST_CASE("cli configure --auth relay --relay-auth databricks-cli")
{
  Rig rig;
  const auto result = rig.run({"configure", "gemini", "--auth", "relay", "--relay-auth",
                               "databricks-cli", "--profile", "dev", "--gemini-trust", "off"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const fs::path tool = rig.home / aigw::test::k_tool_dir;
  // The relay forwards to the profile's workspace and mints its tokens from the profile.
  CHECK(read_bytes(tool / "relay.json")
        == "{\n  \"listen\": \"127.0.0.1:8765\",\n  \"workspace\": \"" + k_host + "\"\n}\n");
  CHECK(rig.credential() == "{\n  \"version\": 1,\n  \"auth\": \"databricks-cli\",\n  \"host\": \""
                              + k_host + "\",\n  \"profile\": \"dev\"\n}\n");

  const auto misplaced = rig.run({"configure", "claude", "--relay-auth", "databricks-cli"});
  CHECK(misplaced.exit_code == 2);
  CHECK(misplaced.err == error_line("--relay-auth goes with --auth relay; the agents themselves "
                                    "take --auth databricks-cli"));
}
