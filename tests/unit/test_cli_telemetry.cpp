// SPDX-License-Identifier: MIT
// `telemetry create-tables`: names and DDL, then the real binary against the fake workspace
// (exact statements, idempotency, every failure's message and exit code), and in-process
// runs for what needs a controlled clock: polling, the deadline and Ctrl-C.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

#include <sys/stat.h>

#include "cli/telemetry.hpp"
#include "core/otel_tables.hpp"
#include "support/cli_runner.hpp"
#include "support/fake_workspace.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::FakeWarehouse;
using aigw::test::FakeWorkspace;
using aigw::test::StatementPlan;
using aigw::test::TempDir;

namespace {

// The DDL exactly as it must reach the workspace (templates/otel_*.sql, comments left out).
// Each literal starts after its first newline.
const std::string k_metrics_sql = &R"sql(
CREATE TABLE IF NOT EXISTS `main`.`telemetry`.`claude_otel_metrics` (
  name STRING,
  description STRING,
  unit STRING,
  metric_type STRING,
  gauge STRUCT<
    start_time_unix_nano: LONG,
    time_unix_nano: LONG,
    value: DOUBLE,
    exemplars: ARRAY<STRUCT<
      time_unix_nano: LONG,
      value: DOUBLE,
      span_id: STRING,
      trace_id: STRING,
      filtered_attributes: MAP<STRING, STRING>
    >>,
    attributes: MAP<STRING, STRING>,
    flags: INT
  >,
  sum STRUCT<
    start_time_unix_nano: LONG,
    time_unix_nano: LONG,
    value: DOUBLE,
    exemplars: ARRAY<STRUCT<
      time_unix_nano: LONG,
      value: DOUBLE,
      span_id: STRING,
      trace_id: STRING,
      filtered_attributes: MAP<STRING, STRING>
    >>,
    attributes: MAP<STRING, STRING>,
    flags: INT,
    aggregation_temporality: STRING,
    is_monotonic: BOOLEAN
  >,
  histogram STRUCT<
    start_time_unix_nano: LONG,
    time_unix_nano: LONG,
    count: LONG,
    sum: DOUBLE,
    bucket_counts: ARRAY<LONG>,
    explicit_bounds: ARRAY<DOUBLE>,
    exemplars: ARRAY<STRUCT<
      time_unix_nano: LONG,
      value: DOUBLE,
      span_id: STRING,
      trace_id: STRING,
      filtered_attributes: MAP<STRING, STRING>
    >>,
    attributes: MAP<STRING, STRING>,
    flags: INT,
    min: DOUBLE,
    max: DOUBLE,
    aggregation_temporality: STRING
  >,
  exponential_histogram STRUCT<
    attributes: MAP<STRING, STRING>,
    start_time_unix_nano: LONG,
    time_unix_nano: LONG,
    count: LONG,
    sum: DOUBLE,
    scale: INT,
    zero_count: LONG,
    positive_bucket: STRUCT<offset: INT, bucket_counts: ARRAY<LONG>>,
    negative_bucket: STRUCT<offset: INT, bucket_counts: ARRAY<LONG>>,
    flags: INT,
    exemplars: ARRAY<STRUCT<
      time_unix_nano: LONG,
      value: DOUBLE,
      span_id: STRING,
      trace_id: STRING,
      filtered_attributes: MAP<STRING, STRING>
    >>,
    min: DOUBLE,
    max: DOUBLE,
    zero_threshold: DOUBLE,
    aggregation_temporality: STRING
  >,
  summary STRUCT<
    start_time_unix_nano: LONG,
    time_unix_nano: LONG,
    count: LONG,
    sum: DOUBLE,
    quantile_values: ARRAY<STRUCT<quantile: DOUBLE, value: DOUBLE>>,
    attributes: MAP<STRING, STRING>,
    flags: INT
  >,
  metadata MAP<STRING, STRING>,
  resource STRUCT<attributes: MAP<STRING, STRING>, dropped_attributes_count: INT>,
  resource_schema_url STRING,
  instrumentation_scope STRUCT<
    name: STRING,
    version: STRING,
    attributes: MAP<STRING, STRING>,
    dropped_attributes_count: INT
  >,
  metric_schema_url STRING
) USING DELTA
TBLPROPERTIES ('otel.schemaVersion' = 'v1'))sql"[1];

