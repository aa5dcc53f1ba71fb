// SPDX-License-Identifier: MIT
// `configure --managed`, `unconfigure --managed` and `apply` with `managed: true` through the
// real binary, with AIGW_SYSTEM_ROOT on a scratch folder: the exact bytes and modes of each
// agent's system file, a second run that changes nothing, the original bytes given back,
// the refusals (inline secrets, the relay, a token, no privileges) that write nothing, and
// the system paths and the privilege check themselves.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/managed.hpp"
#include "core/paths.hpp"
#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::core::Platform;
using aigw::test::CliResult;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::snapshot;
using aigw::test::TempDir;
using aigw::test::write_bytes;

namespace {

// An environment with AIGW_SYSTEM_ROOT at `root` (or unset) and nothing else.
aigw::core::EnvLookup
with_root(std::optional<std::string> root)
{
  return [root](const std::string& name) -> std::optional<std::string> {
    return name == "AIGW_SYSTEM_ROOT" ? root : std::nullopt;
  };
}

// A scratch home and system root, and the system paths of this platform below that root.
struct Machine
{
  TempDir dir;
  fs::path home = dir / "home";
  fs::path root = dir / "root";
  aigw::core::Paths paths;

  Machine()
  {
    fs::create_directories(home);
    fs::create_directories(root);
    paths = aigw::core::resolve_paths(aigw::core::host_platform(), home,
                                      aigw::core::HomeSource::explicit_home,
                                      with_root(root.string()));
  }

  CliResult run(std::vector<std::string> args, const std::string& input = "") const
  {
    args.insert(args.begin(), {"--home", home.string()});
    return run_cli(args, input, {{"AIGW_SYSTEM_ROOT", root.string()}});
  }

  // The system root's files, less the manifest folder (state, backups and lock).
  aigw::test::Snapshot system_files() const
  {
    return snapshot(root, fs::relative(paths.system_state_dir, root).generic_string());
  }

  std::string relative(const fs::path& path) const
  {
    return fs::relative(path, root).generic_string();
  }

  fs::path drop_in() const { return aigw::core::claude_managed_drop_in(paths); }
};

const std::string k_binary = AIGW_BINARY;

const std::string k_claude_drop_in =
  "{\n"
  "  \"env\": {\n"
  "    \"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\",\n"
  "    \"ANTHROPIC_BASE_URL\": \"https://gw.example.com/anthropic\",\n"
  "    \"ANTHROPIC_CUSTOM_HEADERS\": \"x-databricks-use-coding-agent-mode: true\",\n"
  "    \"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\"\n"
  "  },\n"
  "  \"apiKeyHelper\": \""
  + k_binary + " token\"\n}\n";

const std::string k_codex_provider = "[model_providers.databricks-ai-gateway]\n"
                                     "name = \"Databricks AI Gateway\"\n"
                                     "base_url = \"https://gw.example.com/openai/v1\"\n"
                                     "wire_api = \"responses\"\n"
                                     "auth = { command = \""
                                     + k_binary + "\", args = [\"token\"] }\n";

const std::string k_gemini_settings =
  "{\n  \"security\": {\n    \"auth\": {\n      \"selectedType\": \"gemini-api-key\"\n    }\n"
  "  }\n}\n";

unsigned
mode_of(const fs::path& path)
{
  struct stat info{};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777U;
}

std::vector<std::string>
managed_all()
{
  return {"configure", "--managed", "--all", "--gateway", "https://gw.example.com"};
}

std::string
notes(const Machine& machine)
{
  return "Claude Code (2.1.83 and later) merges " + machine.drop_in().string() + " over "
         + machine.paths.claude_managed_settings.string()
         + " for every user; no user or project setting overrides these keys\n";
}

// `args` run as the unprivileged user nobody (65534) through setpriv, for tests that run as
// root, whom mode bits do not stop; nullopt when that cannot be done here.
std::optional<CliResult>
run_as_nobody(const Machine& machine, const std::vector<std::string>& args)
{
  const auto others_can_enter = [](const fs::path& dir) {
    return (fs::status(dir).permissions() & fs::perms::others_exec) != fs::perms::none;
  };
  if (!fs::exists("/usr/bin/setpriv") || !others_can_enter(aigw::test::scratch_root())
      || !others_can_enter(machine.dir.path())) {
    return std::nullopt;
  }
  REQUIRE(::chown(machine.home.c_str(), 65534, 65534) == 0);
  std::string command = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups env -i "
                        "PATH=/usr/bin:/bin AIGW_SYSTEM_ROOT="
                        + machine.root.string() + " " + k_binary + " --home "
                        + machine.home.string();
  for (const auto& arg : args) {
    command += " '" + arg + "'";
  }
  const fs::path out = machine.dir / "nobody.out";
  const fs::path err = machine.dir / "nobody.err";
  const int status = std::system((command + " >" + out.string() + " 2>" + err.string()).c_str());
  REQUIRE(WIFEXITED(status));
  return CliResult{WEXITSTATUS(status), read_bytes(out), read_bytes(err)};
}

} // namespace

