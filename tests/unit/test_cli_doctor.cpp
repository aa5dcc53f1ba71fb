// SPDX-License-Identifier: MIT
// `doctor` through the real binary: the grouped text output byte for byte on fixture homes
// (golden files under tests/fixtures/doctor/, @BINARY@ standing for the binary), the
// --json fields, the exit codes, the round trips against a fake gateway on loopback, and
// --fix: the bytes of every file compared before and after, a second --fix changing
// nothing, and --dry-run --fix writing nothing. AIGW_SYSTEM_ROOT is an empty folder, so the
// managed files of the machine running the tests play no part.
#include <nlohmann/json.hpp>

#include "support/fake_gateway.hpp"
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;

namespace {

const std::string k_binary = AIGW_BINARY;

// An empty system root below `dir`, for AIGW_SYSTEM_ROOT.
std::string
empty_system_root(const test::TempDir& dir)
{
  fs::create_directories(dir / "system");
  return (dir / "system").string();
}

// A configured home and a folder of fake agents that print their versions.
struct DoctorHome
{
  test::TempDir dir;
  fs::path home;
  std::map<std::string, std::string> env;

  DoctorHome(const std::string& fixture_home, std::vector<std::string> configure_args,
             const std::map<std::string, std::string>& versions)
    : home(test::doctor_home(dir, fixture_home))
  {
    test::configure_home(home, std::move(configure_args));
    test::fake_agents(dir / "bin", versions);
    env["PATH"] = (dir / "bin").string() + ":/usr/bin:/bin";
    env["AIGW_SYSTEM_ROOT"] = empty_system_root(dir);
  }

  test::CliResult doctor(std::vector<std::string> extra = {}, bool network = false) const
  {
    std::vector<std::string> args{"--home", home.string()};
    // --dry-run is a global option: it goes before the command.
    if (std::find(extra.begin(), extra.end(), "--dry-run") != extra.end()) {
      args.emplace_back("--dry-run");
      extra.erase(std::find(extra.begin(), extra.end(), "--dry-run"));
    }
    for (const char* word : {"doctor", "--project"}) {
      args.emplace_back(word);
    }
    args.push_back((home / "project").string());
    if (!network) {
      args.emplace_back("--no-network");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_cli(args, "", env);
  }
};

void
replace_all(std::string& text, const std::string& from, const std::string& to)
{
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
}

// `text` with the binary's path written as @BINARY@ and `home` as @HOME@, as golden files
// hold them.
std::string
generic(std::string text, const fs::path& home)
{
  replace_all(text, k_binary, "@BINARY@");
  replace_all(text, home.string(), "@HOME@");
  return text;
}

// A golden file with @BINARY@ and @HOME@ filled in.
std::string
golden(const std::string& relative, const fs::path& home)
{
  std::string text = test::read_fixture(relative);
  replace_all(text, "@BINARY@", k_binary);
  replace_all(text, "@HOME@", home.string());
  return text;
}

const std::vector<std::string> k_all{"--all", "--cursor-model", "databricks-gpt-5-2"};

} // namespace

TEST_CASE("cli doctor on a healthy home")
{
  auto args = k_all;
  args.emplace_back("--skip-onboarding");
  const DoctorHome healthy(
    "", args, {{"claude", "2.1.230 (Claude Code)"}, {"codex", "codex-cli 0.171.0"},
               {"gemini", "0.44.0"}});
  const auto result = healthy.doctor();
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(generic(result.out, healthy.home) == test::read_fixture("doctor/healthy-output.txt"));
  CHECK(result.err.empty());
}

TEST_CASE("cli doctor on a home with something wrong for each agent")
{
  DoctorHome broken("doctor/broken-home", k_all,
                    {{"claude", "2.1.230 (Claude Code)"}, {"codex", "codex-cli 0.171.0"},
                     {"gemini", "0.45.0"}});
  broken.env["ANTHROPIC_API_KEY"] = "sk-ant-exported-9f8e7d";

  SUBCASE("grouped text, and exit 1")
  {
    const auto result = broken.doctor();
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(generic(result.out, broken.home) == test::read_fixture("doctor/broken-output.txt"));
  }

  SUBCASE("--skip leaves a check out, and says so")
  {
    const auto text = broken.doctor({"--skip", "claude.env_not_string"});
    CHECK(text.out.rfind("skipped claude.env_not_string (--skip)\n", 0) == 0);
    CHECK(text.out.find("MAX_THINKING_TOKENS") == std::string::npos);

    const auto result = broken.doctor({"--skip", "claude.env_not_string", "--json"});
    CHECK(result.exit_code == 1);
    const auto json = nlohmann::ordered_json::parse(result.out);
    CHECK(json["skipped"] == nlohmann::ordered_json::array({"claude.env_not_string"}));
    CHECK(json["failed"] == 3);
    for (const auto& check : json["checks"]) {
      CHECK(check["id"] != "claude.env_not_string");
    }
  }

  SUBCASE("--json")
  {
    const auto result = broken.doctor({"--json"});
    CHECK(result.exit_code == 1);
    const auto json = nlohmann::ordered_json::parse(result.out);
    std::vector<std::string> keys;
    for (const auto& [key, value] : json.items()) {
      keys.push_back(key);
    }
    CHECK(keys
          == std::vector<std::string>{"command", "skipped", "checks", "passed", "warnings",
                                      "failed"});
    CHECK(json["skipped"] == nlohmann::ordered_json::array());
    CHECK(json["passed"] == 21);
    CHECK(json["warnings"] == 2);
    CHECK(json["failed"] == 4);
    CHECK(json["checks"][1]
          == nlohmann::ordered_json{
            {"group", "claude"},
            {"id", "claude.env_not_string"},
            {"level", "fail"},
            {"cause", "env.MAX_THINKING_TOKENS (a number) in ~/.claude/settings.json must be a "
                      "string; Claude Code crashes on it (\"H.toLowerCase is not a function\")"},
            {"remedy", "write it as a string: \"MAX_THINKING_TOKENS\": \"150000\" (aigw-setup "
                       "--home " + broken.home.string() + " doctor --fix does it)"},
            {"fixable", true}});
    CHECK(json["checks"][0]["remedy"] == "");
    CHECK(json["checks"][0]["fixable"] == false);
  }

  SUBCASE("--fix changes what it says and nothing else")
  {
    auto before = test::snapshot(broken.home, test::k_tool_dir);
    const auto result = broken.doctor({"--fix"});
    INFO(result.err);
    CHECK(result.exit_code == 1); // the exported key and the project .env remain
    CHECK(generic(result.out, broken.home) == test::read_fixture("doctor/broken-fix-output.txt"));

    auto after = test::snapshot(broken.home, test::k_tool_dir);
    std::string settings = before.at(".claude/settings.json");
    settings.replace(settings.find("150000"), 6, "\"150000\"");
    CHECK(after.at(".claude/settings.json") == settings);
    for (const char* file : {".codex/config.toml", ".codex/default.config.toml"}) {
      CHECK(after.at(file) == golden("expected/legacy-codex-migrated/" + std::string(file),
                                     broken.home));
    }
    for (const char* changed : {".claude/settings.json", ".codex/config.toml",
                                ".codex/default.config.toml"}) {
      after.erase(changed);
      before.erase(changed);
    }
    CHECK(after == before);

    SUBCASE("a second --fix changes nothing")
    {
      const auto unchanged = test::snapshot(broken.home, test::k_tool_dir);
      const auto again = broken.doctor({"--fix"});
      CHECK(again.out.starts_with("nothing that doctor --fix can repair\n\nclaude\n"));
      CHECK(test::snapshot(broken.home, test::k_tool_dir) == unchanged);
    }
  }

  SUBCASE("--dry-run --fix shows the diffs and writes nothing")
  {
    const auto before = test::snapshot(broken.home);
    const auto result = broken.doctor({"--dry-run", "--fix"});
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("+    \"MAX_THINKING_TOKENS\": \"150000\",\n") != std::string::npos);
    CHECK(result.out.find("would fix: ~/.claude/settings.json: env.MAX_THINKING_TOKENS is now "
                          "the string \"150000\"\n")
          != std::string::npos);
    CHECK(test::snapshot(broken.home) == before);
  }
}

