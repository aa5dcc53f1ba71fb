// SPDX-License-Identifier: MIT
// The rollout schema: every key read into the struct, and every kind of mistake refused with
// its exact FILE:LINE:COLUMN message (lines and columns counted from 1).
#include <doctest/doctest.h>

#include "core/rollout.hpp"
#include "support/rollout_parse.hpp"
#include "support/test_context.hpp"

namespace {

using aigw::core::Rollout;
using aigw::test::rollout_parse::check_errors;
using aigw::test::rollout_parse::env_of;
using aigw::test::rollout_parse::error_of;
using aigw::test::rollout_parse::parsed;
using Vars = aigw::test::rollout_parse::Vars;

// A valid file's first lines; tests append their own section from line 3 on.
const std::string k_head = "version: 1\ngateway: https://gw.example.com\n";

const std::string k_every_key = R"(version: 1
gateway: https://gw.example.com/
workspace: https://adb-1.azuredatabricks.net
auth:
  method: pat
  profile: fleet
  token_file: secrets/token
secrets: inline
agents:
  cursor:
    models: [databricks-gpt-5-2, "databricks-claude-opus-4-6"]
    url: https://cursor.example.com/v1
    write_state: true
  claude:
    model: databricks-claude-sonnet-4-5
    url: http://127.0.0.1:9000/anthropic
    skip_onboarding: True
    headers:
      X-Team: data-eng
      X-Cost-Center: "42"
  codex:
    model: databricks-gpt-5-1
    url: https://codex.example.com/v1
    migrate_profiles: false
    headers: {X-Team: ml}
  gemini:
    model: databricks-gemini-2-5-pro
    url: https://gemini.example.com
    trust: /srv/projects
    headers:
telemetry:
  metrics_table: main.otel.cc_metrics
  logs_table: main.otel.cc_logs
  enable: [claude, gemini]
)";

} // namespace

TEST_CASE("core::parse_rollout reads every key")
{
  const Rollout rollout = parsed(k_every_key);
  CHECK(rollout.version == 1);
  CHECK(rollout.gateway == "https://gw.example.com");
  CHECK(rollout.workspace == "https://adb-1.azuredatabricks.net");
  CHECK(rollout.auth == "pat");
  CHECK(rollout.profile == "fleet");
  CHECK(rollout.token_env == std::nullopt);
  CHECK(rollout.token_file == std::filesystem::path("secrets/token"));
  CHECK(rollout.secrets == "inline");
  CHECK(rollout.from_environment.empty());
  REQUIRE(aigw::core::agent_names(rollout)
          == std::vector<std::string>{"claude", "codex", "gemini", "cursor"});

  const auto& claude = rollout.agents[0];
  CHECK(claude.model == "databricks-claude-sonnet-4-5");
  CHECK(claude.url == "http://127.0.0.1:9000/anthropic");
  CHECK(claude.skip_onboarding);
  REQUIRE(claude.headers.size() == 2);
  CHECK(claude.headers[0].name == "X-Team");
  CHECK(claude.headers[0].value == "data-eng");
  CHECK(claude.headers[1].name == "X-Cost-Center");
  CHECK(claude.headers[1].value == "42");

  const auto& codex = rollout.agents[1];
  CHECK(codex.model == "databricks-gpt-5-1");
  CHECK(codex.url == "https://codex.example.com/v1");
  CHECK_FALSE(codex.migrate_profiles);
  REQUIRE(codex.headers.size() == 1);
  CHECK(codex.headers[0].value == "ml");

  const auto& gemini = rollout.agents[2];
  CHECK(gemini.model == "databricks-gemini-2-5-pro");
  CHECK(gemini.trust == "/srv/projects");
  CHECK(gemini.headers.empty());

  const auto& cursor = rollout.agents[3];
  CHECK(cursor.model == std::nullopt);
  CHECK(cursor.models
        == std::vector<std::string>{"databricks-gpt-5-2", "databricks-claude-opus-4-6"});
  CHECK(cursor.url == "https://cursor.example.com/v1");
  CHECK(cursor.write_state);

  REQUIRE(rollout.telemetry);
  CHECK_FALSE(rollout.telemetry->names);
  CHECK(rollout.telemetry->metrics_table == "main.otel.cc_metrics");
  CHECK(rollout.telemetry->logs_table == "main.otel.cc_logs");
  CHECK(rollout.telemetry->enable == std::vector<std::string>{"claude", "gemini"});
}

