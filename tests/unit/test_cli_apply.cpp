// SPDX-License-Identifier: MIT
// `apply -f FILE` through the real binary on whole fixture homes: the same bytes configure
// writes (the golden trees of test_cli_configure.cpp), the exact report as text and JSON, a
// second run that changes no byte, a user's edit kept, and mistakes that touch nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::check_tree;
using aigw::test::CliResult;
using aigw::test::fixture;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;
using Json = nlohmann::ordered_json;

namespace {

const std::string k_token = "dapi-test-token-4f3a9c";

// The steps after configure when the file asks for no relay and no telemetry.
const std::string k_last_steps = "step relay: skipped: auth.method is pat\n"
                                 "step telemetry: skipped: the file has no telemetry section\n";

CliResult
apply(const fs::path& home, const fs::path& file, std::vector<std::string> before = {},
      std::map<std::string, std::string> env = {{"AIGW_TEST_TOKEN", k_token}})
{
  std::vector<std::string> args{"--home", home.string()};
  args.insert(args.end(), before.begin(), before.end());
  args.insert(args.end(), {"apply", "-f", file.string()});
  return run_cli(args, "", env);
}

fs::path
empty_home(const TempDir& dir)
{
  fs::create_directories(dir / "home");
  return dir / "home";
}

fs::path
real_world_home(const TempDir& dir)
{
  aigw::test::copy_tree(fixture("homes/real-world"), dir / "home");
  return dir / "home";
}

// Every file of `home`, the tool's own ones included, but the run lock (it holds a pid).
aigw::test::Snapshot
whole_home(const fs::path& home)
{
  auto files = snapshot(home);
  files.erase(std::string(aigw::test::k_tool_dir) + "/lock");
  return files;
}

std::string
gemini_note(const fs::path& home)
{
  return "Gemini CLI has no credential helper: its token is in " + (home / ".gemini/.env").string()
         + " (mode 0600); the local relay keeps it off disk\n";
}

const std::string k_cursor_notes =
  "Cursor: open Cursor Settings > Models > API Keys\n"
  "  1. OpenAI API Key: paste the output of `aigw-setup token` and verify\n"
  "  2. switch on Override OpenAI Base URL: https://gw.example.com/cursor/v1\n"
  "  3. + Add Custom Model, and switch on: databricks-gpt-5-2\n"
  "  4. test in Ask mode (Ctrl+L / Cmd+L); custom keys do not serve Agent mode or Tab\n";

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

// The report on the four agents of the fixture rollouts: the file lines, the notes that
// Gemini CLI and Cursor always get, then the steps.
std::string
four_agents_report(const fs::path& home, const std::string& file_lines, const std::string& counts)
{
  return file_lines + gemini_note(home) + k_cursor_notes
         + "step parse: ok: version 1, agents claude codex gemini cursor\n"
           "step configure: ok: "
         + counts + "\n" + k_last_steps;
}

Json
file_entry(const fs::path& path, const std::string& agent, const std::string& result,
           const std::string& step = "configure")
{
  return {{"path", path.string()}, {"agent", agent}, {"result", result}, {"step", step}};
}

Json
step_entry(const std::string& step, const std::string& result, const std::string& message)
{
  return {{"step", step}, {"result", result}, {"message", message}};
}

} // namespace

