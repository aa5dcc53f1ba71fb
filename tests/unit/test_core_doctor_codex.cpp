// SPDX-License-Identifier: MIT
// The Codex checks of doctor: each made to fail or warn by a fixture and to pass on a home
// configure set up, with the exact cause and remedy; versions from the known-breakage table.
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;
using test::the_check;

namespace {

std::vector<core::Check>
codex_checks(const fs::path& home, const std::string& version, core::Environment env = {})
{
  return core::codex_checks(test::doctor_inputs(
    home, std::move(env), version.empty() ? core::InstalledVersions{}
                                          : test::installed({{"codex", version}})));
}

const std::string k_legacy_form =
  "~/.codex/config.toml holds the legacy profile form (profile = \"default\", "
  "[profiles.default]): ";

} // namespace

TEST_CASE("core::codex_checks on a home configure set up")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::configure_home(home, {"codex"});

  std::vector<std::string> lines;
  for (const auto& check : codex_checks(home, "0.171.0")) {
    CHECK(check.level == core::Level::pass);
    lines.push_back(check.id + " " + check.cause);
  }
  CHECK(lines
        == std::vector<std::string>{
          "codex.file_as_written ~/.codex/config.toml parses and holds what configure wrote",
          "codex.legacy_profile ~/.codex/config.toml has no legacy profile (profile = or "
          "[profiles.*])",
          "codex.reserved_provider no provider in ~/.codex/config.toml takes a built-in id "
          "(openai, ollama, lmstudio)",
          "codex.wire_api_chat no provider in ~/.codex/config.toml uses wire_api = \"chat\"",
          "codex.auth_command auth.command runs " + std::string(AIGW_BINARY)
            + ", which is there",
          "codex.version Codex 0.171.0 has no known breakage with this setup"});
}

TEST_CASE("core::codex_checks legacy_profile")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir, "homes/legacy-codex");

  SUBCASE("not configured: configure migrates it")
  {
    const auto check = the_check(codex_checks(home, ""), "codex.legacy_profile");
    test::expect(check, core::Level::fail,
                 k_legacy_form + "Codex 0.131 and later reject or ignore it",
                 "run: " + test::aigw_on(home) + " configure codex --codex-migrate-profiles");
    CHECK_FALSE(check.repair);
  }

  test::configure_home(home, {"codex"});

  SUBCASE("configured, with a Codex that rejects it: doctor --fix migrates it")
  {
    const auto check = the_check(codex_checks(home, "0.171.0"), "codex.legacy_profile");
    test::expect(check, core::Level::fail,
                 k_legacy_form
                 + "Codex 0.171.0 rejects the top-level profile = selector and no longer reads "
                 "[profiles.*] tables (openai/codex PR #24051 and #24059; h0x91b/dev-3.0 PR #585)",
                 "run: " + test::aigw_on(home)
                   + " doctor --fix (moves each profile to <name>.config.toml, used as codex "
                     "--profile <name>)");
    REQUIRE(check.repair);
    CHECK(check.repair->kind == core::Repair::Kind::migrate_codex_profiles);
  }

  SUBCASE("a Codex between profile-v2 and the rejection warns")
  {
    const auto check = the_check(codex_checks(home, "0.132.1"), "codex.legacy_profile");
    test::expect(check, core::Level::warn,
                 k_legacy_form
                 + "Codex 0.132.1 reads profiles from <name>.config.toml files and errors when "
                 "--profile meets a legacy profile of the same name (openai/codex PR #22594 and "
                 "#22647; h0x91b/dev-3.0 PR #585)");
  }

  SUBCASE("an older Codex still reads it")
  {
    const auto check = the_check(codex_checks(home, "0.120.0"), "codex.legacy_profile");
    test::expect(check, core::Level::warn,
                 k_legacy_form
                 + "Codex 0.120.0 still reads it; Codex 0.131 and later reject or "
                 "ignore it");
  }
}