TEST_CASE("core::parse_rollout defaults, the relay, and telemetry by catalog, schema, prefix")
{
  const Rollout rollout = parsed("version: 1\n"
                                 "workspace: https://adb-1.azuredatabricks.net\n"
                                 "auth: {method: relay, token_env: FLEET_TOKEN}\n"
                                 "relay: {listen: \"localhost:9100\"}\n"
                                 "agents: {gemini: , claude: {}}\n"
                                 "telemetry: {catalog: main, schema: otel, prefix: cc}\n");
  CHECK(rollout.gateway == std::nullopt);
  CHECK(rollout.auth == "relay");
  CHECK(rollout.token_env == "FLEET_TOKEN");
  CHECK(rollout.secrets == "helper");
  CHECK(rollout.relay_listen == "127.0.0.1:9100");
  REQUIRE(rollout.agents.size() == 2);
  CHECK(rollout.agents[0].name == "claude");
  CHECK(rollout.agents[0].model == std::nullopt);
  CHECK_FALSE(rollout.agents[0].skip_onboarding);
  CHECK(rollout.agents[1].trust == "off");
  REQUIRE(rollout.telemetry);
  REQUIRE(rollout.telemetry->names);
  CHECK(rollout.telemetry->names->catalog == "main");
  CHECK(rollout.telemetry->names->schema == "otel");
  CHECK(rollout.telemetry->names->prefix == "cc");
  CHECK(rollout.telemetry->enable.empty());
}

TEST_CASE("core::parse_rollout takes either URL layout")
{
  SUBCASE("the gateway host")
  {
    const Rollout rollout = parsed(k_head + "agents: {codex: {}}\n");
    CHECK(rollout.gateway == "https://gw.example.com");
    CHECK(rollout.workspace == std::nullopt);
  }
  SUBCASE("the workspace-hosted gateway, with Cursor's own route")
  {
    const Rollout rollout = parsed("version: 1\n"
                                   "workspace: https://adb-1.azuredatabricks.net/\n"
                                   "agents: {cursor: {url: https://gw.example.com/cursor/v1}}\n");
    CHECK(rollout.gateway == std::nullopt);
    CHECK(rollout.workspace == "https://adb-1.azuredatabricks.net");
    CHECK(rollout.agents[0].url == "https://gw.example.com/cursor/v1");
  }
}

TEST_CASE("core::parse_rollout refuses unknown keys, with the closest known one")
{
  check_errors({
    {"version: 1\ngatway: https://gw.example.com\nagents: {claude: }\n",
     "rollout.yaml:2:1: gatway: unknown key; did you mean \"gateway\"?"},
    {k_head + "agents:\n  claud:\n",
     "rollout.yaml:4:3: agents.claud: unknown key; did you mean \"claude\"?"},
    {k_head + "agents:\n  claude:\n    modle: x\n",
     "rollout.yaml:5:5: agents.claude.modle: unknown key; did you mean \"model\"?"},
    {k_head + "agents:\n  cursor:\n    model: x\n",
     "rollout.yaml:5:5: agents.cursor.model: unknown key; did you mean \"models\"?"},
    {k_head + "agents:\n  cursor:\n    headers: {X-A: b}\n",
     "rollout.yaml:5:5: agents.cursor.headers: unknown key (known here: models, url, "
     "write_state)"},
    {k_head + "auth:\n  user: me\nagents: {claude: }\n",
     "rollout.yaml:4:3: auth.user: unknown key (known here: method, profile, token_env, "
     "token_file)"},
    {k_head + "agents: {claude: }\ntelemetry: {catalogue: main}\n",
     "rollout.yaml:4:13: telemetry.catalogue: unknown key; did you mean \"catalog\"?"},
    {k_head + "agents: {claude: }\nrelay: {port: 1}\n",
     "rollout.yaml:4:9: relay.port: unknown key (known here: listen, auth)"},
    {k_head + "agents: {claude: }\nagents: {codex: }\n",
     "rollout.yaml:4:1: agents: given twice; keep one"},
    {k_head + "agents: {claude: }\n<<: {secrets: inline}\n",
     "rollout.yaml:4:1: <<: unknown key (known here: version, workspace, gateway, auth, "
     "secrets, agents, telemetry, relay, managed)"},
  });
}