TEST_CASE("cli apply on an empty home writes what configure writes, then nothing")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  const fs::path file = fixture("rollout/empty-helper.yaml");

  auto first = apply(home, file);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  check_tree(fixture("expected/empty-helper"), home);
  CHECK(first.out
        == four_agents_report(home,
                              "claude: created ~/.claude/settings.json\n"
                              "codex: created ~/.codex/config.toml\n"
                              "gemini: created ~/.gemini/.env\n"
                              "gemini: created ~/.gemini/settings.json\n",
                              "4 files: 4 created, 0 changed, 0 unchanged"));
  CHECK(first.err == "");

  SUBCASE("a second apply reports every file unchanged and changes no byte")
  {
    const auto after_first = whole_home(home);
    auto second = apply(home, file, {"--json"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(whole_home(home) == after_first);

    Json expected{
      {"command", "apply"},
      {"file", file.string()},
      {"dry_run", false},
      {"changed", false},
      {"files", Json::array({file_entry(home / ".claude/settings.json", "claude", "unchanged"),
                             file_entry(home / ".codex/config.toml", "codex", "unchanged"),
                             file_entry(home / ".gemini/.env", "gemini", "unchanged"),
                             file_entry(home / ".gemini/settings.json", "gemini", "unchanged")})},
      {"steps",
       Json::array({step_entry("parse", "ok", "version 1, agents claude codex gemini cursor"),
                    step_entry("configure", "ok", "4 files: 0 created, 0 changed, 4 unchanged"),
                    step_entry("relay", "skipped", "auth.method is pat"),
                    step_entry("telemetry", "skipped", "the file has no telemetry section")})},
      {"notes", Json::array({{{"agent", "gemini"}, {"text", lines_of(gemini_note(home))[0]}}})},
      {"warnings", Json::array()}};
    Json& notes = expected["notes"];
    for (const auto& line : lines_of(k_cursor_notes)) {
      notes.push_back({{"agent", "cursor"}, {"text", line}});
    }
    CHECK(second.out == expected.dump(2) + "\n");
  }
}

TEST_CASE("cli apply on real-world files keeps a user's later edit")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  const fs::path file = fixture("rollout/real-world-helper.yaml");

  auto first = apply(home, file);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  check_tree(fixture("expected/real-world-helper"), home);
  CHECK(first.out
        == four_agents_report(home,
                              "claude: changed ~/.claude/settings.json\n"
                              "claude: changed ~/.claude.json\n"
                              "codex: changed ~/.codex/config.toml\n"
                              "gemini: changed ~/.gemini/.env\n"
                              "gemini: changed ~/.gemini/settings.json\n",
                              "5 files: 0 created, 5 changed, 0 unchanged"));

  // The user adds a table of their own to Codex's file and changes a key the tool owns.
  const fs::path codex = home / ".codex/config.toml";
  const std::string own_table = "\n[projects.\"/srv/app\"]\ntrust_level = \"trusted\"\n";
  aigw::test::write_bytes(codex, read_bytes(codex) + own_table);
  const fs::path env_file = home / ".gemini/.env";
  std::string env = read_bytes(env_file);
  const std::string model = "databricks-gemini-2-5-flash";
  const auto at = env.find("GEMINI_MODEL=" + model);
  REQUIRE(at != std::string::npos);
  env.replace(at + 13, model.size(), "databricks-gemini-3-pro");
  aigw::test::write_bytes(env_file, env);
  const std::string codex_after_edit = read_bytes(codex);

  auto again = apply(home, file);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out
        == four_agents_report(home,
                              "claude: unchanged ~/.claude/settings.json\n"
                              "claude: unchanged ~/.claude.json\n"
                              "codex: unchanged ~/.codex/config.toml\n"
                              "gemini: changed ~/.gemini/.env\n"
                              "gemini: unchanged ~/.gemini/settings.json\n",
                              "5 files: 0 created, 1 changed, 4 unchanged"));
  CHECK(read_bytes(codex) == codex_after_edit);
  CHECK(read_bytes(env_file) == read_bytes(fixture("expected/real-world-helper/.gemini/.env")));
}

TEST_CASE("cli apply refuses a bad rollout file with exit 2 and touches nothing")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  const fs::path file = dir / "rollout.yaml";
  aigw::test::write_bytes(file, "version: 1\n"
                                "gateway: https://gw.example.com\n"
                                "agents:\n"
                                "  claude:\n"
                                "    skip_onboarding: yes\n");
  const auto before = snapshot(home);

  auto result = apply(home, file);
  CHECK(result.exit_code == 2);
  const std::string message = file.string()
                              + ":5:22: agents.claude.skip_onboarding: expected true or false, "
                                "got a string";
  CHECK(result.err == "aigw-setup: error: " + message + "\n");
  CHECK(result.out
        == "step parse: failed: " + message
             + "\n"
               "step configure: skipped: an earlier step failed\n"
               "step relay: skipped: an earlier step failed\n"
               "step telemetry: skipped: an earlier step failed\n");
  CHECK(whole_home(home) == before);

  SUBCASE("the same as one JSON document")
  {
    auto json = apply(home, file, {"--json"});
    CHECK(json.exit_code == 2);
    const Json expected{
      {"command", "apply"},
      {"file", file.string()},
      {"dry_run", false},
      {"changed", false},
      {"files", Json::array()},
      {"steps", Json::array({step_entry("parse", "failed", message),
                             step_entry("configure", "skipped", "an earlier step failed"),
                             step_entry("relay", "skipped", "an earlier step failed"),
                             step_entry("telemetry", "skipped", "an earlier step failed")})},
      {"notes", Json::array()},
      {"warnings", Json::array()}};
    CHECK(json.out == expected.dump(2) + "\n");
  }
  SUBCASE("no token anywhere")
  {
    const fs::path with_env = fixture("rollout/real-world-helper.yaml");
    auto unset = apply(home, with_env, {}, {});
    CHECK(unset.exit_code == 2);
    CHECK(unset.err
          == "aigw-setup: error: " + with_env.string()
               + ": auth.token_env: $AIGW_TEST_TOKEN is not set; the token is read "
                 "from it\n");

    aigw::test::write_bytes(file, "version: 1\ngateway: https://gw.example.com\n"
                                  "agents: {codex: }\n");
    auto none = apply(home, file, {}, {});
    CHECK(none.exit_code == 2);
    CHECK(none.err
          == "aigw-setup: error: " + file.string()
               + ": no token: name the variable that holds it with auth.token_env or "
                 "its file with auth.token_file, or export DATABRICKS_TOKEN\n");
  }
  CHECK(whole_home(home) == before);
}

