// SPDX-License-Identifier: MIT
// `telemetry enable` and `telemetry disable` through the real binary: golden trees in
// tests/fixtures/expected/telemetry-*, exact bytes back after disable, every order with
// configure and unconfigure, dry runs, refused names, and a token that never shows.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::check_tree, aigw::test::fixture, aigw::test::run_cli;
using aigw::test::snapshot, aigw::test::TempDir;

namespace {

const std::string k_token = "dapi-telemetry-5b8e21";
const std::string k_relay_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978";
const char* k_workspace = "https://adb-1234.5.azuredatabricks.net";

fs::path
prepared_home(const TempDir& dir, const char* fixture_home = nullptr)
{
  const fs::path home = dir / "home";
  fs::create_directories(home);
  if (fixture_home != nullptr) {
    aigw::test::copy_tree(fixture(std::string("homes/") + fixture_home), home);
  }
  return home;
}

std::vector<std::string>
enable(const fs::path& home, std::vector<std::string> extra)
{
  std::vector<std::string> args{"--home", home.string(), "telemetry", "enable",
                                "--catalog", "main", "--schema", "telemetry",
                                "--prefix", "claude"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string>
disable(const fs::path& home)
{
  return {"--home", home.string(), "telemetry", "disable"};
}

std::vector<std::string>
configure(const fs::path& home, std::vector<std::string> extra)
{
  std::vector<std::string> args{"--home", home.string(), "configure", "claude", "codex",
                                "--gateway", "https://gw.example.com", "--token-stdin"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string>
unconfigure(const fs::path& home)
{
  return {"--home", home.string(), "unconfigure", "--all"};
}

// Run `args` and require exit 0, showing stderr when it fails.
aigw::test::CliResult
ok(const std::vector<std::string>& args, const std::string& input = "")
{
  auto result = run_cli(args, input);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return result;
}

aigw::test::Snapshot
user_files(const fs::path& home)
{
  return snapshot(home, aigw::test::k_tool_dir);
}

// Every file below `home` but the run lock, the one file a refused run may leave.
aigw::test::Snapshot
all_but_lock(const fs::path& home)
{
  auto files = snapshot(home);
  files.erase(std::string(aigw::test::k_tool_dir) + "/lock");
  return files;
}

unsigned
mode_of(const fs::path& path)
{
  struct stat info
  {
  };
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

// Golden tree after enable; a second enable changes no byte; disable gives back `before`.
void
check_enable_disable(const fs::path& home, const std::vector<std::string>& args,
                     const std::string& golden, const std::string& input = "")
{
  const auto before = user_files(home);
  ok(args, input);
  check_tree(fixture("expected/" + golden), home);

  const auto enabled = user_files(home);
  const auto again = ok(args, input);
  CHECK(user_files(home) == enabled);
  CHECK(again.out.find(": changed ") == std::string::npos);
  CHECK(again.out.find(": created ") == std::string::npos);

  ok(disable(home));
  CHECK(user_files(home) == before);
}

} // namespace

TEST_CASE("cli telemetry enable into an empty home, helper mode")
{
  TempDir dir;
  const fs::path home = prepared_home(dir);

  SUBCASE("claude and codex")
  {
    check_enable_disable(home,
                         enable(home, {"claude", "codex", "--workspace", k_workspace,
                                       "--token-stdin"}),
                         "telemetry-empty-helper", k_token + "\n");
  }

  SUBCASE("the report, as text and as JSON")
  {
    auto text = ok(enable(home, {"claude", "--workspace", k_workspace, "--token-stdin"}),
                   k_token + "\n");
    CHECK(text.out == "claude: created ~/.claude/settings.json\n");
    auto off = ok(disable(home));
    // Nothing is configured: the token kept for the headers helper goes with it.
    CHECK(off.out == "claude: removed ~/.claude/settings.json\n"
                     "credential: removed ~/.config/aigw-setup/credentials.json\n");
    auto json = ok(enable(home, {"--json", "claude", "--workspace", k_workspace,
                                 "--token-stdin"}),
                   k_token + "\n");
    const std::string path = (home / ".claude/settings.json").string();
    CHECK(json.out == "{\n  \"command\": \"telemetry enable\",\n  \"tables\": {\n"
                      "    \"metrics\": \"main.telemetry.claude_otel_metrics\",\n"
                      "    \"logs\": \"main.telemetry.claude_otel_logs\"\n  },\n"
                      "  \"dry_run\": false,\n  \"agents\": [\n    {\n"
                      "      \"agent\": \"claude\",\n      \"files\": [\n        {\n"
                      "          \"path\": \""
                        + path
                        + "\",\n          \"status\": \"created\"\n        }\n      ],\n"
                          "      \"notes\": [],\n      \"warnings\": []\n    }\n  ]\n}\n");
  }
}

TEST_CASE("cli telemetry enable into real-world files")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");

  SUBCASE("helper mode: the token stays in the tool's credential file")
  {
    check_enable_disable(home,
                         enable(home, {"claude", "codex", "--workspace", k_workspace,
                                       "--token-stdin"}),
                         "telemetry-real-world-helper", k_token + "\n");
  }

  SUBCASE("the helper's command prints the headers; disable drops the token it kept")
  {
    ok(enable(home, {"claude", "--workspace", k_workspace, "--token-stdin"}), k_token + "\n");
    auto headers = ok({"--home", home.string(), "token", "--otel-headers"});
    CHECK(headers.out == "{\"Authorization\":\"Bearer " + k_token + "\"}\n");
    CHECK(headers.err.empty());
    ok(disable(home));
    CHECK(run_cli({"--home", home.string(), "token", "--otel-headers"}).exit_code == 1);
  }

  SUBCASE("inline: the token in 0600 files, and nowhere in the output")
  {
    const auto args = enable(home, {"claude", "codex", "--workspace", k_workspace,
                                    "--secrets", "inline", "--token-stdin"});
    auto result = ok(args, k_token + "\n");
    CHECK(result.out.find(k_token) == std::string::npos);
    CHECK(result.err.find(k_token) == std::string::npos);
    CHECK(mode_of(home / ".claude/settings.json") == 0600);
    CHECK(mode_of(home / ".codex/config.toml") == 0600);
    auto json = ok({"--home", home.string(), "--json", "status"});
    CHECK(json.out.find(k_token) == std::string::npos);

    ok(disable(home));
    check_enable_disable(home, args, "telemetry-real-world-inline", k_token + "\n");
  }
}

TEST_CASE("cli telemetry enable through the relay, after configure --auth relay")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  aigw::test::write_bytes(home / aigw::test::k_tool_dir / "relay.key", k_relay_key + "\n");
  fs::permissions(home / aigw::test::k_tool_dir / "relay.key", fs::perms::owner_read
                                                                  | fs::perms::owner_write);
  const auto original = user_files(home);
  ok({"--home", home.string(), "configure", "--all", "--auth", "relay", "--workspace",
      k_workspace, "--token-stdin", "--gemini-trust", "off", "--cursor-model", "m"},
     k_token + "\n");
  const auto configured = user_files(home);
  const fs::path relay_file = home / aigw::test::k_tool_dir / "relay.json";
  const std::string relay_before = aigw::test::read_bytes(relay_file);

  auto result = ok(enable(home, {"--all"}));
  check_tree(fixture("expected/telemetry-real-world-relay"), home);
  CHECK(result.err.find(k_relay_key) == std::string::npos);
  CHECK(aigw::test::read_bytes(relay_file)
        == "{\n  \"listen\": \"127.0.0.1:8765\",\n  \"workspace\": \"" + std::string(k_workspace)
             + "\",\n  \"tables\": {\n    \"metrics\": \"main.telemetry.claude_otel_metrics\",\n"
               "    \"logs\": \"main.telemetry.claude_otel_logs\"\n  }\n}\n");

  ok(disable(home));
  CHECK(user_files(home) == configured);
  CHECK(aigw::test::read_bytes(relay_file) == relay_before);
  ok(unconfigure(home));
  CHECK(user_files(home) == original);
}

TEST_CASE("cli telemetry enable and configure, in every order")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  const auto original = user_files(home);
  const auto telemetry = enable(home, {"claude", "codex", "--workspace", k_workspace,
                                       "--token-stdin"});
  const std::string token = k_token + "\n";

  SUBCASE("configure, enable, disable, unconfigure")
  {
    ok(configure(home, {}), token);
    const auto configured = user_files(home);
    ok(telemetry, token);
    ok(disable(home));
    CHECK(user_files(home) == configured);
    ok(unconfigure(home));
    CHECK(user_files(home) == original);
  }

  SUBCASE("enable, configure, unconfigure, disable")
  {
    ok(telemetry, token);
    const auto enabled = user_files(home);
    ok(configure(home, {}), token);
    ok(unconfigure(home));
    CHECK(user_files(home) == enabled);
    ok(disable(home));
    CHECK(user_files(home) == original);
  }

  SUBCASE("configure, enable, unconfigure, disable")
  {
    ok(configure(home, {}), token);
    ok(telemetry, token);
    ok(unconfigure(home));
    ok(disable(home));
    CHECK(user_files(home) == original);
  }

  SUBCASE("enable, configure, disable, unconfigure")
  {
    ok(telemetry, token);
    ok(configure(home, {}), token);
    ok(disable(home));
    ok(unconfigure(home));
    CHECK(user_files(home) == original);
  }
}

TEST_CASE("cli telemetry disable keeps the user's later edits")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  ok(enable(home, {"claude", "--workspace", k_workspace, "--token-stdin"}), k_token + "\n");
  const fs::path settings = home / ".claude/settings.json";
  std::string text = aigw::test::read_bytes(settings);
  const std::string interval = "\"OTEL_METRIC_EXPORT_INTERVAL\": \"10000\"";
  const auto at = text.find(interval);
  REQUIRE(at != std::string::npos);
  text.replace(at, interval.size(), "\"OTEL_METRIC_EXPORT_INTERVAL\": \"60000\"");
  aigw::test::write_bytes(settings, text);

  auto result = ok(disable(home));
  CHECK(result.out.find("kept your edit of env.OTEL_METRIC_EXPORT_INTERVAL\n")
        != std::string::npos);
  const std::string after = aigw::test::read_bytes(settings);
  CHECK(after.find("\"OTEL_METRIC_EXPORT_INTERVAL\": \"60000\"") != std::string::npos);
  CHECK(after.find("OTEL_EXPORTER_OTLP") == std::string::npos);
  CHECK(after.find("otelHeadersHelper") == std::string::npos);
}

TEST_CASE("cli telemetry enable --dry-run writes nothing and shows no token")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  const auto before = snapshot(home);
  auto result = run_cli({"--home", home.string(), "--dry-run", "telemetry", "enable", "claude",
                         "--workspace", k_workspace, "--metrics-table", "main.t.m",
                         "--logs-table", "main.t.l", "--secrets", "inline", "--token-stdin"},
                        k_token + "\n");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(snapshot(home) == before);
  CHECK(result.out.find("+        \"OTEL_EXPORTER_OTLP_METRICS_HEADERS\": "
                        "\"content-type=application/x-protobuf,Authorization=Bearer ***,"
                        "X-Databricks-UC-Table-Name=main.t.m\",\n")
        != std::string::npos);
  CHECK(result.out.find(k_token) == std::string::npos);
  CHECK(result.err.find(k_token) == std::string::npos);
  CHECK(result.out.substr(result.out.size() - 29) == "dry run: nothing was written\n");
}