TEST_CASE("core::parse_rollout refuses each wrong type, naming expected and found")
{
  check_errors({
    {"version: \"1\"\nagents: {claude: }\n",
     "rollout.yaml:1:10: version: expected a whole number, got a string"},
    {"version: true\nagents: {claude: }\n",
     "rollout.yaml:1:10: version: expected a whole number, got true"},
    {"version: 2\nagents: {claude: }\n",
     "rollout.yaml:1:10: version: 2 is not supported; this aigw-setup reads version 1"},
    {"version: 1\ngateway: [https://gw.example.com]\n",
     "rollout.yaml:2:10: gateway: expected a string, got a list"},
    {"version: 1\nworkspace:\nagents: {claude: }\n",
     "rollout.yaml:2:1: workspace: expected a string, got nothing"},
    {k_head + "auth: pat\n", "rollout.yaml:3:7: auth: expected a mapping, got a string"},
    {k_head + "auth: {method: [pat]}\n",
     "rollout.yaml:3:16: auth.method: expected a string, got a list"},
    {k_head + "auth: {method: oauth}\n",
     "rollout.yaml:3:16: auth.method: \"oauth\" is not one of pat, databricks-cli, relay"},
    {k_head + "auth: {profile: {name: x}}\n",
     "rollout.yaml:3:17: auth.profile: expected a string, got a mapping"},
    {k_head + "auth: {token_env: 1TOKEN}\n",
     "rollout.yaml:3:19: auth.token_env: expected the name of an environment variable "
     "(letters, digits and _)"},
    {k_head + "auth: {token_file: [a]}\n",
     "rollout.yaml:3:20: auth.token_file: expected a string, got a list"},
    {k_head + "secrets: yes\n", "rollout.yaml:3:10: secrets: \"yes\" is not one of helper, inline"},
    {k_head + "agents: [claude]\n", "rollout.yaml:3:9: agents: expected a mapping, got a list"},
    {k_head + "agents:\n  claude: opus\n",
     "rollout.yaml:4:11: agents.claude: expected a mapping, got a string"},
    {k_head + "agents:\n  claude:\n    model: [a]\n",
     "rollout.yaml:5:12: agents.claude.model: expected a string, got a list"},
    {k_head + "agents:\n  claude:\n    model: \"\"\n",
     "rollout.yaml:5:12: agents.claude.model: a model name cannot be empty"},
    {k_head + "agents:\n  claude:\n    headers: [X-Team]\n",
     "rollout.yaml:5:14: agents.claude.headers: expected a mapping, got a list"},
    {k_head + "agents:\n  claude:\n    headers:\n      X-Team: {a: 1}\n",
     "rollout.yaml:6:15: agents.claude.headers.X-Team: expected a string, got a mapping"},
    {k_head + "agents:\n  claude:\n    skip_onboarding: yes\n",
     "rollout.yaml:5:22: agents.claude.skip_onboarding: expected true or false, got a string"},
    {k_head + "agents:\n  claude:\n    skip_onboarding: \"true\"\n",
     "rollout.yaml:5:22: agents.claude.skip_onboarding: expected true or false, got a string"},
    {k_head + "agents:\n  codex:\n    migrate_profiles: 1\n",
     "rollout.yaml:5:23: agents.codex.migrate_profiles: expected true or false, got a number"},
    {k_head + "agents:\n  gemini:\n    trust: projects\n",
     "rollout.yaml:5:12: agents.gemini.trust: expected \"off\" or an absolute folder, got "
     "\"projects\""},
    {k_head + "agents:\n  cursor:\n    models: databricks-gpt-5-2\n",
     "rollout.yaml:5:13: agents.cursor.models: expected a list of strings, got a string"},
    {k_head + "agents:\n  cursor:\n    models: [a, [b]]\n",
     "rollout.yaml:5:17: agents.cursor.models[1]: expected a string, got a list"},
    {k_head + "agents:\n  cursor:\n    write_state:\n",
     "rollout.yaml:5:5: agents.cursor.write_state: expected true or false, got nothing"},
    {k_head + "agents: {claude: }\ntelemetry: [main]\n",
     "rollout.yaml:4:12: telemetry: expected a mapping, got a list"},
    {k_head + "agents: {claude: }\ntelemetry: {catalog: [main], schema: s, prefix: p}\n",
     "rollout.yaml:4:22: telemetry.catalog: expected a string, got a list"},
    {k_head + "agents: {claude: }\ntelemetry: {metrics_table: a.b, logs_table: a.b.c}\n",
     "rollout.yaml:4:28: telemetry.metrics_table: expected catalog.schema.table, got \"a.b\""},
    {k_head
       + "agents: {claude: }\ntelemetry: {catalog: main, schema: s, prefix: p, enable: "
         "claude}\n",
     "rollout.yaml:4:58: telemetry.enable: expected a list of strings, got a string"},
    {k_head
       + "agents: {claude: }\ntelemetry: {catalog: main, schema: s, prefix: p, enable: "
         "[cursor]}\n",
     "rollout.yaml:4:59: telemetry.enable[0]: \"cursor\" is not one of claude, codex, gemini"},
    {k_head + "auth: {method: relay}\nagents: {claude: }\nrelay: {listen: [8765]}\n",
     "rollout.yaml:5:17: relay.listen: expected a string, got a list"},
  });
}

