// SPDX-License-Identifier: MIT
// The Databricks REST client. Error bodies come in several shapes (databricks-sdk-go
// apierr/errors.go parses the same ones); each becomes "<METHOD> <redacted url>: <status>
// <error_code>: <message>". Only 429 and 503 are retried, because only they say "try again
// later" without doubt; the wait is the larger of our exponential backoff and the server's
// Retry-After, and the whole retry budget (tries and time) is bounded so that a command
// never hangs on a throttled workspace.
#include "net/databricks_client.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>
#include <thread>

#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

using std::chrono::milliseconds;

const char*
reason_phrase(int status)
{
  switch (status) {
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 409:
    return "Conflict";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "HTTP error";
  }
}

std::string
first_line(std::string_view text)
{
  constexpr std::size_t k_max = 300;
  text = util::trim(text);
  std::string line(util::trim(text.substr(0, text.find('\n'))));
  if (line.size() > k_max) {
    line = line.substr(0, k_max) + "...";
  }
  return line;
}

// "CODE: message" (plain-text bodies, and messages that repeat their own code).
bool
split_code_prefix(std::string_view text, std::string& code, std::string& rest)
{
  const std::size_t colon = text.find(": ");
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  const std::string_view head = text.substr(0, colon);
  const bool all_code = std::all_of(head.begin(), head.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
  });
  if (!all_code) {
    return false;
  }
  code = std::string(head);
  rest = std::string(text.substr(colon + 2));
  return true;
}

std::string
json_text(const nlohmann::json& value)
{
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.is_null() ? std::string() : value.dump();
}

std::string
with_code(int status, const std::string& code, std::string message)
{
  std::string again;
  std::string rest;
  if (split_code_prefix(message, again, rest) && again == code) {
    message = rest;
  }
  std::string text = std::to_string(status) + " "
                     + (code.empty() ? std::string(reason_phrase(status)) : code);
  return message.empty() ? text : text + ": " + message;
}

std::string
describe_json(int status, const nlohmann::json& json, std::string& code)
{
  if (json.contains("error_code")) {
    code = json_text(json["error_code"]);
    return with_code(status, code, json_text(json.value("message", nlohmann::json())));
  }
  if (json.contains("error") && json.contains("error_description")) {
    code = json_text(json["error"]);
    return with_code(status, code, json_text(json["error_description"]));
  }
  const auto message = json.contains("error") ? json["error"]
                                              : json.value("message", nlohmann::json());
  return with_code(status, "", json_text(message));
}

std::string
describe_text(int status, std::string_view body, std::string& code)
{
  const std::size_t pre = body.find("<pre>");
  if (pre != std::string_view::npos) {
    const std::size_t end = body.find("</pre>", pre);
    body = body.substr(pre + 5, end == std::string_view::npos ? end : end - pre - 5);
  }
  const std::string line = first_line(body);
  std::string rest;
  if (split_code_prefix(line, code, rest)) {
    return with_code(status, code, rest);
  }
  return with_code(status, "", line);
}

std::optional<std::chrono::system_clock::time_point>
parse_http_date(std::string_view text)
{
  // IMF-fixdate, the only form RFC 9110 lets a sender use: "Sun, 06 Nov 1994 08:49:37 GMT".
  static constexpr std::string_view k_months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm parts{};
  char month[4] = {};
  char zone[4] = {};
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d %3s", &parts.tm_mday, month,
                  &parts.tm_year, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, zone)
        != 7
      || std::string_view(zone) != "GMT") {
    return std::nullopt;
  }
  const std::size_t index = k_months.find(month);
  if (index == std::string_view::npos || index % 3 != 0) {
    return std::nullopt;
  }
  parts.tm_mon = static_cast<int>(index / 3);
  parts.tm_year -= 1900;
  return std::chrono::system_clock::from_time_t(::timegm(&parts));
}

bool
retriable(int status)
{
  return status == 429 || status == 503;
}

ApiResult<nlohmann::json>
parse_json(const HttpRequest& request, const HttpResponse& response)
{
  if (util::trim(response.body).empty()) {
    return nlohmann::json::object();
  }
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded()) {
    ApiError error;
    error.kind = util::ErrorKind::remote;
    error.status = response.status;
    error.message = request.method + " " + redact_url(request.url) + ": "
                    + std::to_string(response.status) + " with a body that is not JSON";
    return util::unexpected(std::move(error));
  }
  return json;
}

ApiError
failure(const HttpRequest& request, const HttpResponse& response, int attempt)
{
  ApiError error;
  error.kind = util::ErrorKind::remote;
  error.status = response.status;
  error.message = request.method + " " + redact_url(request.url) + ": "
                  + describe_error_body(response.status, response.body, &error.error_code);
  if (attempt > 1) {
    error.message += " (gave up after " + std::to_string(attempt) + " tries)";
  }
  return error;
}

} // namespace

