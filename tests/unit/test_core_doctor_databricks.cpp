// SPDX-License-Identifier: MIT
// The Databricks checks of doctor: the stored credential, each token's expiry (JWTs built
// here, stamped around the tests' fixed clock), and DATABRICKS_CONFIG_PROFILE or
// DATABRICKS_HOST pointing at another workspace than the gateway's.
#include <sys/stat.h>

#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;
using test::the_check;

namespace {

// JWTs whose exp is an hour before, half an hour after and two days after doctor_now().
const std::string k_jwt_head = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.";
const std::string k_expired_jwt =
  k_jwt_head + "eyJleHAiOjE3OTYzODIwMDAsInN1YiI6InVzZXJAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJl";
const std::string k_short_jwt =
  k_jwt_head + "eyJleHAiOjE3OTYzODc0MDAsInN1YiI6InVzZXJAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJl";
const std::string k_long_jwt =
  k_jwt_head + "eyJleHAiOjE3OTY1NTg0MDAsInN1YiI6InVzZXJAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJl";

const std::string k_credentials = "~/.config/aigw-setup/credentials.json";

std::vector<core::Check>
databricks_checks(const fs::path& home, core::Environment env = {})
{
  return core::databricks_checks(test::doctor_inputs(home, std::move(env)));
}

} // namespace

TEST_CASE("core::databricks_checks credential")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);

  SUBCASE("a stored token, readable by its owner alone")
  {
    test::configure_home(home, {"claude"});
    const auto check = the_check(databricks_checks(home), "databricks.credential");
    test::expect(check, core::Level::pass,
                 "the token is stored in " + k_credentials + ", readable by you alone");
  }

  SUBCASE("readable by others")
  {
    test::configure_home(home, {"claude"});
    ::chmod((home / ".config/aigw-setup/credentials.json").c_str(), 0644);
    const auto check = the_check(databricks_checks(home), "databricks.credential");
    test::expect(check, core::Level::warn,
                 k_credentials + " can be read by other users",
                 "run: chmod 600 " + k_credentials);
  }

  SUBCASE("gone, while apiKeyHelper asks for it")
  {
    test::configure_home(home, {"claude"});
    fs::remove(home / ".config/aigw-setup/credentials.json");
    const auto check = the_check(databricks_checks(home), "databricks.credential");
    test::expect(check, core::Level::fail,
                 "no token is stored in " + k_credentials
                 + ": `aigw-setup token` has nothing to give the agents",
                 "run " + test::aigw_on(home)
                   + " configure again with --token-stdin or --token-file");
  }

  SUBCASE("gone, while every agent talks to the relay: offline still works")
  {
    test::configure_home(home, {"claude", "codex", "--auth", "relay"});
    fs::remove(home / ".config/aigw-setup/credentials.json");
    const auto check = the_check(databricks_checks(home), "databricks.credential");
    test::expect(check, core::Level::warn,
                 "no token is stored in " + k_credentials
                 + ": the relay can only run --offline until it has one",
                 "to reach the gateway: " + test::aigw_on(home)
                   + " configure --auth relay --gateway URL --token-stdin");
  }

  SUBCASE("kept as a variable's name, and the variable is not exported")
  {
    test::configure_home(home, {"claude", "--token-env", "TEAM_TOKEN"},
                         {{"TEAM_TOKEN", test::k_doctor_token}});
    const auto missing = the_check(databricks_checks(home), "databricks.credential");
    test::expect(missing, core::Level::fail,
                 "$TEAM_TOKEN is not set; the configured token is read from it",
                 "export TEAM_TOKEN in the shell the agents start from");

    const auto set = the_check(databricks_checks(home, {{{"TEAM_TOKEN", "dapi-0123456789"}}}),
                               "databricks.credential");
    test::expect(set, core::Level::pass,
                 "the token helper reads $TEAM_TOKEN");
  }
}

