// SPDX-License-Identifier: MIT
// What the tool promises never to do: change anything when one file does not parse, write
// during a dry run, let a token out, or interleave two runs.
#include <doctest/doctest.h>

#include <future>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;

namespace {

const std::string k_token = "dapi-never-shown-7d2e1b";

std::vector<std::string>
configure_all(const fs::path& home, std::vector<std::string> extra = {})
{
  std::vector<std::string> args{"--home", home.string(), "configure", "--all", "--gateway",
                                "https://gw.example.com", "--token-stdin", "--gemini-trust",
                                "off"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

fs::path
real_world_home(const TempDir& dir)
{
  aigw::test::copy_tree(aigw::test::fixture("homes/real-world"), dir / "home");
  return dir / "home";
}

} // namespace

TEST_CASE("cli: a file that does not parse stops configure with nothing changed")
{
  const struct
  {
    const char* file;
    const char* content;
    const char* position;
  } cases[] = {
    {".claude/settings.json", "{\n  \"env\": {,}\n}\n", ".claude/settings.json:2:"},
    {".codex/config.toml", "model = \"gpt-5\nx = 1\n", ".codex/config.toml:1:"},
    {".gemini/.env", "GEMINI_MODEL='unterminated\n", ".gemini/.env:1:"},
    {".gemini/settings.json", "{ \"a\": 1, }\n", ".gemini/settings.json:1:"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    TempDir dir;
    const fs::path home = real_world_home(dir);
    aigw::test::write_bytes(home / c.file, c.content);
    const auto before = snapshot(home);

    auto result = run_cli(configure_all(home), k_token);
    CHECK(result.exit_code == 3);
    CHECK(result.err.find((home / c.position).string()) != std::string::npos);
    CHECK(result.err.find("aigw-setup: error: ") == 0);
    // The run lock is the only file a failed run may leave: the tool's own, empty of data.
    auto after = snapshot(home);
    after.erase(std::string(aigw::test::k_tool_dir) + "/lock");
    CHECK(after == before);
    CHECK_FALSE(fs::exists(home / aigw::test::k_tool_dir / "backups"));
  }
}

TEST_CASE("cli: --dry-run prints diffs and writes nothing")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  const auto before = snapshot(home);
  auto args = configure_all(home, {"--secrets", "inline"});
  args.insert(args.begin(), "--dry-run");

  auto result = run_cli(args, k_token);
  REQUIRE(result.exit_code == 0);
  CHECK(snapshot(home) == before);
  CHECK_FALSE(fs::exists(home / aigw::test::k_tool_dir));
  CHECK(result.out.find("+++ " + (home / ".claude/settings.json").string()) != std::string::npos);
  CHECK(result.out.find("\"ANTHROPIC_AUTH_TOKEN\": \"***\"") != std::string::npos);
  CHECK(result.out.find("dry run: nothing was written") != std::string::npos);
  CHECK(result.out.find(k_token) == std::string::npos);
}

TEST_CASE("cli: the token never appears in any output but `token`")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  std::vector<aigw::test::CliResult> results;
  for (const char* secrets : {"helper", "inline"}) {
    results.push_back(run_cli(configure_all(home, {"--secrets", secrets, "-vv"}), k_token));
    auto json = configure_all(home, {"--secrets", secrets});
    json.insert(json.begin(), "--json");
    results.push_back(run_cli(json, k_token));
    json.insert(json.begin(), "--dry-run");
    results.push_back(run_cli(json, k_token));
  }
  results.push_back(run_cli({"--home", home.string(), "status"}));
  results.push_back(run_cli({"--home", home.string(), "--json", "status"}));
  results.push_back(run_cli({"--home", home.string(), "configure", "--all", "--token-stdin",
                             "--gateway", "http://not-loopback.example.com"},
                            k_token));
  results.push_back(run_cli({"--home", home.string(), "-vv", "unconfigure", "--all"}));
  for (const auto& result : results) {
    CHECK(result.out.find(k_token) == std::string::npos);
    CHECK(result.err.find(k_token) == std::string::npos);
  }
  CHECK(results[1].exit_code == 0);
  const auto parsed = nlohmann::json::parse(results[1].out);
  CHECK(parsed["command"] == "configure");
}

TEST_CASE("cli: two configure runs at once both finish and leave valid files")
{
  TempDir dir;
  const fs::path home = real_world_home(dir);
  auto first = std::async(std::launch::async, [&] {
    return run_cli(configure_all(home, {"--claude-model", "model-a"}), k_token);
  });
  auto second = std::async(std::launch::async, [&] {
    return run_cli(configure_all(home, {"--claude-model", "model-b"}), k_token);
  });
  const auto a = first.get();
  const auto b = second.get();
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);

