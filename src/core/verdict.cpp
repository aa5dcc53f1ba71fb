// SPDX-License-Identifier: MIT
// The classification half of verdict.hpp. The order of the checks is the point: a token
// error is recognised before anything else, because the AI Gateway answers a bad token with
// 400 "Invalid Token" (databricks.md A5, unity-gateway#84) and sometimes 403, which would
// otherwise read as a bad request or a missing permission. A 404 is only an unknown model
// when its body says so (an error code or the model's name); a bare 404 means nothing
// serves the route at that URL, which is what sends round_trip.cpp to try the other layout.
#include "core/verdict.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "net/databricks_client.hpp"
#include "net/wire.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Json = nlohmann::json;

constexpr std::size_t k_max_message = 300;


bool
contains(std::string_view text, std::string_view part)
{
  return text.find(part) != std::string_view::npos;
}

std::string
text_of(const Json& value)
{
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.is_null() ? std::string() : value.dump();
}

// One line of at most k_max_message characters.
std::string
one_line(std::string_view text)
{
  text = util::trim(text);
  std::string line(util::trim(text.substr(0, text.find('\n'))));
  return line.size() > k_max_message ? line.substr(0, k_max_message) + "..." : line;
}

ErrorBody
error_from_json(const Json& json)
{
  ErrorBody error;
  if (json.contains("error_code")) {
    error.code = text_of(json["error_code"]);
    error.message = text_of(json.value("message", Json()));
  } else if (json.contains("error") && json["error"].is_object()) {
    // Anthropic {type, message}, OpenAI {message, type, code}, Gemini {code, message, status}.
    const Json& inner = json["error"];
    for (const char* key : {"status", "type", "code"}) {
      if (inner.contains(key) && inner[key].is_string()) {
        error.code = inner[key].get<std::string>();
        break;
      }
    }
    error.message = text_of(inner.value("message", Json()));
  } else if (json.contains("error")) {
    error.code = json.contains("error_description") ? text_of(json["error"]) : "";
    error.message = text_of(json.value("error_description", json["error"]));
  } else {
    error.message = text_of(json.value("message", Json()));
  }
  return error;
}

// "REQUEST_LIMIT_EXCEEDED: Exceeded ..." repeats its code; the code is kept apart.
void
drop_repeated_code(ErrorBody& error)
{
  if (!error.code.empty() && error.message.starts_with(error.code + ": ")) {
    error.message = error.message.substr(error.code.size() + 2);
  }
}

std::string
format_name(RouteKind kind)
{
  switch (kind) {
  case RouteKind::claude:
    return "Messages API";
  case RouteKind::codex:
    return "Responses API";
  case RouteKind::gemini:
    return "Gemini streamGenerateContent";
  case RouteKind::cursor:
    return "chat completions";
  case RouteKind::otel_metrics:
  case RouteKind::otel_logs:
    break;
  }
  return "OTLP";
}

bool
is_otel(RouteKind kind)
{
  return kind == RouteKind::otel_metrics || kind == RouteKind::otel_logs;
}

std::string
http_cause(int status, const ErrorBody& error)
{
  std::string cause = "HTTP " + std::to_string(status);
  if (!error.code.empty()) {
    cause += " " + error.code;
  }
  return error.message.empty() ? cause : cause + ": " + error.message;
}

Verdict
transport_verdict(net::HttpErrorKind kind, bool via_proxy)
{
  switch (kind) {
  case net::HttpErrorKind::dns:
    return Verdict::dns;
  case net::HttpErrorKind::connect:
    // A proxy that cannot be reached fails the same way as the host itself.
    return via_proxy ? Verdict::proxy : Verdict::refused;
  case net::HttpErrorKind::tls:
    return Verdict::tls;
  case net::HttpErrorKind::timeout:
    return Verdict::timeout;
  case net::HttpErrorKind::proxy:
    return Verdict::proxy;
  case net::HttpErrorKind::reset:
    return Verdict::dropped;
  case net::HttpErrorKind::cancelled:
  case net::HttpErrorKind::other:
    break;
  }
  return Verdict::network;
}

