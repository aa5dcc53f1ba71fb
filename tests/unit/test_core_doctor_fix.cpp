// SPDX-License-Identifier: MIT
// doctor --fix through the change engine: each repair changes exactly what it says (the
// bytes of every file compared before and after), the manifest keeps owning what it owned,
// a second run has nothing left to repair, and a dry run writes nothing.
#include "core/manifest.hpp"
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;

namespace {

const std::string k_betas = "\"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\"";

core::FixOutcome
fix(const fs::path& home, core::DryRun dry_run = core::DryRun::no)
{
  const auto inputs = test::doctor_inputs(home, {}, test::installed({{"codex", "0.171.0"}}));
  auto outcome = core::apply_repairs(core::local_checks(inputs), inputs, dry_run);
  INFO((outcome ? "" : outcome.error().message));
  REQUIRE(outcome);
  return std::move(*outcome);
}

// A home with Claude configured, then a number put into its env block and the base URL
// changed by hand.
struct BrokenClaude
{
  test::TempDir dir;
  fs::path home = test::doctor_home(dir);
  fs::path settings = home / ".claude/settings.json";
  std::string configured;

  BrokenClaude()
  {
    test::configure_home(home, {"claude", "--skip-onboarding"});
    configured = test::read_bytes(settings);
    test::edit_file(settings, k_betas, k_betas + ",\n    \"MAX_THINKING_TOKENS\": 150000");
    test::edit_file(settings, "https://gw.example.com/anthropic", "https://other.example.com");
  }
};

} // namespace

TEST_CASE("core::apply_repairs on Claude's settings")
{
  BrokenClaude claude;
  const auto before = test::snapshot(claude.home, test::k_tool_dir);
  const auto manifest_before = core::load_manifest(claude.home / test::k_tool_dir / "state.json");
  REQUIRE(manifest_before);

  SUBCASE("changes exactly the keys it names")
  {
    const auto outcome = fix(claude.home);
    CHECK(outcome.changed
          == std::vector<std::string>{
            "~/.claude/settings.json: env.ANTHROPIC_BASE_URL put back to what configure wrote",
            "~/.claude/settings.json: env.MAX_THINKING_TOKENS is now the string \"150000\""});
    CHECK(outcome.skipped.empty());
    REQUIRE(outcome.files.size() == 1);
    CHECK(outcome.files[0].status == config::WriteStatus::changed);
    CHECK(outcome.files[0].backup.has_value());

    std::string expected = claude.configured;
    expected.replace(expected.find(k_betas), k_betas.size(),
                     k_betas + ",\n    \"MAX_THINKING_TOKENS\": \"150000\"");
    auto after = test::snapshot(claude.home, test::k_tool_dir);
    CHECK(after.at(".claude/settings.json") == expected);
    after.erase(".claude/settings.json");
    auto others = before;
    others.erase(".claude/settings.json");
    CHECK(after == others);

    // The record owns the same keys; its first backup no longer matches the file.
    const auto manifest = core::load_manifest(claude.home / test::k_tool_dir / "state.json");
    REQUIRE(manifest);
    const auto* record = manifest->find("claude", claude.settings);
    const auto* old_record = manifest_before->find("claude", claude.settings);
    REQUIRE(record != nullptr);
    REQUIRE(old_record != nullptr);
    CHECK(record->keys.size() == old_record->keys.size());
    for (std::size_t i = 0; i < record->keys.size(); ++i) {
      CHECK(record->keys[i].path == old_record->keys[i].path);
      CHECK(record->keys[i].written_hash == old_record->keys[i].written_hash);
    }

    SUBCASE("a second run has nothing to repair")
    {
      const auto snapshot = test::snapshot(claude.home);
      const auto again = fix(claude.home);
      CHECK(again.changed.empty());
      CHECK(again.files.empty());
      CHECK(test::snapshot(claude.home) == snapshot);
    }
  }

  SUBCASE("a dry run shows the diff and writes nothing")
  {
    const auto everything = test::snapshot(claude.home);
    const auto outcome = fix(claude.home, core::DryRun::yes);
    REQUIRE(outcome.files.size() == 1);
    const auto& diff = outcome.files[0].diff;
    CHECK(diff.find("-    \"MAX_THINKING_TOKENS\": 150000\n") != std::string::npos);
    CHECK(diff.find("+    \"MAX_THINKING_TOKENS\": \"150000\"\n") != std::string::npos);
    CHECK(test::snapshot(claude.home) == everything);
  }
}

TEST_CASE("core::apply_repairs sets a missing selectedType")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::configure_home(home, {"gemini"});
  const auto settings = home / ".gemini/settings.json";
  test::write_bytes(settings, "{\n  // mine\n  \"security\": {\n    \"folderTrust\": {\n"
                              "      \"enabled\": false\n    }\n  }\n}\n");

  const auto outcome = fix(home);
  CHECK(outcome.changed
        == std::vector<std::string>{
          "~/.gemini/settings.json: security.auth.selectedType put back to what configure wrote"});
  CHECK(test::read_bytes(settings)
        == "{\n  // mine\n  \"security\": {\n    \"folderTrust\": {\n      \"enabled\": false\n"
           "    },\n    \"auth\": {\n      \"selectedType\": \"gemini-api-key\"\n    }\n  }\n}\n");
  CHECK(test::read_bytes(home / ".gemini/.env").find("GEMINI_API_KEY=") != std::string::npos);
}

TEST_CASE("core::apply_repairs moves the legacy Codex profile as configure does")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir, "homes/legacy-codex");
  test::configure_home(home, {"codex"});

  const auto outcome = fix(home);
  CHECK(outcome.changed
        == std::vector<std::string>{
          "~/.codex/config.toml: [profiles.default] moved to ~/.codex/default.config.toml (use it "
          "as: codex --profile default)",
          "~/.codex/config.toml: profile = taken out (Codex 0.134 and later reject it)"});
  test::check_tree(test::fixture("expected/legacy-codex-migrated"), home);

  const auto snapshot = test::snapshot(home);
  CHECK(fix(home).changed.empty());
  CHECK(test::snapshot(home) == snapshot);
}
