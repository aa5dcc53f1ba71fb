// SPDX-License-Identifier: MIT
// `telemetry create-tables` waiting: progress while a statement runs, retries on 429 and
// 503, and in-process runs for what needs a controlled clock: polling, the deadline and
// Ctrl-C.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <sstream>
#include <string>
#include <vector>

#include "cli/telemetry.hpp"
#include "support/fake_workspace.hpp"
#include "support/telemetry_setup.hpp"

using aigw::test::FakeWorkspace;
using aigw::test::telemetry_setup::k_show;
using aigw::test::telemetry_setup::k_warehouse;
using aigw::test::telemetry_setup::Setup;

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