// libcurl's own words in a transport failure's cause, "the request failed (WORDS)"; empty
// when the cause has none.
std::string
curl_words(const std::string& cause)
{
  const auto open = cause.find(" (");
  if (open == std::string::npos || !cause.ends_with(')')) {
    return "";
  }
  return cause.substr(open + 2, cause.size() - open - 3);
}

Diagnosis
transport_diagnosis(const Observation& observation)
{
  const net::HttpError& error = *observation.error;
  // The client's message starts with "METHOD url: "; the URL has its own column.
  const auto colon = error.message.find(": ");
  std::string cause =
    colon == std::string::npos ? error.message : error.message.substr(colon + 2);
  std::string words = curl_words(cause);
  return {transport_verdict(error.kind, observation.via_proxy), std::move(cause),
          std::move(words), {}};
}

bool
is_token_error(int status, const ErrorBody& error)
{
  if (status == 401) {
    return true;
  }
  const bool says_invalid_token = contains(util::to_lower(error.message), "invalid token")
                                  || contains(util::to_lower(error.code), "invalid token");
  return (status == 400 || status == 403) && says_invalid_token;
}

// Whether an error body says that the model (or, for OTel, the table) it was asked for does
// not exist, as opposed to a path nothing serves.
bool
names_missing_target(const ErrorBody& error, const std::string& target, int status)
{
  static constexpr std::array k_codes{"RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND",
                                      "TABLE_OR_VIEW_NOT_FOUND", "model_not_found"};
  if (std::find(k_codes.begin(), k_codes.end(), error.code) != k_codes.end()) {
    return true;
  }
  const std::string message = util::to_lower(error.message);
  const bool names_target = !target.empty() && contains(message, util::to_lower(target));
  if (status == 404 && names_target) {
    return true;
  }
  const bool missing = contains(message, "not found") || contains(message, "does not exist")
                       || contains(message, "not exist") || contains(message, "unknown");
  return missing && (names_target || contains(message, "model") || contains(message, "table"));
}

// Whether the relay itself answered that it could not reach the gateway (or, for OTel, the
// workspace): a 5xx in its own words, not one the gateway sent and the relay passed on.
bool
relay_could_not_forward(const Observation& observation, const ErrorBody& error)
{
  const int status = observation.status;
  return observation.via_relay && (status == 502 || status == 504)
         && net::is_upstream_failure_message(error.message);
}

Diagnosis
status_diagnosis(const Observation& observation)
{
  const int status = observation.status;
  ErrorBody error = parse_error_body(observation.body);
  drop_repeated_code(error);
  Diagnosis diagnosis{Verdict::bad_request, http_cause(status, error), error.message, {}};

  if (is_token_error(status, error)) {
    const bool expired = observation.token_expiry && *observation.token_expiry <= observation.now;
    diagnosis.verdict = expired ? Verdict::token_expired : Verdict::token_invalid;
  } else if (status == 403) {
    diagnosis.verdict = Verdict::forbidden;
  } else if ((status == 404 || status == 400)
             && names_missing_target(error, observation.model, status)) {
    diagnosis.verdict = is_otel(observation.kind) ? Verdict::unknown_table : Verdict::unknown_model;
  } else if (status == 404 || status == 405) {
    diagnosis.verdict = Verdict::wrong_url;
    diagnosis.cause = "HTTP " + std::to_string(status) + " with no gateway error: nothing serves "
                      "this route at this URL";
  } else if (status == 429) {
    diagnosis.verdict = Verdict::rate_limited;
    if (auto value = observation.headers.get("Retry-After")) {
      if (auto wait = net::parse_retry_after(*value, observation.now)) {
        diagnosis.retry_after = std::chrono::ceil<std::chrono::seconds>(*wait);
      }
    }
  } else if (observation.via_relay && status == 502
             && error.message.starts_with(net::k_relay_no_credential)) {
    diagnosis.verdict = Verdict::relay_no_credential;
    diagnosis.cause = "HTTP 502 from the relay: " + error.message;
  } else if (relay_could_not_forward(observation, error)) {
    diagnosis.verdict = Verdict::gateway_unreachable;
    diagnosis.cause = "HTTP " + std::to_string(status) + " from the relay: " + error.message;
  } else if (status >= 500) {
    diagnosis.verdict = Verdict::server_error;
  }
  return diagnosis;
}

} // namespace