  const auto settings_text = aigw::test::read_bytes(home / ".claude/settings.json");
  const auto settings = nlohmann::json::parse(settings_text);
  const std::string model = settings["env"]["ANTHROPIC_MODEL"];
  CHECK((model == "model-a" || model == "model-b"));
  CHECK(settings["env"]["MY_TEAM_VAR"] == "keep-me");

  auto undo = run_cli({"--home", home.string(), "unconfigure", "--all"});
  CHECK(undo.exit_code == 0);
  const auto original = snapshot(aigw::test::fixture("homes/real-world"));
  CHECK(snapshot(home, aigw::test::k_tool_dir) == original);
}

TEST_CASE("cli: usage errors exit 2 and say what is wrong")
{
  TempDir dir;
  const std::string home = dir.path().string();
  const struct
  {
    std::vector<std::string> args;
    std::string input;
    const char* message;
  } cases[] = {
    {{"--home", home, "configure", "claude", "--gateway", "http://gw.example.com",
      "--token-stdin"},
     k_token,
     "--gateway \"http://gw.example.com\": https is required (http only for loopback hosts)"},
    {{"--home", home, "configure", "claude", "--gateway", "https://gw.example.com"},
     "",
     "no token: pipe it to --token-stdin"},
    {{"--home", home, "configure", "claude", "--token", k_token}, "", "--token"},
    {{"--home", home, "configure", "vim"}, "", "vim"},
    {{"--home", home, "frobnicate"}, "", "frobnicate"},
    {{"--home", home, "configure", "gemini", "--gateway", "https://gw.example.com",
      "--token-stdin", "--gemini-trust", "/"},
     k_token,
     "--gemini-trust /: trusting \"/\" would trust every folder below it"},
    {{"--home", home, "configure", "claude", "--token-stdin", "--gateway",
      "https://gw.example.com", "--header", "no colon"},
     k_token,
     "--header \"no colon\": expected \"Name: value\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    auto result = run_cli(c.args, c.input);
    CHECK(result.exit_code == 2);
    CHECK(result.err.find(c.message) != std::string::npos);
    CHECK(result.out.empty());
    CHECK(result.err.find(k_token) == std::string::npos);
  }
}

namespace {

// configure claude with `gateway` as --gateway, into the home `dir`.
aigw::test::CliResult
configure_gateway(const TempDir& dir, const std::string& gateway)
{
  return run_cli({"--home", dir.path().string(), "configure", "claude", "--gateway", gateway,
                  "--token-stdin"},
                 k_token);
}

} // namespace

TEST_CASE("cli configure: a refused gateway URL says which URLs are taken")
{
  TempDir dir;
  const std::string accepted = "use https://HOST/..., or http:// for a loopback host such as "
                               "the local relay (http://127.0.0.1:8765)\n";

  const auto ftp = configure_gateway(dir, "ftp://127.0.0.1:9");
  CHECK(ftp.exit_code == 2);
  CHECK(ftp.err
        == "aigw-setup: error: --gateway \"ftp://127.0.0.1:9\": not an https or http URL; "
             + accepted);

  const auto bare = configure_gateway(dir, "127.0.0.1:9");
  CHECK(bare.exit_code == 2);
  CHECK(bare.err == "aigw-setup: error: --gateway \"127.0.0.1:9\": not a URL; " + accepted);
}

TEST_CASE("cli configure: a port no URL can have is refused before anything is written")
{
  TempDir dir;
  const auto high = configure_gateway(dir, "http://127.0.0.1:99999");
  CHECK(high.exit_code == 2);
  CHECK(high.err == "aigw-setup: error: --gateway \"http://127.0.0.1:99999\": port 99999 is out "
                    "of range; a port is 1 to 65535\n");
  const auto zero = configure_gateway(dir, "http://127.0.0.1:0");
  CHECK(zero.exit_code == 2);
  CHECK(zero.err == "aigw-setup: error: --gateway \"http://127.0.0.1:0\": port 0 is out of "
                    "range; a port is 1 to 65535\n");
  const auto word = configure_gateway(dir, "https://gw.example.com:https");
  CHECK(word.exit_code == 2);
  CHECK(word.err == "aigw-setup: error: --gateway \"https://gw.example.com:https\": the port "
                    "\"https\" is not a number; a port is 1 to 65535\n");
  CHECK(snapshot(dir.path(), aigw::test::k_tool_dir).empty());
}

TEST_CASE("cli configure: a route URL given as --gateway is refused with the base it meant")
{
  TempDir dir;
  const auto result = configure_gateway(dir, "http://127.0.0.1:1/anthropic");
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: --gateway \"http://127.0.0.1:1/anthropic\": ends with "
                      "/anthropic, the Claude Code route that aigw-setup adds itself; give the "
                      "base URL: --gateway http://127.0.0.1:1\n");
  CHECK(result.out.empty());
  CHECK(snapshot(dir.path(), aigw::test::k_tool_dir).empty());
}

