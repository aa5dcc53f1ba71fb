// SPDX-License-Identifier: MIT
// The tool's own files in the reports, through the real binary: configure --auth relay
// lists relay.json and relay.key as it lists the agents' files (a dry run shows the key as
// ***), and the credential it keeps (the token as ***); telemetry disable takes both away
// when telemetry was the relay's last user, as unconfigure does; and both commands say when
// the kept credential goes with its last user, never showing the token.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "support/relay_home.hpp"

namespace fs = std::filesystem;
using aigw::test::k_relay_token;
using aigw::test::read_bytes;
using aigw::test::RelayHome;
using Json = nlohmann::json;

namespace {

const std::string k_relay_json_path = "~/.config/aigw-setup/relay.json";
const std::string k_relay_key_path = "~/.config/aigw-setup/relay.key";
const std::string k_credential_path = "~/.config/aigw-setup/credentials.json";
const std::string k_credential_line = "credential: removed " + k_credential_path + "\n";

// A dry run's diff of the credential file it would create, the token as ***.
std::string
created_credential_diff(const fs::path& path)
{
  return "--- " + path.string() + "\n+++ " + path.string()
         + "\n@@ -1,0 +1,5 @@\n+{\n+  \"version\": 1,\n+  \"auth\": \"pat\",\n"
           "+  \"token\": \"***\"\n+}\n\n";
}

std::string
relay_json_text()
{
  return std::string("{\n  \"listen\": \"127.0.0.1:8765\",\n  \"workspace\": \"")
         + aigw::test::k_relay_workspace + "\"\n}\n";
}

Json
removed(const fs::path& path)
{
  return Json{{"path", path.string()}, {"status", "removed"}};
}

// configure gemini --auth relay, then telemetry for it through the relay, then unconfigure:
// telemetry is left as the relay's last user, and the files stay for it.
void
leave_telemetry_last(RelayHome& rig)
{
  rig.configure({"gemini"});
  rig.ok({"telemetry", "enable", "gemini", "--catalog", "main", "--schema", "telemetry",
          "--prefix", "gemini"});
  const auto undo = rig.ok({"unconfigure", "--all"});
  CHECK(undo.out.find("relay: ") == std::string::npos);
  CHECK(undo.out.find("credential: ") == std::string::npos);
  REQUIRE(fs::exists(rig.relay_json));
  REQUIRE(fs::exists(rig.relay_key));
  REQUIRE(fs::exists(rig.credentials));
}

} // namespace

TEST_CASE("cli configure --auth relay lists relay.json and relay.key with the agents' files")
{
  RelayHome rig;

  SUBCASE("created, then unchanged")
  {
    CHECK(rig.configure({"gemini"}).out == "gemini: created ~/.gemini/.env\n"
                                           "gemini: created ~/.gemini/settings.json\n"
                                           "relay: created " + k_relay_json_path + "\n"
                                           "relay: created " + k_relay_key_path + "\n"
                                           "credential: created " + k_credential_path + "\n");
    CHECK(read_bytes(rig.relay_json) == relay_json_text());
    const std::string key = read_bytes(rig.relay_key);

    CHECK(rig.configure({"gemini"}).out == "gemini: unchanged ~/.gemini/.env\n"
                                           "gemini: unchanged ~/.gemini/settings.json\n"
                                           "relay: unchanged " + k_relay_json_path + "\n"
                                           "relay: unchanged " + k_relay_key_path + "\n"
                                           "credential: unchanged " + k_credential_path + "\n");
    CHECK(read_bytes(rig.relay_key) == key);
  }

  SUBCASE("a dry run shows both as diffs, the key as ***, and writes nothing")
  {
    const auto dry = rig.configure_run({"gemini"}, {"--dry-run"});
    const std::string json = rig.relay_json.string();
    const std::string key = rig.relay_key.string();
    CHECK(dry.out.ends_with("--- " + json + "\n+++ " + json + "\n@@ -1,0 +1,4 @@\n"
                            "+{\n+  \"listen\": \"127.0.0.1:8765\",\n+  \"workspace\": \""
                            + aigw::test::k_relay_workspace + "\"\n+}\n\n"
                            "--- " + key + "\n+++ " + key + "\n@@ -1,0 +1,1 @@\n+***\n\n"
                            + created_credential_diff(rig.credentials)
                            + "dry run: nothing was written\n"));
    CHECK(rig.files().empty());

    // With a key in place the dry run has nothing to show for it, nor its content.
    rig.configure({"gemini"});
    const std::string kept = read_bytes(rig.relay_key);
    const auto again = rig.configure_run({"gemini"}, {"--dry-run"});
    CHECK(again.out == "dry run: nothing was written\n");
    CHECK(again.out.find(kept.substr(0, 16)) == std::string::npos);
  }

  SUBCASE("--json lists them under \"relay\"")
  {
    const auto document = Json::parse(rig.configure_run({"gemini"}, {"--json"}).out);
    CHECK(document["relay"]
          == Json{{"files",
                   {{{"path", rig.relay_json.string()}, {"status", "created"}},
                    {{"path", rig.relay_key.string()}, {"status", "created"}}}}});
    CHECK(document["agents"][0]["files"].size() == 2);
  }
}