TEST_CASE("core::parse_rollout refuses bad URLs and values with the command line's rules")
{
  check_errors({
    {"version: 1\ngateway: http://gw.example.com\nagents: {claude: }\n",
     "rollout.yaml:2:10: gateway \"http://gw.example.com\": https is required (http only for "
     "loopback hosts)"},
    {"version: 1\nworkspace: adb-1.azuredatabricks.net\nagents: {claude: }\n",
     "rollout.yaml:2:12: workspace \"adb-1.azuredatabricks.net\": not a URL; use "
     "https://HOST/..., or http:// for a loopback host such as the local relay "
     "(http://127.0.0.1:8765)"},
    {k_head + "agents:\n  codex:\n    url: https://gw.example.com/v1?x=1\n",
     "rollout.yaml:5:10: agents.codex.url \"https://gw.example.com/v1?x=***\": a base URL takes "
     "no query or fragment"},
    {k_head + "agents:\n  claude:\n    headers:\n      X-Team: a, b\n",
     "rollout.yaml:6:15: agents.claude.headers.X-Team: a value cannot hold a line break or a "
     "comma (Gemini CLI separates headers with commas)"},
    {k_head + "agents:\n  claude:\n    headers:\n      Authorization: x\n",
     "rollout.yaml:6:7: agents.claude.headers.Authorization: aigw-setup sets this header "
     "itself"},
    {k_head + "agents: {claude: }\ntelemetry: {catalog: main, schema: \"a b\", prefix: p}\n",
     "rollout.yaml:4:36: telemetry.schema: a space is not allowed; Unity Catalog names here "
     "take only letters, digits, \"_\" and \"-\""},
  });
  // The rest of the message is the relay's own (loopback only), without the option's name.
  CHECK(error_of(k_head
                 + "auth: {method: relay}\nagents: {claude: }\n"
                   "relay: {listen: \"0.0.0.0:8765\"}\n")
        == "rollout.yaml:5:17: relay.listen: the relay listens on loopback only (127.0.0.1, "
           "[::1] or localhost), since it holds your credential");
}

TEST_CASE("core::parse_rollout refuses incomplete or contradictory sections")
{
  check_errors({
    {"gateway: https://gw.example.com\nagents: {claude: }\n",
     "rollout.yaml:1:1: version: missing; write \"version: 1\" first"},
    {k_head, "rollout.yaml:1:1: agents: missing; name at least one of claude, codex, gemini, "
             "cursor"},
    {k_head + "agents:\n",
     "rollout.yaml:3:1: agents: name at least one of claude, codex, gemini, cursor"},
    {k_head + "auth: {token_env: T, token_file: /t}\nagents: {claude: }\n",
     "rollout.yaml:3:34: auth.token_file: give token_env or token_file, not both"},
    {k_head + "auth: {method: databricks-cli, token_env: T}\nagents: {claude: }\n",
     "rollout.yaml:3:43: auth.token_env: goes with method pat or relay; databricks-cli keeps "
     "no token (the databricks CLI mints one when it is needed)"},
    {k_head + "agents: {claude: }\nrelay: {listen: \"127.0.0.1:1\"}\n",
     "rollout.yaml:4:1: relay: goes with auth.method relay (only then do the agents talk "
     "to the relay)"},
    {k_head + "agents: {claude: }\ntelemetry: {catalog: main, schema: s}\n",
     "rollout.yaml:4:12: telemetry.prefix: missing; catalog, schema and prefix go "
     "together"},
    {k_head + "agents: {claude: }\ntelemetry: {logs_table: a.b.c}\n",
     "rollout.yaml:4:12: telemetry.metrics_table: missing; metrics_table and logs_table "
     "go together"},
    {k_head
       + "agents: {claude: }\ntelemetry: {catalog: c, schema: s, prefix: p, "
         "metrics_table: a.b.c, logs_table: a.b.d}\n",
     "rollout.yaml:4:12: telemetry: give catalog, schema and prefix, or metrics_table and "
     "logs_table, not both"},
    {k_head + "agents: {claude: }\ntelemetry:\n  enable: [claude]\n",
     "rollout.yaml:5:3: telemetry: give catalog, schema and prefix, or metrics_table and "
     "logs_table"},
  });
}

