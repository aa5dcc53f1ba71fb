// SPDX-License-Identifier: MIT
// `telemetry create-tables`: create the Unity Catalog tables Databricks' OTLP endpoint
// writes Claude Code's metrics and logs (and, on request, spans) into. Names are checked
// before anything else, so a bad one costs no request; then the workspace and credential
// are resolved, a warehouse is chosen, and the DDL runs through the SQL Statement
// Execution API. `telemetry enable` and `disable` (telemetry_enable.cpp) are subcommands
// next to create-tables.
#include "cli/telemetry.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <thread>

#include "cli/commands.hpp"
#include "core/databricks_auth.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

using util::ErrorKind;
using util::Fatal;

std::atomic<bool> g_interrupted{false};

// value_or_throw() for the richer error types of the REST and SQL layers.
template <class T, class E>
T
or_throw(util::Expected<T, E>&& result)
{
  if (!result) {
    throw Fatal(util::Error(std::move(result).error()));
  }
  return std::move(result).value();
}

extern "C" void
on_sigint(int)
{
  g_interrupted = true;
}

// SIGINT sets a flag for the length of the run instead of killing the process, so a
// statement still running on the server can be cancelled first.
class SigintGuard
{
public:
  SigintGuard()
  {
    g_interrupted = false;
    struct sigaction action
    {
    };
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &m_previous);
  }
  ~SigintGuard() { ::sigaction(SIGINT, &m_previous, nullptr); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

private:
  struct sigaction m_previous
  {
  };
};

// Sleep in short slices so that Ctrl-C ends the wait at once.
void
interruptible_sleep(std::chrono::milliseconds delay)
{
  constexpr std::chrono::milliseconds k_slice{100};
  while (delay.count() > 0 && !g_interrupted) {
    const auto step = std::min(delay, k_slice);
    std::this_thread::sleep_for(step);
    delay -= step;
  }
}

// The connection to one workspace: HTTP client, token cache and REST client.
struct Workspace
{
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<core::TokenCache> tokens;
  std::unique_ptr<net::DatabricksClient> client;
};

Workspace
connect(const CreateTablesOptions& options, Context& context, TelemetryServices& services)
{
  core::DatabricksOptions wanted;
  wanted.host = options.workspace;
  wanted.profile = options.profile;
  const auto auth = util::value_or_throw(
    core::resolve_databricks_auth(wanted, context.env, context.paths.home));
  AIGW_INFO("workspace " << auth.host << ", auth " << core::to_string(auth.method));

  Workspace workspace;
  workspace.http = services.make_http();
  workspace.tokens = std::make_unique<core::TokenCache>(
    core::make_token_source(auth, *workspace.http));
  core::TokenCache* tokens = workspace.tokens.get();
  workspace.client = std::make_unique<net::DatabricksClient>(
    *workspace.http, auth.host, [tokens] { return tokens->token(); }, services.retry);
  return workspace;
}

std::string
label(const core::Warehouse& warehouse)
{
  return warehouse.name.empty() ? warehouse.id : warehouse.name + " (" + warehouse.id + ")";
}

// "2 STOPPED, 1 STOPPING" for the message that no warehouse is usable.
std::string
count_states(const std::vector<core::Warehouse>& all)
{
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& warehouse : all) {
    auto found = std::find_if(counts.begin(), counts.end(),
                              [&](const auto& item) { return item.first == warehouse.state; });
    if (found == counts.end()) {
      counts.emplace_back(warehouse.state, 1);
    } else {
      ++found->second;
    }
  }
  std::string text;
  for (const auto& [state, count] : counts) {
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + state;
  }
  return text;
}

std::vector<core::Warehouse>
candidates(const CreateTablesOptions& options, net::DatabricksClient& client)
{
  if (options.warehouse != "auto") {
    core::Warehouse given{options.warehouse, "", "RUNNING"};
    if (options.start_warehouse) {
      const auto answer = or_throw(client.get("/api/2.0/sql/warehouses/" + options.warehouse));
      given.name = answer.value("name", "");
      given.state = answer.value("state", "");
    }
    return {given};
  }

  const auto all = util::value_or_throw(core::list_warehouses(client));
  auto chosen = core::warehouse_candidates(all, options.start_warehouse);
  if (chosen.empty()) {
    const std::string where = net::redact_url(client.host());
    if (all.empty()) {
      throw Fatal(ErrorKind::remote, "no SQL warehouse in " + where
                                       + "; create one, or name one with --warehouse ID");
    }
    throw Fatal(ErrorKind::remote, "no running SQL warehouse in " + where + " ("
                                     + count_states(all)
                                     + "); give --start-warehouse to start a stopped one");
  }
  return chosen;
}