TEST_CASE("cli apply stops with exit 3 on an agent file that does not parse, writing nothing")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  aigw::test::write_bytes(home / ".codex/config.toml", "model = \n");
  const auto before = snapshot(home);

  auto result = apply(home, fixture("rollout/real-world-helper.yaml"));
  CHECK(result.exit_code == 3);
  // The message after file:line:column is toml++'s own.
  const std::string failed = "step parse: ok: version 1, agents claude codex gemini cursor\n"
                             "step configure: failed: "
                             + (home / ".codex/config.toml").string() + ":1:9: ";
  CHECK(result.out.rfind(failed, 0) == 0);
  const std::string skipped = " (nothing was changed)\n"
                              "step relay: skipped: an earlier step failed\n"
                              "step telemetry: skipped: an earlier step failed\n";
  CHECK(result.out.substr(result.out.size() - std::min(result.out.size(), skipped.size()))
        == skipped);
  CHECK(whole_home(home) == before);
}

TEST_CASE("cli apply --dry-run prints the diffs and writes nothing")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  const fs::path file = dir / "rollout.yaml";
  aigw::test::write_bytes(file, "version: 1\n"
                                "workspace: https://adb-1.azuredatabricks.net\n"
                                "agents: {claude: {model: databricks-claude-sonnet-4-5}}\n");

  auto result = apply(home, file, {"--dry-run"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(snapshot(home).empty());
  const std::string path = (home / ".claude/settings.json").string();
  CHECK(result.out
        == "claude: created ~/.claude/settings.json\n"
           "--- "
             + path
             + "\n"
               "+++ "
             + path
             + "\n"
               "@@ -1,0 +1,9 @@\n"
               "+{\n"
               "+  \"env\": {\n"
               "+    \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\",\n"
               "+    \"ANTHROPIC_BASE_URL\": "
               "\"https://adb-1.azuredatabricks.net/ai-gateway/anthropic\",\n"
               "+    \"ANTHROPIC_CUSTOM_HEADERS\": \"x-databricks-use-coding-agent-mode: "
               "true\",\n"
               "+    \"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\"\n"
               "+  },\n"
               "+  \"apiKeyHelper\": \"" AIGW_BINARY " --home "
             + home.string()
             + " token\"\n"
               "+}\n\n"
               "step parse: ok: version 1, agents claude\n"
               "step configure: ok: 1 files: 1 created, 0 changed, 0 unchanged\n"
             + k_last_steps + "dry run: nothing was written\n");
}

TEST_CASE("cli apply with the relay, and values from the environment")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  const fs::path file = fixture("rollout/relay-claude.yaml");
  const std::map<std::string, std::string> env{{"AIGW_TEST_TOKEN", k_token},
                                               {"AIGW_GATEWAY", "https://gw.example.com"},
                                               {"AIGW_TEST_MODEL", "databricks-claude-sonnet-4-5"}};

  auto first = apply(home, file, {}, env);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out
        == "claude: created ~/.claude/settings.json\n"
           "relay: created ~/.config/aigw-setup/relay.json\n"
           "relay: created ~/.config/aigw-setup/relay.key\n"
           "step parse: ok: version 1, agents claude; gateway from $AIGW_GATEWAY\n"
           "step configure: ok: 1 files: 1 created, 0 changed, 0 unchanged\n"
           "step relay: ok: the agents use the relay at http://127.0.0.1:8799; keep "
           "`aigw-setup relay` running\n"
           "step telemetry: skipped: the file has no telemetry section\n");
  CHECK(read_bytes(home / ".config/aigw-setup/relay.json")
        == "{\n  \"listen\": \"127.0.0.1:8799\",\n  \"gateway\": \"https://gw.example.com\"\n}\n");
  const std::string settings = read_bytes(home / ".claude/settings.json");
  CHECK(settings.find("\"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8799/anthropic\"")
        != std::string::npos);
  CHECK(settings.find("\"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\"")
        != std::string::npos);
  CHECK(settings.find("x-databricks-use-coding-agent-mode: true\\nX-Team: data-eng")
        != std::string::npos);

  const auto after_first = whole_home(home);
  auto second = apply(home, file, {}, env);
  REQUIRE(second.exit_code == 0);
  CHECK(whole_home(home) == after_first);
  CHECK(second.out.find("claude: unchanged ~/.claude/settings.json\n"
                        "relay: unchanged ~/.config/aigw-setup/relay.json\n"
                        "relay: unchanged ~/.config/aigw-setup/relay.key\n")
        == 0);
}

