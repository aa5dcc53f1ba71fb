// SPDX-License-Identifier: MIT
// The Gemini CLI checks of doctor: selectedType, folder trust, a .env that hides ours, an
// exported variable that wins over it, and versions; each made to fail or warn by a
// fixture and to pass on a home configure set up, with the exact cause and remedy.
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;
using test::the_check;

namespace {

struct GeminiHome
{
  test::TempDir dir;
  fs::path home;

  explicit GeminiHome(std::vector<std::string> extra = {}, const std::string& fixture_home = "")
    : home(test::doctor_home(dir, fixture_home))
  {
    extra.insert(extra.begin(), "gemini");
    test::configure_home(home, extra);
  }

  core::DoctorInputs inputs(core::Environment env = {}, const std::string& version = "0.44.0")
  {
    return test::doctor_inputs(home, std::move(env), test::installed({{"gemini", version}}));
  }

  std::vector<core::Check> checks(core::Environment env = {}, const std::string& version = "0.44.0")
  {
    return core::gemini_checks(inputs(std::move(env), version));
  }
};

} // namespace

TEST_CASE("core::gemini_checks on a home configure set up")
{
  GeminiHome gemini;
  std::vector<std::string> lines;
  for (const auto& check : gemini.checks()) {
    CHECK(check.level == core::Level::pass);
    lines.push_back(check.id + " " + check.cause);
  }
  CHECK(lines
        == std::vector<std::string>{
          "gemini.file_as_written ~/.gemini/.env parses and holds what configure wrote",
          "gemini.file_as_written ~/.gemini/settings.json parses and holds what configure wrote",
          "gemini.selected_type security.auth.selectedType is \"gemini-api-key\" in "
          "~/.gemini/settings.json",
          "gemini.folder_trust folder trust is off, so Gemini CLI reads ~/.gemini/.env in every "
          "folder",
          "gemini.env_hidden no .env between ~/project and ~ hides ~/.gemini/.env",
          "gemini.env_exported no exported variable overrides ~/.gemini/.env",
          "gemini.version Gemini CLI 0.44.0 has no known breakage with this setup"});
}

TEST_CASE("core::gemini_checks selected_type")
{
  GeminiHome gemini;
  const auto settings = gemini.home / ".gemini/settings.json";

  SUBCASE("missing: doctor --fix sets it")
  {
    test::write_bytes(settings, "{\n  \"security\": {\n    \"folderTrust\": {\"enabled\": false}\n"
                                "  }\n}\n");
    const auto check = the_check(gemini.checks(), "gemini.selected_type");
    test::expect(check, core::Level::fail,
                 "security.auth.selectedType is not set in ~/.gemini/settings.json: "
                 "Gemini CLI asks how to log in, and headless stops with \"Invalid auth "
                 "method selected.\"",
                 "run: " + test::aigw_on(gemini.home)
                   + " doctor --fix (sets it to \"gemini-api-key\")");
    REQUIRE(check.repair);
    CHECK(check.repair->what == std::vector<std::string>{
                                  "~/.gemini/settings.json: security.auth.selectedType set to "
                                  "\"gemini-api-key\""});
  }

  SUBCASE("another type")
  {
    test::edit_file(settings, "\"gemini-api-key\"", "\"oauth-personal\"");
    const auto check = the_check(gemini.checks(), "gemini.selected_type");
    CHECK(check.cause == "security.auth.selectedType is \"oauth-personal\" in "
                         "~/.gemini/settings.json: Gemini CLI does not use GEMINI_API_KEY and the "
                         "gateway");
  }

  SUBCASE("the system settings decide")
  {
    test::write_bytes(gemini.home / "etc/gemini-cli/settings.json",
                      "{\"security\": {\"auth\": {\"selectedType\": \"vertex-ai\"}}}");
    const auto check = the_check(gemini.checks(), "gemini.selected_type");
    test::expect(check, core::Level::fail,
                 "security.auth.selectedType is \"vertex-ai\" in "
                 "~/etc/gemini-cli/settings.json: Gemini CLI does not use GEMINI_API_KEY "
                 "and the gateway",
                 "ask whoever manages this machine to set it to \"gemini-api-key\" there");
    CHECK_FALSE(check.repair);
  }
}