struct FirstRun
{
  core::Warehouse warehouse;
  core::StatementResult result;
};

// Run `sql` on the first candidate that takes it: a warehouse can report RUNNING and still
// refuse statements, so a refusal moves on to the next one (and says so).
FirstRun
run_on_first_usable(const std::vector<core::Warehouse>& warehouses, core::SqlRunner& runner,
                    net::DatabricksClient& client, const std::string& sql)
{
  std::string last;
  for (std::size_t i = 0; i < warehouses.size(); ++i) {
    const auto& warehouse = warehouses[i];
    const std::string next = i + 1 < warehouses.size() ? "; trying " + label(warehouses[i + 1])
                                                       : "";
    if (warehouse.state == "STOPPED") {
      util::log::write(util::log::Level::info, "starting warehouse " + label(warehouse));
      auto started = core::start_warehouse(client, warehouse, runner.wait_options());
      if (!started) {
        if (started.error().kind == ErrorKind::interrupted) {
          throw Fatal(started.error());
        }
        last = started.error().message;
        AIGW_WARN(last << next);
        continue;
      }
    }
    auto result = runner.execute(warehouse.id, sql);
    if (result) {
      return {warehouse, std::move(*result)};
    }
    if (!result.error().refused || warehouses.size() == 1) {
      throw Fatal(result.error());
    }
    last = result.error().message;
    AIGW_WARN("warehouse " << label(warehouse) << " refused the statement: " << last << next);
  }
  throw Fatal(ErrorKind::remote, "no warehouse took the statement; the last one said: " + last);
}

// Lowercased names from SHOW TABLES (Unity Catalog keeps names in lowercase).
std::vector<std::string>
existing_tables(const core::StatementResult& result)
{
  std::size_t column = 1; // database, tableName, isTemporary
  for (std::size_t i = 0; i < result.columns.size(); ++i) {
    if (result.columns[i] == "tableName") {
      column = i;
    }
  }
  std::vector<std::string> names;
  for (const auto& row : result.rows) {
    if (column < row.size() && row[column]) {
      names.push_back(util::to_lower(*row[column]));
    }
  }
  return names;
}

bool
listed(const std::vector<std::string>& existing, const std::string& name)
{
  return std::find(existing.begin(), existing.end(), util::to_lower(name)) != existing.end();
}

using Report = std::vector<std::pair<std::string, std::string>>; // full name, status

Report
create_missing(const std::vector<core::OtelTable>& tables, const std::vector<std::string>& existing,
               core::SqlRunner& runner, const core::Warehouse& warehouse)
{
  Report report;
  for (const auto& table : tables) {
    if (listed(existing, table.name)) {
      report.emplace_back(table.full_name, "already there");
      continue;
    }
    // Ctrl-C during a request that then succeeded: stop before the next statement.
    if (g_interrupted) {
      throw Fatal(ErrorKind::interrupted, "interrupted before creating " + table.full_name);
    }
    or_throw(runner.execute(warehouse.id, core::create_table_sql(table)));
    report.emplace_back(table.full_name, "created");
  }
  return report;
}

std::vector<std::string>
ddl(const CreateTablesOptions& options, const std::vector<core::OtelTable>& tables)
{
  std::vector<std::string> statements;
  if (options.create_schema) {
    statements.push_back(core::create_schema_sql(options.names));
  }
  for (const auto& table : tables) {
    statements.push_back(core::create_table_sql(table));
  }
  return statements;
}

ExitCode
print_dry_run(const std::vector<std::string>& statements, Context& context)
{
  if (context.out.json()) {
    context.out.document({{"dry_run", true}, {"statements", statements}});
    return ExitCode::ok;
  }
  for (std::size_t i = 0; i < statements.size(); ++i) {
    context.out.line((i == 0 ? "" : "\n") + statements[i] + ";");
  }
  return ExitCode::ok;
}

void
print_report(const Report& report, const core::Warehouse& warehouse, Context& context)
{
  nlohmann::ordered_json document;
  document["tables"] = nlohmann::ordered_json::array();
  for (const auto& [name, status] : report) {
    document["tables"].push_back({{"name", name}, {"status", status}});
    context.out.line(name + ": " + status);
  }
  document["warehouse"] = warehouse.id;
  context.out.line("warehouse: " + label(warehouse));
  context.out.document(document);
}