TEST_CASE("core::parse_rollout refuses what is not one YAML mapping")
{
  const std::string empty = "the file is empty; it needs at least \"version: 1\" and agents";
  check_errors({
    {"", "rollout.yaml:1:1: " + empty},
    {"# only a comment\n", "rollout.yaml:1:1: " + empty},
    {"- version: 1\n", "rollout.yaml:1:1: expected a mapping, got a list"},
    {"version: 1\nagents: [claude\n",
     "rollout.yaml:3:1: not valid YAML: end of sequence flow not found"},
    {k_head + "agents: {claude: }\n---\nversion: 1\n",
     "rollout.yaml:5:1: a second YAML document; a rollout file holds one"},
  });
}

TEST_CASE("core::parse_rollout takes ${NAME} values from the environment")
{
  const Vars vars{{"FLEET_GATEWAY", "https://gw.example.com/"},
                  {"FLEET_VERSION", "1"},
                  {"FLEET_SKIP", "true"},
                  {"FLEET_MODEL", "databricks-claude-sonnet-4-5"},
                  {"FLEET_EMPTY", ""}};
  const Rollout rollout = parsed("version: ${FLEET_VERSION}\n"
                                 "gateway: \"${FLEET_GATEWAY}\"\n"
                                 "agents:\n"
                                 "  claude:\n"
                                 "    model: ${FLEET_MODEL}\n"
                                 "    skip_onboarding: ${FLEET_SKIP}\n",
                                 vars);
  CHECK(rollout.version == 1);
  CHECK(rollout.gateway == "https://gw.example.com");
  CHECK(rollout.agents[0].model == "databricks-claude-sonnet-4-5");
  CHECK(rollout.agents[0].skip_onboarding);
  CHECK(rollout.from_environment.empty());

  check_errors(
    {
      {k_head + "agents:\n  claude:\n    model: ${FLEET_UNSET}\n",
       "rollout.yaml:5:12: agents.claude.model: ${FLEET_UNSET} is not set in the environment"},
      {k_head + "agents:\n  claude:\n    model: ${FLEET_EMPTY}\n",
       "rollout.yaml:5:12: agents.claude.model: ${FLEET_EMPTY} is not set in the environment"},
      {"version: 1\ngateway: https://${FLEET_HOST}\nagents: {claude: }\n",
       "rollout.yaml:2:10: gateway: only a whole value can come from the environment, as "
       "\"${NAME}\" with NAME made of letters, digits and _"},
      {k_head + "agents:\n  claude:\n    skip_onboarding: ${FLEET_MODEL}\n",
       "rollout.yaml:5:22: agents.claude.skip_onboarding: expected true or false, got a string"},
      {"version: 1\ngateway: ${FLEET_VERSION}\nagents: {claude: }\n",
       "rollout.yaml:2:10: gateway \"1\": not a URL; use https://HOST/..., or http:// for a "
       "loopback host such as the local relay (http://127.0.0.1:8765)"},
    },
    vars);
}

