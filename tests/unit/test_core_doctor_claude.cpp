// SPDX-License-Identifier: MIT
// The Claude Code checks of doctor, each made to fail or warn by one fixture and to pass
// by a home that configure set up, with the exact cause and remedy.
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;
using test::the_check;

namespace {

struct ClaudeHome
{
  test::TempDir dir;
  fs::path home = test::doctor_home(dir);

  explicit ClaudeHome(std::vector<std::string> extra = {"--skip-onboarding"})
  {
    extra.insert(extra.begin(), "claude");
    test::configure_home(home, extra);
  }

  std::vector<core::Check> checks(core::Environment env = {}) const
  {
    return core::claude_checks(
      test::doctor_inputs(home, std::move(env), test::installed({{"claude", "2.1.230"}})));
  }

  fs::path settings() const { return home / ".claude/settings.json"; }
};

const std::string k_settings_line = "\"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\"";

} // namespace

TEST_CASE("core::claude_checks on a home configure set up")
{
  const ClaudeHome claude;
  const auto checks = claude.checks();

  std::vector<std::string> lines;
  for (const auto& check : checks) {
    CHECK(check.level == core::Level::pass);
    CHECK(check.group == "claude");
    lines.push_back(check.id + " " + check.cause);
  }
  CHECK(lines
        == std::vector<std::string>{
          "claude.file_as_written ~/.claude/settings.json parses and holds what configure wrote",
          "claude.file_as_written ~/.claude.json parses and holds what configure wrote",
          "claude.env_not_string every env value in ~/.claude/settings.json is a string",
          "claude.shell_credential no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY is exported "
          "above apiKeyHelper",
          "claude.managed_settings no managed settings override the gateway settings",
          "claude.project_settings no project settings in ~/project override the gateway "
          "settings",
          "claude.onboarding ~/.claude.json marks onboarding done",
          "claude.key_helper apiKeyHelper runs " + std::string(AIGW_BINARY) + ", which is there",
          "claude.version Claude Code 2.1.230 has no known breakage with this setup"});
}

TEST_CASE("core::claude_checks env_not_string")
{
  SUBCASE("a number in a configured file fails, with a repair")
  {
    const ClaudeHome claude;
    test::edit_file(claude.settings(), k_settings_line,
                    k_settings_line + ",\n    \"MAX_THINKING_TOKENS\": 150000");
    const auto check = the_check(claude.checks(), "claude.env_not_string");
    test::expect(check, core::Level::fail,
                 "env.MAX_THINKING_TOKENS (a number) in ~/.claude/settings.json must be a string; "
                 "Claude Code crashes on it (\"H.toLowerCase is not a function\")",
                 "write it as a string: \"MAX_THINKING_TOKENS\": \"150000\" ("
                   + test::aigw_on(claude.home) + " doctor --fix does it)");
    REQUIRE(check.repair);
    CHECK(check.repair->file == claude.settings());
    REQUIRE(check.repair->edits.size() == 1);
    CHECK(check.repair->edits[0].path == config::KeyPath{"env", "MAX_THINKING_TOKENS"});
    CHECK(check.repair->edits[0].value == config::Json("150000"));
    CHECK(check.repair->what
          == std::vector<std::string>{
            "~/.claude/settings.json: env.MAX_THINKING_TOKENS is now the string \"150000\""});
  }

  SUBCASE("the value of a variable named like a credential is never shown")
  {
    const ClaudeHome claude;
    test::edit_file(claude.settings(), k_settings_line,
                    k_settings_line + ",\n    \"MY_SERVICE_TOKEN\": 4815162342");
    const auto check = the_check(claude.checks(), "claude.env_not_string");
    CHECK(check.remedy == "write it as a string: \"MY_SERVICE_TOKEN\": \"...\" ("
                          + test::aigw_on(claude.home) + " doctor --fix does it)");
    REQUIRE(check.repair);
    CHECK(check.repair->what
          == std::vector<std::string>{
            "~/.claude/settings.json: env.MY_SERVICE_TOKEN is now the string \"...\""});
  }

  SUBCASE("a file configure did not write is not repaired, and an object has no string")
  {
    test::TempDir dir;
    const auto home = test::doctor_home(dir, "doctor/claude-number-env");
    const auto checks = core::claude_checks(test::doctor_inputs(home));
    CHECK(the_check(checks, "claude.configured").cause
          == "Claude Code is here but not set up for the gateway");
    const auto check = the_check(checks, "claude.env_not_string");
    test::expect(check, core::Level::fail,
                 "env.MAX_THINKING_TOKENS (a number), env.DEBUG_FLAGS (an object) in "
                 "~/.claude/settings.json must be a string; Claude Code crashes on it "
                 "(\"H.toLowerCase is not a function\")",
                 "write it as a string: \"MAX_THINKING_TOKENS\": \"150000\", "
                 "\"DEBUG_FLAGS\": \"...\"");
    CHECK_FALSE(check.repair);
  }
}