TEST_CASE("cli apply takes the workspace from a ~/.databrickscfg profile")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  aigw::test::write_bytes(home / ".databrickscfg", "[DEFAULT]\nhost = https://adb-0.example.com\n"
                                                   "\n[fleet]\nhost = adb-9.example.com/\n");
  const fs::path file = dir / "rollout.yaml";
  aigw::test::write_bytes(file, "version: 1\nauth: {profile: fleet, token_env: AIGW_TEST_TOKEN}\n"
                                "agents: {claude: }\n");

  auto result = apply(home, file);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out
        == "claude: created ~/.claude/settings.json\n"
           "step parse: ok: version 1, agents claude; workspace from profile fleet\n"
           "step configure: ok: 1 files: 1 created, 0 changed, 0 unchanged\n"
             + k_last_steps);
  CHECK(read_bytes(home / ".claude/settings.json")
          .find("\"ANTHROPIC_BASE_URL\": \"https://adb-9.example.com/ai-gateway/anthropic\"")
        != std::string::npos);

  aigw::test::write_bytes(file, "version: 1\nauth: {profile: team, token_env: AIGW_TEST_TOKEN}\n"
                                "agents: {claude: }\n");
  auto missing = apply(home, file);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.rfind("aigw-setup: error: " + file.string() + ": auth.profile \"team\": ", 0)
        == 0);
}

