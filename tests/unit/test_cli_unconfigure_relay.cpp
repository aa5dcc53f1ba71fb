// SPDX-License-Identifier: MIT
// unconfigure after `configure --auth relay`, through the real binary: relay.json and
// relay.key go with the last agent that goes through the relay and stay while one is left;
// the kept credential goes with the last configured agent, and says so; a dry run changes
// nothing; an installed service and a spool with records are named and left alone; the
// folders configure created for the agents go when they are empty.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/relay_home.hpp"

namespace fs = std::filesystem;
using aigw::test::read_bytes;
using aigw::test::RelayHome;
using aigw::test::snapshot;

namespace {

const std::string& k_token = aigw::test::k_relay_token;
const char* k_workspace = aigw::test::k_relay_workspace;

std::string
relay_lines()
{
  return "relay: removed ~/.config/aigw-setup/relay.json\n"
         "relay: removed ~/.config/aigw-setup/relay.key\n";
}

// The kept token goes with the last configured agent, and says so.
const std::string k_credential_line =
  "credential: removed ~/.config/aigw-setup/credentials.json\n";

int
backups_named(const fs::path& tool, const std::string& suffix)
{
  int count = 0;
  for (const auto& item : fs::directory_iterator(tool / "backups")) {
    count += item.path().filename().string().ends_with(suffix) ? 1 : 0;
  }
  return count;
}

} // namespace

TEST_CASE("cli unconfigure --all after configure --auth relay removes the relay's files")
{
  RelayHome rig;
  rig.configure({"--all"});

  const auto undo = rig.ok({"unconfigure", "--all"});
  CHECK(undo.out == "claude: removed ~/.claude/settings.json\n"
                    "codex: removed ~/.codex/config.toml\n"
                    "gemini: removed ~/.gemini/.env\n"
                    "gemini: removed ~/.gemini/settings.json\n"
                    + relay_lines() + k_credential_line);
  CHECK_FALSE(fs::exists(rig.relay_json));
  CHECK_FALSE(fs::exists(rig.relay_key));
  CHECK_FALSE(fs::exists(rig.tool / "credentials.json"));
  // The home is as it was: no file, and none of the folders configure made for them.
  CHECK(snapshot(rig.home, aigw::test::k_tool_dir).empty());
  CHECK_FALSE(fs::exists(rig.home / ".claude"));
  CHECK_FALSE(fs::exists(rig.home / ".codex"));
  CHECK_FALSE(fs::exists(rig.home / ".gemini"));
  // relay.json is backed up like the agents' files; the key, a secret of no further use, not.
  CHECK(backups_named(rig.tool, "-relay.json") == 1);
  CHECK(backups_named(rig.tool, "-relay.key") == 0);
  // No service and an empty spool: nothing to say about either.
  CHECK(undo.err.find("relay service") == std::string::npos);
  CHECK(undo.err.find("spool") == std::string::npos);

  CHECK(rig.ok({"unconfigure", "--all"}).out == "nothing is configured\n");
  // An agent named that is not configured is said so; before, the command printed nothing.
  CHECK(rig.ok({"unconfigure", "claude", "codex"}).out
        == "claude: not configured, nothing to take back\n"
           "codex: not configured, nothing to take back\n");
}

TEST_CASE("cli unconfigure of one agent keeps the relay's files while another uses them")
{
  RelayHome rig;
  rig.configure({"claude", "gemini"});
  const std::string json_before = read_bytes(rig.relay_json);
  const std::string key_before = read_bytes(rig.relay_key);

  const auto gemini = rig.ok({"unconfigure", "gemini", "codex"});
  CHECK(gemini.out == "codex: not configured, nothing to take back\n"
                      "gemini: removed ~/.gemini/.env\n"
                      "gemini: removed ~/.gemini/settings.json\n");
  CHECK(read_bytes(rig.relay_json) == json_before);
  CHECK(read_bytes(rig.relay_key) == key_before);
  CHECK_FALSE(fs::exists(rig.home / ".gemini"));

  SUBCASE("the last one takes them away")
  {
    const auto claude = rig.ok({"unconfigure", "claude"});
    CHECK(claude.out
          == "claude: removed ~/.claude/settings.json\n" + relay_lines() + k_credential_line);
    CHECK_FALSE(fs::exists(rig.relay_json));
    CHECK_FALSE(fs::exists(rig.relay_key));
  }

  SUBCASE("--json names them apart from the agents")
  {
    const auto claude = rig.ok({"--json", "unconfigure", "claude"});
    const auto document = nlohmann::json::parse(claude.out);
    CHECK(document["agents"].size() == 1);
    CHECK(document["relay"]["files"]
          == nlohmann::json::parse(R"([{"path": ")" + rig.relay_json.string()
                                   + R"(", "status": "removed"}, {"path": ")"
                                   + rig.relay_key.string() + R"(", "status": "removed"}])"));
    CHECK(document["relay"]["warnings"] == nlohmann::json::array());
    CHECK(document["credential"]
          == nlohmann::json{{"path", (rig.tool / "credentials.json").string()},
                            {"status", "removed"}});
  }
}