TEST_CASE("core::claude_checks shell_credential")
{
  const ClaudeHome claude;
  SUBCASE("an exported token outranks apiKeyHelper")
  {
    const auto check = the_check(claude.checks({{{"ANTHROPIC_AUTH_TOKEN", "sk-other-1234"}}}),
                                 "claude.shell_credential");
    test::expect(check, core::Level::fail,
                 "ANTHROPIC_AUTH_TOKEN is exported in this shell and outranks apiKeyHelper: Claude "
                 "Code sends it instead of the gateway token",
                 "unset ANTHROPIC_AUTH_TOKEN and remove its export from your shell profile");
  }

  SUBCASE("two exported credentials")
  {
    const auto check = the_check(
      claude.checks({{{"ANTHROPIC_AUTH_TOKEN", "sk-1234567"},
                      {"ANTHROPIC_API_KEY", "sk-7654321"}}}),
      "claude.shell_credential");
    CHECK(check.cause
          == "ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY are exported in this shell and outrank "
             "apiKeyHelper: Claude Code sends them instead of the gateway token");
    CHECK(check.remedy == "unset ANTHROPIC_AUTH_TOKEN ANTHROPIC_API_KEY and remove their exports "
                          "from your shell profile");
  }

  SUBCASE("a variable exported empty does not count")
  {
    const auto check =
      the_check(claude.checks({{{"ANTHROPIC_AUTH_TOKEN", ""}}}), "claude.shell_credential");
    CHECK(check.level == core::Level::pass);
  }
}

TEST_CASE("core::claude_checks managed_settings and project_settings")
{
  const ClaudeHome claude;
  SUBCASE("a managed file and a drop-in that set gateway keys fail")
  {
    test::write_bytes(claude.home / "etc/claude-code/managed-settings.json",
                      "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://other.example.com\"}}\n");
    test::write_bytes(claude.home / "etc/claude-code/managed-settings.d/10-org.json",
                      "{\"forceLoginMethod\": \"claudeai\"}\n");
    const auto check = the_check(claude.checks(), "claude.managed_settings");
    test::expect(check, core::Level::fail,
                 "~/etc/claude-code/managed-settings.json sets env.ANTHROPIC_BASE_URL; "
                 "~/etc/claude-code/managed-settings.d/10-org.json sets forceLoginMethod: managed "
                 "settings win over ~/.claude/settings.json",
                 "ask whoever manages this machine to drop those keys or set them to "
                 "the gateway's values (aigw-setup does not edit managed settings)");
  }

  SUBCASE("a managed file that agrees passes")
  {
    test::write_bytes(claude.home / "etc/claude-code/managed-settings.json",
                      "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://gw.example.com/anthropic\"}}");
    CHECK(the_check(claude.checks(), "claude.managed_settings").level == core::Level::pass);
  }

  SUBCASE("a project's local settings win in that project")
  {
    test::write_bytes(claude.home / "project/.claude/settings.local.json",
                      "{\"env\": {\"ANTHROPIC_MODEL\": \"claude-sonnet-4-5\"}}\n");
    const auto check = the_check(claude.checks(), "claude.project_settings");
    test::expect(check, core::Level::warn,
                 "~/project/.claude/settings.local.json sets env.ANTHROPIC_MODEL, which "
                 "wins over ~/.claude/settings.json in that project",
                 "remove those keys there unless that project is meant to use another gateway");
  }
}

TEST_CASE("core::claude_checks onboarding")
{
  SUBCASE("without --skip-onboarding a fresh Claude Code asks to log in")
  {
    const ClaudeHome claude(std::vector<std::string>{});
    const auto check = the_check(claude.checks(), "claude.onboarding");
    test::expect(check, core::Level::warn,
                 "~/.claude.json does not mark onboarding done: a fresh Claude Code asks "
                 "to log in before it reads the gateway settings",
                 "run: " + test::aigw_on(claude.home)
                   + " configure claude --skip-onboarding --gateway URL (your "
                 "gateway), or log in once");
  }
  SUBCASE("doctor run without --home names none")
  {
    const ClaudeHome claude(std::vector<std::string>{});
    auto inputs = test::doctor_inputs(claude.home);
    inputs.explicit_home.reset();
    CHECK(the_check(core::claude_checks(inputs), "claude.onboarding").remedy
          == "run: aigw-setup configure claude --skip-onboarding --gateway URL (your gateway), "
             "or log in once");
  }
  SUBCASE("in relay mode the remedy keeps relay mode and needs no URL")
  {
    const ClaudeHome claude(std::vector<std::string>{"--auth", "relay"});
    CHECK(the_check(claude.checks(), "claude.onboarding").remedy
          == "run: " + test::aigw_on(claude.home)
               + " configure claude --auth relay --skip-onboarding, or log in once");
  }

  SUBCASE("a ~/.claude.json configure did not write that does not parse")
  {
    const ClaudeHome claude(std::vector<std::string>{});
    test::write_bytes(claude.home / ".claude.json", "{\"numStartups\": 3,}\n");
    const auto check = the_check(claude.checks(), "claude.state_parses");
    CHECK(check.level == core::Level::fail);
    CHECK(check.cause.starts_with("~/.claude.json:1:"));
    CHECK(check.cause.ends_with("; Claude Code stops with a configuration error"));
  }
}

