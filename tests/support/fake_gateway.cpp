// SPDX-License-Identifier: MIT
// The fake AI Gateway. One catch-all handler per method takes every request, records it,
// and answers in this order: a path no route of the layout serves gets a plain 404; a
// route with a fault answers with it; then the credential, then the model, are checked;
// then the offline stand-in answers. The stand-in streams its text in pieces cut without
// regard to words, so "aigw-setup offline relay" may straddle two events: the pieces are
// joined, renamed and cut again at the same places (rename_pieces) before the events are
// sent, and the whole texts that later events repeat are renamed in place.
#include "support/fake_gateway.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "net/wire.hpp"

namespace aigw::test {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view k_offline_name = "aigw-setup offline relay";
constexpr std::string_view k_gateway_name = "fake gateway";
constexpr std::string_view k_hosted_prefix = "/ai-gateway";
constexpr const char* k_created_at = "2026-01-01T00:00:00Z";

const std::vector<std::string> k_default_models{
  "databricks-claude-opus-4-6", "databricks-claude-sonnet-4-5", "databricks-claude-haiku-4-5",
  "databricks-gpt-5-2", "databricks-gemini-2-5-flash"};

std::string
lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Now as an HTTP date (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string
http_date()
{
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[40];
  const std::size_t size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, size);
}

void
replace_all(std::string& text, std::string_view from, std::string_view to)
{
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Per route: the agent that uses it, and where its stream events carry a piece of the
// answer text (a JSON pointer into an event's data).
struct RouteFacts
{
  net::Route route;
  const char* agent;
  const char* piece;
};

constexpr std::array k_routes{
  RouteFacts{net::Route::anthropic, "claude", "/delta/text"},
  RouteFacts{net::Route::openai, "codex", "/delta"},
  RouteFacts{net::Route::gemini, "gemini", "/candidates/0/content/parts/0/text"},
  RouteFacts{net::Route::cursor, "cursor", "/choices/0/delta/content"},
};

const RouteFacts&
facts_of(net::Route route)
{
  const auto found = std::find_if(k_routes.begin(), k_routes.end(), [route](const auto& facts) {
    return facts.route == route;
  });
  if (found == k_routes.end()) {
    throw std::logic_error("the fake gateway serves no " + net::to_string(route) + " route");
  }
  return *found;
}

// The route `path` is on in `layout`; nullopt when the layout serves no such path. The
// workspace-hosted layout has no Cursor route, and no layout serves OTel.
std::optional<net::RoutedPath>
route_in(GatewayLayout layout, std::string_view path)
{
  const bool hosted = path.starts_with(k_hosted_prefix)
                      && path.substr(k_hosted_prefix.size()).starts_with("/");
  // Each single layout lacks the other's paths; `both` has them all.
  const GatewayLayout lacking =
    hosted ? GatewayLayout::gateway_host : GatewayLayout::workspace_hosted;
  if (layout == lacking) {
    return std::nullopt;
  }
  auto routed = net::route_of(hosted ? path.substr(k_hosted_prefix.size()) : path);
  if (!routed || routed->route == net::Route::otel
      || (hosted && routed->route == net::Route::cursor)) {
    return std::nullopt;
  }
  return routed;
}

// The model as the agent names it: in the path for Gemini (models/<m>:generateContent),
// else the body's "model"; empty when the request names none.
std::string
model_of(const net::RoutedPath& routed, const std::string& body)
{
  if (routed.route == net::Route::gemini) {
    constexpr std::string_view k_models = "/models/";
    const std::size_t at = routed.rest.find(k_models);
    if (at == std::string::npos) {
      return "";
    }
    const std::string name = routed.rest.substr(at + k_models.size());
    return name.substr(0, name.find(':'));
  }
  const Json parsed = Json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("model") || !parsed["model"].is_string()) {
    return "";
  }
  return parsed["model"].get<std::string>();
}

void
send_json(httplib::Response& res, int status, const Json& body)
{
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// The Databricks REST error shape, which the gateway answers with too.
void
send_error(httplib::Response& res, int status, const std::string& code, const std::string& message)
{
  send_json(res, status, Json{{"error_code", code}, {"message", message}});
}

struct ErrorReply
{
  int status = 0;
  std::string code;
  std::string message;
};

// The Databricks error `fault` is answered with, about `model`: one of unauthenticated,
// forbidden, unknown_model, rate_limited, server_error.
ErrorReply
error_for(GatewayFault fault, const std::string& model)
{
  switch (fault) {
  case GatewayFault::unauthenticated:
    return {401, "UNAUTHENTICATED",
            "Credential was not sent or was of an unsupported type for this API."};
  case GatewayFault::forbidden:
    return {403, "PERMISSION_DENIED",
            "User fake-user@example.com does not have permission to query endpoint " + model
              + "."};
  case GatewayFault::unknown_model:
    return {404, "RESOURCE_DOES_NOT_EXIST", "The model/endpoint " + model + " does not exist."};
  case GatewayFault::rate_limited:
    // No Retry-After: nothing we have read shows the real gateway sending one, and its
    // absence is the harder case (Codex then gives up at once), which code under test
    // must handle.
    return {429, "REQUEST_LIMIT_EXCEEDED",
            "REQUEST_LIMIT_EXCEEDED: Exceeded workspace input tokens per minute rate limit for "
              + model
              + ". Please use a provisioned throughput Foundation Model APIs endpoint for a "
                "higher rate limit."};
  default:
    break;
  }
  return {503, "TEMPORARILY_UNAVAILABLE",
          "The service is temporarily unavailable. Please try again later."};
}

// What the real gateway says for a path it does not serve is not known; this is what a
// plain web server says.
void
send_not_found(httplib::Response& res)
{
  res.status = 404;
  res.set_content("Not Found", "text/plain");
}

// Where the JSON of an event's data line is: [first, second) in `event`.
std::optional<std::pair<std::size_t, std::size_t>>
data_span(const std::string& event)
{
  constexpr std::string_view k_field = "data: ";
  const std::size_t line = event.starts_with(k_field) ? 0 : event.find("\ndata: ");
  if (line == std::string::npos) {
    return std::nullopt;
  }
  const std::size_t begin = (line == 0 ? 0 : line + 1) + k_field.size();
  const std::size_t end = event.find_first_of("\r\n", begin);
  return std::pair{begin, end == std::string::npos ? event.size() : end};
}

// `pieces` joined, with `from` replaced by `to`, cut again where the old pieces were cut;
// a replacement goes whole into the piece where its match began.
std::vector<std::string>
replace_across(const std::vector<std::string>& pieces, std::string_view from, std::string_view to)
{
  std::string joined;
  std::vector<std::size_t> ends;
  for (const std::string& piece : pieces) {
    joined += piece;
    ends.push_back(joined.size());
  }

  std::vector<std::string> out(pieces.size());
  std::size_t piece = 0;
  for (std::size_t at = 0; at < joined.size();) {
    while (at >= ends[piece]) {
      ++piece;
    }
    if (std::string_view(joined).substr(at).starts_with(from)) {
      out[piece] += to;
      at += from.size();
    } else {
      out[piece] += joined[at++];
    }
  }
  return out;
}

struct Piece
{
  std::size_t event = 0;
  std::pair<std::size_t, std::size_t> span;
  Json data;
};

// Rename the offline relay in the text pieces of `events` (see the top of the file).
void
rename_pieces(std::vector<std::string>& events, net::Route route)
{
  const Json::json_pointer pointer(facts_of(route).piece);
  std::vector<Piece> pieces;
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto span = data_span(events[i]);
    Json data = span ? Json::parse(events[i].substr(span->first, span->second - span->first),
                                   nullptr, false)
                     : Json();
    if (data.is_object() && data.contains(pointer) && data.at(pointer).is_string()) {
      texts.push_back(data.at(pointer).get<std::string>());
      pieces.push_back({i, *span, std::move(data)});
    }
  }

  const auto renamed = replace_across(texts, k_offline_name, k_gateway_name);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    if (renamed[k] == texts[k]) {
      continue;
    }
    Piece& piece = pieces[k];
    piece.data[pointer] = renamed[k];
    const std::string dumped = piece.data.dump(-1, ' ', false, Json::error_handler_t::replace);
    events[piece.event].replace(piece.span.first, piece.span.second - piece.span.first, dumped);
  }
}