TEST_CASE("cli doctor runs the round trips of test")
{
  test::FakeGateway gateway;
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  const auto configured = test::run_cli({"--home", home.string(), "configure", "claude",
                                         "--gateway", gateway.url(), "--token-stdin",
                                         "--skip-onboarding"},
                                        std::string(test::FakeGateway::k_token) + "\n");
  REQUIRE(configured.exit_code == 0);
  const std::vector<std::string> args{"--home", home.string(), "doctor", "--project",
                                      (home / "project").string()};
  const std::map<std::string, std::string> env{{"AIGW_SYSTEM_ROOT", empty_system_root(dir)}};

  SUBCASE("a route that answers, and the clock from its Date header")
  {
    const auto result = test::run_cli(args, "", env);
    INFO(result.out);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("\nnetwork\nPASS  claude " + gateway.url() + "/anthropic/")
          != std::string::npos);
    CHECK(result.out.find("\nPASS  this machine's clock agrees with the gateway's\n")
          != std::string::npos);
  }

  SUBCASE("a route that refuses the token fails doctor")
  {
    gateway.accept_token("another-token-123456");
    const auto result = test::run_cli(args, "", env);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("\nnetwork\nFAIL  claude " + gateway.url() + "/anthropic/")
          != std::string::npos);
  }
}

TEST_CASE("cli doctor on a home configured with --auth relay")
{
  // The relay is set to listen on port 9, where nothing answers on loopback.
  DoctorHome relay("", {"--all", "--auth", "relay", "--relay", "127.0.0.1:9", "--cursor-model",
                        "databricks-gpt-5-2", "--skip-onboarding"},
                   {{"claude", "2.1.230 (Claude Code)"}, {"codex", "codex-cli 0.171.0"},
                    {"gemini", "0.44.0"}});

  SUBCASE("Cursor on the relay warns with a remedy that keeps the home; nothing fails")
  {
    const auto result = relay.doctor();
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(generic(result.out, relay.home) == test::read_fixture("doctor/relay-output.txt"));
  }

  SUBCASE("the round trips name the relay key, and their remedies keep home and relay mode")
  {
    fs::remove(relay.home / test::k_tool_dir / "relay.key");
    const auto result = relay.doctor({}, true);
    CHECK(result.exit_code == 1);
    const std::string aigw = "aigw-setup --home " + relay.home.string();
    CHECK(result.out.find("\nnetwork\nFAIL  claude http://127.0.0.1:9/anthropic/v1/messages"
                          "?beta=true: no relay key to send\n      fix: no relay key: run "
                          + aigw + " configure claude --auth relay to create one\n")
          != std::string::npos);
  }
}