const std::string k_logs_sql = &R"sql(
CREATE TABLE IF NOT EXISTS `main`.`telemetry`.`claude_otel_logs` (
  event_name STRING,
  trace_id STRING,
  span_id STRING,
  time_unix_nano LONG,
  observed_time_unix_nano LONG,
  severity_number STRING,
  severity_text STRING,
  body STRING,
  attributes MAP<STRING, STRING>,
  dropped_attributes_count INT,
  flags INT,
  resource STRUCT<attributes: MAP<STRING, STRING>, dropped_attributes_count: INT>,
  resource_schema_url STRING,
  instrumentation_scope STRUCT<
    name: STRING,
    version: STRING,
    attributes: MAP<STRING, STRING>,
    dropped_attributes_count: INT
  >,
  log_schema_url STRING
) USING DELTA
TBLPROPERTIES ('otel.schemaVersion' = 'v1'))sql"[1];

const std::string k_show = "SHOW TABLES IN `main`.`telemetry` LIKE 'claude_otel_*'";
const std::string k_warehouse = "a1b2c3d4e5f60718";

std::string
error_line(const std::string& message)
{
  return "aigw-setup: error: " + message + "\n";
}

// A workspace with one running warehouse and the schema main.telemetry.
struct Setup
{
  FakeWorkspace workspace;
  TempDir dir;
  fs::path home = dir / "home";

  Setup()
  {
    fs::create_directories(home);
    workspace.add_warehouse({k_warehouse, "Shared", "RUNNING", false, 1});
    workspace.add_schema("main", "telemetry");
  }

  // The command with main.telemetry and prefix claude; `extra` may name others instead.
  std::vector<std::string> args(const std::vector<std::string>& extra) const
  {
    std::map<std::string, std::string> names{
      {"--catalog", "main"}, {"--schema", "telemetry"}, {"--prefix", "claude"}};
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      if (names.contains(extra[i]) && i + 1 < extra.size()) {
        names[extra[i]] = extra[i + 1];
        ++i;
      } else {
        rest.push_back(extra[i]);
      }
    }
    std::vector<std::string> all{"--home", home.string(), "telemetry", "create-tables",
                                 "--workspace", workspace.url()};
    for (const auto& [option, value] : names) {
      all.insert(all.end(), {option, value});
    }
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  }

  aigw::test::CliResult run(std::vector<std::string> extra,
                            std::map<std::string, std::string> env = {
                              {"DATABRICKS_TOKEN", FakeWorkspace::k_token}}) const
  {
    return aigw::test::run_cli(args(std::move(extra)), "", env);
  }
};

} // namespace

TEST_CASE("telemetry: core::validate_uc_name and the table names")
{
  using aigw::core::otel_tables;
  using aigw::core::TableNames;
  const auto message = [](TableNames names) {
    auto tables = otel_tables(names, false);
    REQUIRE(!tables);
    CHECK(tables.error().kind == aigw::util::ErrorKind::usage);
    return tables.error().message;
  };
  const std::string rule = "; Unity Catalog names here take only letters, digits, \"_\" and \"-\"";

  CHECK(message({"ma.in", "s", "p"}) == "--catalog: \".\" is not allowed" + rule);
  CHECK(message({"main", "te`st", "p"}) == "--schema: \"`\" is not allowed" + rule);
  CHECK(message({"main", "s", "p'x"}) == "--prefix: \"'\" is not allowed" + rule);
  CHECK(message({"main", "s", "a\"b"}) == "--prefix: \"\"\" is not allowed" + rule);
  CHECK(message({"main", "my schema", "p"}) == "--schema: a space is not allowed" + rule);
  CHECK(message({"main", "s", "p;DROP"}) == "--prefix: \";\" is not allowed" + rule);
  CHECK(message({"main", "s", "p\n"}) == "--prefix: control character 0x0a is not allowed"
                                           + rule);
  CHECK(message({"main", "s/x", "p"}) == "--schema: \"/\" is not allowed" + rule);
  CHECK(message({"caf\xc3\xa9", "s", "p"}) == "--catalog: non-ASCII byte 0xc3 is not allowed"
                                                + rule);
  CHECK(message({"", "s", "p"}) == "--catalog is empty" + rule);
  CHECK(message({std::string(256, 'c'), "s", "p"})
        == "--catalog is 256 characters long; at most 255 fit here");
  CHECK(message({"main", "s", std::string(243, 'p')})
        == "--prefix is 243 characters long; at most 242 fit here");

  auto tables = otel_tables({"Main", "tele-metry", "dev_1"}, true);
  REQUIRE(tables);
  REQUIRE(tables->size() == 3);
  CHECK((*tables)[0].full_name == "Main.tele-metry.dev_1_otel_metrics");
  CHECK((*tables)[0].quoted == "`Main`.`tele-metry`.`dev_1_otel_metrics`");
  CHECK((*tables)[1].name == "dev_1_otel_logs");
  CHECK((*tables)[2].name == "dev_1_otel_spans");
  CHECK(otel_tables({"main", "s", std::string(242, 'p')}, false));
}

