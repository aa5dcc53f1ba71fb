// SPDX-License-Identifier: MIT
// Which gateway route a request path belongs to, and the relay's own error replies in the
// shape each agent parses (shared/docs/wire.md). Paths are matched segment by segment on
// the raw bytes the agent sent; anything that a server or proxy further on could read as a
// different path (dot segments, encoded slashes or dots, empty segments) is refused here,
// so the route the relay checks is the route the gateway serves.
#include "net/wire.hpp"

#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

namespace aigw::net {

namespace {

// Seconds an agent should wait after a 429 or 503 of the relay's own making. Claude and
// Codex honour Retry-After; Codex gives up at once without it.
constexpr const char* k_retry_after_seconds = "2";

struct RoutePrefix
{
  std::string_view base;
  Route route;
};

constexpr std::array k_prefixes{
  RoutePrefix{"/anthropic", Route::anthropic},
  RoutePrefix{"/openai/v1", Route::openai},
  RoutePrefix{"/codex/v1", Route::openai},
  RoutePrefix{"/gemini", Route::gemini},
  RoutePrefix{"/cursor/v1", Route::cursor},
};

constexpr std::string_view k_otel_base = "/api/2.0/otel/v1";
constexpr std::array<std::string_view, 3> k_otel_signals{"/metrics", "/logs", "/traces"};

int
hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10 : -1;
}

// One path segment is safe when it is not a dot segment and no escape in it decodes to a
// byte that would change how the path splits: '/', '\', '.', '%' or a control byte.
bool
safe_segment(std::string_view segment)
{
  if (segment == "." || segment == "..") {
    return false;
  }
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const char c = segment[i];
    if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '?' || c == '#') {
      return false;
    }
    if (c != '%') {
      continue;
    }
    if (i + 2 >= segment.size()) {
      return false;
    }
    const int high = hex_value(segment[i + 1]);
    const int low = hex_value(segment[i + 2]);
    if (high < 0 || low < 0) {
      return false;
    }
    const int decoded = high * 16 + low;
    if (decoded < 0x20 || decoded == '/' || decoded == '\\' || decoded == '.'
        || decoded == '%' || decoded == 0x7f) {
      return false;
    }
    i += 2;
  }
  return true;
}