TEST_CASE("core::codex_checks reserved_provider and wire_api_chat")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir, "doctor/codex-reserved");

  SUBCASE("current Codex")
  {
    const auto checks = codex_checks(home, "0.171.0");
    CHECK(the_check(checks, "codex.configured").remedy
          == "run: " + test::aigw_on(home) + " configure codex");
    CHECK(the_check(checks, "codex.file_parses").cause == "~/.codex/config.toml parses");

    const auto reserved = the_check(checks, "codex.reserved_provider");
    test::expect(reserved, core::Level::fail,
                 "[model_providers.openai] in ~/.codex/config.toml overrides a "
                 "built-in provider: Codex refuses to start (\"model_providers "
                 "contains reserved built-in provider IDs\")",
                 "rename the table, e.g. [model_providers.openai-custom], and every "
                 "model_provider that names it");

    const auto chat = the_check(checks, "codex.wire_api_chat");
    test::expect(chat, core::Level::fail,
                 "model_providers.openai.wire_api = \"chat\" in ~/.codex/config.toml: "
                 "Codex 0.171.0 refuses to start: wire_api = \"chat\" is no longer "
                 "supported (openai/codex#31083 and commit d2394a249; labring/aiproxy#568)",
                 "set wire_api = \"responses\" if that provider serves the Responses "
                 "API, or remove its table");
  }

  SUBCASE("an older Codex still takes wire_api = \"chat\"")
  {
    const auto chat = the_check(codex_checks(home, "0.100.0"), "codex.wire_api_chat");
    test::expect(chat, core::Level::warn,
                 "model_providers.openai.wire_api = \"chat\" in ~/.codex/config.toml: "
                 "Codex 0.100.0 still reads it; Codex 0.122 and later refuse to start "
                 "on it");
  }

  SUBCASE("a file that does not parse")
  {
    test::write_bytes(home / ".codex/config.toml", "model = \"x\"\n[model_providers.a\n");
    const auto check = the_check(codex_checks(home, ""), "codex.file_parses");
    CHECK(check.level == core::Level::fail);
    CHECK(check.cause.starts_with("~/.codex/config.toml:2:"));
    CHECK(check.cause.ends_with("; Codex refuses to start"));
  }
}

TEST_CASE("core::codex_checks env_key and the version of command-backed auth")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::fake_agents(dir / "bin", {{"codex", "codex-cli 0.110.0"}});

  SUBCASE("an old Codex gets env_key, which must be exported")
  {
    test::configure_home(home, {"codex"}, {{"PATH", (dir / "bin").string() + ":/usr/bin:/bin"}});
    const auto missing = the_check(codex_checks(home, "0.110.0"), "codex.env_key");
    test::expect(missing, core::Level::fail,
                 "env_key names $DATABRICKS_TOKEN, which is not exported: Codex stops "
                 "with an error before it sends anything",
                 "export DATABRICKS_TOKEN=\"$(" + test::aigw_on(home)
                   + " token)\" before running codex, or upgrade Codex and run "
                   + test::aigw_on(home) + " configure codex again");

    const auto exported = the_check(
      codex_checks(home, "0.110.0", {{{"DATABRICKS_TOKEN", "dapi-123456"}}}), "codex.env_key");
    test::expect(exported, core::Level::pass,
                 "$DATABRICKS_TOKEN (env_key) is exported");
  }

  SUBCASE("auth = { command } with a Codex too old for it")
  {
    test::configure_home(home, {"codex"});
    const auto check = the_check(codex_checks(home, "0.110.0"), "codex.version");
    test::expect(check, core::Level::fail,
                 "Codex 0.110.0 does not know auth = { command } (it ignores unknown "
                 "keys) and sends no token (openai/codex PR #16288, command-backed auth; "
                 "PR #20559, unknown keys ignored)",
                 "upgrade Codex (npm install -g @openai/codex), or run " + test::aigw_on(home)
                   + " configure codex again, which writes env_key for this version");
  }
}