void
write_reply(httplib::Response& res, const net::LocalReply& reply)
{
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers.items) {
    if (lower(name) != "content-type" && lower(name) != "content-length") {
      res.set_header(name, value);
    }
  }
  const auto type = reply.headers.get("Content-Type");
  if (!reply.events.empty()) {
    res.set_chunked_content_provider(
      type.value_or("text/event-stream"),
      [events = reply.events](std::size_t, httplib::DataSink& sink) {
        for (const std::string& event : events) {
          if (!sink.write(event.data(), event.size())) {
            return false;
          }
        }
        sink.done();
        return true;
      });
  } else if (type || !reply.body.empty()) {
    res.set_content(reply.body, type.value_or("text/plain"));
  }
}

// The Anthropic models list (GET /v1/models) of the Claude models in `models`.
Json
claude_models(const std::vector<std::string>& models)
{
  Json data = Json::array();
  for (const std::string& id : models) {
    if (id.find("claude") != std::string::npos) {
      data.push_back(
        Json{{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", k_created_at}});
    }
  }
  const Json first = data.empty() ? Json() : data.front()["id"];
  const Json last = data.empty() ? Json() : data.back()["id"];
  return Json{{"data", data}, {"has_more", false}, {"first_id", first}, {"last_id", last}};
}

} // namespace

const char* const FakeGateway::k_token = "dapi-fake-gateway-0123456789";

// One request on a route the layout serves.
struct FakeGateway::Call
{
  std::string agent; // claude, codex, gemini, cursor
  net::RoutedPath routed;
  net::InboundRequest inbound;
  std::string model; // empty when the request names none
};

FakeGateway::FakeGateway(GatewayLayout layout)
  : m_layout(layout), m_server(std::make_unique<httplib::Server>()), m_token(k_token),
    m_models(k_default_models)
{
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res);
  };
  // HEAD requests go to the GET handlers.
  m_server->Get(".*", handler);
  m_server->Post(".*", handler);
  m_server->Put(".*", handler);
  m_server->Patch(".*", handler);
  m_server->Delete(".*", handler);
  m_server->Options(".*", handler);
  // The library's own errors (a malformed request) carry a Date as well.
  m_server->set_error_handler(
    httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.has_header("Date")) {
        res.set_header("Date", http_date());
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }));

  m_port = m_server->bind_to_any_port("127.0.0.1");
  if (m_port <= 0) {
    throw std::runtime_error("the fake gateway cannot bind a loopback port");
  }
  m_thread = std::thread([this] {
    m_server->listen_after_bind();
    m_listen_ended = true;
  });
  // A stop() before the server runs is lost, and the destructor would then wait forever.
  while (!m_server->is_running() && !m_listen_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FakeGateway::~FakeGateway()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_released.notify_all();
  m_server->stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

std::string
FakeGateway::url() const
{
  return "http://127.0.0.1:" + std::to_string(m_port);
}

void
FakeGateway::accept_token(std::string token)
{
  std::lock_guard lock(m_mutex);
  m_token = std::move(token);
}

void
FakeGateway::serve_models(std::vector<std::string> models)
{
  std::lock_guard lock(m_mutex);
  m_models = std::move(models);
}

void
FakeGateway::set_fault(const std::string& agent_route, GatewayFault fault)
{
  if (std::none_of(k_routes.begin(), k_routes.end(),
                   [&](const RouteFacts& facts) { return facts.agent == agent_route; })) {
    throw std::invalid_argument("the fake gateway has no route for \"" + agent_route + "\"");
  }
  std::lock_guard lock(m_mutex);
  m_faults[agent_route] = fault;
}

std::vector<GatewayRequest>
FakeGateway::requests() const
{
  std::lock_guard lock(m_mutex);
  return m_requests;
}

void
FakeGateway::handle(const httplib::Request& req, httplib::Response& res)
{
  record(req);
  res.set_header("Date", http_date());

  const std::string path = req.target.substr(0, req.target.find('?'));
  const auto routed = route_in(m_layout, path);
  if (!routed) {
    send_not_found(res);
    return;
  }
  Call call{facts_of(routed->route).agent, *routed, {}, model_of(*routed, req.body)};
  call.inbound.method = req.method;
  call.inbound.path = path;
  call.inbound.query = req.target.size() > path.size() ? req.target.substr(path.size() + 1) : "";
  call.inbound.body = req.body;

  // A set fault comes first, then the credential, then the model.
  GatewayFault fault = fault_for(call.agent);
  if (fault == GatewayFault::none) {
    fault = credential_fault(req);
  }
  if (fault == GatewayFault::none && !call.model.empty() && !knows_model(call.model)) {
    fault = GatewayFault::unknown_model;
  }
  answer_fault(fault, call, res);
}

void
FakeGateway::record(const httplib::Request& req)
{
  GatewayRequest seen;
  seen.method = req.method;
  const std::size_t query = req.target.find('?');
  seen.path = req.target.substr(0, query);
  seen.query = query == std::string::npos ? "" : req.target.substr(query + 1);
  for (const auto& [name, value] : req.headers) {
    // The library adds these itself; they were not on the wire.
    if (name != "REMOTE_ADDR" && name != "REMOTE_PORT" && name != "LOCAL_ADDR"
        && name != "LOCAL_PORT") {
      seen.headers.emplace(lower(name), value);
    }
  }
  seen.body = req.body;

  std::lock_guard lock(m_mutex);
  m_requests.push_back(std::move(seen));
}

GatewayFault
FakeGateway::fault_for(const std::string& agent) const
{
  std::lock_guard lock(m_mutex);
  const auto found = m_faults.find(agent);
  return found == m_faults.end() ? GatewayFault::none : found->second;
}

GatewayFault
FakeGateway::credential_fault(const httplib::Request& req) const
{
  if (!req.has_header("Authorization")) {
    return GatewayFault::unauthenticated;
  }
  std::lock_guard lock(m_mutex);
  return req.get_header_value("Authorization") == "Bearer " + m_token
           ? GatewayFault::none
           : GatewayFault::invalid_token;
}

bool
FakeGateway::knows_model(const std::string& model) const
{
  std::lock_guard lock(m_mutex);
  return std::find(m_models.begin(), m_models.end(), model) != m_models.end();
}

void
FakeGateway::answer_fault(GatewayFault fault, const Call& call, httplib::Response& res)
{
  switch (fault) {
  case GatewayFault::none:
    answer(call, res);
    return;
  case GatewayFault::invalid_token:
    // The real gateway answers a bad token with 400 and this bare text (databricks.md A5).
    res.status = 400;
    res.set_content("Invalid Token", "text/plain");
    return;
  case GatewayFault::hang:
    hold(res);
    return;
  case GatewayFault::login_page:
    res.status = 200;
    res.set_content("<html>\n<body>Sign in to continue</body>\n</html>\n", "text/html");
    return;
  default:
    break;
  }
  const ErrorReply error = error_for(fault, call.model.empty() ? "unknown" : call.model);
  send_error(res, error.status, error.code, error.message);
}

void
FakeGateway::answer(const Call& call, httplib::Response& res) const
{
  const auto& routed = call.routed;
  const std::string& method = call.inbound.method;
  if (routed.route == net::Route::anthropic && routed.rest == "/v1/models"
      && (method == "GET" || method == "HEAD")) {
    std::lock_guard lock(m_mutex);
    send_json(res, 200, claude_models(m_models));
    return;
  }

  net::LocalReply reply = net::offline_reply(routed.route, routed, call.inbound);
  if (reply.status == 404) {
    send_not_found(res); // a path the stand-in does not serve on this route
    return;
  }
  replace_all(reply.body, k_offline_name, k_gateway_name);
  rename_pieces(reply.events, routed.route);
  for (std::string& event : reply.events) {
    replace_all(event, k_offline_name, k_gateway_name);
  }
  write_reply(res, reply);
}

// GatewayFault::hang: hold the request until the destructor releases it. The library gives
// a handler no way to drop a connection unanswered, so the release answers 503.
void
FakeGateway::hold(httplib::Response& res)
{
  std::unique_lock lock(m_mutex);
  m_released.wait(lock, [this] { return m_stopping; });
  lock.unlock();
  send_error(res, 503, "TEMPORARILY_UNAVAILABLE",
             "The fake gateway stopped while it held this request.");
}

} // namespace aigw::test