TEST_CASE("cli telemetry enable refuses what it cannot write, with nothing written")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  const auto before = snapshot(home);
  const auto refused = [&](std::vector<std::string> extra, const std::string& message) {
    std::vector<std::string> args{"--home", home.string(), "telemetry", "enable", "claude",
                                  "--workspace", k_workspace, "--token-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = run_cli(args, k_token + "\n");
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err == "aigw-setup: error: " + message + "\n");
    CHECK(all_but_lock(home) == before);
  };

  refused({"--catalog", "main", "--schema", "tele.metry", "--prefix", "claude"},
          "--schema: \".\" is not allowed; Unity Catalog names here take only letters, "
          "digits, \"_\" and \"-\"");
  refused({"--metrics-table", "main.t", "--logs-table", "main.t.l"},
          "--metrics-table \"main.t\": expected catalog.schema.table");
  refused({"--metrics-table", "main.t.m", "--logs-table", "main.t.l`x"},
          "--logs-table: \"`\" is not allowed; Unity Catalog names here take only letters, "
          "digits, \"_\" and \"-\"");
  refused({"--catalog", "main", "--metrics-table", "main.t.m", "--logs-table", "main.t.l"},
          "telemetry enable: give --catalog, --schema and --prefix, or --metrics-table and "
          "--logs-table");
}