TEST_CASE("core::gemini_checks folder_trust")
{
  test::TempDir scratch;
  SUBCASE("the project configure trusted, and the folders below it")
  {
    GeminiHome gemini({"--gemini-trust", (scratch / "unused").string()});
    auto inputs = gemini.inputs();
    inputs.project = scratch / "unused/sub";
    const auto check = the_check(core::gemini_checks(inputs), "gemini.folder_trust");
    test::expect(check, core::Level::pass,
                 "Gemini CLI trusts " + (scratch / "unused/sub").string()
                 + " (~/.gemini/trustedFolders.json)");
  }

  GeminiHome gemini({"--gemini-trust", (scratch / "trusted").string()});

  SUBCASE("a folder nobody trusted")
  {
    const auto check = the_check(gemini.checks(), "gemini.folder_trust");
    test::expect(check, core::Level::fail,
                 "Gemini CLI does not trust ~/project: there it skips ~/.gemini/.env "
                 "and the gateway settings",
                 "run: " + test::aigw_on(gemini.home) + " configure gemini --gemini-trust "
                 + (gemini.home / "project").string() + " (or --gemini-trust off)");
  }

  SUBCASE("GEMINI_CLI_TRUST_WORKSPACE=true trusts every folder")
  {
    const auto check = the_check(gemini.checks({{{"GEMINI_CLI_TRUST_WORKSPACE", "true"}}}),
                                 "gemini.folder_trust");
    test::expect(check, core::Level::pass,
                 "GEMINI_CLI_TRUST_WORKSPACE=true makes Gemini CLI trust every folder");
  }

  SUBCASE("before 0.29 folder trust was off unless switched on")
  {
    const auto check = the_check(gemini.checks({}, "0.28.0"), "gemini.folder_trust");
    CHECK(check.level == core::Level::pass);
  }
}

TEST_CASE("core::gemini_checks env_hidden and env_exported")
{
  SUBCASE("a project .env is read instead of ~/.gemini/.env")
  {
    GeminiHome gemini({}, "doctor/gemini-project-env");
    const auto check = the_check(gemini.checks(), "gemini.env_hidden");
    test::expect(check, core::Level::fail,
                 "~/project/.env is loaded instead of ~/.gemini/.env: Gemini CLI reads "
                 "only the first .env it finds walking up from ~/project",
                 "move what you need from ~/project/.env into ~/.gemini/.env and "
                 "rename it, or run Gemini CLI from another folder");
  }

  GeminiHome gemini;
  SUBCASE("an exported variable with another value wins")
  {
    const auto check = the_check(
      gemini.checks({{{"GOOGLE_GEMINI_BASE_URL", "https://other.example.com"},
                      {"GEMINI_API_KEY", ""},
                      {"GEMINI_MODEL", "databricks-gemini-2-5-flash"}}}),
      "gemini.env_exported");
    test::expect(check, core::Level::fail,
                 "GOOGLE_GEMINI_BASE_URL, GEMINI_API_KEY are exported in this shell with "
                 "another value, which Gemini CLI keeps over ~/.gemini/.env",
                 "unset GOOGLE_GEMINI_BASE_URL GEMINI_API_KEY and remove the export "
                 "from your shell profile");
  }
}

TEST_CASE("core::gemini_checks version")
{
  GeminiHome gemini;
  SUBCASE("0.45 and a flash model")
  {
    const auto check = the_check(gemini.checks({}, "0.45.2"), "gemini.version");
    test::expect(check, core::Level::warn,
                 "Gemini CLI 0.45.2 may rewrite a databricks-gemini-*-flash model to "
                 "Google's own name (databricks-gemini-3-5-flash became gemini-3.5-flash), "
                 "which the gateway rejects (databricks/ucode src/ucode/agents/gemini.py, "
                 "which caps Gemini CLI below 0.45)",
                 "if the gateway answers that the model is unknown, install Gemini CLI "
                 "0.44 (npm install -g @google/gemini-cli@0.44) or pick a model that is "
                 "not flash");
  }

  SUBCASE("a Gemini CLI too old for every setting configure writes")
  {
    const auto checks = test::checks_with(gemini.checks({}, "0.2.9"), "gemini.version");
    REQUIRE(checks.size() == 2);
    test::expect(checks[0], core::Level::fail,
                 "Gemini CLI 0.2.9 ignores GEMINI_API_KEY_AUTH_MECHANISM=bearer and "
                 "sends the token only as x-goog-api-key, which the gateway refuses "
                 "(google-gemini/gemini-cli PR #11893, commit acf5ed59, first in "
                 "0.19.0-preview; diegosouzapw/OmniRoute#7034)");
    CHECK(checks[1].cause.starts_with("Gemini CLI 0.2.9 does not read the nested "
                                      "security.auth.selectedType setting"));
    CHECK(checks[1].remedy == "upgrade Gemini CLI (npm install -g @google/gemini-cli)");
  }
}