// It wrote credentials.json without a word, though unconfigure said when it went.
TEST_CASE("cli configure lists the credential it keeps, never the token")
{
  RelayHome rig;
  const std::vector<std::string> claude{"configure", "claude", "--gateway",
                                        "https://gw.example.com", "--token-stdin"};
  const std::string other = "dapi-another-token-5c20aa";

  CHECK(rig.ok(claude, k_relay_token + "\n").out
        == "claude: created ~/.claude/settings.json\n"
           "credential: created " + k_credential_path + "\n");
  const std::string kept = read_bytes(rig.credentials);
  CHECK(rig.ok(claude, k_relay_token + "\n").out
        == "claude: unchanged ~/.claude/settings.json\n"
           "credential: unchanged " + k_credential_path + "\n");

  // Another token: a dry run tells it from the kept one, both as ***, and writes nothing.
  std::vector<std::string> dry_run = claude;
  dry_run.insert(dry_run.begin(), "--dry-run");
  const std::string path = rig.credentials.string();
  CHECK(rig.ok(dry_run, other + "\n").out
        == "--- " + path + "\n+++ " + path + "\n@@ -1,5 +1,5 @@\n {\n   \"version\": 1,\n"
           "   \"auth\": \"pat\",\n-  \"token\": \"***\"\n+  \"token\": \"*** (new)\"\n }\n\n"
           "dry run: nothing was written\n");
  CHECK(read_bytes(rig.credentials) == kept);

  std::vector<std::string> json = claude;
  json.insert(json.begin(), "--json");
  const auto done = rig.ok(json, other + "\n");
  CHECK(Json::parse(done.out)["credential"] == Json{{"path", path}, {"status", "changed"}});
  CHECK(read_bytes(rig.credentials).find(other) != std::string::npos);
  CHECK(done.out.find(other) == std::string::npos);
  CHECK(done.out.find(k_relay_token) == std::string::npos);
}

TEST_CASE("cli configure without the relay lists no relay files")
{
  RelayHome rig;
  const auto done = rig.ok({"--json", "configure", "claude", "--gateway",
                            "https://gw.example.com", "--token-stdin"},
                           k_relay_token + "\n");
  CHECK_FALSE(Json::parse(done.out).contains("relay"));
  CHECK_FALSE(fs::exists(rig.relay_json));
}

