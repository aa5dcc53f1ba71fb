// SPDX-License-Identifier: MIT
// A fake Databricks AI Gateway on 127.0.0.1 (cpp-httplib), for the tests and the e2e
// script: the routes of either URL layout (shared/docs/databricks.md A5), the gateway's
// own errors (400 `Invalid Token`, 401 UNAUTHENTICATED, 403, 404 for an unknown model,
// 429, 503), a sign-in page where a reply should be, and a request that never gets an
// answer. A good request gets the offline stand-in's reply (net::offline_reply) with
// "aigw-setup offline relay" said as "fake gateway", so that a test can tell which of the
// two answered. Every request is recorded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace aigw::test {

// Which base paths the gateway serves.
enum class GatewayLayout {
  gateway_host,     // /anthropic, /openai/v1 and /codex/v1, /gemini, /cursor/v1
  workspace_hosted, // /ai-gateway/anthropic, /ai-gateway/codex/v1 (and /ai-gateway/openai/v1),
                    // /ai-gateway/gemini; no Cursor route there
  both,
};

// How one agent's route answers (set_fault).
enum class GatewayFault {
  none,            // the real reply
  invalid_token,   // 400, text/plain `Invalid Token`, as the real gateway answers a bad token
  unauthenticated, // 401 UNAUTHENTICATED: no credential was sent
  forbidden,       // 403 PERMISSION_DENIED on the model's endpoint
  unknown_model,   // 404 RESOURCE_DOES_NOT_EXIST for the model
  rate_limited,    // 429 REQUEST_LIMIT_EXCEEDED, without Retry-After (see fake_gateway.cpp)
  server_error,    // 503 TEMPORARILY_UNAVAILABLE
  hang,            // no answer until the gateway is destroyed (then a 503)
  login_page,      // 200 with an HTML sign-in page, as a proxy or single sign-on in front says
};

struct GatewayRequest
{
  std::string method;
  std::string path;  // as sent, without the query
  std::string query; // without '?'
  std::multimap<std::string, std::string> headers; // names lower-cased
  std::string body;
};

class FakeGateway
{
public:
  explicit FakeGateway(GatewayLayout layout = GatewayLayout::gateway_host);
  // Stops the server; a request held by GatewayFault::hang is released first.
  ~FakeGateway();
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;

  std::string url() const; // http://127.0.0.1:PORT

  // The one token the gateway accepts from now on (k_token until this is called). A
  // request with another credential gets 400 `Invalid Token`; one with no Authorization
  // header at all gets 401 UNAUTHENTICATED.
  void accept_token(std::string token);
  // The models the gateway knows; a request naming another gets the unknown_model reply.
  void serve_models(std::vector<std::string> models);
  // Every request on the route of `agent_route` ("claude", "codex", "gemini" or "cursor")
  // answers with `fault`, before the credential is looked at. Throws on an unknown name.
  void set_fault(const std::string& agent_route, GatewayFault fault);

  std::vector<GatewayRequest> requests() const;

  static const char* const k_token; // accepted until accept_token()

private:
  struct Call;

  void handle(const httplib::Request& req, httplib::Response& res);
  void record(const httplib::Request& req);
  GatewayFault fault_for(const std::string& agent) const;
  // GatewayFault::none when `req` carries the accepted token, else the fault to answer.
  GatewayFault credential_fault(const httplib::Request& req) const;
  bool knows_model(const std::string& model) const;
  // Answer with `fault`; GatewayFault::none is the real reply.
  void answer_fault(GatewayFault fault, const Call& call, httplib::Response& res);
  void answer(const Call& call, httplib::Response& res) const;
  void hold(httplib::Response& res);

  GatewayLayout m_layout;
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  std::atomic<bool> m_listen_ended = false;
  int m_port = 0;

  mutable std::mutex m_mutex;
  std::condition_variable m_released;
  bool m_stopping = false;
  std::string m_token;
  std::vector<std::string> m_models;
  std::map<std::string, GatewayFault> m_faults;
  std::vector<GatewayRequest> m_requests;
};

} // namespace aigw::test
