// SPDX-License-Identifier: MIT
// The fake workspace. Statement texts are interpreted only as far as the telemetry command
// needs: CREATE SCHEMA / CREATE TABLE IF NOT EXISTS add to the catalog (a table needs its
// schema, as on a workspace), SHOW TABLES IN `c`.`s` LIKE 'p*' lists it, anything else just
// succeeds. Unity Catalog keeps names in lowercase, and so does this fake.
#include "support/fake_workspace.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace aigw::test {

namespace {

using nlohmann::json;

std::string
lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The backtick-quoted names on the first line of `sql`, lowercased.
std::vector<std::string>
quoted_names(const std::string& sql)
{
  const std::string line = sql.substr(0, sql.find('\n'));
  std::vector<std::string> names;
  std::size_t at = line.find('`');
  while (at != std::string::npos) {
    const std::size_t end = line.find('`', at + 1);
    if (end == std::string::npos) {
      break;
    }
    names.push_back(lower(line.substr(at + 1, end - at - 1)));
    at = line.find('`', end + 1);
  }
  return names;
}

std::string
base64_decode(const std::string& text)
{
  static const std::string k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    const auto index = k_alphabet.find(c);
    if (index == std::string::npos) {
      break;
    }
    bits = (bits << 6) | static_cast<unsigned>(index);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// RFC 6749 2.3.1: client id and secret are form-encoded before they go into Basic auth.
std::string
form_decode(const std::string& text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// "id:secret" from an HTTP Basic header, each part form-decoded.
std::string
basic_credentials(const std::string& header)
{
  if (!header.starts_with("Basic ")) {
    return "";
  }
  const std::string pair = base64_decode(header.substr(6));
  const std::size_t colon = pair.find(':');
  if (colon == std::string::npos) {
    return "";
  }
  return form_decode(pair.substr(0, colon)) + ":" + form_decode(pair.substr(colon + 1));
}

void
send_json(httplib::Response& response, int status, const json& body)
{
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void
send_error(httplib::Response& response, int status, const std::string& code,
           const std::string& message)
{
  send_json(response, status, {{"error_code", code}, {"message", message}});
}

json
warehouse_json(const FakeWarehouse& warehouse)
{
  return {{"id", warehouse.id},
          {"name", warehouse.name},
          {"state", warehouse.state},
          {"warehouse_type", "PRO"},
          {"enable_serverless_compute", true},
          {"cluster_size", "2X-Small"}};
}

} // namespace

const char* const FakeWorkspace::k_token = "dapi-fake-workspace-0123456789";

struct FakeWorkspace::Statement
{
  std::string id;
  std::string text;
  std::vector<std::string> states; // what each answer says, POST first, then each GET
  std::size_t step = 0;
  std::string error_code;
  std::string error_message;
  std::optional<json> rows; // SHOW TABLES
};

struct FakeWorkspace::Throttle
{
  std::string path;
  int times = 0;
  int status = 429;
  std::optional<std::string> retry_after;
};

FakeWorkspace::FakeWorkspace() : m_server(std::make_unique<httplib::Server>())
{
  m_tokens.insert(k_token);
  routes();
  m_port = m_server->bind_to_any_port("127.0.0.1");
  if (m_port <= 0) {
    throw std::runtime_error("the fake workspace cannot bind a loopback port");
  }
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  // httplib forgets a stop() that comes before the server runs, and the destructor would
  // then wait forever: a test that ends at once must find it running.
  for (int waited_ms = 0; !m_server->is_running() && waited_ms < 5'000; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FakeWorkspace::~FakeWorkspace()
{
  m_server->stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

std::string
FakeWorkspace::url() const
{
  return "http://127.0.0.1:" + std::to_string(m_port);
}

void
FakeWorkspace::accept_token(const std::string& token)
{
  std::lock_guard lock(m_mutex);
  m_tokens.insert(token);
}

void
FakeWorkspace::set_oauth_client(const std::string& id, const std::string& secret)
{
  std::lock_guard lock(m_mutex);
  m_client_id = id;
  m_client_secret = secret;
}

void
FakeWorkspace::add_warehouse(FakeWarehouse warehouse)
{
  std::lock_guard lock(m_mutex);
  m_warehouses.push_back(std::move(warehouse));
}

void
FakeWorkspace::add_schema(const std::string& catalog, const std::string& schema)
{
  std::lock_guard lock(m_mutex);
  m_schemas.insert(lower(catalog + "." + schema));
}

void
FakeWorkspace::add_table(const std::string& full_name)
{
  std::lock_guard lock(m_mutex);
  m_tables.insert(lower(full_name));
}

void
FakeWorkspace::plan_statements(const std::string& prefix, StatementPlan plan)
{
  std::lock_guard lock(m_mutex);
  m_plans.emplace_back(prefix, std::move(plan));
}

void
FakeWorkspace::throttle(const std::string& path, int times, int status,
                        std::optional<std::string> retry_after)
{
  std::lock_guard lock(m_mutex);
  m_throttles.push_back({path, times, status, std::move(retry_after)});
}

std::vector<WorkspaceRequest>
FakeWorkspace::requests() const
{
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::vector<std::string>
FakeWorkspace::request_lines() const
{
  std::vector<std::string> lines;
  for (const auto& request : requests()) {
    lines.push_back(request.method + " " + request.target);
  }
  return lines;
}

std::vector<std::string>
FakeWorkspace::statements() const
{
  std::vector<std::string> texts;
  for (const auto& request : requests()) {
    if (request.method == "POST" && request.target == "/api/2.0/sql/statements") {
      const auto body = json::parse(request.body, nullptr, false);
      texts.push_back(body.is_object() ? body.value("statement", "") : "");
    }
  }
  return texts;
}

std::vector<OtlpExport>
FakeWorkspace::exports() const
{
  std::lock_guard lock(m_mutex);
  return m_exports;
}

std::set<std::string>
FakeWorkspace::tables() const
{
  std::lock_guard lock(m_mutex);
  return m_tables;
}

void
FakeWorkspace::routes()
{
  // Every request is recorded once answered (the body is read only after routing starts).
  m_server->set_post_routing_handler([this](const httplib::Request& request,
                                            httplib::Response&) {
    std::lock_guard lock(m_mutex);
    WorkspaceRequest seen{request.method, request.target, {}, request.body};
    for (const auto& [name, value] : request.headers) {
      if (name != "REMOTE_ADDR" && name != "REMOTE_PORT" && name != "LOCAL_ADDR"
          && name != "LOCAL_PORT") {
        seen.headers[lower(name)] = value;
      }
    }
    m_requests.push_back(std::move(seen));
  });
  // Throttled paths are answered before any route sees them; the unread body means the
  // connection cannot be reused.
  m_server->set_pre_routing_handler([this](const httplib::Request& request,
                                           httplib::Response& response) {
    std::lock_guard lock(m_mutex);
    for (auto& rule : m_throttles) {
      if (rule.times > 0 && request.path.starts_with(rule.path)) {
        --rule.times;
        response.set_header("Connection", "close");
        if (rule.retry_after) {
          response.set_header("Retry-After", *rule.retry_after);
        }
        const bool limited = rule.status == 429;
        send_error(response, rule.status,
                   limited ? "REQUEST_LIMIT_EXCEEDED" : "TEMPORARILY_UNAVAILABLE",
                   limited ? "REQUEST_LIMIT_EXCEEDED: Exceeded workspace QPS rate limit"
                           : "The service is temporarily unavailable");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  statement_routes();
  warehouse_routes();
  other_routes();
  serving_routes();
  otlp_routes();
}

bool
FakeWorkspace::authorized(const httplib::Request& request, httplib::Response& response)
{
  const std::string header = request.get_header_value("Authorization");
  std::lock_guard lock(m_mutex);
  if (header.starts_with("Bearer ") && m_tokens.contains(header.substr(7))) {
    return true;
  }
  send_error(response, 401, "UNAUTHENTICATED",
             "Credential was not sent or was of an unsupported type for this API.");
  return false;
}

void
FakeWorkspace::statement_routes()
{
  m_server->Post("/api/2.0/sql/statements",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   if (authorized(request, response)) {
                     submit(request, response);
                   }
                 });
  m_server->Get(R"(/api/2.0/sql/statements/([^/]+))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (authorized(request, response)) {
                    poll(request.matches[1], response);
                  }
                });
  m_server->Post(R"(/api/2.0/sql/statements/([^/]+)/cancel)",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   if (!authorized(request, response)) {
                     return;
                   }
                   std::lock_guard lock(m_mutex);
                   const auto found = m_statements.find(request.matches[1]);
                   if (found == m_statements.end()) {
                     send_error(response, 404, "NOT_FOUND", "no such statement");
                     return;
                   }
                   found->second->states = {"CANCELED"};
                   found->second->step = 0;
                   send_json(response, 200, json::object());
                 });
}

void
FakeWorkspace::submit(const httplib::Request& request, httplib::Response& response)
{
  const auto body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("statement") || !body.contains("warehouse_id")) {
    send_error(response, 400, "INVALID_PARAMETER_VALUE", "statement and warehouse_id are "
                                                         "required");
    return;
  }
  const std::string wait = body.value("wait_timeout", "10s");
  const std::string on_wait = body.value("on_wait_timeout", "CONTINUE");
  const int seconds = std::atoi(wait.c_str());
  if (!wait.ends_with("s") || (seconds != 0 && (seconds < 5 || seconds > 50))
      || (on_wait != "CONTINUE" && on_wait != "CANCEL")) {
    send_error(response, 400, "INVALID_PARAMETER_VALUE", "bad wait_timeout or on_wait_timeout");
    return;
  }

  std::lock_guard lock(m_mutex);
  const std::string warehouse_id = body["warehouse_id"].get<std::string>();
  const auto warehouse = std::find_if(m_warehouses.begin(), m_warehouses.end(),
                                      [&](const auto& item) { return item.id == warehouse_id; });
  if (warehouse == m_warehouses.end()) {
    send_error(response, 404, "RESOURCE_DOES_NOT_EXIST",
               "SQL warehouse " + warehouse_id + " does not exist.");
    return;
  }
  if (warehouse->refuses) {
    send_error(response, 400, "INVALID_PARAMETER_VALUE",
               "Warehouse " + warehouse_id + " cannot accept statements: it is unhealthy");
    return;
  }

  auto statement = std::make_shared<Statement>();
  statement->id = "01f0-stmt-" + std::to_string(++m_next_id);
  statement->text = body["statement"].get<std::string>();
  StatementPlan plan;
  for (const auto& [prefix, candidate] : m_plans) {
    if (statement->text.starts_with(prefix)) {
      plan = candidate;
    }
  }
  statement->states.assign(static_cast<std::size_t>(plan.pending_polls), "PENDING");
  statement->states.insert(statement->states.end(), static_cast<std::size_t>(plan.running_polls),
                           "RUNNING");
  statement->states.push_back(plan.final_state);
  statement->error_code = plan.error_code;
  statement->error_message = plan.error_message;
  m_statements[statement->id] = statement;
  advance(*statement);
  send_json(response, 200, json::parse(answer(*statement)));
}

void
FakeWorkspace::poll(const std::string& id, httplib::Response& response)
{
  std::lock_guard lock(m_mutex);
  const auto found = m_statements.find(id);
  if (found == m_statements.end()) {
    send_error(response, 404, "NOT_FOUND", "Statement " + id + " does not exist");
    return;
  }
  Statement& statement = *found->second;
  if (statement.step + 1 < statement.states.size()) {
    ++statement.step;
    advance(statement);
  }
  send_json(response, 200, json::parse(answer(statement)));
}

// When the statement reaches its last state, do what it says.
void
FakeWorkspace::advance(Statement& statement)
{
  if (statement.step + 1 == statement.states.size() && statement.states.back() == "SUCCEEDED") {
    run(statement);
  }
}

void
FakeWorkspace::run(Statement& statement)
{
  const auto names = quoted_names(statement.text);
  const auto schema_missing = [&] {
    return names.size() < 2 || !m_schemas.contains(names[0] + "." + names[1]);
  };
  const auto fail_schema = [&] {
    statement.states.back() = "FAILED";
    statement.error_code = "BAD_REQUEST";
    statement.error_message = "[SCHEMA_NOT_FOUND] The schema `" + names[0] + "`.`" + names[1]
                              + "` cannot be found. SQLSTATE: 42704";
  };

  if (statement.text.starts_with("CREATE SCHEMA") && names.size() == 2) {
    m_schemas.insert(names[0] + "." + names[1]);
  } else if (statement.text.starts_with("CREATE TABLE") && names.size() == 3) {
    if (schema_missing()) {
      fail_schema();
      return;
    }
    m_tables.insert(names[0] + "." + names[1] + "." + names[2]);
  } else if (statement.text.starts_with("SHOW TABLES") && names.size() == 2) {
    if (schema_missing()) {
      fail_schema();
      return;
    }
    const std::size_t quote = statement.text.find('\'');
    const std::string pattern = lower(statement.text.substr(quote + 1));
    const std::string prefix = pattern.substr(0, pattern.find('*'));
    json rows = json::array();
    const std::string schema_prefix = names[0] + "." + names[1] + ".";
    for (const auto& table : m_tables) {
      const std::string name = table.substr(schema_prefix.size());
      if (table.starts_with(schema_prefix) && name.starts_with(prefix)) {
        rows.push_back({names[1], name, "false"});
      }
    }
    statement.rows = rows;
  }
}

std::string
FakeWorkspace::answer(const Statement& statement) const
{
  const std::string& state = statement.states[statement.step];
  json body{{"statement_id", statement.id}, {"status", {{"state", state}}}};
  if (state == "FAILED") {
    body["status"]["error"] = {{"error_code", statement.error_code},
                               {"message", statement.error_message}};
    body["status"]["sql_state"] = "42000";
  }
  if (state == "SUCCEEDED" && statement.rows) {
    const json columns = json::parse(R"([
      {"name": "database", "position": 0, "type_name": "STRING"},
      {"name": "tableName", "position": 1, "type_name": "STRING"},
      {"name": "isTemporary", "position": 2, "type_name": "BOOLEAN"}])");
    body["manifest"] = {{"format", "JSON_ARRAY"},
                        {"schema", {{"column_count", 3}, {"columns", columns}}},
                        {"total_row_count", statement.rows->size()},
                        {"total_chunk_count", 1}};
    body["result"] = {{"chunk_index", 0},
                      {"row_offset", 0},
                      {"row_count", statement.rows->size()},
                      {"data_array", *statement.rows}};
  }
  return body.dump();
}

void
FakeWorkspace::warehouse_routes()
{
  m_server->Get("/api/2.0/sql/warehouses",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!authorized(request, response)) {
                    return;
                  }
                  std::lock_guard lock(m_mutex);
                  json list = json::array();
                  for (const auto& warehouse : m_warehouses) {
                    list.push_back(warehouse_json(warehouse));
                  }
                  send_json(response, 200, {{"warehouses", list}});
                });
  m_server->Get(R"(/api/2.0/sql/warehouses/([^/]+))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!authorized(request, response)) {
                    return;
                  }
                  std::lock_guard lock(m_mutex);
                  for (auto& warehouse : m_warehouses) {
                    if (warehouse.id == request.matches[1]) {
                      if (warehouse.state == "STARTING" && warehouse.polls_to_start-- <= 0) {
                        warehouse.state = "RUNNING";
                      }
                      send_json(response, 200, warehouse_json(warehouse));
                      return;
                    }
                  }
                  send_error(response, 404, "RESOURCE_DOES_NOT_EXIST", "no such warehouse");
                });
  m_server->Post(R"(/api/2.0/sql/warehouses/([^/]+)/start)",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   if (!authorized(request, response)) {
                     return;
                   }
                   std::lock_guard lock(m_mutex);
                   for (auto& warehouse : m_warehouses) {
                     if (warehouse.id == request.matches[1]) {
                       if (warehouse.state == "STOPPED") {
                         warehouse.state = "STARTING";
                       }
                       send_json(response, 200, json::object());
                       return;
                     }
                   }
                   send_error(response, 404, "RESOURCE_DOES_NOT_EXIST", "no such warehouse");
                 });
}

void
FakeWorkspace::other_routes()
{
  m_server->Post("/oidc/v1/token", [this](const httplib::Request& request,
                                          httplib::Response& response) {
    const std::string basic = basic_credentials(request.get_header_value("Authorization"));
    std::lock_guard lock(m_mutex);
    if (m_client_id.empty() || basic != m_client_id + ":" + m_client_secret
        || request.body != "grant_type=client_credentials&scope=all-apis") {
      send_json(response, 401, {{"error", "invalid_client"},
                                {"error_description", "Client authentication failed"}});
      return;
    }
    const std::string token = "fake-m2m-access-" + std::to_string(++m_minted);
    m_tokens.insert(token);
    send_json(response, 200, {{"access_token", token},
                              {"token_type", "Bearer"},
                              {"expires_in", 3600},
                              {"scope", "all-apis"}});
  });
}

} // namespace aigw::test
