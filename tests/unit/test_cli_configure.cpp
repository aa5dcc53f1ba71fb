// SPDX-License-Identifier: MIT
// configure and unconfigure through the real binary, on whole fixture homes, compared byte
// for byte with golden trees in tests/fixtures/expected/.
#include <doctest/doctest.h>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::check_tree;
using aigw::test::fixture;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;

namespace {

const std::string k_token = "dapi-test-token-4f3a9c";

std::vector<std::string>
configure_args(const fs::path& home, std::vector<std::string> extra)
{
  std::vector<std::string> args{"--home", home.string(), "configure", "--all",
                                "--gateway", "https://gw.example.com", "--token-stdin",
                                "--gemini-trust", "off", "--cursor-model", "databricks-gpt-5-2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

fs::path
home_from(const TempDir& dir, const std::string& fixture_home)
{
  const fs::path home = dir / "home";
  if (fixture_home.empty()) {
    fs::create_directories(home);
  } else {
    aigw::test::copy_tree(fixture("homes/" + fixture_home), home);
  }
  return home;
}

void
check_round_trip(const std::string& fixture_home, const std::string& golden,
                 const std::vector<std::string>& extra)
{
  TempDir dir;
  const fs::path home = home_from(dir, fixture_home);
  const auto before = snapshot(home);

  auto first = run_cli(configure_args(home, extra), k_token + "\n");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  check_tree(fixture("expected/" + golden), home);

  SUBCASE("a second configure changes no byte")
  {
    const auto after_first = snapshot(home, aigw::test::k_tool_dir);
    auto second = run_cli(configure_args(home, extra), k_token + "\n");
    REQUIRE(second.exit_code == 0);
    CHECK(snapshot(home, aigw::test::k_tool_dir) == after_first);
    CHECK(second.out.find(": changed ") == std::string::npos);
    CHECK(second.out.find(": created ") == std::string::npos);
  }

  SUBCASE("unconfigure gives the original bytes back")
  {
    auto undo = run_cli({"--home", home.string(), "unconfigure", "--all"});
    INFO(undo.err);
    REQUIRE(undo.exit_code == 0);
    CHECK(snapshot(home, aigw::test::k_tool_dir) == before);
    // The backups stay, some with the token; the person is told where they are.
    CHECK(undo.err.find("aigw-setup: warning: the backups in "
                        + (home / aigw::test::k_tool_dir / "backups").string()
                        + " keep earlier versions of the files configure changed, some with "
                          "the token (mode 0600): delete that folder when you no longer need "
                          "them\n")
          != std::string::npos);
  }
}

} // namespace

TEST_CASE("cli configure --all into an empty home, helper mode")
{
  check_round_trip("", "empty-helper", {});
}

TEST_CASE("cli configure --all into real-world files, helper mode")
{
  check_round_trip("real-world", "real-world-helper", {"--skip-onboarding"});
}

TEST_CASE("cli configure --all into real-world files, inline secrets and extra headers")
{
  check_round_trip("real-world", "real-world-inline",
                   {"--secrets", "inline", "--header", "X-Team: data-eng"});
}

TEST_CASE("cli configure codex migrates a legacy profile only when asked")
{
  TempDir dir;
  const fs::path home = home_from(dir, "legacy-codex");
  const std::vector<std::string> base{"--home", home.string(), "configure", "codex",
                                      "--gateway", "https://gw.example.com", "--token-stdin"};

  auto reported = run_cli(base, k_token);
  REQUIRE(reported.exit_code == 0);
  CHECK(reported.err.find("legacy profile form") != std::string::npos);
  CHECK(reported.err.find("--codex-migrate-profiles") != std::string::npos);

  auto args = base;
  args.push_back("--codex-migrate-profiles");
  const std::string profile = (home / ".codex/default.config.toml").string();
  const std::string use_it = "; use it with: codex --profile default\n";

  // A dry run says what it would move, and moves nothing.
  const auto before = aigw::test::snapshot(home);
  auto dry_args = args;
  dry_args.insert(dry_args.begin(), "--dry-run");
  auto dry = run_cli(dry_args, k_token);
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find("would move [profiles.default] to " + profile + use_it)
        != std::string::npos);
  CHECK(dry.out.find("moved [profiles.") == std::string::npos);
  CHECK(aigw::test::snapshot(home) == before);

  auto migrated = run_cli(args, k_token);
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK(migrated.out.find("moved [profiles.default] to " + profile + use_it)
        != std::string::npos);
  check_tree(fixture("expected/legacy-codex-migrated"), home);
}

TEST_CASE("cli configure gemini: a dry run says which folder it would trust")
{
  TempDir dir;
  const fs::path home = home_from(dir, "");
  fs::create_directories(dir / "project");
  // The child's working folder, as getcwd(3) will name it.
  const fs::path project = fs::canonical(dir / "project");
  const std::vector<std::string> args{"--home", home.string(), "configure", "gemini",
                                      "--gateway", "https://gw.example.com", "--token-stdin"};
  const std::string reads =
    "Gemini CLI reads " + (home / ".gemini/.env").string() + " only in trusted folders: ";
  const std::string instead = " (--gemini-trust off turns folder trust off instead)\n";

  std::vector<std::string> dry_args = args;
  dry_args.insert(dry_args.begin(), "--dry-run");
  const auto dry = run_cli(dry_args, k_token + "\n", {}, project);
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find(reads + "would trust " + project.string() + instead) != std::string::npos);
  CHECK(dry.out.find(": trusted ") == std::string::npos);
  CHECK_FALSE(fs::exists(home / ".gemini"));

