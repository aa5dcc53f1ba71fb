// SPDX-License-Identifier: MIT
// A configure that does not finish, because a write fails or the process is killed, must
// leave a home that unconfigure can take back to its original bytes.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;

namespace {

std::vector<std::string>
configure_all(const fs::path& home, const fs::path& token_file)
{
  return {"--home", home.string(), "configure", "--all", "--gateway", "https://gw.example.com",
          "--token-file", token_file.string(), "--gemini-trust", "off", "--skip-onboarding"};
}

// Start the binary with `args` and SIGKILL it after `delay`.
void
run_and_kill(const std::vector<std::string>& args, std::chrono::microseconds delay)
{
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::vector<char*> argv{const_cast<char*>(AIGW_BINARY)};
    for (const auto& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::execv(AIGW_BINARY, argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(delay);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

} // namespace

TEST_CASE("cli: a write that fails half-way puts back the files already written")
{
  TempDir dir;
  const fs::path home = dir / "home";
  aigw::test::copy_tree(aigw::test::fixture("homes/real-world"), home);
  aigw::test::write_bytes(dir / "token", "dapi-rollback-token-1234\n");
  // Gemini's folder is one where no file can be created, even by root: Claude's and
  // Codex's files are written first, then Gemini's write fails.
  fs::remove_all(home / ".gemini");
  fs::create_directory_symlink("/proc/self/fdinfo", home / ".gemini");
  const auto before = snapshot(home, aigw::test::k_tool_dir);

  auto result = run_cli(configure_all(home, dir / "token"));
  CHECK(result.exit_code == 5);
  CHECK(result.err.find("aigw-setup: error: ") == 0);
  CHECK(snapshot(home, aigw::test::k_tool_dir) == before);

  // Nothing is left recorded as configured: the manifest went back with the files.
  auto undo = run_cli({"--home", home.string(), "unconfigure", "--all"});
  CHECK(undo.exit_code == 0);
  CHECK(undo.out == "nothing is configured\n");
}

TEST_CASE("cli: unconfigure stopped by a file that no longer parses says the way out")
{
  TempDir dir;
  const fs::path home = dir / "home";
  aigw::test::copy_tree(aigw::test::fixture("homes/real-world"), home);
  aigw::test::write_bytes(dir / "token", "dapi-broken-file-token-1\n");
  REQUIRE(run_cli(configure_all(home, dir / "token")).exit_code == 0);
  const fs::path config = home / ".codex/config.toml";
  aigw::test::write_bytes(config, aigw::test::read_bytes(config) + "model = \n");
  const auto before = snapshot(home, aigw::test::k_tool_dir);

  auto undo = run_cli({"--home", home.string(), "unconfigure", "--all"});
  CHECK(undo.exit_code == 3);
  CHECK(undo.err.starts_with("aigw-setup: error: " + config.string() + ":"));
  const std::string way_out = " (nothing was changed); fix the file and run this again, or "
                              "take back the others alone: `aigw-setup --home "
                              + home.string() + " unconfigure claude cursor gemini`; the file "
                              "as it was before aigw-setup changed it is in ";
  const auto at = undo.err.find(way_out);
  REQUIRE(at != std::string::npos);
  const std::string backup = undo.err.substr(at + way_out.size());
  REQUIRE(backup.ends_with("\n"));
  CHECK(aigw::test::read_bytes(backup.substr(0, backup.size() - 1))
        == aigw::test::read_bytes(aigw::test::fixture("homes/real-world/.codex/config.toml")));
  CHECK(snapshot(home, aigw::test::k_tool_dir) == before);

  // The way out it names works.
  auto others = run_cli({"--home", home.string(), "unconfigure", "claude", "cursor", "gemini"});
  CHECK(others.exit_code == 0);
}

TEST_CASE("cli: configure killed at any moment can be taken back by unconfigure")
{
  const auto original = snapshot(aigw::test::fixture("homes/real-world"));
  std::mt19937 random(20261204);
  std::uniform_int_distribution<int> delay_us(0, 40000);
  for (int run = 0; run < 30; ++run) {
    CAPTURE(run);
    TempDir dir;
    const fs::path home = dir / "home";
    aigw::test::copy_tree(aigw::test::fixture("homes/real-world"), home);
    aigw::test::write_bytes(dir / "token", "dapi-killed-token-5678\n");

    run_and_kill(configure_all(home, dir / "token"), std::chrono::microseconds(delay_us(random)));
    auto undo = run_cli({"--home", home.string(), "unconfigure", "--all"});
    INFO(undo.err);
    REQUIRE(undo.exit_code == 0);
    CHECK(snapshot(home, aigw::test::k_tool_dir) == original);
  }
}
