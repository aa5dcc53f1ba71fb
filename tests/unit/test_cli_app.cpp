// SPDX-License-Identifier: MIT
// What every command shares: errors as a JSON document on stdout with --json, help pages
// that show each command's own options and examples, and status for each agent's shape.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::run_cli;
using aigw::test::TempDir;

namespace {

constexpr const char* k_token = "dapi-app-test-0123456789";

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("cli: with --json a failure is a JSON document on stdout too")
{
  TempDir dir;
  const std::string home = (dir / "home").string();

  SUBCASE("an error inside a command")
  {
    auto result = run_cli({"--home", home, "--json", "configure", "claude", "--gateway",
                           "http://gw.example.com", "--token-stdin"},
                          k_token);
    CHECK(result.exit_code == 2);
    CHECK(result.out == "{\n"
                        "  \"command\": \"configure\",\n"
                        "  \"error\": {\n"
                        "    \"kind\": \"usage\",\n"
                        "    \"message\": \"--gateway \\\"http://gw.example.com\\\": https is "
                        "required (http only for loopback hosts)\",\n"
                        "    \"exit_code\": 2\n"
                        "  }\n"
                        "}\n");
    CHECK(contains(result.err, "aigw-setup: error: --gateway"));
  }

  SUBCASE("a file that does not parse")
  {
    aigw::test::write_bytes(fs::path(home) / ".claude/settings.json", "{\"env\": {,}}\n");
    auto result = run_cli({"--home", home, "--json", "configure", "claude", "--gateway",
                           "https://gw.example.com", "--token-stdin"},
                          k_token);
    CHECK(result.exit_code == 3);
    const auto document = nlohmann::json::parse(result.out);
    CHECK(document["command"] == "configure");
    CHECK(document["error"]["kind"] == "parse");
    CHECK(document["error"]["exit_code"] == 3);
    CHECK(contains(document["error"]["message"].get<std::string>(), "settings.json:1:10"));
    CHECK(!contains(result.out, k_token));
  }

  SUBCASE("a usage error before any command runs")
  {
    auto result = run_cli({"--home", home, "--json", "frobnicate"});
    CHECK(result.exit_code == 2);
    const auto document = nlohmann::json::parse(result.out);
    CHECK(document["command"].is_null());
    CHECK(document["error"]["message"] == "unknown command \"frobnicate\"");
  }

  SUBCASE("without --json, stdout stays empty")
  {
    auto result = run_cli({"--home", home, "frobnicate"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
  }
}

TEST_CASE("cli: help pages")
{
  auto top = run_cli({"--help"});
  CHECK(top.exit_code == 0);
  CHECK(contains(top.out, "Examples:\n  aigw-setup configure --all"));
  CHECK(contains(top.out, "Exit codes: 0 done"));

  auto status = run_cli({"status", "--help"});
  CHECK(status.exit_code == 0);
  CHECK(!contains(status.out, "Examples:"));
  CHECK(contains(status.out, "Exit codes: 0 done"));

  auto flush = run_cli({"relay", "flush", "--help"});
  CHECK(flush.exit_code == 0);
  CHECK(contains(flush.out, "--spool"));
  CHECK(contains(flush.out, "--workspace"));
  CHECK(contains(flush.out, "  aigw-setup relay flush --workspace https://"));
  CHECK(!contains(flush.out, "aigw-setup configure --all"));
}

TEST_CASE("cli relay: the connection limits are options, checked before the relay starts")
{
  auto help = run_cli({"relay", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "--header-timeout"));
  CHECK(contains(help.out, "--max-connections"));

  auto none = run_cli({"relay", "--offline", "--max-connections", "0"});
  CHECK(none.exit_code == 2);
  CHECK(none.err
        == "aigw-setup: error: --max-connections: Value 0 not in range 1 to 4096 (see "
           "aigw-setup --help)\n");

  auto no_time = run_cli({"relay", "--offline", "--header-timeout", "0"});
  CHECK(no_time.exit_code == 2);
  CHECK(contains(no_time.err, "--header-timeout: Value 0 not in range 1 to 3600"));
}

// CLI11 took a mistyped option's value for an agent name and said so; the typo is the news.
TEST_CASE("cli: a mistyped option is named, with the option it is closest to")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  auto typo = run_cli({"--home", home, "configure", "--all", "--gatway", "http://127.0.0.1:9"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err
        == "aigw-setup: error: unknown option --gatway (did you mean --gateway?) (see "
           "aigw-setup --help)\n");
  CHECK_FALSE(std::filesystem::exists(home));

  auto with_equals = run_cli({"--home", home, "status", "--jsonx=1"});
  CHECK(with_equals.exit_code == 2);
  CHECK(with_equals.err
        == "aigw-setup: error: unknown option --jsonx (did you mean --json?) (see aigw-setup "
           "--help)\n");

  auto unlike_any = run_cli({"--home", home, "status", "--frobnicate"});
  CHECK(unlike_any.exit_code == 2);
  CHECK(unlike_any.err
        == "aigw-setup: error: unknown option --frobnicate (see aigw-setup --help)\n");

  // Before the command CLI11 took the typo's value for the command: `unknown command "DIR"`.
  const std::vector<std::vector<std::string>> before_command{
    {"--hom", home, "status"}, {"--hom=" + home, "status"}, {"status", "--hom", home}};
  for (const auto& args : before_command) {
    auto global = run_cli(args);
    CHECK(global.exit_code == 2);
    CHECK(global.err
          == "aigw-setup: error: unknown option --hom (did you mean --home?) (see aigw-setup "
             "--help)\n");
  }
  CHECK_FALSE(std::filesystem::exists(home));

  // An option another command has is left to CLI11, which says it was not expected here.
  auto elsewhere = run_cli({"--home", home, "status", "--offline"});
  CHECK(elsewhere.exit_code == 2);
  CHECK(contains(elsewhere.err, "--offline"));
}

// CLI11 said "A subcommand is required", in words unlike every other message.
TEST_CASE("cli: no command at all is said in our words, with where the commands are listed")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  auto text = run_cli({"--home", home});
  CHECK(text.exit_code == 2);
  CHECK(text.out.empty());
  CHECK(text.err
        == "aigw-setup: error: no command given; aigw-setup --help lists the commands\n");

  auto json = run_cli({"--json"});
  CHECK(json.exit_code == 2);
  CHECK(json.out == "{\n"
                    "  \"command\": null,\n"
                    "  \"error\": {\n"
                    "    \"kind\": \"usage\",\n"
                    "    \"message\": \"no command given; aigw-setup --help lists the "
                    "commands\",\n"
                    "    \"exit_code\": 2\n"
                    "  }\n"
                    "}\n");
  CHECK_FALSE(std::filesystem::exists(home));
}

TEST_CASE("cli status shows Cursor's list of models")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  REQUIRE(run_cli({"--home", home, "configure", "cursor", "--gateway", "https://gw.example.com",
                   "--cursor-model", "databricks-claude-sonnet-4-5", "--cursor-model",
                   "databricks-gpt-5-2", "--token-stdin"},
                  k_token)
            .exit_code
          == 0);

  auto text = run_cli({"--home", home, "status"});
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "cursor: https://gw.example.com/cursor/v1 models "
                           "databricks-claude-sonnet-4-5,databricks-gpt-5-2 secrets"));
}