TEST_CASE("core::claude_checks key_helper")
{
  const ClaudeHome claude;
  test::edit_file(claude.settings(), std::string(AIGW_BINARY) + " --home",
                  "'/opt/gone/aigw setup' --home");
  const auto check = the_check(claude.checks(), "claude.key_helper");
  test::expect(check, core::Level::fail,
               "apiKeyHelper runs /opt/gone/aigw setup, which is not there: Claude Code "
               "gets no token",
               "run " + test::aigw_on(claude.home)
                 + " configure claude again with the aigw-setup you use now");
}

TEST_CASE("core::claude_checks file_as_written")
{
  SUBCASE("a changed key configure wrote is put back by a proved repair")
  {
    const ClaudeHome claude;
    test::edit_file(claude.settings(), "https://gw.example.com/anthropic",
                    "https://elsewhere.example.com");
    const auto check = test::checks_with(claude.checks(), "claude.file_as_written").front();
    test::expect(check, core::Level::warn,
                 "~/.claude/settings.json: env.ANTHROPIC_BASE_URL was changed since configure "
                 "wrote it",
                 "run: " + test::aigw_on(claude.home)
                   + " doctor --fix (puts back what configure wrote), or "
                 "keep the change if you made it on purpose");
    REQUIRE(check.repair);
    REQUIRE(check.repair->edits.size() == 1);
    CHECK(check.repair->edits[0].value == config::Json("https://gw.example.com/anthropic"));
  }

  SUBCASE("a value doctor cannot rebuild is left to configure")
  {
    const ClaudeHome claude({"--skip-onboarding", "--header", "X-Team: data-eng"});
    test::edit_file(claude.settings(), "X-Team: data-eng", "X-Team: web");
    const auto check = test::checks_with(claude.checks(), "claude.file_as_written").front();
    test::expect(check, core::Level::warn,
                 "~/.claude/settings.json: env.ANTHROPIC_CUSTOM_HEADERS was changed "
                 "since configure wrote it",
                 "run " + test::aigw_on(claude.home)
                   + " configure claude again with the options you used, or "
                 "keep the change if you made it on purpose");
    CHECK_FALSE(check.repair);
  }

  SUBCASE("a file that no longer parses")
  {
    const ClaudeHome claude;
    test::edit_file(claude.settings(), k_settings_line, k_settings_line + ",");
    const auto check = the_check(claude.checks(), "claude.file_parses");
    CHECK(check.level == core::Level::fail);
    CHECK(check.cause.starts_with("~/.claude/settings.json:7:"));
    CHECK(check.cause.ends_with("; Claude Code skips a settings file with errors entirely"));
    CHECK(check.remedy.starts_with("correct the file at line 7, column "));
  }

  SUBCASE("a file that is gone")
  {
    const ClaudeHome claude;
    fs::remove(claude.settings());
    const auto check = the_check(claude.checks(), "claude.file_missing");
    test::expect(check, core::Level::fail,
                 "~/.claude/settings.json is gone; Claude Code needs what configure "
                 "wrote there",
                 "run: " + test::aigw_on(claude.home) + " configure claude");
  }
}

TEST_CASE("core::claude_checks version")
{
  const ClaudeHome claude;
  auto inputs = test::doctor_inputs(claude.home);

  SUBCASE("not on PATH")
  {
    const auto check = the_check(core::claude_checks(inputs), "claude.version");
    test::expect(check, core::Level::warn,
                 "Claude Code is configured but `claude` is not on PATH",
                 "install it, or add the folder that holds it to PATH");
  }

  SUBCASE("a binary that prints no version")
  {
    inputs.versions["claude"] = core::AgentInstall{"/opt/bin/claude", std::nullopt};
    const auto check = the_check(core::claude_checks(inputs), "claude.version");
    test::expect(check, core::Level::warn,
                 "`/opt/bin/claude --version` printed no version",
                 "run it yourself: the agent may not start at all");
  }
}