TEST_CASE("cli unconfigure --dry-run shows the relay's files going and changes nothing")
{
  RelayHome rig;
  rig.configure({"gemini"});
  const auto before = rig.files();
  const std::string key = read_bytes(rig.relay_key);

  const auto dry = rig.ok({"--dry-run", "unconfigure", "--all"});
  CHECK(rig.files() == before);
  const std::string json_path = rig.relay_json.string();
  const std::string key_path = rig.relay_key.string();
  CHECK(dry.out.find("--- " + json_path + "\n+++ " + json_path + "\n@@ -1,4 +1,0 @@\n"
                     "-{\n"
                     "-  \"listen\": \"127.0.0.1:8765\",\n"
                     "-  \"workspace\": \"" + std::string(k_workspace) + "\"\n"
                     "-}\n")
        != std::string::npos);
  // The key and the kept token go last, each shown as *** and never as itself.
  const std::string credential_path = rig.credentials.string();
  CHECK(dry.out.ends_with("--- " + key_path + "\n+++ " + key_path + "\n@@ -1,1 +1,0 @@\n-***\n\n"
                          "--- " + credential_path + "\n+++ " + credential_path
                          + "\n@@ -1,1 +1,0 @@\n-***\n\n"
                            "dry run: nothing was written\n"));
  CHECK(dry.out.find(key.substr(0, 16)) == std::string::npos);
  CHECK(dry.out.find(k_token) == std::string::npos);
}

TEST_CASE("cli unconfigure names an installed relay service and a spool it leaves")
{
  RelayHome rig;
  rig.configure({"gemini"});
  rig.ok({"relay", "install", "--executable", "/opt/aigw/bin/aigw-setup"});
  const fs::path unit = rig.home / ".config/systemd/user/aigw-setup-relay.service";
  REQUIRE(fs::exists(unit));
  const fs::path record = rig.tool / "spool" / "00000000000000000001.otlp";
  aigw::test::write_bytes(record, "an export the workspace has not had yet\n");

  const std::string service_warning =
    "aigw-setup: warning: the relay service ~/.config/systemd/user/aigw-setup-relay.service "
    "is still installed, and the relay it runs reads relay.json and relay.key, which "
    "unconfigure VERB: stop it and remove it with `aigw-setup --home " + rig.home.string()
    + " relay uninstall`\n";
  const std::string spool_warning =
    "aigw-setup: warning: the relay's spool ~/.config/aigw-setup/spool still holds 1 OTel "
    "export not yet delivered, and is left as it is: `aigw-setup relay flush --workspace "
    + std::string(k_workspace) + "` delivers the spool while a credential is kept (this "
    "unconfigure VERB it); delete that folder if that telemetry is not wanted\n";
  const auto with_verb = [](std::string text, const std::string& verb) {
    return text.replace(text.find("VERB"), 4, verb);
  };

  SUBCASE("a dry run says so before anything goes")
  {
    const auto before = rig.files();
    const auto dry = rig.ok({"--dry-run", "unconfigure", "--all"});
    CHECK(dry.err.find(with_verb(service_warning, "would remove")) != std::string::npos);
    CHECK(dry.err.find(with_verb(spool_warning, "would remove")) != std::string::npos);
    CHECK(rig.files() == before);
  }

  SUBCASE("the real run removes the files and leaves the service and the spool")
  {
    const std::string unit_text = read_bytes(unit);
    const auto undo = rig.ok({"unconfigure", "--all"});
    CHECK(undo.out == "gemini: removed ~/.gemini/.env\n"
                      "gemini: removed ~/.gemini/settings.json\n"
                      + relay_lines() + k_credential_line);
    CHECK(undo.err.find(with_verb(service_warning, "removed")) != std::string::npos);
    CHECK(undo.err.find(with_verb(spool_warning, "removed")) != std::string::npos);
    CHECK(read_bytes(unit) == unit_text);
    CHECK(read_bytes(record) == "an export the workspace has not had yet\n");
  }
}

TEST_CASE("cli unconfigure leaves a relay.json that no configured agent used")
{
  RelayHome rig;
  const std::string own = "{\"listen\": \"127.0.0.1:9000\"}\n";
  aigw::test::write_bytes(rig.relay_json, own);
  rig.ok({"configure", "claude", "--gateway", "https://gw.example.com", "--token-stdin"},
         k_token + "\n");

  const auto undo = rig.ok({"unconfigure", "--all"});
  CHECK(undo.out == "claude: removed ~/.claude/settings.json\n" + k_credential_line);
  CHECK(read_bytes(rig.relay_json) == own);
}

TEST_CASE("cli unconfigure keeps the folders an agent had and what the user put in them")
{
  RelayHome rig;
  fs::create_directories(rig.home / ".gemini");
  rig.configure({"claude", "gemini"});
  aigw::test::write_bytes(rig.home / ".claude/CLAUDE.md", "my notes\n");

  rig.ok({"unconfigure", "--all"});
  CHECK(fs::is_directory(rig.home / ".gemini"));
  CHECK(fs::is_empty(rig.home / ".gemini"));
  CHECK(read_bytes(rig.home / ".claude/CLAUDE.md") == "my notes\n");
  CHECK_FALSE(fs::exists(rig.home / ".claude/settings.json"));
}

TEST_CASE("cli unconfigure keeps the relay's files while telemetry goes through the relay")
{
  RelayHome rig;
  rig.configure({"gemini"});
  rig.ok({"telemetry", "enable", "gemini", "--catalog", "main", "--schema", "telemetry",
          "--prefix", "gemini"});

  const auto undo = rig.ok({"unconfigure", "--all"});
  CHECK(undo.out.find("relay: ") == std::string::npos);
  CHECK(fs::exists(rig.relay_json));
  CHECK(fs::exists(rig.relay_key));

  // The folder configure made for Gemini CLI's files goes with the last of them, which
  // telemetry disable takes away.
  rig.ok({"telemetry", "disable"});
  CHECK_FALSE(fs::exists(rig.home / ".gemini"));
}