TEST_CASE("cli telemetry disable removes the relay's files when telemetry was its last user")
{
  RelayHome rig;
  leave_telemetry_last(rig);

  SUBCASE("for real: the lines of unconfigure, and the home is empty")
  {
    const auto off = rig.ok({"telemetry", "disable"});
    // Telemetry's tables in relay.json are taken back first (the backup's name holds the
    // time), then the file goes.
    CHECK(off.out.starts_with("gemini: removed ~/.gemini/settings.json\n"
                              "gemini: removed ~/.gemini/.env\n"
                              "gemini: changed " + k_relay_json_path
                              + " (backup ~/.config/aigw-setup/backups/"));
    CHECK(off.out.ends_with("-relay.json)\n"
                            "relay: removed " + k_relay_json_path + "\n"
                            "relay: removed " + k_relay_key_path + "\n" + k_credential_line));
    CHECK(std::count(off.out.begin(), off.out.end(), '\n') == 6);
    CHECK_FALSE(fs::exists(rig.relay_json));
    CHECK_FALSE(fs::exists(rig.relay_key));
    CHECK_FALSE(fs::exists(rig.credentials));
    CHECK(aigw::test::snapshot(rig.home, aigw::test::k_tool_dir).empty());
    CHECK(rig.ok({"telemetry", "disable"}).out == "telemetry is not enabled for any agent\n");
  }

  SUBCASE("a dry run shows them going, secrets as ***, and changes nothing")
  {
    const auto before = rig.files();
    const auto dry = rig.ok({"--dry-run", "telemetry", "disable"});
    CHECK(rig.files() == before);
    const std::string json = rig.relay_json.string();
    const std::string key = rig.relay_key.string();
    const std::string credential = rig.credentials.string();
    // As in the real run, the tables come out of relay.json first; what then goes is
    // relay.json as that leaves it, not as it is on disk now.
    const std::string workspace =
      std::string("  \"workspace\": \"") + aigw::test::k_relay_workspace + "\"";
    CHECK(dry.out.ends_with("--- " + json + "\n+++ " + json + "\n@@ -1,8 +1,4 @@\n"
                            " {\n"
                            "   \"listen\": \"127.0.0.1:8765\",\n"
                            "-" + workspace + ",\n"
                            "-  \"tables\": {\n"
                            "-    \"metrics\": \"main.telemetry.gemini_otel_metrics\",\n"
                            "-    \"logs\": \"main.telemetry.gemini_otel_logs\"\n"
                            "-  }\n"
                            "+" + workspace + "\n"
                            " }\n\n"
                            "--- " + json + "\n+++ " + json + "\n@@ -1,4 +1,0 @@\n"
                            "-{\n"
                            "-  \"listen\": \"127.0.0.1:8765\",\n"
                            "-" + workspace + "\n"
                            "-}\n\n"
                            "--- " + key + "\n+++ " + key + "\n@@ -1,1 +1,0 @@\n-***\n\n"
                            "--- " + credential + "\n+++ " + credential
                            + "\n@@ -1,1 +1,0 @@\n-***\n\ndry run: nothing was written\n"));
    CHECK(dry.out.find(read_bytes(rig.relay_key).substr(0, 16)) == std::string::npos);
    CHECK(dry.out.find(k_relay_token) == std::string::npos);
  }

  SUBCASE("--json names them under \"relay\" and \"credential\"")
  {
    const auto document = Json::parse(rig.ok({"--json", "telemetry", "disable"}).out);
    CHECK(document["command"] == "telemetry disable");
    CHECK(document["relay"]
          == Json{{"files", {removed(rig.relay_json), removed(rig.relay_key)}},
                  {"warnings", Json::array()}});
    CHECK(document["credential"] == removed(rig.credentials));
    CHECK_FALSE(fs::exists(rig.relay_key));
  }
}

TEST_CASE("cli telemetry disable keeps the relay's files while a configured agent uses them")
{
  RelayHome rig;
  rig.configure({"gemini"});
  rig.ok({"telemetry", "enable", "gemini", "--catalog", "main", "--schema", "telemetry",
          "--prefix", "gemini"});
  const std::string key = read_bytes(rig.relay_key);

  const auto off = rig.ok({"--json", "telemetry", "disable"});
  const auto document = Json::parse(off.out);
  CHECK_FALSE(document.contains("relay"));
  CHECK_FALSE(document.contains("credential"));
  CHECK(read_bytes(rig.relay_json) == relay_json_text());
  CHECK(read_bytes(rig.relay_key) == key);
  CHECK(fs::exists(rig.credentials));
}

TEST_CASE("cli unconfigure says the kept credential goes with the last configured agent")
{
  RelayHome rig;
  rig.ok({"configure", "claude", "codex", "--gateway", "https://gw.example.com",
          "--token-stdin"},
         k_relay_token + "\n");
  REQUIRE(fs::exists(rig.credentials));

  SUBCASE("one of two agents: the credential stays, unnamed")
  {
    CHECK(rig.ok({"unconfigure", "codex"}).out == "codex: removed ~/.codex/config.toml\n");
    CHECK(fs::exists(rig.credentials));
    CHECK(rig.ok({"unconfigure", "claude"}).out
          == "claude: removed ~/.claude/settings.json\n" + k_credential_line);
    CHECK_FALSE(fs::exists(rig.credentials));
  }

  SUBCASE("a dry run shows it going as ***, and keeps it")
  {
    const std::string kept = read_bytes(rig.credentials);
    const auto dry = rig.ok({"--dry-run", "unconfigure", "--all"});
    const std::string path = rig.credentials.string();
    CHECK(dry.out.ends_with("--- " + path + "\n+++ " + path + "\n@@ -1,1 +1,0 @@\n-***\n\n"
                            "dry run: nothing was written\n"));
    CHECK(dry.out.find(k_relay_token) == std::string::npos);
    CHECK(read_bytes(rig.credentials) == kept);
  }

  SUBCASE("--json names it under \"credential\", without a \"relay\"")
  {
    const auto document = Json::parse(rig.ok({"--json", "unconfigure", "--all"}).out);
    CHECK(document["credential"] == removed(rig.credentials));
    CHECK_FALSE(document.contains("relay"));
    CHECK(document.dump().find(k_relay_token) == std::string::npos);
    CHECK_FALSE(fs::exists(rig.credentials));
  }
}