TEST_CASE("telemetry: core::create_table_sql")
{
  auto tables = aigw::core::otel_tables({"main", "telemetry", "claude"}, true);
  REQUIRE(tables);
  CHECK(aigw::core::create_table_sql((*tables)[0]) == k_metrics_sql);
  CHECK(aigw::core::create_table_sql((*tables)[1]) == k_logs_sql);
  const std::string spans = aigw::core::create_table_sql((*tables)[2]);
  CHECK(spans.starts_with("CREATE TABLE IF NOT EXISTS `main`.`telemetry`.`claude_otel_spans` (\n"
                          "  trace_id STRING,\n  span_id STRING,\n  trace_state STRING,\n"));
  CHECK(spans.ends_with("  span_schema_url STRING\n) USING DELTA\n"
                        "TBLPROPERTIES ('otel.schemaVersion' = 'v1')"));
  CHECK(aigw::core::create_schema_sql({"main", "telemetry", "claude"})
        == "CREATE SCHEMA IF NOT EXISTS `main`.`telemetry`");
  CHECK(aigw::core::show_tables_sql({"main", "telemetry", "claude"}) == k_show);
}

TEST_CASE("cli telemetry create-tables")
{
  Setup setup;

  SUBCASE("creates both tables, then finds them there")
  {
    auto first = setup.run({"--warehouse", "auto"});
    INFO(first.err);
    CHECK(first.exit_code == 0);
    CHECK(first.out == "main.telemetry.claude_otel_metrics: created\n"
                       "main.telemetry.claude_otel_logs: created\n"
                       "warehouse: Shared (a1b2c3d4e5f60718)\n");
    CHECK(first.err.empty());
    CHECK(setup.workspace.statements()
          == std::vector<std::string>{k_show, k_metrics_sql, k_logs_sql});
    CHECK(setup.workspace.request_lines()
          == std::vector<std::string>{"GET /api/2.0/sql/warehouses",
                                      "POST /api/2.0/sql/statements",
                                      "POST /api/2.0/sql/statements",
                                      "POST /api/2.0/sql/statements"});
    const auto post = setup.workspace.requests().at(1);
    CHECK(post.headers.at("authorization") == std::string("Bearer ") + FakeWorkspace::k_token);
    CHECK(post.headers.at("content-type") == "application/json");
    CHECK(nlohmann::json::parse(post.body)
          == nlohmann::json{{"statement", k_show},
                            {"warehouse_id", k_warehouse},
                            {"wait_timeout", "10s"},
                            {"on_wait_timeout", "CONTINUE"}});
    CHECK(setup.workspace.tables()
          == std::set<std::string>{"main.telemetry.claude_otel_logs",
                                   "main.telemetry.claude_otel_metrics"});

    auto second = setup.run({"--warehouse", "auto"});
    CHECK(second.exit_code == 0);
    CHECK(second.out == "main.telemetry.claude_otel_metrics: already there\n"
                        "main.telemetry.claude_otel_logs: already there\n"
                        "warehouse: Shared (a1b2c3d4e5f60718)\n");
    CHECK(setup.workspace.statements()
          == std::vector<std::string>{k_show, k_metrics_sql, k_logs_sql, k_show});
  }

  SUBCASE("--json")
  {
    setup.workspace.add_table("main.telemetry.claude_otel_logs");
    auto result = setup.run({"--warehouse", k_warehouse, "--json"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == R"({
  "tables": [
    {
      "name": "main.telemetry.claude_otel_metrics",
      "status": "created"
    },
    {
      "name": "main.telemetry.claude_otel_logs",
      "status": "already there"
    }
  ],
  "warehouse": "a1b2c3d4e5f60718"
}
)");
    // A warehouse given by ID is used as it is: no listing.
    CHECK(setup.workspace.request_lines().front() == "POST /api/2.0/sql/statements");
  }

  SUBCASE("--create-schema and --spans")
  {
    FakeWorkspace& workspace = setup.workspace;
    auto result = setup.run({"--warehouse", "auto", "--schema", "fresh", "--create-schema",
                             "--spans"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    const auto statements = workspace.statements();
    REQUIRE(statements.size() == 5);
    CHECK(statements[0] == "CREATE SCHEMA IF NOT EXISTS `main`.`fresh`");
    CHECK(statements[1] == "SHOW TABLES IN `main`.`fresh` LIKE 'claude_otel_*'");
    CHECK(statements[4].starts_with(
      "CREATE TABLE IF NOT EXISTS `main`.`fresh`.`claude_otel_spans` (\n"));
    CHECK(result.out == "main.fresh.claude_otel_metrics: created\n"
                        "main.fresh.claude_otel_logs: created\n"
                        "main.fresh.claude_otel_spans: created\n"
                        "warehouse: Shared (a1b2c3d4e5f60718)\n");
  }

  SUBCASE("--dry-run prints the SQL and sends nothing, needing no credential")
  {
    auto result = aigw::test::run_cli({"--dry-run", "telemetry", "create-tables", "--warehouse",
                                       "auto", "--catalog", "main", "--schema", "telemetry",
                                       "--prefix", "claude", "--create-schema"},
                                      "", {{"HOME", setup.home.string()}});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "CREATE SCHEMA IF NOT EXISTS `main`.`telemetry`;\n\n" + k_metrics_sql
                          + ";\n\n" + k_logs_sql + ";\n");
    CHECK(result.err.empty());
    CHECK(setup.workspace.requests().empty());
  }
}

TEST_CASE("cli telemetry create-tables refuses bad names before any request")
{
  Setup setup;
  const std::string rule = "; Unity Catalog names here take only letters, digits, \"_\" and \"-\"";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
    {{"--catalog", "main;DROP"}, "--catalog: \";\" is not allowed" + rule},
    {{"--schema", "tele`metry"}, "--schema: \"`\" is not allowed" + rule},
    {{"--prefix", "it's"}, "--prefix: \"'\" is not allowed" + rule},
    {{"--prefix", "a.b"}, "--prefix: \".\" is not allowed" + rule},
    {{"--schema", "two words"}, "--schema: a space is not allowed" + rule},
    {{"--catalog", "tab\there"}, "--catalog: control character 0x09 is not allowed" + rule},
    {{"--warehouse", "abc/../x"}, "--warehouse: \"/\" is not allowed" + rule},
  };
  for (const auto& [extra, message] : cases) {
    CAPTURE(message);
    std::vector<std::string> args = extra;
    if (extra.front() != "--warehouse") {
      args.insert(args.end(), {"--warehouse", "auto"});
    }
    auto result = setup.run(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err == error_line(message));
  }
  CHECK(setup.workspace.requests().empty());
}