  const auto real = run_cli(args, k_token + "\n", {}, project);
  REQUIRE(real.exit_code == 0);
  CHECK(real.out.find(reads + "trusted " + project.string() + instead) != std::string::npos);
}

TEST_CASE("cli unconfigure keeps the user's later edits")
{
  TempDir dir;
  const fs::path home = home_from(dir, "real-world");
  REQUIRE(run_cli(configure_args(home, {}), k_token).exit_code == 0);

  // The user changes one owned key and adds one of their own after configure.
  const fs::path env_file = home / ".gemini/.env";
  std::string env = aigw::test::read_bytes(env_file);
  const auto at = env.find("GEMINI_MODEL=databricks-gemini-2-5-flash");
  REQUIRE(at != std::string::npos);
  env.replace(at, 40, "GEMINI_MODEL=databricks-gemini-3-pro    ");
  env += "MY_NEW=1\r\n";
  aigw::test::write_bytes(env_file, env);

  auto undo = run_cli({"--home", home.string(), "unconfigure", "gemini"});
  INFO(undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(undo.out.find("kept your edit of GEMINI_MODEL") != std::string::npos);
  check_tree(fixture("expected/real-world-gemini-edited-unconfigured"), home);
}

TEST_CASE("cli configure --auth relay says when the relay has no credential")
{
  TempDir dir;
  const fs::path home = home_from(dir, "");
  const std::vector<std::string> args{"--home", home.string(), "configure", "claude",
                                      "--auth", "relay", "--skip-onboarding",
                                      "--gateway", "https://gw.example.com"};
  const std::string warning =
    "aigw-setup: warning: the relay has no credential yet, so only `aigw-setup relay "
    "--offline` can answer the agents; store a token with `aigw-setup configure --auth relay "
    "--token-file FILE` (or --token-stdin) to forward to the gateway\n";

  const auto bare = run_cli(args);
  CHECK(bare.exit_code == 0);
  CHECK(bare.err == warning);
  CHECK_FALSE(fs::exists(home / ".config/aigw-setup/credentials.json"));
  const std::string relay_line =
    "relay: listens on 127.0.0.1:8765, forwards to https://gw.example.com, OTel to "
    "(no workspace)\n";
  const std::string no_credential =
    "relay: no credential is stored, so only `aigw-setup relay --offline` can answer; store "
    "one with configure --auth relay --token-file FILE\n";
  const auto status = run_cli({"--home", home.string(), "status"});
  CHECK(status.out.find(relay_line + no_credential) != std::string::npos);

  std::vector<std::string> with_token = args;
  with_token.emplace_back("--token-stdin");
  const auto stored = run_cli(with_token, k_token);
  CHECK(stored.exit_code == 0);
  CHECK(stored.err.empty());
  // Once a token is kept, a later run without one does not warn again.
  CHECK(run_cli(args).err.empty());
  const auto kept = run_cli({"--home", home.string(), "status"});
  CHECK(kept.out.find(relay_line) != std::string::npos);
  CHECK(kept.out.find(no_credential) == std::string::npos);
}

TEST_CASE("cli configure cursor --auth relay tells Cursor to use the relay key")
{
  TempDir dir;
  const fs::path home = home_from(dir, "");
  const auto result = run_cli({"--home", home.string(), "configure", "cursor", "--auth", "relay",
                               "--gateway", "https://gw.example.com", "--cursor-model", "m"});
  CHECK(result.exit_code == 0);
  const fs::path key_file = home / ".config/aigw-setup/relay.key";
  CHECK(result.out.find("  1. OpenAI API Key: paste the relay key (the line in "
                        + key_file.string() + ") and verify\n")
        != std::string::npos);
  CHECK(result.out.find("aigw-setup token") == std::string::npos);
}

TEST_CASE("cli: a refused relay address names the option or file it was given in")
{
  TempDir dir;
  const fs::path home = home_from(dir, "");
  const std::string loopback_only =
    "\"0.0.0.0:8765\": the relay listens on loopback only (127.0.0.1, [::1] or localhost), "
    "since it holds your credential\n";

  SUBCASE("configure --relay")
  {
    const auto result = run_cli({"--home", home.string(), "configure", "claude", "--auth",
                                 "relay", "--relay", "0.0.0.0:8765", "--gateway",
                                 "https://gw.example.com"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "aigw-setup: error: --relay " + loopback_only);
  }

  SUBCASE("relay.json, edited by hand")
  {
    const fs::path relay_file = home / ".config/aigw-setup/relay.json";
    aigw::test::write_bytes(relay_file, "{\"listen\": \"0.0.0.0:8765\"}\n");
    const auto result = run_cli({"--home", home.string(), "relay", "--offline"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "aigw-setup: error: " + relay_file.string() + ": listen " + loopback_only);
  }
}