TEST_CASE("core::resolve_paths puts the system files below AIGW_SYSTEM_ROOT")
{
  struct Row
  {
    Platform platform;
    const char* claude;
    const char* codex;
    const char* gemini;
    const char* state;
  };
  const Row rows[] = {
    {Platform::linux, "/etc/claude-code/managed-settings.json", "/etc/codex/config.toml",
     "/etc/gemini-cli/settings.json", "/var/lib/aigw-setup"},
    {Platform::macos, "/Library/Application Support/ClaudeCode/managed-settings.json",
     "/etc/codex/config.toml", "/Library/Application Support/GeminiCli/settings.json",
     "/Library/Application Support/aigw-setup"},
  };
  for (const auto& row : rows) {
    const auto plain = aigw::core::resolve_paths(row.platform, "/home/u",
                                                 aigw::core::HomeSource::default_home,
                                                 with_root(std::nullopt));
    CHECK(plain.system_root == "/");
    CHECK(plain.claude_managed_settings == row.claude);
    CHECK(plain.codex_system_config == row.codex);
    CHECK(plain.gemini_system_settings == row.gemini);
    CHECK(plain.system_state_dir == row.state);

    // With --home too: the system root is no home override.
    const auto moved = aigw::core::resolve_paths(row.platform, "/home/u",
                                                 aigw::core::HomeSource::explicit_home,
                                                 with_root("/srv/image/"));
    CHECK(moved.system_root == "/srv/image/");
    CHECK(moved.claude_managed_settings == "/srv/image" + std::string(row.claude));
    CHECK(moved.codex_system_config == "/srv/image" + std::string(row.codex));
    CHECK(moved.gemini_system_settings == "/srv/image" + std::string(row.gemini));
    CHECK(moved.system_state_dir == "/srv/image" + std::string(row.state));
  }
}

TEST_CASE("cli configure --managed writes each agent's system file, then nothing, and "
          "unconfigure --managed takes it back")
{
  const Machine machine;
  const auto first = machine.run(managed_all());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string gemini_note =
    "Gemini CLI reads no system-wide .env: each user still needs GOOGLE_GEMINI_BASE_URL "
    "https://gw.example.com/gemini and a token in their own ~/.gemini/.env (`aigw-setup "
    "configure gemini` run as that user, or the relay)\n";
  const std::string cursor_note =
    "Cursor has no system-wide settings file: nothing is written for it; `aigw-setup configure "
    "cursor` run as each user prints what to enter\n";
  const std::string codex_note = "Codex reads " + machine.paths.codex_system_config.string()
                                 + " below each user's ~/.codex/config.toml: a model_provider "
                                   "set there still wins for that user\n";
  CHECK(first.out
        == "claude: created " + machine.drop_in().string() + "\n" + notes(machine)
             + "codex: created " + machine.paths.codex_system_config.string() + "\n"
             + codex_note + "gemini: created " + machine.paths.gemini_system_settings.string()
             + "\n" + gemini_note + cursor_note);
  CHECK(first.err == "");

  const aigw::test::Snapshot expected{
    {machine.relative(machine.drop_in()), k_claude_drop_in},
    {machine.relative(machine.paths.codex_system_config),
     "model_provider = \"databricks-ai-gateway\"\nmodel = \"databricks-gpt-5-2\"\n\n"
       + k_codex_provider},
    {machine.relative(machine.paths.gemini_system_settings), k_gemini_settings},
  };
  CHECK(machine.system_files() == expected);
  for (const auto& [relative, bytes] : expected) {
    CAPTURE(relative);
    CHECK(mode_of(machine.root / relative) == 0644U);
  }
  CHECK(mode_of(machine.drop_in().parent_path()) == 0755U);
  CHECK(mode_of(machine.paths.system_state_dir / "state.json") == 0600U);
  // The user's home gets nothing but the run lock: no token, no state.
  CHECK(snapshot(machine.home).size() == 1);
  CHECK(snapshot(machine.home).count(std::string(aigw::test::k_tool_dir) + "/lock") == 1);

  SUBCASE("a second run changes no byte")
  {
    const auto again = machine.run(managed_all());
    REQUIRE(again.exit_code == 0);
    CHECK(again.out
          == "claude: unchanged " + machine.drop_in().string() + "\n" + notes(machine)
               + "codex: unchanged " + machine.paths.codex_system_config.string() + "\n"
               + codex_note + "gemini: unchanged "
               + machine.paths.gemini_system_settings.string() + "\n" + gemini_note
               + cursor_note);
    CHECK(machine.system_files() == expected);
  }

  SUBCASE("unconfigure --managed leaves the root as it was")
  {
    const auto undo = machine.run({"unconfigure", "--managed"});
    INFO(undo.err);
    REQUIRE(undo.exit_code == 0);
    CHECK(undo.out
          == "claude: removed " + machine.drop_in().string() + "\ncodex: removed "
               + machine.paths.codex_system_config.string() + "\ngemini: removed "
               + machine.paths.gemini_system_settings.string() + "\n");
    CHECK(machine.system_files().empty());
    CHECK(machine.run({"unconfigure", "--managed"}).out == "nothing is configured system-wide\n");
  }
}

