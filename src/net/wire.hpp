// SPDX-License-Identifier: MIT
// The wire formats of the gateway's routes, as the real agent CLIs send and accept them
// (shared/docs/wire.md): which route a request path belongs to, the relay's own error
// replies in each agent's error shape, and the offline stand-in's deterministic replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace aigw::net {

enum class Route {
  anthropic, // /anthropic/...           Claude Code (Messages API)
  openai,    // /openai/v1/... and /codex/v1/...   Codex CLI (Responses API)
  gemini,    // /gemini/...              Gemini CLI (generateContent)
  cursor,    // /cursor/v1/...           Cursor (chat completions)
  otel,      // /api/2.0/otel/v1/{metrics,logs,traces}
};

std::string to_string(Route route);

// A request path split into its route and the rest: "/anthropic/v1/messages" ->
// {anthropic, "/v1/messages"}; "/codex/v1/responses" -> {openai, "/responses"} (the
// upstream route URL already ends in /v1); "/api/2.0/otel/v1/logs" -> {otel, "/logs"}.
// nullopt for paths no route serves, and for paths with dot segments, empty segments,
// encoded '/', '\' or '.', a query, or bytes outside printable ASCII.
struct RoutedPath
{
  Route route;
  std::string rest; // begins with '/', or is empty
};
std::optional<RoutedPath> route_of(std::string_view path);

// A request as the relay received it (body already de-chunked).
struct InboundRequest
{
  std::string method;
  std::string path;  // without the query
  std::string query; // without '?'
  Headers headers;
  std::string body;
};

// A reply the relay produces itself. When `events` is non-empty the reply is streamed as
// server-sent events, one element per event, each already framed ("event: x\ndata: {...}\n\n").
struct LocalReply
{
  int status = 200;
  Headers headers;
  std::string body;
  std::vector<std::string> events;
};

// An error in the shape the agent on `route` parses, with a message a person can act on:
// Anthropic {"type":"error","error":{"type","message"}}, OpenAI {"error":{"message","type",
// "code"}}, Gemini {"error":{"code","message","status"}}. For 429 and 503 a Retry-After
// header is set (Codex gives up at once without it).
LocalReply error_reply(Route route, int status, std::string_view message);

// Whether `message`, read from an error reply, is the relay's own word that it could not
// reach its upstream (the 502 and 504 of an unreachable gateway or workspace), and not a
// gateway's error the relay passed on. `test` tells the two apart by it.
bool is_upstream_failure_message(std::string_view message);

// How the relay's own 502 begins when it holds no credential to put in place of the relay
// key (none stored, or an OAuth login that lapsed); `test` knows that reply by it.
inline constexpr std::string_view k_relay_no_credential =
  "the relay has no credential for the gateway: ";

// The offline stand-in: a faithful, deterministic reply for `request` on `route`, streamed
// when the request asks for a stream. The text says plainly that it comes from the offline
// relay. OTel exports are not answered here (the relay spools them).
LocalReply offline_reply(Route route, const RoutedPath& routed, const InboundRequest& request);

} // namespace aigw::net
