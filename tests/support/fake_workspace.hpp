// SPDX-License-Identifier: MIT
// A fake Databricks workspace on 127.0.0.1 (cpp-httplib), following the real REST API
// closely enough for the client, the telemetry command and later the relay: the SQL
// Statement Execution API (PENDING -> RUNNING -> final over successive GETs, FAILED with any
// error_code, cancel), SQL warehouses in every state (one may refuse statements) and their
// start, the OIDC token endpoint with HTTP Basic client auth, the serving-endpoints
// listings (fake_workspace_serving.cpp), and OTLP ingest (fake_workspace_otlp.cpp). It
// keeps the catalog's schemas and tables, so CREATE TABLE IF NOT EXISTS and SHOW TABLES
// behave as on a workspace, throttles with 429/503 on request, and records every request
// it was sent.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace aigw::test {

struct WorkspaceRequest
{
  std::string method;
  std::string target; // path and query
  std::map<std::string, std::string> headers; // names lowercased
  std::string body;
};

// How statements that start with a given text run.
struct StatementPlan
{
  int pending_polls = 0;          // GETs that still answer PENDING
  int running_polls = 0;          // then GETs that answer RUNNING
  std::string final_state = "SUCCEEDED"; // or FAILED, CANCELED, CLOSED
  std::string error_code;         // for FAILED
  std::string error_message;
};

struct FakeWarehouse
{
  std::string id;
  std::string name;
  std::string state = "RUNNING";
  bool refuses = false;  // answers a statement with 400, whatever its state says
  int polls_to_start = 1; // GETs that answer STARTING after a start
};

struct OtlpExport
{
  std::string signal; // metrics, logs, traces
  std::string table;  // X-Databricks-UC-Table-Name
  std::string content_type;
  std::string body;
  std::size_t items = 0; // data points, log records or spans, as the protobuf decoded
};

// One serving endpoint, as both serving-endpoints listings show it
// (fake_workspace_serving.cpp).
struct FakeEndpoint
{
  std::string name;
  std::vector<std::string> api_types; // in the foundation-models listing only
  bool ready = true;                  // state.ready: READY or NOT_READY
  std::string task = "llm/v1/chat";
};

// GET /api/2.0/serving-endpoints:foundation-models, or GET /api/2.0/serving-endpoints.
enum class ServingListing { foundation_models, all };

class FakeWorkspace
{
public:
  FakeWorkspace();
  ~FakeWorkspace();
  FakeWorkspace(const FakeWorkspace&) = delete;
  FakeWorkspace& operator=(const FakeWorkspace&) = delete;

  std::string url() const; // http://127.0.0.1:PORT

  // Bearer tokens the workspace accepts (a PAT by default).
  void accept_token(const std::string& token);
  // The one OAuth client the OIDC endpoint knows; it mints tokens it then accepts.
  void set_oauth_client(const std::string& id, const std::string& secret);

  void add_warehouse(FakeWarehouse warehouse);
  void add_schema(const std::string& catalog, const std::string& schema);
  void add_table(const std::string& full_name); // catalog.schema.table
  // Statements whose text starts with `prefix` follow `plan` (the last match wins).
  void plan_statements(const std::string& prefix, StatementPlan plan);
  // The next `times` requests whose path starts with `path` answer `status`, with a
  // Retry-After header when `retry_after` is given.
  void throttle(const std::string& path, int times, int status,
                std::optional<std::string> retry_after);

  // The endpoints both listings show, in order (serving_mix() until this is called).
  void serve_endpoints(std::vector<FakeEndpoint> endpoints);
  // From now on `listing` answers `status` with the workspace's error body: 401
  // UNAUTHENTICATED, 403 PERMISSION_DENIED, or 404 ENDPOINT_NOT_FOUND (a workspace without
  // that API, as older ones lack the foundation-models listing).
  void fail_listing(ServingListing listing, int status);
  // Anthropic, OpenAI Responses, Gemini, a chat-only and a not-ready Gemini endpoint.
  static std::vector<FakeEndpoint> serving_mix();

  std::vector<WorkspaceRequest> requests() const;
  std::vector<std::string> request_lines() const; // "POST /api/2.0/sql/statements"
  std::vector<std::string> statements() const;    // every statement text submitted
  std::vector<OtlpExport> exports() const;
  std::set<std::string> tables() const;

  static const char* const k_token; // accepted from the start

private:
  struct Statement;
  struct Throttle;

  void routes();
  void statement_routes();
  void warehouse_routes();
  void other_routes();
  void serving_routes();
  void otlp_routes(); // fake_workspace_otlp.cpp
  bool authorized(const httplib::Request& request, httplib::Response& response);
  void submit(const httplib::Request& request, httplib::Response& response);
  void poll(const std::string& id, httplib::Response& response);
  void advance(Statement& statement);
  void run(Statement& statement);
  std::string answer(const Statement& statement) const;

  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  int m_port = 0;

  mutable std::mutex m_mutex;
  std::vector<WorkspaceRequest> m_requests;
  std::set<std::string> m_tokens;
  std::string m_client_id;
  std::string m_client_secret;
  int m_minted = 0;
  std::vector<FakeWarehouse> m_warehouses;
  std::set<std::string> m_schemas;
  std::set<std::string> m_tables;
  std::vector<std::pair<std::string, StatementPlan>> m_plans;
  std::vector<Throttle> m_throttles;
  std::map<std::string, std::shared_ptr<Statement>> m_statements;
  std::vector<OtlpExport> m_exports;
  std::vector<FakeEndpoint> m_endpoints = serving_mix();
  std::map<ServingListing, int> m_listing_failures;
  int m_next_id = 0;
};

} // namespace aigw::test
