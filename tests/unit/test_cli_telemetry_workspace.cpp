// SPDX-License-Identifier: MIT
// `telemetry create-tables` against what the workspace holds: every failure's message and
// exit code, how a SQL warehouse is chosen or started, and each kind of credential.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "support/cli_runner.hpp"
#include "support/fake_workspace.hpp"
#include "support/telemetry_setup.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::FakeWorkspace;
using aigw::test::TempDir;
using aigw::test::telemetry_setup::error_line;
using aigw::test::telemetry_setup::k_show;
using aigw::test::telemetry_setup::Setup;

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