TEST_CASE("core::databricks_checks token_expiry")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);

  SUBCASE("a personal access token")
  {
    test::configure_home(home, {"gemini"});
    const auto checks = test::checks_with(databricks_checks(home), "databricks.token_expiry");
    REQUIRE(checks.size() == 1); // the same token in ~/.gemini/.env counts once
    test::expect(checks[0], core::Level::pass,
                 "the token in " + k_credentials
                 + " is not an OAuth token: only the workspace knows when it "
                 "expires (the round trips try it)");
  }

  SUBCASE("an OAuth token that expired")
  {
    test::configure_home(home, {"gemini"}, {}, k_expired_jwt);
    const auto check = the_check(databricks_checks(home), "databricks.token_expiry");
    test::expect(check, core::Level::fail,
                 "the token in " + k_credentials
                 + " expired at 2026-12-04 11:00 UTC: the gateway refuses it",
                 "configure with a personal access token (" + test::aigw_on(home)
                   + " configure --token-stdin), which lasts as long as the workspace allows");
  }

  SUBCASE("an OAuth token the relay holds: the agents hold the relay key, not a token")
  {
    test::configure_home(home, {"claude", "gemini", "--auth", "relay"}, {}, k_expired_jwt);
    const auto checks = test::checks_with(databricks_checks(home), "databricks.token_expiry");
    REQUIRE(checks.size() == 2); // the one relay key in both agents' files counts once
    test::expect(checks[0], core::Level::fail,
                 "the token in " + k_credentials
                 + " expired at 2026-12-04 11:00 UTC: the gateway refuses it",
                 "configure with a personal access token (" + test::aigw_on(home)
                   + " configure --auth relay --token-stdin), which lasts as long as the "
                     "workspace allows");
    test::expect(checks[1], core::Level::pass,
                 "the relay key in ~/.claude/settings.json is the relay's local key, not a "
                 "Databricks token: it does not expire");
  }

  SUBCASE("an OAuth token that expires within the day")
  {
    test::configure_home(home, {"gemini"}, {}, k_short_jwt);
    const auto check = the_check(databricks_checks(home), "databricks.token_expiry");
    test::expect(check, core::Level::warn,
                 "the token in " + k_credentials
                 + " expires at 2026-12-04 12:30 UTC (in 30 min) and nothing renews it");
  }

  SUBCASE("an OAuth token with days left")
  {
    test::configure_home(home, {"gemini"}, {}, k_long_jwt);
    const auto check = the_check(databricks_checks(home), "databricks.token_expiry");
    test::expect(check, core::Level::pass,
                 "the token in " + k_credentials + " is valid until 2026-12-06 12:00 UTC");
  }
}

TEST_CASE("core::databricks_checks config_profile and host")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::configure_home(home, {"claude", "--workspace", "https://adb-1.example.com"});
  test::write_bytes(home / ".databrickscfg", "[DEFAULT]\nhost = https://adb-1.example.com\n\n"
                                             "[dev]\nhost = https://adb-2.example.com/\n");

  SUBCASE("not set")
  {
    const auto check = the_check(databricks_checks(home), "databricks.config_profile");
    test::expect(check, core::Level::pass,
                 "DATABRICKS_CONFIG_PROFILE is not set");
  }

  SUBCASE("a profile for another workspace")
  {
    const auto check = the_check(databricks_checks(home, {{{"DATABRICKS_CONFIG_PROFILE", "dev"}}}),
                                 "databricks.config_profile");
    test::expect(check, core::Level::fail,
                 "DATABRICKS_CONFIG_PROFILE=dev points at https://adb-2.example.com/, not "
                 "the gateway's workspace https://adb-1.example.com: tokens minted for it "
                 "get \"400 Invalid Token\"",
                 "unset DATABRICKS_CONFIG_PROFILE, or set it to a profile whose host is "
                 "https://adb-1.example.com");
  }

  SUBCASE("a profile for the gateway's workspace")
  {
    const auto check = the_check(
      databricks_checks(home, {{{"DATABRICKS_CONFIG_PROFILE", "DEFAULT"}}}),
      "databricks.config_profile");
    test::expect(check, core::Level::pass,
                 "DATABRICKS_CONFIG_PROFILE=DEFAULT points at the gateway's workspace");
  }

  SUBCASE("a profile that does not exist")
  {
    const auto check = the_check(
      databricks_checks(home, {{{"DATABRICKS_CONFIG_PROFILE", "prod"}}}),
      "databricks.config_profile");
    test::expect(check, core::Level::fail,
                 "DATABRICKS_CONFIG_PROFILE=prod: ~/.databrickscfg has no prod profile configured",
                 "unset DATABRICKS_CONFIG_PROFILE, or add that profile to ~/.databrickscfg");
  }

  SUBCASE("DATABRICKS_HOST names another workspace")
  {
    const auto check = the_check(
      databricks_checks(home, {{{"DATABRICKS_HOST", "https://adb-2.example.com"}}}),
      "databricks.host");
    test::expect(check, core::Level::warn,
                 "DATABRICKS_HOST is https://adb-2.example.com, not the gateway's "
                 "workspace https://adb-1.example.com: configure without --workspace "
                 "would use it",
                 "export DATABRICKS_HOST=https://adb-1.example.com, or unset it");

    CHECK(the_check(databricks_checks(home, {{{"DATABRICKS_HOST", "https://adb-1.example.com"}}}),
                    "databricks.host")
            .level
          == core::Level::pass);
  }
}