TEST_CASE("cli configure --managed keeps what others wrote, and unconfigure gives its bytes back")
{
  const Machine machine;
  // Someone else's managed-settings.json, and system files with an admin's own keys.
  const std::string managed_json = "{\n  \"permissions\": {\"deny\": [\"WebFetch\"]}\n}\n";
  const std::string codex_toml = "# fleet defaults\napproval_policy = \"on-request\"\n";
  const std::string gemini_json = "{\n  // fleet\n  \"ui\": {\"theme\": \"Default\"}\n}\n";
  write_bytes(machine.paths.claude_managed_settings, managed_json);
  write_bytes(machine.paths.codex_system_config, codex_toml);
  write_bytes(machine.paths.gemini_system_settings, gemini_json);
  fs::permissions(machine.paths.codex_system_config, fs::perms(0640));
  const auto before = machine.system_files();

  const auto first = machine.run({"configure", "--managed", "claude", "codex", "gemini",
                                  "--gateway", "https://gw.example.com"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(read_bytes(machine.paths.claude_managed_settings) == managed_json);
  CHECK(read_bytes(machine.drop_in()) == k_claude_drop_in);
  CHECK(read_bytes(machine.paths.codex_system_config)
        == "# fleet defaults\napproval_policy = \"on-request\"\n"
           "model_provider = \"databricks-ai-gateway\"\nmodel = \"databricks-gpt-5-2\"\n\n"
             + k_codex_provider);
  CHECK(mode_of(machine.paths.codex_system_config) == 0640U);
  CHECK(read_bytes(machine.paths.gemini_system_settings)
        == "{\n  // fleet\n  \"ui\": {\"theme\": \"Default\"},\n  \"security\": {\n"
           "    \"auth\": {\n      \"selectedType\": \"gemini-api-key\"\n    }\n  }\n}\n");

  const auto undo = machine.run({"unconfigure", "--managed", "--all"});
  INFO(undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(machine.system_files() == before);
  CHECK(mode_of(machine.paths.codex_system_config) == 0640U);
}

TEST_CASE("cli configure --managed --dry-run and --json")
{
  const Machine machine;

  SUBCASE("--dry-run shows the diff and writes nothing")
  {
    const auto result = machine.run({"--dry-run", "configure", "--managed", "gemini",
                                     "--gateway", "https://gw.example.com"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const std::string path = machine.paths.gemini_system_settings.string();
    CHECK(result.out.rfind("--- " + path + "\n+++ " + path
                             + "\n@@ -1,0 +1,7 @@\n+{\n+  \"security\": {\n",
                           0)
          == 0);
    CHECK(result.out.ends_with("dry run: nothing was written\n"));
    CHECK(snapshot(machine.root).empty());
  }

  SUBCASE("--json reports as configure does")
  {
    const auto result = machine.run({"--json", "configure", "--managed", "gemini",
                                     "--gateway", "https://gw.example.com"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const nlohmann::ordered_json expected{
      {"command", "configure"},
      {"dry_run", false},
      {"agents",
       {{{"agent", "gemini"},
         {"files",
          {{{"path", machine.paths.gemini_system_settings.string()}, {"status", "created"}}}},
         {"notes",
          {"Gemini CLI reads no system-wide .env: each user still needs GOOGLE_GEMINI_BASE_URL "
           "https://gw.example.com/gemini and a token in their own ~/.gemini/.env (`aigw-setup "
           "configure gemini` run as that user, or the relay)"}},
         {"warnings", nlohmann::ordered_json::array()}}}}};
    CHECK(result.out == expected.dump(2) + "\n");
  }
}

TEST_CASE("cli configure --managed refuses a token in world-readable files, writing nothing")
{
  const Machine machine;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
    {{"--secrets", "inline"},
     "--secrets inline cannot go with --managed: every user can read the managed files, so a "
     "token in them would be everyone's; leave --secrets at helper, where each user's agent "
     "runs `aigw-setup token` for that user's own"},
    {{"--auth", "relay"},
     "--auth relay cannot go with --managed: the relay and its key are each user's own; run "
     "configure --auth relay as that user"},
    {{"--token-stdin"},
     "--managed keeps no token: each user's `aigw-setup token` answers with that user's own; "
     "give the token to `aigw-setup configure` run as that user"},
  };
  for (const auto& [extra, message] : cases) {
    auto args = managed_all();
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = machine.run(args, "dapi-test-token-4f3a9c\n");
    CAPTURE(extra.front());
    CHECK(result.exit_code == 2);
    CHECK(result.err == "aigw-setup: error: " + message + "\n");
    CHECK(snapshot(machine.root).empty());
  }
}

TEST_CASE("cli configure --managed does not follow a link out of the system root")
{
  const Machine machine;
  const auto outside = machine.dir / "this-machine.toml";
  aigw::test::write_bytes(outside, "# this machine's own\n");
  fs::create_directories(machine.paths.codex_system_config.parent_path());
  fs::create_symlink(outside, machine.paths.codex_system_config);

  const auto result =
    machine.run({"configure", "--managed", "codex", "--gateway", "https://gw.example.com"});
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: " + machine.paths.codex_system_config.string()
                        + " leads to " + outside.string() + ", outside the system root "
                        + machine.root.string()
                        + " (AIGW_SYSTEM_ROOT): a link there is not followed out of it\n");
  CHECK(aigw::test::read_bytes(outside) == "# this machine's own\n");
}

TEST_CASE("core::check_managed_access names the first path it cannot write")
{
  const Machine machine;
  write_bytes(machine.paths.codex_system_config, "model = \"o3\"\n");
  const std::vector<fs::path> files{machine.drop_in(), machine.paths.codex_system_config};
  std::vector<fs::path> asked;
  const auto denied_file = [&](const fs::path& path) -> std::optional<std::string> {
    asked.push_back(path);
    return path == machine.paths.codex_system_config ? std::optional<std::string>("denied")
                                                     : std::nullopt;
  };

  const auto result = aigw::core::check_managed_access(files, denied_file);
  REQUIRE(!result);
  CHECK(result.error().kind == aigw::util::ErrorKind::write);
  CHECK(result.error().message
        == "cannot write " + machine.paths.codex_system_config.string()
             + " (denied): --managed writes system-wide files; run it with sudo (or as root, as "
               "an MDM does)");
  // The drop-in's folders do not exist yet: the nearest one that does is asked instead
  // (<root>/etc, which holds codex/).
  CHECK(asked == std::vector<fs::path>{machine.root / "etc", machine.paths.codex_system_config});

  const auto allowed = [](const fs::path&) -> std::optional<std::string> { return std::nullopt; };
  CHECK(aigw::core::check_managed_access(files, allowed).has_value());
}

TEST_CASE("cli configure --managed without the privileges exits 5 and writes nothing")
{
  const Machine machine;
  const auto before_home = snapshot(machine.home);

  SUBCASE("a folder in the way of the system config")
  {
    // Refused as root too: no privilege turns a file into a folder.
    const fs::path codex_dir = machine.paths.codex_system_config.parent_path();
    write_bytes(codex_dir, "not a folder\n");
    const auto result = machine.run(managed_all());
    CHECK(result.exit_code == 5);
    CHECK(result.err
          == "aigw-setup: error: cannot write " + codex_dir.string()
               + " (not a folder): --managed writes system-wide files; run it with sudo (or as "
                 "root, as an MDM does)\n");
    CHECK(snapshot(machine.root)
          == aigw::test::Snapshot{{machine.relative(codex_dir), "not a folder\n"}});
  }

  SUBCASE("a read-only system root")
  {
    fs::permissions(machine.root, fs::perms(0555));
    const auto result = ::geteuid() == 0 ? run_as_nobody(machine, managed_all())
                                         : std::optional(machine.run(managed_all()));
    fs::permissions(machine.root, fs::perms(0755));
    if (!result) {
      // Mode bits do not stop root; the check itself is tested with an injected answer.
      MESSAGE("running as root without setpriv (or with a private scratch folder): the "
              "read-only root is not checked through the binary");
      return;
    }
    CHECK(result->exit_code == 5);
    CHECK(result->err
          == "aigw-setup: error: cannot write " + machine.root.string()
               + " (permission denied): --managed writes system-wide files; run it with sudo "
                 "(or as root, as an MDM does)\n");
    CHECK(snapshot(machine.root).empty());
  }
  auto home = snapshot(machine.home);
  home.erase(std::string(aigw::test::k_tool_dir) + "/lock");
  CHECK(home == before_home);
}

TEST_CASE("cli apply with managed: true writes the system files, then nothing")
{
  const Machine machine;
  const fs::path file = machine.dir / "rollout.yaml";
  write_bytes(file, "version: 1\n"
                    "gateway: https://gw.example.com\n"
                    "managed: true\n"
                    "auth: {token_env: AIGW_TEST_TOKEN}\n"
                    "agents: {claude: , codex: {headers: {X-Team: data-eng}}}\n");
  const std::vector<std::string> args{"apply", "-f", file.string()};

  const auto first = machine.run(args);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string codex_note = "Codex reads " + machine.paths.codex_system_config.string()
                                 + " below each user's ~/.codex/config.toml: a model_provider "
                                   "set there still wins for that user\n";
  const std::string steps = "step parse: ok: version 1, agents claude codex\n"
                            "step configure: ok: 2 files: ";
  const std::string last = "step relay: skipped: auth.method is pat\n"
                           "step telemetry: skipped: the file has no telemetry section\n";
  CHECK(first.out
        == "claude: created " + machine.drop_in().string() + "\ncodex: created "
             + machine.paths.codex_system_config.string() + "\n" + notes(machine) + codex_note
             + steps + "2 created, 0 changed, 0 unchanged\n" + last);
  CHECK(read_bytes(machine.drop_in()) == k_claude_drop_in);
  CHECK(read_bytes(machine.paths.codex_system_config)
        == "model_provider = \"databricks-ai-gateway\"\nmodel = \"databricks-gpt-5-2\"\n\n"
             + k_codex_provider.substr(0, k_codex_provider.find("auth = "))
             + "http_headers = { X-Team = \"data-eng\" }\n"
             + k_codex_provider.substr(k_codex_provider.find("auth = ")));
  // The token is each user's: not even read for a managed run.
  CHECK(!fs::exists(machine.home / aigw::test::k_tool_dir / "credentials.json"));

  const auto files = machine.system_files();
  const auto second = machine.run(args);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find(steps + "0 created, 0 changed, 2 unchanged\n") != std::string::npos);
  CHECK(machine.system_files() == files);

  SUBCASE("secrets: inline is refused where the file says it")
  {
    write_bytes(file, "version: 1\ngateway: https://gw.example.com\nsecrets: inline\n"
                      "managed: true\nagents: {claude: }\n");
    const auto refused = machine.run(args);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err
          == "aigw-setup: error: " + file.string()
               + ":3:10: secrets: inline cannot go with managed: true: every user can read the "
                 "managed files; leave it at helper\n");
    CHECK(machine.system_files() == files);
  }
}

TEST_CASE("cli doctor reads the managed files below AIGW_SYSTEM_ROOT")
{
  const Machine machine;
  REQUIRE(machine.run({"configure", "claude", "--gateway", "https://user.example.com",
                       "--token-stdin", "--skip-onboarding"},
                      "dapi-test-token-4f3a9c\n")
            .exit_code
          == 0);
  REQUIRE(machine.run({"configure", "--managed", "claude", "--gateway",
                       "https://gw.example.com"})
            .exit_code
          == 0);
  const auto result = machine.run({"doctor", "--no-network"});
  CHECK(result.out.find("FAIL  " + machine.drop_in().string()
                        + " sets env.ANTHROPIC_BASE_URL, apiKeyHelper: managed settings win "
                          "over ~/.claude/settings.json\n")
        != std::string::npos);
}
