// SPDX-License-Identifier: MIT
// Statements are submitted with wait_timeout "10s" and on_wait_timeout CONTINUE: DDL that
// finishes within ten seconds comes back final in the POST answer, and anything slower
// (a warehouse still starting) keeps running and is polled, at 1 s and then one second
// more each time up to 5 s. A statement that outlives the deadline, or a Ctrl-C, is
// cancelled on the server before we give up on it.
#include "core/sql_warehouse.hpp"

#include <thread>

#include "util/log.hpp"

namespace aigw::core {

namespace {

using std::chrono::milliseconds;
using util::ErrorKind;

constexpr const char* k_statements = "/api/2.0/sql/statements";
constexpr const char* k_warehouses = "/api/2.0/sql/warehouses";
constexpr int k_max_pages = 100;

StatementError
statement_error(ErrorKind kind, std::string message, bool refused = false)
{
  StatementError error;
  error.kind = kind;
  error.message = std::move(message);
  error.refused = refused;
  return error;
}

std::string
state_of(const nlohmann::json& answer)
{
  if (answer.contains("status") && answer["status"].is_object()) {
    return answer["status"].value("state", "");
  }
  return "";
}

std::string
seconds_text(milliseconds elapsed)
{
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count())
         + " s";
}

milliseconds
next_poll(milliseconds poll, const SqlWaitOptions& wait)
{
  return std::min(poll + milliseconds(1'000), wait.max_poll);
}

bool
interrupted(const SqlWaitOptions& wait)
{
  return wait.interrupted && wait.interrupted();
}

void
pause(const SqlWaitOptions& wait, milliseconds delay)
{
  if (wait.sleep) {
    wait.sleep(delay);
  } else {
    std::this_thread::sleep_for(delay);
  }
}

void
report(const SqlWaitOptions& wait, const std::string& line)
{
  if (wait.progress) {
    wait.progress(line);
  }
}

// JSON_ARRAY results: columns from the manifest, rows of strings or nulls.
void
read_rows(const nlohmann::json& answer, StatementResult& result)
{
  const auto columns = answer.value("/manifest/schema/columns"_json_pointer, nlohmann::json());
  for (const auto& column : columns) {
    result.columns.push_back(column.value("name", ""));
  }
  const auto rows = answer.value("/result/data_array"_json_pointer, nlohmann::json());
  for (const auto& row : rows) {
    auto& cells = result.rows.emplace_back();
    for (const auto& cell : row) {
      cells.push_back(cell.is_string() ? std::optional(cell.get<std::string>()) : std::nullopt);
    }
  }
}

} // namespace

std::string
statement_summary(const std::string& sql)
{
  constexpr std::size_t k_max = 120;
  std::string line = sql.substr(0, sql.find('\n'));
  if (line.ends_with(" (")) {
    line.resize(line.size() - 2);
  }
  return line.size() > k_max ? line.substr(0, k_max) + "..." : line;
}

SqlRunner::SqlRunner(net::DatabricksClient& client, SqlWaitOptions wait)
  : m_client(client), m_wait(std::move(wait))
{
}

SqlResult<StatementResult>
SqlRunner::execute(const std::string& warehouse_id, const std::string& sql)
{
  nlohmann::ordered_json body;
  body["statement"] = sql;
  body["warehouse_id"] = warehouse_id;
  body["wait_timeout"] = "10s";
  body["on_wait_timeout"] = "CONTINUE";

  AIGW_DEBUG("running on warehouse " << warehouse_id << ": " << statement_summary(sql));
  auto answer = m_client.post(k_statements, body);
  if (!answer) {
    return util::unexpected(statement_error(ErrorKind::remote, answer.error().message, true));
  }
  if (!answer->contains("statement_id") || !(*answer)["statement_id"].is_string()) {
    return util::unexpected(statement_error(
      ErrorKind::remote, "POST " + net::redact_url(m_client.host() + k_statements)
                           + ": the answer names no statement_id", true));
  }
  return wait(std::move(*answer), warehouse_id, sql);
}

SqlResult<StatementResult>
SqlRunner::wait(nlohmann::json answer, const std::string& warehouse_id, const std::string& sql)
{
  const std::string id = answer["statement_id"].get<std::string>();
  const std::string what = statement_summary(sql);
  milliseconds poll = m_wait.first_poll;
  milliseconds waited{0};
  while (state_of(answer) == "PENDING" || state_of(answer) == "RUNNING") {
    if (waited >= m_wait.timeout) {
      return util::unexpected(cancel(id, what, false));
    }
    report(m_wait, "waiting for " + what + " on warehouse " + warehouse_id + " ("
                     + state_of(answer) + ", " + seconds_text(waited) + ")");
    pause(m_wait, poll);
    waited += poll;
    poll = next_poll(poll, m_wait);
    if (interrupted(m_wait)) {
      return util::unexpected(cancel(id, what, true));
    }

    auto polled = m_client.get(std::string(k_statements) + "/" + id);
    if (!polled) {
      return util::unexpected(statement_error(ErrorKind::remote, polled.error().message));
    }
    answer = std::move(*polled);
  }
  return finish(answer, warehouse_id, sql);
}

SqlResult<StatementResult>
SqlRunner::finish(const nlohmann::json& answer, const std::string& warehouse_id,
                  const std::string& sql)
{
  const std::string state = state_of(answer);
  const std::string id = answer.value("statement_id", "");
  const std::string where = " on warehouse " + warehouse_id + " ("
                            + net::redact_url(m_client.host() + k_statements + "/" + id) + ")";
  if (state == "SUCCEEDED" || state == "CLOSED") {
    StatementResult result{id, state, {}, {}};
    read_rows(answer, result);
    return result;
  }
  if (state == "FAILED") {
    const auto error = answer.value("/status/error"_json_pointer, nlohmann::json::object());
    const std::string code = error.value("error_code", "");
    const std::string message = error.value("message", "no message");
    return util::unexpected(statement_error(
      ErrorKind::remote, statement_summary(sql) + " failed" + where + ": "
                           + (code.empty() ? "" : code + ": ") + message));
  }
  if (state == "CANCELED") {
    return util::unexpected(statement_error(
      ErrorKind::remote, statement_summary(sql) + " was cancelled" + where));
  }
  return util::unexpected(statement_error(
    ErrorKind::remote, statement_summary(sql) + where + ": unexpected state \"" + state + "\""));
}

StatementError
SqlRunner::cancel(const std::string& id, const std::string& what, bool by_user)
{
  const std::string path = std::string(k_statements) + "/" + id + "/cancel";
  auto cancelled = m_client.post(path, nlohmann::json::object());
  const std::string outcome = cancelled ? "cancelled statement " + id
                                        : "cancelling statement " + id + " failed: "
                                            + cancelled.error().message;
  if (by_user) {
    return statement_error(ErrorKind::interrupted, "interrupted; " + outcome + " (" + what + ")");
  }
  return statement_error(ErrorKind::remote,
                         what + " did not finish within " + seconds_text(m_wait.timeout)
                           + " (give --timeout to wait longer); " + outcome);
}

util::Result<std::vector<Warehouse>>
list_warehouses(net::DatabricksClient& client)
{
  std::vector<Warehouse> all;
  std::string token;
  for (int page = 0; page < k_max_pages; ++page) {
    const std::string path = token.empty() ? k_warehouses
                                           : std::string(k_warehouses) + "?page_token=" + token;
    auto answer = client.get(path);
    AIGW_TRY(answer);
    for (const auto& item : answer->value("warehouses", nlohmann::json::array())) {
      all.push_back({item.value("id", ""), item.value("name", ""), item.value("state", "")});
    }
    token = answer->value("next_page_token", "");
    // Page tokens are opaque; one that would need escaping in a URL is not followed.
    if (token.empty() || token.find_first_of("&#?/% +=") != std::string::npos) {
      break;
    }
  }
  return all;
}

std::vector<Warehouse>
warehouse_candidates(const std::vector<Warehouse>& all, bool include_stopped)
{
  std::vector<Warehouse> chosen;
  std::vector<std::string> states{"RUNNING", "STARTING"};
  if (include_stopped) {
    states.emplace_back("STOPPED");
  }
  for (const auto& state : states) {
    for (const auto& warehouse : all) {
      if (warehouse.state == state) {
        chosen.push_back(warehouse);
      }
    }
  }
  return chosen;
}

util::Result<void>
start_warehouse(net::DatabricksClient& client, const Warehouse& warehouse,
                const SqlWaitOptions& wait)
{
  const std::string path = std::string(k_warehouses) + "/" + warehouse.id;
  const std::string label = warehouse.name.empty() ? warehouse.id
                                                   : warehouse.name + " (" + warehouse.id + ")";
  AIGW_TRY(client.post(path + "/start", nlohmann::json::object()));

  milliseconds poll = wait.first_poll;
  milliseconds waited{0};
  bool seen_starting = false;
  while (true) {
    auto answer = client.get(path);
    AIGW_TRY(answer);
    const std::string state = answer->value("state", "");
    if (state == "RUNNING") {
      return {};
    }
    seen_starting = seen_starting || state == "STARTING";
    if (state == "DELETING" || state == "DELETED" || (seen_starting && state == "STOPPED")) {
      return util::fail(ErrorKind::remote, "warehouse " + label + " did not start (now "
                                             + state + ")");
    }
    if (waited >= wait.timeout) {
      return util::fail(ErrorKind::remote, "warehouse " + label + " was not running after "
                                             + seconds_text(waited)
                                             + " (give --timeout to wait longer)");
    }
    report(wait, "waiting for warehouse " + label + " (" + state + ", " + seconds_text(waited)
                   + ")");
    pause(wait, poll);
    waited += poll;
    poll = next_poll(poll, wait);
    if (interrupted(wait)) {
      return util::fail(ErrorKind::interrupted, "interrupted while warehouse " + label
                                                  + " was starting (it keeps starting)");
    }
  }
}

} // namespace aigw::core