std::string
to_string(Verdict verdict)
{
  static constexpr std::array k_ids{
    "pass",         "token_missing", "token_invalid", "token_expired", "forbidden",
    "wrong_url",    "unknown_model", "unknown_table", "rate_limited",  "bad_request",
    "server_error", "gateway_unreachable", "relay_no_credential", "bad_reply", "tls", "proxy",
    "dns",
    "refused",      "timeout",       "dropped",       "network",
  };
  return k_ids.at(static_cast<std::size_t>(verdict));
}

std::string
to_string(RouteKind kind)
{
  static constexpr std::array k_names{"claude", "codex",        "gemini",
                                      "cursor", "otel-metrics", "otel-logs"};
  return k_names.at(static_cast<std::size_t>(kind));
}

std::string
agent_of(RouteKind kind)
{
  return is_otel(kind) ? "otel" : to_string(kind);
}

ErrorBody
parse_error_body(const std::string& body)
{
  const auto json = Json::parse(body, nullptr, false);
  ErrorBody error;
  if (!json.is_discarded() && json.is_object()) {
    error = error_from_json(json);
  } else {
    error.message = body;
  }
  error.message = one_line(error.message);
  return error;
}

// The string member `field` of `body` when it is a JSON object; empty otherwise. A reply
// is judged by its content, not by how its JSON is spaced.
std::string
json_string_field(const std::string& body, const char* field)
{
  const auto json = Json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains(field)
      || !json[field].is_string()) {
    return "";
  }
  return json[field].get<std::string>();
}

bool
reply_in_agent_format(RouteKind kind, const std::string& body)
{
  switch (kind) {
  case RouteKind::claude:
    return contains(body, "message_start") || json_string_field(body, "type") == "message";
  case RouteKind::codex:
    return contains(body, "response.created") || contains(body, "response.completed")
           || json_string_field(body, "object") == "response";
  case RouteKind::gemini:
    return contains(body, "\"candidates\"");
  case RouteKind::cursor:
    return contains(body, "chat.completion");
  case RouteKind::otel_metrics:
  case RouteKind::otel_logs:
    break;
  }
  return true;
}

Diagnosis
diagnose(const Observation& observation)
{
  if (observation.error) {
    return transport_diagnosis(observation);
  }
  const int status = observation.status;
  if (status >= 200 && status < 300) {
    if (reply_in_agent_format(observation.kind, observation.body)) {
      return {Verdict::pass, "HTTP " + std::to_string(status) + " " + format_name(observation.kind)
                               + " reply", "", {}};
    }
    return {Verdict::bad_reply,
            "HTTP " + std::to_string(status) + " but not a " + format_name(observation.kind)
              + " reply: " + one_line(observation.body),
            "", {}};
  }
  if (status >= 300 && status < 400) {
    const std::string target = net::redact_url(observation.headers.get("Location").value_or("?"));
    return {Verdict::wrong_url, "HTTP " + std::to_string(status) + ": redirected to " + target, "",
            {}};
  }
  if (status >= 400) {
    return status_diagnosis(observation);
  }
  return {Verdict::bad_reply, "HTTP " + std::to_string(status) + ": not a final answer", "", {}};
}

} // namespace aigw::core