TEST_CASE("cli demo leaves a lived-in --home alone")
{
  const TempDir home;
  aigw::test::write_bytes(home / ".claude/settings.json", "{\"model\": \"mine\"}\n");
  const auto before = snapshot(home.path());

  const auto result = run_cli({"--home", home.path().string(), "demo"});
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: --home " + home.path().string()
                        + " is not empty: demo would point its agents at a relay that stops when "
                          "the demo ends; give a new or empty folder, or leave --home out for a "
                          "throwaway one\n");
  CHECK(snapshot(home.path()) == before);
}

TEST_CASE("cli configure from the home folder says the Gemini trust it refuses is the default")
{
  const TempDir home;
  const auto result =
    run_cli({"--home", home.path().string(), "configure", "gemini", "--gateway",
             "https://gw.example.com", "--token-stdin"},
            std::string(k_token) + "\n", {}, home.path());
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: --gemini-trust cwd (the default: the folder configure "
                      "runs in): trusting \"" + home.path().string()
                        + "\" would trust every folder below it; run configure from a project "
                          "folder, name one with --gemini-trust DIR, or give --gemini-trust off\n");
  CHECK_FALSE(fs::exists(home / ".gemini"));
}

TEST_CASE("cli demo reads no project files of the folder it is started from")
{
  const TempDir project;
  aigw::test::write_bytes(project / ".env", "GEMINI_API_KEY=mine\n");
  aigw::test::write_bytes(project / ".claude/settings.json",
                          "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://elsewhere.example\"}}\n");
  const TempDir user_home;
  const auto before = snapshot(project.path());

  const auto result =
    run_cli({"demo"}, "", {{"HOME", user_home.path().string()}}, project.path());
  CAPTURE(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find(project.path().string()) == std::string::npos);
  CHECK(snapshot(project.path()) == before);
  CHECK(fs::is_empty(user_home.path()));
}

TEST_CASE("cli unconfigure keeps a link's target that replaced a file configure created")
{
  const TempDir home;
  const std::vector<std::string> configure{"--home", home.path().string(), "configure",
                                           "claude", "--gateway", "https://gw.example.com",
                                           "--token-stdin"};
  REQUIRE(run_cli(configure, "dapi-linked\n").exit_code == 0);
  // The user keeps their settings in a dotfiles folder from now on.
  const auto settings = home / ".claude/settings.json";
  const auto kept = home / "dotfiles/claude.json";
  fs::create_directories(kept.parent_path());
  fs::rename(settings, kept);
  fs::create_symlink("../dotfiles/claude.json", settings);

  const auto result = run_cli({"--home", home.path().string(), "unconfigure", "claude"});
  CHECK(result.exit_code == 0);
  CHECK(fs::is_symlink(settings));
  REQUIRE(fs::exists(kept));
  CHECK(aigw::test::read_bytes(kept) == "{}\n");
}