TEST_CASE("cli apply enables telemetry as `telemetry enable` does, then changes nothing")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  const fs::path file = dir / "rollout.yaml";
  aigw::test::write_bytes(file, "version: 1\n"
                                "gateway: https://gw.example.com\n"
                                "workspace: https://adb-1.azuredatabricks.net\n"
                                "auth: {token_env: AIGW_TEST_TOKEN}\n"
                                "agents: {claude: , codex: }\n"
                                "telemetry: {catalog: main, schema: otel, prefix: agents, "
                                "enable: [claude, codex]}\n");
  const std::string tables = "tables main.otel.agents_otel_metrics and "
                             "main.otel.agents_otel_logs";

  // A dry run cannot show telemetry's edits on top of files configure has not written yet.
  const auto preview = apply(home, file, {"--dry-run"});
  CHECK(preview.exit_code == 0);
  CHECK(preview.out.find("step telemetry: skipped: dry run: it edits the files the configure "
                         "step would write first; apply for real, and a later --dry-run shows "
                         "it\n")
        != std::string::npos);
  CHECK(preview.out.find("(telemetry)") == std::string::npos);
  CHECK_FALSE(fs::exists(home / ".claude"));

  auto first = apply(home, file);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out
        == "claude: created ~/.claude/settings.json\n"
           "codex: created ~/.codex/config.toml\n"
           "claude: changed ~/.claude/settings.json (telemetry)\n"
           "codex: changed ~/.codex/config.toml (telemetry)\n"
           "step parse: ok: version 1, agents claude codex\n"
           "step configure: ok: 2 files: 2 created, 0 changed, 0 unchanged\n"
           "step relay: skipped: auth.method is pat\n"
           "step telemetry: ok: agents claude codex, "
             + tables + "; 2 files: 0 created, 2 changed, 0 unchanged\n");

  SUBCASE("the same bytes as configure and then telemetry enable")
  {
    TempDir other;
    const fs::path twin = empty_home(other);
    const std::map<std::string, std::string> env{{"AIGW_TEST_TOKEN", k_token}};
    REQUIRE(run_cli({"--home", twin.string(), "configure", "claude", "codex", "--gateway",
                     "https://gw.example.com", "--token-env", "AIGW_TEST_TOKEN"},
                    "", env)
              .exit_code
            == 0);
    REQUIRE(run_cli({"--home", twin.string(), "telemetry", "enable", "claude", "codex",
                     "--workspace", "https://adb-1.azuredatabricks.net", "--catalog", "main",
                     "--schema", "otel", "--prefix", "agents"},
                    "", env)
              .exit_code
            == 0);
    for (const char* name : {".claude/settings.json", ".codex/config.toml"}) {
      CAPTURE(name);
      std::string expected = read_bytes(twin / name);
      for (std::size_t at; (at = expected.find(twin.string())) != std::string::npos;) {
        expected.replace(at, twin.string().size(), home.string());
      }
      CHECK(read_bytes(home / name) == expected);
    }
  }

  SUBCASE("a second apply reports every file unchanged, in each step")
  {
    // Every byte stays, the tool's own state file included.
    const auto after_first = whole_home(home);
    auto second = apply(home, file, {"--json"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(whole_home(home) == after_first);
    const Json expected{
      {"command", "apply"},
      {"file", file.string()},
      {"dry_run", false},
      {"changed", false},
      {"files",
       Json::array({file_entry(home / ".claude/settings.json", "claude", "unchanged"),
                    file_entry(home / ".codex/config.toml", "codex", "unchanged"),
                    file_entry(home / ".claude/settings.json", "claude", "unchanged", "telemetry"),
                    file_entry(home / ".codex/config.toml", "codex", "unchanged", "telemetry")})},
      {"steps",
       Json::array({step_entry("parse", "ok", "version 1, agents claude codex"),
                    step_entry("configure", "ok", "2 files: 0 created, 0 changed, 2 unchanged"),
                    step_entry("relay", "skipped", "auth.method is pat"),
                    step_entry("telemetry", "ok",
                               "agents claude codex, " + tables
                                 + "; 2 files: 0 created, 0 changed, 2 unchanged")})},
      {"notes", Json::array()},
      {"warnings", Json::array()}};
    CHECK(second.out == expected.dump(2) + "\n");
  }
}

TEST_CASE("cli apply checks the telemetry section before it writes anything")
{
  TempDir dir;
  const fs::path home = empty_home(dir);
  const fs::path file = dir / "rollout.yaml";
  const std::string head = "version: 1\ngateway: https://gw.example.com\n"
                           "auth: {token_env: AIGW_TEST_TOKEN}\nagents: {claude: }\n";
  const std::string where = file.string() + ": telemetry.enable: ";

  aigw::test::write_bytes(file, head + "workspace: https://adb-1.azuredatabricks.net\n"
                                       "telemetry: {catalog: c, schema: s, prefix: p, "
                                       "enable: [claude, gemini]}\n");
  auto gemini = apply(home, file);
  CHECK(gemini.exit_code == 2);
  CHECK(gemini.err
        == "aigw-setup: error: " + where
             + "gemini needs auth.method relay: Gemini CLI has no setting for the headers that "
               "carry the token\n");

  aigw::test::write_bytes(file, head + "telemetry: {catalog: c, schema: s, prefix: p, "
                                       "enable: [claude]}\n");
  auto no_workspace = apply(home, file);
  CHECK(no_workspace.exit_code == 2);
  CHECK(no_workspace.err
        == "aigw-setup: error: " + where
             + "the exports go to the workspace: give workspace (or export AIGW_WORKSPACE or "
               "DATABRICKS_HOST)\n");
  CHECK(whole_home(home).empty());

  aigw::test::write_bytes(file, head + "telemetry: {catalog: c, schema: s, prefix: p}\n");
  auto none = apply(home, file);
  REQUIRE(none.exit_code == 0);
  CHECK(none.out.ends_with("step telemetry: skipped: telemetry.enable names no agent\n"));
}
