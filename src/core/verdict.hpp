// SPDX-License-Identifier: MIT
// What the answer to one round trip means. A route's request ends in an HTTP answer or in a
// transport error; diagnose() turns either into one verdict, a one-line cause, and the
// server's own words where they matter (a rate limit's message), and remedy_for() writes the
// one line a person can act on. Both are pure: they read only what they are given, so `test`
// and `doctor` share them and they are tested without a server. The verdict ids are stable
// strings that scripts read from --json (docs/test-verdicts.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/http.hpp"

namespace aigw::core {

enum class Verdict {
  pass,
  token_missing,
  token_invalid,
  token_expired,
  forbidden,
  wrong_url,
  unknown_model,
  unknown_table,
  rate_limited,
  bad_request,
  server_error,
  gateway_unreachable,
  relay_no_credential,
  bad_reply,
  tls,
  proxy,
  dns,
  refused,
  timeout,
  dropped,
  network,
};

// The stable id of `verdict`: "pass", "token_invalid", ...
std::string to_string(Verdict verdict);

// The routes `test` knows, each with the wire format its agent speaks.
enum class RouteKind { claude, codex, gemini, cursor, otel_metrics, otel_logs };

// "claude", "codex", "gemini", "cursor", "otel-metrics", "otel-logs".
std::string to_string(RouteKind kind);

// The agent a route belongs to ("otel" for both OTel routes).
std::string agent_of(RouteKind kind);

using SystemTime = std::chrono::system_clock::time_point;

// What one request gave.
struct Observation
{
  RouteKind kind = RouteKind::claude;
  std::string model; // the model asked for, or the table for an OTel route
  std::optional<net::HttpError> error; // set when no HTTP answer came
  int status = 0;
  net::Headers headers;
  std::string body;
  std::optional<SystemTime> token_expiry; // when the token's source knows it (OAuth)
  SystemTime now{};
  bool via_proxy = false; // a proxy variable applies to the URL
  bool via_relay = false; // the URL is the local relay's (configure --auth relay)
};

struct Diagnosis
{
  Verdict verdict = Verdict::pass;
  std::string cause;  // one line: what came back
  std::string detail; // the server's own message, or libcurl's words for a transport failure
  std::optional<std::chrono::seconds> retry_after;
};

// The verdict for `observation`.
Diagnosis diagnose(const Observation& observation);

// Whether `body` is a reply in the wire format the agent of `kind` reads (a Messages API
// stream for Claude, a Responses stream for Codex, ...). Any 2xx answers an OTel export.
bool reply_in_agent_format(RouteKind kind, const std::string& body);

// The code and message of an error body in any of the shapes a gateway or workspace uses:
// Databricks {error_code, message}, Anthropic/OpenAI/Gemini {"error": {...}}, plain text.
struct ErrorBody
{
  std::string code;
  std::string message;
};
ErrorBody parse_error_body(const std::string& body);

// Another place the same route may be served, tried after a 404 that named no model.
struct Alternative
{
  std::string base_url;
  std::string layout; // "workspace-hosted", "gateway host", ...
  std::string option; // how configure is told: "--workspace https://..."
};

// How a remedy names the credential of a route configure pointed at the local relay.
inline constexpr const char* k_relay_key_source = "the relay key";

// Where the local relay forwards a route that went through it: a reply that is not the
// gateway's came from there, and the user looks there, not at the relay's address.
struct RelayHop
{
  std::string upstream;             // the route's URL at the gateway, from relay.json
  std::filesystem::path relay_file; // relay.json, which names it
};

// What is known around a route when its remedy is written.
struct RemedyContext
{
  RouteKind kind = RouteKind::claude;
  std::string host; // host[:port] of the URL tried
  std::string model;
  std::string token_source; // "$DATABRICKS_TOKEN", "the relay key", ...
  std::chrono::seconds timeout{15};
  std::optional<std::string> proxy;     // the proxy in effect, redacted
  std::optional<Alternative> answering; // the place that answered instead
  std::vector<std::string> served_models;
  std::optional<SystemTime> token_expiry;
  std::string token_problem; // why the credential gave no token (an OAuth login that lapsed)
  std::optional<RelayHop> relay; // set when `host` is the local relay
  std::string aigw = "aigw-setup"; // how a remedy runs this program: with --home when given
};

// One line telling what to do about `diagnosis`; empty for a pass.
std::string remedy_for(const Diagnosis& diagnosis, const RemedyContext& context);

} // namespace aigw::core