TEST_CASE("cli: configure and telemetry enable share files without confusing status")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  REQUIRE(run_cli({"--home", home, "configure", "claude", "--gateway", "https://gw.example.com",
                   "--token-stdin"},
                  k_token)
            .exit_code
          == 0);
  auto enable = run_cli({"--home", home, "telemetry", "enable", "claude", "--workspace",
                         "https://adb-1.azuredatabricks.net", "--catalog", "main", "--schema",
                         "default", "--prefix", "cc"});
  REQUIRE(enable.exit_code == 0);

  auto status = run_cli({"--home", home, "--json", "status"});
  REQUIRE(status.exit_code == 0);
  const auto document = nlohmann::json::parse(status.out);
  CHECK(document["agents"][0]["files"][0]["state"] == "as written");

  SUBCASE("unconfigure keeps the token that telemetry's headers helper still needs")
  {
    REQUIRE(run_cli({"--home", home, "unconfigure", "claude"}).exit_code == 0);
    const auto credentials = fs::path(home) / aigw::test::k_tool_dir / "credentials.json";
    CHECK(fs::exists(credentials));
    auto headers = run_cli({"--home", home, "token", "--otel-headers"});
    CHECK(headers.exit_code == 0);
    CHECK(headers.out == std::string("{\"Authorization\":\"Bearer ") + k_token + "\"}\n");
  }
}