bool
says_invalid_token(std::string_view body)
{
  return util::to_lower(body).find("invalid token") != std::string::npos;
}

bool
refuses_token(int status, std::string_view body)
{
  return status == 401 || (status == 400 && says_invalid_token(body));
}

std::string
describe_error_body(int status, std::string_view body, std::string* error_code)
{
  std::string code;
  std::string text;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object()) {
    text = describe_json(status, json, code);
  } else {
    text = describe_text(status, body, code);
  }
  if (error_code != nullptr) {
    *error_code = code;
  }
  return text;
}

std::optional<milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now)
{
  value = util::trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything past a day is as good as "not within our budget"; this keeps it from overflowing.
    if (value.size() > 6) {
      return milliseconds(86'400'000);
    }
    return milliseconds(std::stol(std::string(value)) * 1000);
  }
  const auto date = parse_http_date(value);
  if (!date) {
    return std::nullopt;
  }
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(*date - now));
}

DatabricksClient::DatabricksClient(HttpClient& http, std::string host, BearerProvider bearer,
                                   RetryPolicy policy)
  : m_http(http), m_host(std::move(host)), m_bearer(std::move(bearer)), m_policy(std::move(policy))
{
  if (!m_policy.sleep) {
    m_policy.sleep = [](milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
}

ApiResult<nlohmann::json>
DatabricksClient::get(std::string_view path)
{
  return call("GET", path, nullptr);
}

ApiResult<nlohmann::json>
DatabricksClient::post(std::string_view path, const nlohmann::json& body)
{
  return call("POST", path, &body);
}

milliseconds
DatabricksClient::backoff(int attempt)
{
  milliseconds delay = m_policy.first_delay;
  for (int i = 1; i < attempt && delay < m_policy.max_delay; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, m_policy.max_delay);
  if (m_policy.jitter && delay.count() >= 4) {
    static thread_local std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<long> extra(0, delay.count() / 4);
    delay += milliseconds(extra(random));
  }
  return delay;
}

// The HTTP client logs every request at debug ("GET <redacted url> -> 200 (12 ms)"); this
// layer adds only what it decides: retries.
ApiResult<HttpResponse>
DatabricksClient::send_once(const HttpRequest& request)
{
  auto response = m_http.send(request);
  const std::string url = redact_url(request.url);
  if (!response) {
    ApiError error;
    error.kind = util::ErrorKind::remote;
    const std::string& cause = response.error().message;
    // The HTTP client's message names method and URL already; say them once.
    error.message = cause.find(url) != std::string::npos ? cause
                                                          : request.method + " " + url + ": "
                                                              + cause;
    return util::unexpected(std::move(error));
  }
  return std::move(*response);
}

ApiResult<nlohmann::json>
DatabricksClient::call(std::string_view method, std::string_view path, const nlohmann::json* body)
{
  HttpRequest request;
  request.method = std::string(method);
  request.url = m_host + std::string(path);
  request.headers.set("Accept", "application/json");
  if (body != nullptr) {
    request.headers.set("Content-Type", "application/json");
    request.body = body->dump();
  }

  // Time in requests plus time waited; with a test's sleep both are still counted exactly.
  milliseconds spent{0};
  for (int attempt = 1;; ++attempt) {
    auto bearer = m_bearer();
    if (!bearer) {
      return util::unexpected(ApiError{std::move(bearer).error(), 0, ""});
    }
    request.headers.set("Authorization", "Bearer " + bearer->reveal());

    const auto start = std::chrono::steady_clock::now();
    auto response = send_once(request);
    spent += std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    AIGW_TRY(response);
    if (response->status >= 200 && response->status < 300) {
      return parse_json(request, *response);
    }

    const auto delay = retry_delay(*response, attempt, spent);
    if (!delay) {
      return util::unexpected(failure(request, *response, attempt));
    }
    AIGW_DEBUG(request.method << " " << redact_url(request.url) << ": " << response->status
                              << ", trying again in " << delay->count() << " ms");
    m_policy.sleep(*delay);
    spent += *delay;
  }
}

std::optional<milliseconds>
DatabricksClient::retry_delay(const HttpResponse& response, int attempt, milliseconds spent)
{
  if (!retriable(response.status) || attempt >= m_policy.max_tries) {
    return std::nullopt;
  }
  milliseconds delay = backoff(attempt);
  if (const auto asked = response.headers.get("Retry-After")) {
    const auto now = std::chrono::system_clock::now();
    delay = std::max(delay, parse_retry_after(*asked, now).value_or(milliseconds(0)));
  }
  if (spent + delay > m_policy.max_total) {
    return std::nullopt;
  }
  return delay;
}

} // namespace aigw::net
