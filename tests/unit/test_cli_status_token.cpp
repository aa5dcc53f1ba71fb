// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::run_cli;
using aigw::test::TempDir;

namespace {

unsigned
mode_of(const fs::path& path)
{
  struct stat info
  {
  };
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

} // namespace

TEST_CASE("cli token")
{
  TempDir dir;
  const std::string home = (dir / "home").string();

  SUBCASE("without configure: a clear error and exit 1")
  {
    auto result = run_cli({"--home", home, "token"});
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err.find("no credential is configured") != std::string::npos);
  }

  SUBCASE("after configure: the token alone, kept 0600 in a 0700 folder")
  {
    REQUIRE(run_cli({"--home", home, "configure", "claude", "--gateway",
                     "https://gw.example.com", "--token-stdin"},
                    "dapi-kept-123456\n")
              .exit_code
            == 0);
    auto result = run_cli({"--home", home, "token"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "dapi-kept-123456\n");
    CHECK(result.err.empty());
    const fs::path tool = fs::path(home) / aigw::test::k_tool_dir;
    CHECK(mode_of(tool) == 0700);
    CHECK(mode_of(tool / "credentials.json") == 0600);
  }

  SUBCASE("--token-env keeps only the variable's name")
  {
    REQUIRE(run_cli({"--home", home, "configure", "claude", "--gateway",
                     "https://gw.example.com", "--token-env", "MY_PAT"},
                    "", {{"MY_PAT", "dapi-from-env-99"}})
              .exit_code
            == 0);
    const auto stored = aigw::test::read_bytes(fs::path(home) / aigw::test::k_tool_dir
                                               / "credentials.json");
    CHECK(stored.find("dapi-from-env-99") == std::string::npos);
    CHECK(run_cli({"--home", home, "token"}, "", {{"MY_PAT", "dapi-rotated-42"}}).out
          == "dapi-rotated-42\n");
    auto unset = run_cli({"--home", home, "token"});
    CHECK(unset.exit_code == 1);
    CHECK(unset.err.find("$MY_PAT is not set") != std::string::npos);
  }
}

TEST_CASE("cli status")
{
  TempDir dir;
  const fs::path home = dir / "home";
  aigw::test::copy_tree(aigw::test::fixture("homes/real-world"), home);
  REQUIRE(run_cli({"--home", home.string(), "configure", "claude", "codex", "--gateway",
                   "https://gw.example.com", "--token-stdin"},
                  "dapi-status-123456")
            .exit_code
          == 0);
  aigw::test::write_bytes(home / ".codex/config.toml",
                          aigw::test::read_bytes(home / ".codex/config.toml") + "# mine\n");

  auto result = run_cli({"--home", home.string(), "--json", "status"});
  REQUIRE(result.exit_code == 0);
  const auto status = nlohmann::json::parse(result.out);
  REQUIRE(status["agents"].size() == 2);
  CHECK(status["agents"][0]["agent"] == "claude");
  CHECK(status["agents"][0]["route"] == "https://gw.example.com/anthropic");
  CHECK(status["agents"][0]["model"] == "databricks-claude-opus-4-6");
  CHECK(status["agents"][0]["secrets"] == "helper");
  CHECK(status["agents"][0]["files"][0]["state"] == "as written");
  CHECK(status["agents"][1]["agent"] == "codex");
  CHECK(status["agents"][1]["files"][0]["state"] == "edited since");
  CHECK(status["credential"]["token"] == "***");
  CHECK(status["backups"].size() == 2);

  auto text = run_cli({"--home", home.string(), "status"});
  CHECK(text.out.find("claude: https://gw.example.com/anthropic model "
                      "databricks-claude-opus-4-6 secrets helper\n")
        != std::string::npos);
  CHECK(text.out.find("  ~/.codex/config.toml: edited since\n") != std::string::npos);

  // An edit that broke the file is said with where it broke: Codex would ignore the file.
  const std::string broken_toml =
    aigw::test::read_bytes(home / ".codex/config.toml") + "model = \n";
  aigw::test::write_bytes(home / ".codex/config.toml", broken_toml);
  auto broken = run_cli({"--home", home.string(), "status"});
  CHECK(broken.exit_code == 0);
  const auto last_line = std::count(broken_toml.begin(), broken_toml.end(), '\n');
  CHECK(broken.out.find("  ~/.codex/config.toml: edited since, and does not parse ("
                        + std::to_string(last_line) + ":")
        != std::string::npos);
}

TEST_CASE("cli status shows an agent on the relay as holding the relay key, not a token")
{
  TempDir dir;
  const fs::path home = dir / "home";
  REQUIRE(run_cli({"--home", home.string(), "configure", "claude", "--auth", "relay",
                   "--gateway", "https://gw.example.com", "--skip-onboarding"})
            .exit_code
          == 0);
  REQUIRE(run_cli({"--home", home.string(), "configure", "codex", "--gateway",
                   "https://gw.example.com", "--secrets", "inline", "--token-stdin"},
                  "dapi-status-inline-42")
            .exit_code
          == 0);
  const std::string key =
    aigw::test::read_bytes(home / aigw::test::k_tool_dir / "relay.key");

  auto text = run_cli({"--home", home.string(), "status"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("claude: http://127.0.0.1:8765/anthropic model databricks-claude-opus-4-6 "
                      "secrets relay key\n")
        != std::string::npos);
  CHECK(text.out.find("codex: https://gw.example.com/openai/v1 model databricks-gpt-5-2 "
                      "secrets inline\n")
        != std::string::npos);

  auto json = run_cli({"--home", home.string(), "--json", "status"});
  CHECK(json.exit_code == 0);
  const auto status = nlohmann::json::parse(json.out);
  REQUIRE(status["agents"].size() == 2);
  CHECK(status["agents"][0]["auth"] == "relay");
  CHECK(status["agents"][0]["secrets"] == "relay key");
  CHECK(status["agents"][0]["holds"] == "relay key");
  CHECK_FALSE(status["agents"][1].contains("holds"));

  for (const auto* out : {&text.out, &json.out}) {
    CHECK(out->find(key.substr(0, 16)) == std::string::npos);
    CHECK(out->find("dapi-status-inline-42") == std::string::npos);
  }
}