TEST_CASE("cli telemetry create-tables failures")
{
  Setup setup;
  FakeWorkspace& workspace = setup.workspace;
  const std::string statements_url = workspace.url() + "/api/2.0/sql/statements";

  SUBCASE("a statement that fails, for every error_code")
  {
    const std::vector<std::string> codes{
      "ABORTED",           "ALREADY_EXISTS",   "BAD_REQUEST",
      "CANCELLED",         "DEADLINE_EXCEEDED", "INTERNAL_ERROR",
      "IO_ERROR",          "NOT_FOUND",        "RESOURCE_EXHAUSTED",
      "SERVICE_UNDER_MAINTENANCE", "TEMPORARILY_UNAVAILABLE", "UNAUTHENTICATED",
      "UNKNOWN",           "WORKSPACE_TEMPORARILY_UNAVAILABLE"};
    for (std::size_t i = 0; i < codes.size(); ++i) {
      CAPTURE(codes[i]);
      workspace.plan_statements("CREATE TABLE", {0, 0, "FAILED", codes[i], "it went wrong"});
      auto result = setup.run({"--warehouse", "auto"});
      CHECK(result.exit_code == 4);
      CHECK(result.out.empty());
      const std::string id = "01f0-stmt-" + std::to_string(2 * i + 2);
      CHECK(result.err
            == error_line("CREATE TABLE IF NOT EXISTS `main`.`telemetry`.`claude_otel_metrics` "
                          "failed on warehouse a1b2c3d4e5f60718 (" + statements_url + "/" + id
                          + "): " + codes[i] + ": it went wrong"));
    }
  }

  SUBCASE("a schema that does not exist")
  {
    auto result = setup.run({"--warehouse", "auto", "--schema", "nowhere"});
    CHECK(result.exit_code == 4);
    CHECK(result.err
          == error_line("SHOW TABLES IN `main`.`nowhere` LIKE 'claude_otel_*' failed on "
                        "warehouse a1b2c3d4e5f60718 (" + statements_url + "/01f0-stmt-1): "
                        "BAD_REQUEST: [SCHEMA_NOT_FOUND] The schema `main`.`nowhere` cannot be "
                        "found. SQLSTATE: 42704"));
  }

  SUBCASE("a statement cancelled on the server")
  {
    workspace.plan_statements("SHOW", {0, 0, "CANCELED", "", ""});
    auto result = setup.run({"--warehouse", "auto"});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line(k_show + " was cancelled on warehouse a1b2c3d4e5f60718 ("
                                   + statements_url + "/01f0-stmt-1)"));
  }

  SUBCASE("a bad token")
  {
    auto result = setup.run({"--warehouse", "auto"}, {{"DATABRICKS_TOKEN", "dapi-wrong-token-1"}});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line("GET " + workspace.url() + "/api/2.0/sql/warehouses: 401 "
                                   "UNAUTHENTICATED: Credential was not sent or was of an "
                                   "unsupported type for this API."));
  }

  SUBCASE("no workspace")
  {
    auto result = aigw::test::run_cli({"--home", setup.home.string(), "telemetry",
                                       "create-tables", "--warehouse", "auto", "--catalog",
                                       "main", "--schema", "telemetry", "--prefix", "claude"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == error_line("no Databricks workspace: give --workspace URL, set "
                                   "DATABRICKS_HOST, or name a ~/.databrickscfg profile with "
                                   "--profile"));
  }

  SUBCASE("an unknown warehouse ID")
  {
    auto result = setup.run({"--warehouse", "ffff0000ffff0000"});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line("POST " + statements_url + ": 404 RESOURCE_DOES_NOT_EXIST: "
                                   "SQL warehouse ffff0000ffff0000 does not exist."));
  }

  SUBCASE("a missing option is a usage error")
  {
    auto result = aigw::test::run_cli({"telemetry", "create-tables", "--catalog", "main"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
  }
}

TEST_CASE("cli telemetry create-tables warehouses")
{
  FakeWorkspace workspace;
  workspace.add_schema("main", "telemetry");
  TempDir dir;
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"--home",     (dir / "home").string(), "telemetry",
                                  "create-tables", "--workspace", workspace.url(),
                                  "--catalog",  "main", "--schema", "telemetry",
                                  "--prefix",   "claude"};
    if (std::find(extra.begin(), extra.end(), "--warehouse") == extra.end()) {
      args.insert(args.end(), {"--warehouse", "auto"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return aigw::test::run_cli(args, "", {{"DATABRICKS_TOKEN", FakeWorkspace::k_token}});
  };

  SUBCASE("none at all")
  {
    auto result = run({});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line("no SQL warehouse in " + workspace.url()
                                   + "; create one, or name one with --warehouse ID"));
  }

  SUBCASE("only stopped ones, without --start-warehouse")
  {
    workspace.add_warehouse({"0000000000000001", "Cold", "STOPPED", false, 1});
    workspace.add_warehouse({"0000000000000002", "Colder", "STOPPED", false, 1});
    workspace.add_warehouse({"0000000000000003", "Going", "STOPPING", false, 1});
    auto result = run({});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line("no running SQL warehouse in " + workspace.url()
                                   + " (2 STOPPED, 1 STOPPING); give --start-warehouse to start "
                                     "a stopped one"));
    CHECK(workspace.request_lines() == std::vector<std::string>{"GET /api/2.0/sql/warehouses"});
  }

  SUBCASE("running before starting before stopped; a refusing one is passed over")
  {
    workspace.add_warehouse({"0000000000000001", "Cold", "STOPPED", false, 1});
    workspace.add_warehouse({"0000000000000002", "Warming", "STARTING", false, 1});
    workspace.add_warehouse({"0000000000000003", "Sick", "RUNNING", true, 1});
    auto result = run({"--start-warehouse"});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "aigw-setup: warning: warehouse Sick (0000000000000003) refused the "
                        "statement: POST " + workspace.url() + "/api/2.0/sql/statements: 400 "
                        "INVALID_PARAMETER_VALUE: Warehouse 0000000000000003 cannot accept "
                        "statements: it is unhealthy; trying Warming (0000000000000002)\n");
    CHECK(result.out.ends_with("warehouse: Warming (0000000000000002)\n"));
  }

  SUBCASE("--start-warehouse starts a stopped one and waits for it")
  {
    workspace.add_warehouse({"0000000000000001", "Cold", "STOPPED", false, 1});
    auto result = run({"--start-warehouse"});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "aigw-setup: info: starting warehouse Cold (0000000000000001)\n"
                        "aigw-setup: info: waiting for warehouse Cold (0000000000000001) "
                        "(STARTING, 0 s)\n");
    const auto lines = workspace.request_lines();
    REQUIRE(lines.size() >= 4);
    CHECK(lines[1] == "POST /api/2.0/sql/warehouses/0000000000000001/start");
    CHECK(lines[2] == "GET /api/2.0/sql/warehouses/0000000000000001");
    CHECK(lines[3] == "GET /api/2.0/sql/warehouses/0000000000000001");
    CHECK(result.out.ends_with("warehouse: Cold (0000000000000001)\n"));
  }

  SUBCASE("a warehouse given by ID that refuses")
  {
    workspace.add_warehouse({"0000000000000003", "Sick", "RUNNING", true, 1});
    auto result = run({"--warehouse", "0000000000000003"});
    CHECK(result.exit_code == 4);
    CHECK(result.err == error_line("POST " + workspace.url() + "/api/2.0/sql/statements: 400 "
                                   "INVALID_PARAMETER_VALUE: Warehouse 0000000000000003 cannot "
                                   "accept statements: it is unhealthy"));
  }
}

