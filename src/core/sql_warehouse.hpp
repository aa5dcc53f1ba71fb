// SPDX-License-Identifier: MIT
// Running SQL through the Statement Execution API 2.0 (POST /api/2.0/sql/statements, then
// GET .../{id} until a final state) and finding a SQL warehouse to run it on. Every wait
// is bounded, reports progress, and ends early on Ctrl-C, cancelling the statement on the
// server first so that nothing keeps running behind the user's back.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/databricks_client.hpp"
#include "util/error.hpp"

namespace aigw::core {

struct SqlWaitOptions
{
  std::chrono::milliseconds first_poll{1'000}; // then one second more per poll
  std::chrono::milliseconds max_poll{5'000};
  std::chrono::milliseconds timeout{900'000};  // longest wait for one statement or start
  std::function<void(std::chrono::milliseconds)> sleep; // may return early on Ctrl-C
  std::function<bool()> interrupted;                     // Ctrl-C was pressed
  std::function<void(const std::string&)> progress;      // one line for stderr
};

// A failed statement. `refused` marks a submission the API turned down (the warehouse may
// be unusable: try another) as opposed to a statement that ran and failed.
struct StatementError : util::Error
{
  bool refused = false;
};

template <class T>
using SqlResult = util::Expected<T, StatementError>;

struct StatementResult
{
  std::string id;
  std::string state;                // SUCCEEDED, or CLOSED (succeeded, result gone)
  std::vector<std::string> columns; // manifest.schema.columns[].name
  std::vector<std::vector<std::optional<std::string>>> rows; // JSON_ARRAY: text or null
};

class SqlRunner
{
public:
  SqlRunner(net::DatabricksClient& client, SqlWaitOptions wait);

  // Run `sql` on `warehouse_id` and wait for its final state.
  SqlResult<StatementResult> execute(const std::string& warehouse_id, const std::string& sql);

  const SqlWaitOptions& wait_options() const { return m_wait; }

private:
  SqlResult<StatementResult> wait(nlohmann::json answer, const std::string& warehouse_id,
                                  const std::string& sql);
  StatementError cancel(const std::string& id, const std::string& what, bool interrupted);
  SqlResult<StatementResult> finish(const nlohmann::json& answer, const std::string& warehouse_id,
                                    const std::string& sql);

  net::DatabricksClient& m_client;
  SqlWaitOptions m_wait;
};

struct Warehouse
{
  std::string id;
  std::string name;
  std::string state; // STARTING, RUNNING, STOPPING, STOPPED, DELETING, DELETED
};

// Every warehouse of the workspace (all pages of GET /api/2.0/sql/warehouses).
util::Result<std::vector<Warehouse>> list_warehouses(net::DatabricksClient& client);

// The warehouses worth trying, best first: RUNNING, then STARTING, then (only when
// `include_stopped`) STOPPED; listing order within each group.
std::vector<Warehouse> warehouse_candidates(const std::vector<Warehouse>& all,
                                            bool include_stopped);

// POST .../{id}/start, then poll GET .../{id} until it is RUNNING, with progress lines.
util::Result<void> start_warehouse(net::DatabricksClient& client, const Warehouse& warehouse,
                                   const SqlWaitOptions& wait);

// The first line of `sql`, shortened, to name a statement in messages.
std::string statement_summary(const std::string& sql);

} // namespace aigw::core