void
check_warehouse_option(const std::string& warehouse)
{
  if (warehouse != "auto") {
    // The ID goes into URL paths; the same character rule keeps it from escaping them.
    util::throw_on_error(core::validate_uc_name(warehouse, "--warehouse"));
  }
}

} // namespace

TelemetryServices
default_telemetry_services(const Context& context)
{
  TelemetryServices services;
  services.make_http = [] { return net::make_curl_client(); };
  services.wait.sleep = interruptible_sleep;
  services.wait.interrupted = [] { return g_interrupted.load(); };
  if (!context.global.quiet) {
    services.wait.progress = [](const std::string& line) {
      util::log::write(util::log::Level::info, line);
    };
  }
  return services;
}

ExitCode
run_create_tables(const CreateTablesOptions& options, Context& context,
                  TelemetryServices services)
{
  const auto tables = util::value_or_throw(core::otel_tables(options.names, options.spans));
  check_warehouse_option(options.warehouse);
  const auto statements = ddl(options, tables);
  if (context.global.dry_run) {
    return print_dry_run(statements, context);
  }

  services.wait.timeout = std::chrono::seconds(options.timeout_seconds);
  Workspace workspace = connect(options, context, services);
  const SigintGuard guard;
  core::SqlRunner runner(*workspace.client, services.wait);
  const auto warehouses = candidates(options, *workspace.client);

  // The first statement also picks the warehouse; the schema must exist before SHOW TABLES.
  // Existing tables are found with SHOW TABLES rather than one GET per table from the Unity
  // Catalog API: one statement answers for all tables, it runs with the same warehouse and
  // identity as the CREATEs (so "already there" means what the CREATE would see), and the
  // CREATEs keep IF NOT EXISTS, so a table made in between is harmless.
  const std::string show = core::show_tables_sql(options.names);
  FirstRun first = run_on_first_usable(warehouses, runner, *workspace.client,
                                       options.create_schema ? statements.front() : show);
  const core::Warehouse warehouse = first.warehouse;
  core::StatementResult listing = std::move(first.result);
  if (options.create_schema) {
    listing = or_throw(runner.execute(warehouse.id, show));
  }
  const auto report = create_missing(tables, existing_tables(listing), runner, warehouse);
  print_report(report, warehouse, context);
  return ExitCode::ok;
}

CommandRunner
setup_telemetry(CLI::App& command)
{
  command.require_subcommand(1);
  auto options = std::make_shared<CreateTablesOptions>();
  CLI::App* create = command.add_subcommand(
    "create-tables", "create the OTel metrics and logs tables in Unity Catalog");
  create->add_option("--warehouse", options->warehouse, "SQL warehouse ID, or auto")->required();
  create->add_option("--catalog", options->names.catalog, "Unity Catalog catalog")->required();
  create->add_option("--schema", options->names.schema, "schema in that catalog")->required();
  create->add_option("--prefix", options->names.prefix,
                     "table name prefix: <prefix>_otel_metrics, <prefix>_otel_logs")
    ->required();
  create->add_flag("--create-schema", options->create_schema, "create the schema if missing");
  create->add_flag("--spans", options->spans, "also create <prefix>_otel_spans");
  create->add_flag("--start-warehouse", options->start_warehouse,
                   "start a stopped warehouse when no running one is found");
  create->add_option("--workspace", options->workspace,
                     "Databricks workspace URL (default $DATABRICKS_HOST)");
  create->add_option("--profile", options->profile, "~/.databrickscfg profile");
  create->add_option("--timeout", options->timeout_seconds,
                     "longest wait, in seconds, for one statement or a warehouse start")
    ->capture_default_str()
    ->check(CLI::Range(1, 86'400));
  create->footer("\nExample:\n  aigw-setup telemetry create-tables --warehouse auto "
                 "--catalog main --schema telemetry --prefix claude\n");

  const std::vector<TelemetrySubcommand> others{add_telemetry_enable(command),
                                                add_telemetry_disable(command)};
  return [options, create, others](Context& context) {
    if (create->parsed()) {
      return run_create_tables(*options, context, default_telemetry_services(context));
    }
    for (const auto& other : others) {
      if (other.command->parsed()) {
        return other.run(context);
      }
    }
    throw Fatal(ErrorKind::usage, "telemetry: name a subcommand (create-tables, enable, "
                                  "disable)");
  };
}

} // namespace aigw::cli
