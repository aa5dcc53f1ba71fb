// SPDX-License-Identifier: MIT
// A small client for the Databricks REST API over net::HttpClient: JSON in and out, a bearer
// token from the caller on every request, the API's error bodies turned into one line that
// names the method, the redacted URL, the status and the server's own words, and 429/503
// answers retried with a bounded backoff that honours Retry-After.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "net/http.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::net {

// How long 429 and 503 answers are retried. Tests pass a short policy and their own sleep.
struct RetryPolicy
{
  static constexpr int k_max_tries = 5;
  static constexpr std::chrono::milliseconds k_max_total{60'000};

  int max_tries = k_max_tries;
  std::chrono::milliseconds max_total = k_max_total; // time spent in requests and waits
  std::chrono::milliseconds first_delay{1'000};      // doubled after each try
  std::chrono::milliseconds max_delay{16'000};
  bool jitter = true; // add up to a quarter of the delay at random
  std::function<void(std::chrono::milliseconds)> sleep; // default: std::this_thread
};

// A failed call: kind remote and the whole message, plus what a caller may branch on.
struct ApiError : util::Error
{
  int status = 0;         // 0 when no HTTP answer came (network, TLS, timeout)
  std::string error_code; // the body's error_code, when it had one
};

template <class T>
using ApiResult = util::Expected<T, ApiError>;

using BearerProvider = std::function<util::Result<util::Secret>()>;

// "<status> <error_code>: <message>" for a non-2xx `body`: the JSON {error_code, message},
// the legacy {"error": ...} and OAuth {error, error_description}, an HTML <pre> block, or
// the first line of plain text. `error_code` receives the code when there is one.
std::string describe_error_body(int status, std::string_view body, std::string* error_code);

// Whether `body` says "Invalid Token" (in any case): the AI Gateway answers a token it does
// not take with 400 and these words rather than 401 (shared/docs/databricks.md).
bool says_invalid_token(std::string_view body);

// Whether an answer with `status` and the whole of its `body` refuses the bearer token: 401,
// or 400 "Invalid Token". The relay's model routes, its OTel forwarding and the spool's
// flush decide by this before they fetch a fresh token and try once more.
bool refuses_token(int status, std::string_view body);

// The wait a Retry-After header asks for: delta-seconds or an HTTP date (relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(
  std::string_view value, std::chrono::system_clock::time_point now);

class DatabricksClient
{
public:
  // A client for the workspace at `host` (https://..., no trailing slash).
  DatabricksClient(HttpClient& http, std::string host, BearerProvider bearer,
                   RetryPolicy policy = {});

  const std::string& host() const { return m_host; }

  // GET `path` (with any query already in it) and parse the JSON answer.
  ApiResult<nlohmann::json> get(std::string_view path);

  // POST `body` as JSON to `path` and parse the JSON answer.
  ApiResult<nlohmann::json> post(std::string_view path, const nlohmann::json& body);

private:
  ApiResult<nlohmann::json> call(std::string_view method, std::string_view path,
                                 const nlohmann::json* body);
  ApiResult<HttpResponse> send_once(const HttpRequest& request);
  std::optional<std::chrono::milliseconds> retry_delay(const HttpResponse& response, int attempt,
                                                       std::chrono::milliseconds spent);
  std::chrono::milliseconds backoff(int attempt);

  HttpClient& m_http;
  std::string m_host;
  BearerProvider m_bearer;
  RetryPolicy m_policy;
};

} // namespace aigw::net