TEST_CASE("cli telemetry enable gemini needs the relay")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  const auto before = snapshot(home);
  auto result = run_cli(enable(home, {"claude", "gemini", "--workspace", k_workspace,
                                      "--token-stdin"}),
                        k_token + "\n");
  CHECK(result.exit_code == 2);
  CHECK(result.err
        == "aigw-setup: error: Gemini CLI cannot add the workspace's headers to its telemetry, "
           "so its telemetry goes through the local relay: run `aigw-setup configure gemini "
           "--auth relay` first (or give --relay)\n");
  CHECK(all_but_lock(home) == before);
}

TEST_CASE("cli telemetry enable --relay sends any agent's exports to the relay")
{
  TempDir dir;
  const fs::path home = prepared_home(dir);
  aigw::test::write_bytes(home / aigw::test::k_tool_dir / "relay.key", k_relay_key + "\n");
  fs::permissions(home / aigw::test::k_tool_dir / "relay.key", fs::perms::owner_read
                                                                  | fs::perms::owner_write);

  auto result = ok({"--home", home.string(), "telemetry", "enable", "claude", "--relay",
                    "--metrics-table", "main.t.m", "--logs-table", "main.t.l"});
  CHECK(result.err == "aigw-setup: warning: the relay knows no workspace, so it keeps OTel "
                      "exports in its spool; run aigw-setup configure --auth relay --workspace "
                      "URL\n");
  const std::string settings = aigw::test::read_bytes(home / ".claude/settings.json");
  CHECK(settings.find("\"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT\": "
                      "\"http://127.0.0.1:8765/api/2.0/otel/v1/logs\"")
        != std::string::npos);
  CHECK(settings.find("Authorization=Bearer " + k_relay_key + ",") != std::string::npos);
  CHECK(settings.find("otelHeadersHelper") == std::string::npos);
  CHECK(mode_of(home / ".claude/settings.json") == 0600);

  ok(disable(home));
  CHECK(user_files(home).empty());
}

TEST_CASE("cli telemetry enable in helper mode needs a token to keep")
{
  TempDir dir;
  const fs::path home = prepared_home(dir, "real-world");
  const auto before = snapshot(home);
  auto result = run_cli(enable(home, {"claude", "--workspace", k_workspace}));
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: the OTel headers helper needs a kept token: give "
                      "--token-stdin, --token-file FILE or DATABRICKS_TOKEN, or run configure "
                      "first\n");
  CHECK(all_but_lock(home) == before);
}
