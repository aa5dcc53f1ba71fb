// SPDX-License-Identifier: MIT
// Round trips: one small real request per gateway route, sent the way that route's agent
// sends it (wire.md: the Messages API with Claude Code's headers, the Responses API for
// Codex, streamGenerateContent with a bearer token for Gemini CLI, chat completions for
// Cursor, an OTLP protobuf export with the table header for metrics and for logs), all at
// once and each with its own timeout. Each route gets one result: the verdict of
// verdict.hpp, its cause and its remedy. A bare 404 sends the same request to the route's
// other URL layout to say which one answers; an unknown model fetches the models the
// gateway serves. `test` prints the results; `doctor` calls the same functions.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paths.hpp"
#include "core/verdict.hpp"
#include "net/http.hpp"
#include "util/secret.hpp"

namespace aigw::core {

struct RouteCredential
{
  std::optional<util::Secret> token; // none: there is no token to send
  std::optional<SystemTime> expiry;  // when the source knows it (OAuth)
  std::string source;                // how a remedy names it: "$DATABRICKS_TOKEN", ...
  std::string problem;               // why there is no token, when its source said why
};

struct RouteTarget
{
  RouteKind kind = RouteKind::claude;
  std::string base_url; // the route (https://.../anthropic), or the workspace for OTel
  std::string model;    // the model, or for OTel the Unity Catalog table
  RouteCredential credential;
  net::Headers headers;                   // extra headers, as configure gives the agents
  std::vector<Alternative> alternatives;  // tried, in order, after a bare 404
  std::optional<std::string> workspace;   // where the served models are listed
  std::optional<RelayHop> relay;          // set when base_url is the local relay
  std::chrono::seconds timeout{15};
};

struct RoundTripResult
{
  RouteKind kind = RouteKind::claude;
  std::string url; // the request's URL, secrets redacted
  int status = 0;  // 0: no HTTP answer
  std::optional<net::HttpErrorKind> error;
  long latency_ms = 0;
  Verdict verdict = Verdict::pass;
  std::string cause;
  std::string remedy;
  std::vector<std::string> models; // what the gateway serves, when it was asked
  std::optional<std::string> date_header; // the reply's Date (doctor checks the clock)
  SystemTime received_at{};
};

// What the round trips read besides their targets.
struct RoundTripEnv
{
  EnvLookup env;                   // the proxy variables
  std::function<SystemTime()> now; // default: the system clock
  std::string aigw = "aigw-setup";  // how a remedy runs this program (aigw_invocation)
};

// Send every target's request at once and return one result per target, in their order.
std::vector<RoundTripResult> run_round_trips(const std::vector<RouteTarget>& targets,
                                             net::HttpClient& http, const RoundTripEnv& env);

// One target's round trip, with its follow-up requests.
RoundTripResult run_round_trip(const RouteTarget& target, net::HttpClient& http,
                               const RoundTripEnv& env);

// ------------------------------------------------------------------ requests (pure)

// The request `target`'s agent sends to the route at `base_url`, stamped `now` (OTel).
net::HttpRequest agent_request(const RouteTarget& target, const std::string& base_url,
                               SystemTime now);

// Give `request` `timeout` in total and without a byte, and at most 10 s to connect.
void set_timeouts(net::HttpRequest& request, std::chrono::seconds timeout);

// `request`'s URL for people: the path redacted, the query (ours, never a secret) kept.
std::string shown_url(const net::HttpRequest& request);

// The proxy libcurl takes for `url` from the environment (http_proxy, https_proxy,
// HTTPS_PROXY, all_proxy, ALL_PROXY, less no_proxy/NO_PROXY), redacted; nullopt for none.
std::optional<std::string> proxy_for(std::string_view url, const EnvLookup& env);

// OTLP ExportMetricsServiceRequest with one gauge point, and ExportLogsServiceRequest with
// one log record, both named aigw_setup.test and stamped `now`, in protobuf.
std::string otlp_metrics_request(SystemTime now);
std::string otlp_logs_request(SystemTime now);

// ------------------------------------------------------------------ model listings (pure)

// data[].id of an Anthropic GET /v1/models answer.
std::vector<std::string> models_in_anthropic_list(const std::string& body);

// The endpoint names in GET /api/2.0/serving-endpoints:foundation-models whose served
// foundation model lists `api_type` ("openai/v1/responses", "gemini/v1/generateContent").
std::vector<std::string> models_in_foundation_list(const std::string& body,
                                                   std::string_view api_type);

// The chat endpoints (task llm/v1/chat) in GET /api/2.0/serving-endpoints.
std::vector<std::string> chat_models_in_serving_list(const std::string& body);

// Ask the gateway (Claude) or the workspace (the others) which models serve `target`'s
// route; empty when it cannot tell.
std::vector<std::string> served_models(const RouteTarget& target, net::HttpClient& http);

} // namespace aigw::core
