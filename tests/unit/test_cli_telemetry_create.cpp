// SPDX-License-Identifier: MIT
// `telemetry create-tables` when all goes well: the Unity Catalog names it accepts, the DDL
// it sends (exact text), then the real binary against the fake workspace: exact statements,
// idempotency, --json, --dry-run, and bad names refused before any request.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/otel_tables.hpp"
#include "support/cli_runner.hpp"
#include "support/fake_workspace.hpp"
#include "support/telemetry_setup.hpp"

using aigw::test::FakeWorkspace;
using aigw::test::telemetry_setup::error_line;
using aigw::test::telemetry_setup::k_show;
using aigw::test::telemetry_setup::k_warehouse;
using aigw::test::telemetry_setup::Setup;

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