bool
safe_path(std::string_view path)
{
  if (path.empty() || path.front() != '/' || path.find("//") != std::string_view::npos) {
    return false;
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (!safe_segment(path.substr(start, end - start))) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// `path` is `base` itself or `base` followed by '/...'; the rest is what follows `base`.
std::optional<std::string_view>
rest_after(std::string_view path, std::string_view base)
{
  if (!path.starts_with(base)) {
    return std::nullopt;
  }
  std::string_view rest = path.substr(base.size());
  if (!rest.empty() && rest.front() != '/') {
    return std::nullopt;
  }
  return rest;
}

// The error names each wire format uses for a status, and a message for when the caller
// gives none.
struct StatusNames
{
  int status;
  const char* anthropic_type;
  const char* openai_type;
  const char* openai_code;
  const char* gemini_status;
  const char* databricks_code;
  const char* default_message;
};

constexpr std::array k_status_names{
  StatusNames{400, "invalid_request_error", "invalid_request_error", "invalid_request",
              "INVALID_ARGUMENT", "BAD_REQUEST", "the relay could not read this request"},
  StatusNames{401, "authentication_error", "authentication_error", "invalid_api_key",
              "UNAUTHENTICATED", "UNAUTHENTICATED",
              "missing or wrong relay key: run `aigw-setup configure --auth relay` so the "
              "agent sends the key this relay accepts"},
  StatusNames{403, "permission_error", "permission_error", "permission_denied",
              "PERMISSION_DENIED", "PERMISSION_DENIED",
              "the relay refused this request: it serves loopback clients only"},
  StatusNames{404, "not_found_error", "invalid_request_error", "not_found", "NOT_FOUND",
              "NOT_FOUND", "the relay does not serve this path"},
  StatusNames{429, "rate_limit_error", "rate_limit_error", "rate_limit_exceeded",
              "RESOURCE_EXHAUSTED", "REQUEST_LIMIT_EXCEEDED",
              "too many requests: wait a moment and try again"},
  StatusNames{500, "api_error", "server_error", "internal_error", "INTERNAL",
              "INTERNAL_ERROR",
              "the relay failed on this request: run `aigw-setup relay -v` to see why"},
  StatusNames{502, "api_error", "server_error", "bad_gateway", "UNAVAILABLE",
              "TEMPORARILY_UNAVAILABLE",
              "the gateway could not be reached: run `aigw-setup test` to see why"},
  StatusNames{503, "overloaded_error", "server_error", "service_unavailable", "UNAVAILABLE",
              "TEMPORARILY_UNAVAILABLE",
              "the relay cannot take requests right now: try again in a moment"},
  StatusNames{504, "api_error", "server_error", "gateway_timeout", "UNAVAILABLE",
              "DEADLINE_EXCEEDED",
              "the gateway did not answer in time: run `aigw-setup test` to check it"},
};

constexpr StatusNames k_other_client_error{
  0, "invalid_request_error", "invalid_request_error", "invalid_request", "INVALID_ARGUMENT",
  "BAD_REQUEST", "the relay refused this request"};
constexpr StatusNames k_other_server_error{
  0, "api_error", "server_error", "server_error", "INTERNAL", "INTERNAL_ERROR",
  "the relay could not complete this request"};

const StatusNames&
names_for(int status)
{
  for (const auto& names : k_status_names) {
    if (names.status == status) {
      return names;
    }
  }
  return status >= 500 ? k_other_server_error : k_other_client_error;
}

bool
asks_for_retry_after(int status)
{
  return status == 429 || status == 503;
}

nlohmann::ordered_json
error_body(Route route, int status, const StatusNames& names, const std::string& message)
{
  using Json = nlohmann::ordered_json;
  switch (route) {
  case Route::anthropic:
    return Json{{"type", "error"},
                {"error", Json{{"type", names.anthropic_type}, {"message", message}}}};
  case Route::openai:
  case Route::cursor:
    return Json{{"error",
                 Json{{"message", message},
                      {"type", names.openai_type},
                      {"param", nullptr},
                      {"code", names.openai_code}}}};
  case Route::gemini: {
    Json error{{"code", status}, {"message", message}, {"status", names.gemini_status}};
    // Gemini CLI ignores Retry-After and reads only a RetryInfo detail in the body.
    if (asks_for_retry_after(status)) {
      error["details"] = Json::array(
        {Json{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
              {"retryDelay", std::string(k_retry_after_seconds) + "s"}}});
    }
    return Json{{"error", error}};
  }
  case Route::otel:
    break;
  }
  return Json{{"error_code", names.databricks_code}, {"message", message}};
}

} // namespace

std::string
to_string(Route route)
{
  switch (route) {
  case Route::anthropic:
    return "anthropic";
  case Route::openai:
    return "openai";
  case Route::gemini:
    return "gemini";
  case Route::cursor:
    return "cursor";
  case Route::otel:
    return "otel";
  }
  return "unknown";
}

std::optional<RoutedPath>
route_of(std::string_view path)
{
  if (!safe_path(path)) {
    return std::nullopt;
  }

  for (const auto& prefix : k_prefixes) {
    if (auto rest = rest_after(path, prefix.base)) {
      return RoutedPath{prefix.route, std::string(*rest)};
    }
  }

  // The OTel ingest serves exactly three paths; the rest names the signal.
  if (auto rest = rest_after(path, k_otel_base)) {
    for (std::string_view signal : k_otel_signals) {
      if (*rest == signal) {
        return RoutedPath{Route::otel, std::string(signal)};
      }
    }
  }
  return std::nullopt;
}

LocalReply
error_reply(Route route, int status, std::string_view message)
{
  const StatusNames& names = names_for(status);
  const std::string text = message.empty() ? names.default_message : std::string(message);

  LocalReply reply;
  reply.status = status;
  reply.headers.set("Content-Type", "application/json");
  if (asks_for_retry_after(status)) {
    reply.headers.set("Retry-After", k_retry_after_seconds);
  }
  reply.body = error_body(route, status, names, text)
                 .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return reply;
}

} // namespace aigw::net
