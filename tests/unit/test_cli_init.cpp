// SPDX-License-Identifier: MIT
// `init` end to end with the real binary. Without a terminal (stdin a pipe) it asks nothing
// and names the flag for the first missing answer, in the order it needs them; with every
// flag it writes exactly what `configure` writes and then runs `test`. On a pseudo-terminal
// (PtySession) it is driven the way a person drives it: pick agents, a ~/.databrickscfg
// profile by number, type a token that is never shown, read the diffs, say yes or no. With
// --auth relay the preview lists relay.json and relay.key, the key only ever as ***.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "support/cli_runner.hpp"
#include "support/fake_gateway.hpp"
#include "support/pty_session.hpp"
#include "support/test_context.hpp"

using aigw::test::CliResult;
using aigw::test::FakeGateway;
using aigw::test::GatewayLayout;
using aigw::test::PtySession;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::TempDir;

namespace fs = std::filesystem;

namespace {

constexpr const char* k_no_terminal = " (stdin is not a terminal, so init asks nothing)\n";

void
write_text(const fs::path& path, const std::string& text)
{
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A project folder to run in, so that Gemini's folder trust has a folder to trust.
fs::path
project_in(const TempDir& dir)
{
  const auto project = dir / "project";
  fs::create_directories(project);
  return project;
}

std::string
with_home(std::string text, const fs::path& from, const fs::path& to)
{
  for (auto at = text.find(from.string()); at != std::string::npos;
       at = text.find(from.string(), at + to.string().size())) {
    text.replace(at, from.string().size(), to.string());
  }
  return text;
}

std::vector<std::string>
init_args(const TempDir& home, std::vector<std::string> more)
{
  std::vector<std::string> args{"--home", home.path().string(), "init"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("init without a terminal names the flag of the first missing answer")
{
  const TempDir home;

  SUBCASE("no agent named and none installed")
  {
    const CliResult result = run_cli(init_args(home, {}));
    CHECK(result.exit_code == 2);
    CHECK(result.err == std::string("aigw-setup: error: init needs the agents to set up (none "
                                    "was found on this machine): give claude, codex, gemini or "
                                    "cursor as arguments, or --all")
                          + k_no_terminal);
  }
  SUBCASE("no workspace")
  {
    const CliResult result = run_cli(init_args(home, {"claude"}));
    CHECK(result.exit_code == 2);
    CHECK(result.err == std::string("aigw-setup: error: init needs the workspace: give "
                                    "--workspace URL, --gateway URL or --profile NAME")
                          + k_no_terminal);
  }
  SUBCASE("no token")
  {
    const CliResult result =
      run_cli(init_args(home, {"claude", "--workspace", "https://adb-1.azuredatabricks.net"}));
    CHECK(result.exit_code == 2);
    CHECK(result.err == std::string("aigw-setup: error: init needs a personal access token: "
                                    "give --token-stdin, --token-file FILE or $DATABRICKS_TOKEN")
                          + k_no_terminal);
  }
  SUBCASE("no yes: the diffs are shown, nothing is written")
  {
    const CliResult result = run_cli(
      init_args(home, {"claude", "--workspace", "https://adb-1.azuredatabricks.net",
                       "--token-stdin"}),
      "dapi-init-token\n");
    CHECK(result.exit_code == 2);
    CHECK(result.out.starts_with("--- " + (home / ".claude/settings.json").string()));
    CHECK(result.out.find("dapi-init-token") == std::string::npos);
    CHECK(result.err == std::string("aigw-setup: error: init needs a yes to write the files "
                                    "above: give --yes (or --dry-run to only see them)")
                          + k_no_terminal);
    CHECK_FALSE(fs::exists(home / ".claude"));
    CHECK_FALSE(fs::exists(home / ".aigw-setup"));
  }
  SUBCASE("a profile that is not in ~/.databrickscfg")
  {
    write_text(home / ".databrickscfg", "[dev]\nhost = https://adb-1.azuredatabricks.net\n");
    const CliResult result = run_cli(init_args(home, {"claude", "--profile", "prod"}));
    CHECK(result.exit_code == 2);
    CHECK(result.err == "aigw-setup: error: " + (home / ".databrickscfg").string()
                          + " has no prod profile configured\n");
  }
  SUBCASE("--json: init is for people")
  {
    const CliResult result = run_cli({"--home", home.path().string(), "--json", "init"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.find("init talks with a person") != std::string::npos);
  }
}

TEST_CASE("init with every answer as a flag writes what configure writes")
{
  const TempDir by_init;
  const TempDir by_configure;
  const std::vector<std::string> answers{"claude",      "codex", "--workspace",
                                         "https://adb-1.azuredatabricks.net", "--token-stdin"};

  auto init = init_args(by_init, answers);
  init.insert(init.end(), {"--yes", "--no-test"});
  const CliResult initialised = run_cli(init, "dapi-init-token\n");
  std::vector<std::string> configure{"--home", by_configure.path().string(), "configure"};
  configure.insert(configure.end(), answers.begin(), answers.end());
  const CliResult configured = run_cli(configure, "dapi-init-token\n");

  REQUIRE(initialised.exit_code == 0);
  REQUIRE(configured.exit_code == 0);
  for (const char* file : {".claude/settings.json", ".codex/config.toml"}) {
    CAPTURE(file);
    CHECK(read_bytes(by_init / file)
          == with_home(read_bytes(by_configure / file), by_configure.path(), by_init.path()));
  }
  CHECK(initialised.out.find("dapi-init-token") == std::string::npos);
  CHECK(initialised.out.ends_with(
    "Skipped the round trips (--no-test); run `aigw-setup test` when ready.\n"));

  SUBCASE("a second init finds nothing to write")
  {
    const CliResult again = run_cli(init, "dapi-init-token\n");
    CHECK(again.exit_code == 0);
    CHECK(again.out == "Every file already holds this setup; nothing to write.\n"
                       "Skipped the round trips (--no-test); run `aigw-setup test` when ready.\n");
  }
}

TEST_CASE("init ends with a round trip to each route it set up")
{
  const FakeGateway gateway(GatewayLayout::workspace_hosted);
  const TempDir home;
  const CliResult result =
    run_cli(init_args(home, {"claude", "codex", "--workspace", gateway.url(), "--token-stdin",
                             "--yes"}),
            std::string(FakeGateway::k_token) + "\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("\nRound trip to each route:\nroute ") != std::string::npos);
  CHECK(result.out.ends_with("2 passed, 0 failed\n"));
  CHECK(result.out.find(FakeGateway::k_token) == std::string::npos);
}

TEST_CASE("init --all tests what it can and says why it skips the rest")
{
  const FakeGateway gateway(GatewayLayout::workspace_hosted);
  const TempDir home;
  const CliResult result =
    run_cli(init_args(home, {"--all", "--workspace", gateway.url(), "--token-stdin", "--yes",
                             "--gemini-trust", "off"}),
            std::string(FakeGateway::k_token) + "\n");
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("aigw-setup: warning: skipped cursor: ") != std::string::npos);
  CHECK(result.err.find("aigw-setup: error:") == std::string::npos);
  CHECK(result.out.ends_with("3 passed, 0 failed\n"));
}

TEST_CASE("init --profile takes the workspace and the token from ~/.databrickscfg")
{
  const FakeGateway gateway(GatewayLayout::workspace_hosted);
  const TempDir home;
  write_text(home / ".databrickscfg", "[prod]\nhost = " + gateway.url() + "\ntoken = "
                                        + FakeGateway::k_token + "\n");
  const CliResult result = run_cli(init_args(home, {"claude", "--profile", "prod", "--yes"}));
  CHECK(result.exit_code == 0);
  CHECK(result.err.starts_with("init: using the token of profile prod\n"));
  const std::string base_url =
    "\"ANTHROPIC_BASE_URL\": \"" + gateway.url() + "/ai-gateway/anthropic\"";
  CHECK(read_bytes(home / ".claude/settings.json").find(base_url) != std::string::npos);
  CHECK(result.out.ends_with("1 passed, 0 failed\n"));
}

TEST_CASE("init --models auto asks the gateway once and writes the model it picked")
{
  FakeGateway gateway(GatewayLayout::workspace_hosted);
  gateway.serve_models({"databricks-claude-sonnet-4-5"});
  const TempDir home;
  const CliResult result =
    run_cli(init_args(home, {"claude", "--workspace", gateway.url(), "--token-stdin", "--yes",
                             "--models", "auto", "--no-test"}),
            std::string(FakeGateway::k_token) + "\n");
  REQUIRE(result.exit_code == 0);
  CHECK(read_bytes(home / ".claude/settings.json")
          .find("\"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\"")
        != std::string::npos);
  int listings = 0;
  for (const auto& request : gateway.requests()) {
    listings += request.path.ends_with("/v1/models") ? 1 : 0;
  }
  CHECK(listings == 1);
}

TEST_CASE("init on a terminal asks, shows the diffs and writes on yes")
{
  const FakeGateway gateway(GatewayLayout::workspace_hosted);
  const TempDir home;
  write_text(home / ".databrickscfg", "[dev]\nhost = https://adb-1.azuredatabricks.net\n\n"
                                      "[local]\nhost = " + gateway.url() + "\n");
  PtySession session(init_args(home, {}), {}, project_in(home));

  session.expect("Agents found on this machine: none\n");
  session.expect("Agents to set up (claude codex gemini cursor, or all): ");
  session.type_line("clade");
  session.expect("\"clade\" is not an agent: claude, codex, gemini or cursor\n");
  session.expect("Agents to set up (claude codex gemini cursor, or all): ");
  session.type_line("claude codex");

  session.expect("Databricks profiles in ~/.databrickscfg:\n"
                 "  1) dev  https://adb-1.azuredatabricks.net\n"
                 "  2) local  " + gateway.url() + "\n");
  session.expect("Workspace: a profile's number, or a URL [1]: ");
  session.type_line("3");
  session.expect("There is no profile 3; pick 1 to 2\n");
  session.type_line("2");

  session.expect("Personal access token for " + gateway.url() + " (typing is hidden): ");
  session.type_line(FakeGateway::k_token);
  const auto diffs = session.expect("Write these 2 files? [y/N]: ");
  CHECK(diffs.find("+++ " + (home / ".claude/settings.json").string()) != std::string::npos);
  CHECK(diffs.find("+++ " + (home / ".codex/config.toml").string()) != std::string::npos);
  session.type_line("y");

  CHECK(session.wait() == 0);
  const auto shown = session.transcript();
  CHECK(shown.find(FakeGateway::k_token) == std::string::npos);
  CHECK(shown.find("claude: created ~/.claude/settings.json\n") != std::string::npos);
  CHECK(shown.ends_with("2 passed, 0 failed\n"));
  CHECK(session.echoes());
}

TEST_CASE("init on a terminal: no writes on no, and Ctrl-C leaves the terminal echoing")
{
  const TempDir home;

  SUBCASE("the user says no")
  {
    PtySession session(init_args(home, {"gemini", "--workspace",
                                        "https://adb-1.azuredatabricks.net"}),
                       {}, home.path());
    session.expect("which would trust every folder below it.\n");
    session.expect("Folder to trust for Gemini CLI (a project folder), or off: ");
    session.type_line("off");
    session.expect("(typing is hidden): ");
    session.type_line("dapi-typed-token");
    session.expect("Write these 2 files? [y/N]: ");
    session.type_line("");
    CHECK(session.wait() == 0);
    CHECK(session.transcript().ends_with("Nothing was written.\n"));
    CHECK(session.transcript().find("dapi-typed-token") == std::string::npos);
    CHECK_FALSE(fs::exists(home / ".gemini"));
  }
  SUBCASE("a gateway host typed for the workspace is taken as the gateway")
  {
    const std::string gateway = "https://1234.ai-gateway.cloud.databricks.com";
    PtySession session(init_args(home, {"claude"}), {}, project_in(home));
    session.expect("Databricks workspace URL (or the AI Gateway's URL): ");
    session.type_line(gateway);
    session.expect("init: " + gateway + " is an AI Gateway host: using it as the gateway "
                   "(--gateway)\n");
    session.expect("(typing is hidden): ");
    session.type_line("dapi-typed-token");
    const auto diff = session.expect("Write this file? [y/N]: ");
    CHECK(diff.find("\"ANTHROPIC_BASE_URL\": \"" + gateway + "/anthropic\"") != std::string::npos);
    session.type_line("n");
    CHECK(session.wait() == 0);
    CHECK_FALSE(fs::exists(home / ".claude"));
  }
  SUBCASE("Ctrl-C at the token question")
  {
    PtySession session(init_args(home, {"claude", "--workspace",
                                        "https://adb-1.azuredatabricks.net"}),
                       {{"NO_COLOR", "1"}}, home.path());
    session.expect("(typing is hidden): ");
    session.interrupt();
    CHECK(session.wait() == 130);
    CHECK(session.transcript().ends_with(
      "aigw-setup: error: stopped at a question; nothing was written\n"));
    CHECK(session.echoes());
    CHECK_FALSE(fs::exists(home / ".claude"));
  }
}

TEST_CASE("init --auth relay previews the relay's files and never shows the relay key")
{
  const TempDir home;
  const fs::path tool = home / ".config/aigw-setup";
  const std::string settings = (home / ".claude/settings.json").string();
  const std::string relay_json = (tool / "relay.json").string();
  const std::string relay_key = (tool / "relay.key").string();
  const std::vector<std::string> answers{"claude", "--auth", "relay", "--workspace",
                                         "https://adb-1.azuredatabricks.net", "--token-stdin"};
  // What the preview shows of Claude's settings and relay.json, whichever key is there.
  const std::string agent_and_relay_json =
    "--- " + settings + "\n+++ " + settings + "\n@@ -1,0 +1,9 @@\n"
    "+{\n"
    "+  \"env\": {\n"
    "+    \"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\",\n"
    "+    \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8765/anthropic\",\n"
    "+    \"ANTHROPIC_CUSTOM_HEADERS\": \"x-databricks-use-coding-agent-mode: true\",\n"
    "+    \"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\",\n"
    "+    \"ANTHROPIC_AUTH_TOKEN\": \"***\"\n"
    "+  }\n"
    "+}\n\n"
    "--- " + relay_json + "\n+++ " + relay_json + "\n@@ -1,0 +1,4 @@\n"
    "+{\n"
    "+  \"listen\": \"127.0.0.1:8765\",\n"
    "+  \"workspace\": \"https://adb-1.azuredatabricks.net\"\n"
    "+}\n\n";
  const std::string no_yes = "aigw-setup: error: init needs a yes to write the files above: "
                             "give --yes (or --dry-run to only see them)"
                             + std::string(k_no_terminal);

  SUBCASE("a relay key still to be made is listed as ***, and nothing is written")
  {
    const CliResult preview = run_cli(init_args(home, answers), "dapi-init-token\n");
    CHECK(preview.exit_code == 2);
    CHECK(preview.out == agent_and_relay_json + "--- " + relay_key + "\n+++ " + relay_key
                           + "\n@@ -1,0 +1,1 @@\n+***\n\n");
    CHECK(preview.err == no_yes);
    CHECK_FALSE(fs::exists(home / ".claude"));
    CHECK_FALSE(fs::exists(tool));
  }
  SUBCASE("a relay key already there is not listed, and not shown where the agent gets it")
  {
    const std::string key = "5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee1";
    write_text(tool / "relay.key", key + "\n");
    fs::permissions(tool / "relay.key", fs::perms::owner_read | fs::perms::owner_write);

    const CliResult preview = run_cli(init_args(home, answers), "dapi-init-token\n");
    CHECK(preview.exit_code == 2);
    CHECK(preview.out == agent_and_relay_json);
    CHECK(preview.out.find(key) == std::string::npos);
    CHECK(preview.err == no_yes);
    CHECK_FALSE(fs::exists(home / ".claude"));

    // Written for real, Claude's settings hold that very key: the preview had it to show.
    auto write = init_args(home, answers);
    write.insert(write.end(), {"--yes", "--no-test"});
    const CliResult written = run_cli(write, "dapi-init-token\n");
    REQUIRE(written.exit_code == 0);
    CHECK(read_bytes(home / ".claude/settings.json")
            .find("\"ANTHROPIC_AUTH_TOKEN\": \"" + key + "\"")
          != std::string::npos);
    CHECK(written.out.find(key) == std::string::npos);
    CHECK(written.err.find(key) == std::string::npos);
  }
}