TEST_CASE("core::parse_rollout fills the gateway and workspace in from the environment")
{
  const std::string no_urls = "version: 1\nagents: {claude: }\n";
  SUBCASE("AIGW_GATEWAY and AIGW_WORKSPACE, before DATABRICKS_HOST")
  {
    const Rollout rollout = parsed(no_urls, {{"AIGW_GATEWAY", "https://gw.example.com"},
                                             {"AIGW_WORKSPACE", "https://adb-1.example.com/"},
                                             {"DATABRICKS_HOST", "https://adb-2.example.com"}});
    CHECK(rollout.gateway == "https://gw.example.com");
    CHECK(rollout.workspace == "https://adb-1.example.com");
    CHECK(
      rollout.from_environment
      == std::vector<std::string>{"gateway from $AIGW_GATEWAY", "workspace from $AIGW_WORKSPACE"});
  }
  SUBCASE("DATABRICKS_HOST")
  {
    const Rollout rollout = parsed(no_urls, {{"DATABRICKS_HOST", "https://adb-2.example.com"}});
    CHECK(rollout.gateway == std::nullopt);
    CHECK(rollout.workspace == "https://adb-2.example.com");
    CHECK(rollout.from_environment == std::vector<std::string>{"workspace from $DATABRICKS_HOST"});
  }
  SUBCASE("the file wins")
  {
    const Rollout rollout = parsed("version: 1\nworkspace: https://adb-0.example.com\n"
                                   "gateway: https://gw0.example.com\nagents: {claude: }\n",
                                   {{"AIGW_GATEWAY", "https://gw.example.com"},
                                    {"DATABRICKS_HOST", "https://adb-2.example.com"}});
    CHECK(rollout.gateway == "https://gw0.example.com");
    CHECK(rollout.workspace == "https://adb-0.example.com");
    CHECK(rollout.from_environment.empty());
  }
  SUBCASE("a bad URL names its variable")
  {
    CHECK(error_of(no_urls, {{"AIGW_GATEWAY", "http://gw.example.com"}})
          == "rollout.yaml: gateway (from $AIGW_GATEWAY) \"http://gw.example.com\": https is "
             "required (http only for loopback hosts)");
  }
}

TEST_CASE("core::parse_rollout refuses a token written in the file")
{
  const std::string pat = "dapi0123456789abcdef0123456789abcdef";
  CHECK(error_of(k_head + "auth:\n  token: " + pat + "\nagents: {claude: }\n")
        == "rollout.yaml:4:3: auth.token: a token is never written in the rollout file; give "
           "the name of the variable that holds it (auth.token_env) or of a file "
           "(auth.token_file)");
  CHECK(error_of(k_head + "agents:\n  claude:\n    Client-Secret: x\n")
          .rfind("rollout.yaml:5:5: agents.claude.Client-Secret: a token is never written", 0)
        == 0);
  CHECK(error_of(k_head + "agents:\n  claude:\n    headers:\n      X-Key: " + pat + "-2\n")
        == "rollout.yaml:6:14: agents.claude.headers.X-Key: this looks like a token, and a "
           "token is never written in the rollout file; give the name of the variable that "
           "holds it (auth.token_env) or of a file (auth.token_file)");
  CHECK(error_of(k_head + "agents:\n  codex:\n    headers: {X-Auth: \"Bearer abc\"}\n")
          .rfind("rollout.yaml:5:23: agents.codex.headers.X-Auth: this looks like a token", 0)
        == 0);
  CHECK(error_of(k_head + "auth: {token_env: " + pat + "}\nagents: {claude: }\n")
          .rfind("rollout.yaml:3:19: auth.token_env: this looks like a token", 0)
        == 0);
  // The token's variable may hold one: only its name is in the file.
  CHECK(
    parsed(k_head + "auth: {token_env: FLEET_TOKEN}\nagents: {claude: }\n", {{"FLEET_TOKEN", pat}})
      .token_env
    == "FLEET_TOKEN");
}

TEST_CASE("core::load_rollout reads the example template, and refuses what is no file")
{
  const auto example = aigw::test::fixture("../../templates/rollout.example.yaml");
  auto rollout = aigw::core::load_rollout(example, env_of({}));
  INFO((rollout ? std::string() : rollout.error().message));
  REQUIRE(rollout);
  CHECK(aigw::core::agent_names(*rollout)
        == std::vector<std::string>{"claude", "codex", "gemini", "cursor"});
  CHECK(rollout->token_env == "AIGW_DATABRICKS_TOKEN");
  REQUIRE(rollout->telemetry);
  CHECK(rollout->telemetry->enable == std::vector<std::string>{"claude", "codex"});

  aigw::test::TempDir dir;
  auto missing = aigw::core::load_rollout(dir / "absent.yaml", env_of({}));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == (dir / "absent.yaml").string() + ": no such file");
  auto folder = aigw::core::load_rollout(dir.path(), env_of({}));
  REQUIRE_FALSE(folder);
  CHECK(folder.error().message == dir.path().string() + ": not a regular file");
}