TEST_CASE("cli telemetry create-tables waits and retries")
{
  Setup setup;

  SUBCASE("a pending statement is polled, with progress on stderr")
  {
    setup.workspace.plan_statements("SHOW", {1, 0, "SUCCEEDED", "", ""});
    auto result = setup.run({"--warehouse", "auto"});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "aigw-setup: info: waiting for " + k_show
                          + " on warehouse a1b2c3d4e5f60718 (PENDING, 0 s)\n");
    CHECK(setup.workspace.request_lines()[2] == "GET /api/2.0/sql/statements/01f0-stmt-1");
  }

  SUBCASE("-q keeps the progress quiet")
  {
    setup.workspace.plan_statements("SHOW", {1, 0, "SUCCEEDED", "", ""});
    auto result = setup.run({"--warehouse", "auto", "-q"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
  }

  SUBCASE("429 with Retry-After is waited out")
  {
    setup.workspace.throttle("/api/2.0/sql/statements", 1, 429, "1");
    auto result = setup.run({"--warehouse", "auto"});
    CHECK(result.exit_code == 0);
    CHECK(setup.workspace.statements().size() == 4);
    CHECK(setup.workspace.tables().size() == 2);
  }

  SUBCASE("-vv logs each request and each retry, and never the token")
  {
    setup.workspace.throttle("/api/2.0/sql/statements", 1, 429, "1");
    auto result = setup.run({"--warehouse", "auto", "-vv"});
    CHECK(result.exit_code == 0);
    std::vector<std::string> lines;
    std::istringstream err(result.err);
    for (std::string line; std::getline(err, line);) {
      lines.push_back(line);
    }
    const std::string debug = "aigw-setup: debug: ";
    const std::string url = setup.workspace.url();
    const auto has = [&](const std::string& start, const std::string& end) {
      return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
        return line.starts_with(start) && line.ends_with(end);
      });
    };
    CHECK(has(debug + "GET " + url + "/api/2.0/sql/warehouses -> 200 (", " ms)"));
    CHECK(has(debug + "POST " + url + "/api/2.0/sql/statements -> 429 (", " ms)"));
    CHECK(has(debug + "POST " + url + "/api/2.0/sql/statements: 429, trying again in ", " ms"));
    CHECK(result.err.find(FakeWorkspace::k_token) == std::string::npos);
  }

  SUBCASE("503 is retried")
  {
    setup.workspace.throttle("/api/2.0/sql/warehouses", 1, 503, std::nullopt);
    auto result = setup.run({"--warehouse", "auto"});
    CHECK(result.exit_code == 0);
    CHECK(setup.workspace.request_lines()[0] == "GET /api/2.0/sql/warehouses");
    CHECK(setup.workspace.request_lines()[1] == "GET /api/2.0/sql/warehouses");
  }
}

namespace {

const char* const k_fake_cli = R"(#!/bin/sh
echo '{"access_token":"u2m-access-token-77","token_type":"Bearer","expiry":"2099-01-01T00:00:00Z"}'
)";

} // namespace

TEST_CASE("cli telemetry create-tables credentials")
{
  Setup setup;

  SUBCASE("OAuth U2M through the databricks CLI first on PATH")
  {
    const fs::path bin = setup.dir / "bin";
    aigw::test::write_bytes(bin / "databricks", k_fake_cli);
    ::chmod((bin / "databricks").c_str(), 0755);
    setup.workspace.accept_token("u2m-access-token-77");
    auto result = setup.run({"--warehouse", "auto"}, {{"PATH", bin.string() + ":/usr/bin:/bin"}});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(setup.workspace.requests().at(0).headers.at("authorization")
          == "Bearer u2m-access-token-77");
  }

  SUBCASE("OAuth M2M from the environment")
  {
    setup.workspace.set_oauth_client("sp-app", "sp-secret-value");
    auto result = setup.run({"--warehouse", "auto"}, {{"DATABRICKS_CLIENT_ID", "sp-app"},
                                                      {"DATABRICKS_CLIENT_SECRET",
                                                       "sp-secret-value"}});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    const auto lines = setup.workspace.request_lines();
    CHECK(lines.at(0) == "POST /oidc/v1/token");
    // One token for the whole run.
    CHECK(std::count(lines.begin(), lines.end(), "POST /oidc/v1/token") == 1);
    CHECK(setup.workspace.requests().at(1).headers.at("authorization")
          == "Bearer fake-m2m-access-1");
  }

  SUBCASE("a profile from ~/.databrickscfg")
  {
    aigw::test::write_bytes(setup.home / ".databrickscfg",
                            "[ws]\nhost = " + setup.workspace.url() + "\ntoken = "
                              + FakeWorkspace::k_token + "\n");
    auto result = aigw::test::run_cli({"--home", setup.home.string(), "telemetry",
                                       "create-tables", "--profile", "ws", "--warehouse", "auto",
                                       "--catalog", "main", "--schema", "telemetry", "--prefix",
                                       "claude"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
  }
}

namespace {

// Runs create-tables in this process, with recorded sleeps instead of real ones.
struct InProcess
{
  Setup setup;
  std::ostringstream stdout_text;
  std::istringstream stdin_text;
  aigw::cli::GlobalOptions global;
  aigw::core::EnvLookup env;
  aigw::cli::Output out{stdout_text, false};
  std::vector<std::string> progress;
  std::vector<std::chrono::milliseconds> sleeps;

  aigw::cli::ExitCode run(aigw::cli::CreateTablesOptions options,
                          std::function<void()> on_sleep = {})
  {
    global.home = setup.home.string();
    const std::string url = setup.workspace.url();
    env = [url](const std::string& name) -> std::optional<std::string> {
      if (name == "DATABRICKS_TOKEN") {
        return std::string(FakeWorkspace::k_token);
      }
      return name == "DATABRICKS_HOST" ? std::optional(url) : std::nullopt;
    };
    aigw::cli::Context context{global, env, aigw::cli::paths_for(global, env), out, stdin_text};
    auto services = aigw::cli::default_telemetry_services(context);
    services.wait.sleep = [this, on_sleep](std::chrono::milliseconds delay) {
      sleeps.push_back(delay);
      if (on_sleep) {
        on_sleep();
      }
    };
    services.wait.progress = [this](const std::string& line) { progress.push_back(line); };
    return aigw::cli::run_create_tables(options, context, services);
  }

  static aigw::cli::CreateTablesOptions options()
  {
    aigw::cli::CreateTablesOptions options;
    options.warehouse = k_warehouse;
    options.names = {"main", "telemetry", "claude"};
    return options;
  }
};

} // namespace

TEST_CASE("cli telemetry run_create_tables polling")
{
  using std::chrono::milliseconds;
  InProcess run;

  SUBCASE("PENDING, RUNNING, then SUCCEEDED over successive GETs; the interval grows")
  {
    run.setup.workspace.plan_statements("SHOW", {2, 3, "SUCCEEDED", "", ""});
    CHECK(run.run(InProcess::options()) == aigw::cli::ExitCode::ok);
    CHECK(run.sleeps == std::vector<milliseconds>{milliseconds(1000), milliseconds(2000),
                                                  milliseconds(3000), milliseconds(4000),
                                                  milliseconds(5000)});
    CHECK(run.progress
          == std::vector<std::string>{
            "waiting for " + k_show + " on warehouse a1b2c3d4e5f60718 (PENDING, 0 s)",
            "waiting for " + k_show + " on warehouse a1b2c3d4e5f60718 (PENDING, 1 s)",
            "waiting for " + k_show + " on warehouse a1b2c3d4e5f60718 (RUNNING, 3 s)",
            "waiting for " + k_show + " on warehouse a1b2c3d4e5f60718 (RUNNING, 6 s)",
            "waiting for " + k_show + " on warehouse a1b2c3d4e5f60718 (RUNNING, 10 s)"});
    CHECK(run.stdout_text.str() == "main.telemetry.claude_otel_metrics: created\n"
                                   "main.telemetry.claude_otel_logs: created\n"
                                   "warehouse: a1b2c3d4e5f60718\n");
  }

  SUBCASE("the deadline cancels the statement")
  {
    run.setup.workspace.plan_statements("SHOW", {0, 100, "SUCCEEDED", "", ""});
    auto options = InProcess::options();
    options.timeout_seconds = 5;
    try {
      run.run(options);
      FAIL("no error");
    } catch (const aigw::util::Fatal& fatal) {
      CHECK(fatal.error().kind == aigw::util::ErrorKind::remote);
      CHECK(fatal.error().message == k_show + " did not finish within 5 s (give --timeout to "
                                              "wait longer); cancelled statement 01f0-stmt-1");
    }
    const auto lines = run.setup.workspace.request_lines();
    CHECK(lines.back() == "POST /api/2.0/sql/statements/01f0-stmt-1/cancel");
    CHECK(run.sleeps.size() == 3); // 1 + 2 + 3 s
  }

  SUBCASE("Ctrl-C cancels the statement and ends as interrupted")
  {
    run.setup.workspace.plan_statements("SHOW", {0, 100, "SUCCEEDED", "", ""});
    try {
      run.run(InProcess::options(), [] { std::raise(SIGINT); });
      FAIL("no error");
    } catch (const aigw::util::Fatal& fatal) {
      CHECK(fatal.error().kind == aigw::util::ErrorKind::interrupted);
      CHECK(aigw::cli::exit_code_for(fatal.error().kind) == aigw::cli::ExitCode::interrupted);
      CHECK(fatal.error().message == "interrupted; cancelled statement 01f0-stmt-1 (" + k_show
                                       + ")");
    }
    CHECK(run.setup.workspace.request_lines()
          == std::vector<std::string>{"POST /api/2.0/sql/statements",
                                      "POST /api/2.0/sql/statements/01f0-stmt-1/cancel"});
    CHECK(run.sleeps.size() == 1);
  }
}
