// SPDX-License-Identifier: MIT
// net::DatabricksClient over a scripted HttpClient: what it sends, how each error body
// reads, and how 429/503 are retried (the waits are recorded, never slept).
#include <doctest/doctest.h>

#include <deque>

#include "net/databricks_client.hpp"

using aigw::net::ApiError;
using aigw::net::DatabricksClient;
using aigw::net::HttpError;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::HttpResponse;
using aigw::net::RetryPolicy;
using std::chrono::milliseconds;

namespace {

// Replays canned answers in order and records every request.
class ScriptedHttp : public aigw::net::HttpClient
{
public:
  using Answer = aigw::util::Expected<HttpResponse, HttpError>;

  void reply(int status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {})
  {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers.items = std::move(headers);
    m_answers.emplace_back(std::move(response));
  }
  void fail(HttpErrorKind kind, std::string message)
  {
    m_answers.emplace_back(aigw::util::unexpected(HttpError{kind, std::move(message)}));
  }

  Answer send(const HttpRequest& request) override
  {
    requests.push_back(request);
    REQUIRE(!m_answers.empty());
    Answer next = std::move(m_answers.front());
    m_answers.pop_front();
    return next;
  }
  std::unique_ptr<aigw::net::HttpTransfer> open(HttpRequest request) override
  {
    return aigw::net::finished_transfer(send(request));
  }

  std::vector<HttpRequest> requests;

private:
  std::deque<Answer> m_answers;
};

struct Harness
{
  ScriptedHttp http;
  std::vector<milliseconds> waits;
  DatabricksClient client;

  explicit Harness(RetryPolicy policy = {})
    : client(http, "https://adb-1.azuredatabricks.net",
             [] { return aigw::util::Result<aigw::util::Secret>(
                    aigw::util::Secret("dapi-client-test-token")); },
             with_recorder(std::move(policy)))
  {
  }

  RetryPolicy with_recorder(RetryPolicy policy)
  {
    policy.jitter = false;
    policy.sleep = [this](milliseconds wait) { waits.push_back(wait); };
    return policy;
  }
};

std::string
error_of(int status, const std::string& body)
{
  Harness harness;
  harness.http.reply(status, body);
  auto answer = harness.client.get("/api/2.0/sql/warehouses");
  REQUIRE(!answer);
  CHECK(answer.error().kind == aigw::util::ErrorKind::remote);
  CHECK(answer.error().status == status);
  return answer.error().message;
}

} // namespace

TEST_CASE("net::DatabricksClient requests")
{
  Harness harness;

  SUBCASE("GET: bearer token, JSON accepted, answer parsed")
  {
    harness.http.reply(200, R"({"warehouses": [{"id": "abc"}]})");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(answer);
    CHECK((*answer)["warehouses"][0]["id"] == "abc");
    const HttpRequest& sent = harness.http.requests.at(0);
    CHECK(sent.method == "GET");
    CHECK(sent.url == "https://adb-1.azuredatabricks.net/api/2.0/sql/warehouses");
    CHECK(sent.headers.get("Authorization") == "Bearer dapi-client-test-token");
    CHECK(sent.headers.get("Accept") == "application/json");
    CHECK(!sent.headers.get("Content-Type"));
    CHECK(sent.body.empty());
  }

  SUBCASE("POST: the body as JSON")
  {
    harness.http.reply(200, "");
    nlohmann::ordered_json body{{"statement", "SELECT 1"}, {"warehouse_id", "abc"}};
    auto answer = harness.client.post("/api/2.0/sql/statements", body);
    REQUIRE(answer);
    CHECK(*answer == nlohmann::json::object());
    const HttpRequest& sent = harness.http.requests.at(0);
    CHECK(sent.method == "POST");
    CHECK(sent.headers.get("Content-Type") == "application/json");
    CHECK(sent.body == R"({"statement":"SELECT 1","warehouse_id":"abc"})");
  }

  SUBCASE("a 2xx body that is not JSON")
  {
    harness.http.reply(200, "<html>login</html>");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().message == "GET https://adb-1.azuredatabricks.net/api/2.0/sql/"
                                    "warehouses: 200 with a body that is not JSON");
  }

  SUBCASE("a network failure keeps the client's words")
  {
    harness.http.fail(HttpErrorKind::connect,
                      "GET https://adb-1.azuredatabricks.net/api/2.0/sql/warehouses: connection "
                      "refused");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().status == 0);
    CHECK(answer.error().message == "GET https://adb-1.azuredatabricks.net/api/2.0/sql/"
                                    "warehouses: connection refused");
  }

  SUBCASE("query values are redacted in messages")
  {
    harness.http.reply(404, R"({"error_code":"NOT_FOUND","message":"gone"})");
    auto answer = harness.client.get("/api/2.0/sql/warehouses?page_token=secret-page");
    REQUIRE(!answer);
    CHECK(answer.error().message == "GET https://adb-1.azuredatabricks.net/api/2.0/sql/"
                                    "warehouses?page_token=***: 404 NOT_FOUND: gone");
  }
}

TEST_CASE("net::DatabricksClient error bodies")
{
  const std::string get = "GET https://adb-1.azuredatabricks.net/api/2.0/sql/warehouses: ";

  SUBCASE("{error_code, message}")
  {
    CHECK(error_of(403, R"({"error_code":"PERMISSION_DENIED","message":"no access"})")
          == get + "403 PERMISSION_DENIED: no access");
  }
  SUBCASE("a message that repeats its code says it once")
  {
    CHECK(error_of(400, R"({"error_code":"INVALID_PARAMETER_VALUE",)"
                        R"("message":"INVALID_PARAMETER_VALUE: bad id"})")
          == get + "400 INVALID_PARAMETER_VALUE: bad id");
  }
  SUBCASE("a numeric error_code")
  {
    CHECK(error_of(401, R"({"error_code":401,"message":"Unauthorized"})")
          == get + "401 401: Unauthorized");
  }
  SUBCASE("legacy {error}")
  {
    CHECK(error_of(400, R"({"error":"Invalid Token"})") == get + "400 Bad Request: Invalid Token");
  }
  SUBCASE("OAuth {error, error_description}")
  {
    CHECK(error_of(401, R"({"error":"invalid_client","error_description":"bad secret"})")
          == get + "401 invalid_client: bad secret");
  }
  SUBCASE("plain text CODE: message")
  {
    CHECK(error_of(400, "INVALID_STATE: warehouse is stopping\nmore") ==
          get + "400 INVALID_STATE: warehouse is stopping");
  }
  SUBCASE("plain text")
  {
    CHECK(error_of(502, "upstream connect error\n") == get + "502 Bad Gateway: upstream connect "
                                                             "error");
  }
  SUBCASE("an HTML <pre> block")
  {
    CHECK(error_of(500, "<html><body><pre>Server Error: boom</pre></body></html>")
          == get + "500 Internal Server Error: Server Error: boom");
  }
  SUBCASE("no body")
  {
    CHECK(error_of(404, "") == get + "404 Not Found");
  }
}

TEST_CASE("net::DatabricksClient retries 429 and 503")
{
  const std::string get = "GET https://adb-1.azuredatabricks.net/api/2.0/sql/warehouses: ";
  const std::string limited = R"({"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"})";

  SUBCASE("Retry-After in seconds is honoured")
  {
    Harness harness;
    harness.http.reply(429, limited, {{"Retry-After", "7"}});
    harness.http.reply(200, "{}");
    REQUIRE(harness.client.get("/api/2.0/sql/warehouses"));
    CHECK(harness.waits == std::vector<milliseconds>{milliseconds(7000)});
    CHECK(harness.http.requests.size() == 2);
  }

  SUBCASE("without Retry-After: exponential backoff")
  {
    Harness harness;
    harness.http.reply(503, "");
    harness.http.reply(429, limited);
    harness.http.reply(200, "{}");
    REQUIRE(harness.client.get("/api/2.0/sql/warehouses"));
    CHECK(harness.waits == std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)});
  }

  SUBCASE("a short Retry-After does not shorten the backoff")
  {
    Harness harness;
    harness.http.reply(429, limited, {{"Retry-After", "0"}});
    harness.http.reply(200, "{}");
    REQUIRE(harness.client.get("/api/2.0/sql/warehouses"));
    CHECK(harness.waits == std::vector<milliseconds>{milliseconds(1000)});
  }

  SUBCASE("at most five tries")
  {
    Harness harness;
    for (int i = 0; i < 5; ++i) {
      harness.http.reply(429, limited);
    }
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().message
          == get + "429 REQUEST_LIMIT_EXCEEDED: slow down (gave up after 5 tries)");
    CHECK(harness.waits.size() == 4);
  }

  SUBCASE("the tries are a parameter")
  {
    RetryPolicy policy;
    policy.max_tries = 2;
    Harness harness(policy);
    harness.http.reply(503, "");
    harness.http.reply(503, "");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().message == get + "503 Service Unavailable (gave up after 2 tries)");
  }

  SUBCASE("a wait past the time budget is not taken")
  {
    RetryPolicy policy;
    policy.max_total = milliseconds(5000);
    Harness harness(policy);
    harness.http.reply(429, limited, {{"Retry-After", "120"}});
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().message == get + "429 REQUEST_LIMIT_EXCEEDED: slow down");
    CHECK(harness.waits.empty());
  }

  SUBCASE("waits add up against the budget")
  {
    RetryPolicy policy;
    policy.max_total = milliseconds(2500);
    Harness harness(policy);
    harness.http.reply(503, "");
    harness.http.reply(503, "");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(harness.waits == std::vector<milliseconds>{milliseconds(1000)});
    CHECK(answer.error().message == get + "503 Service Unavailable (gave up after 2 tries)");
  }

  SUBCASE("other statuses are not retried")
  {
    Harness harness;
    harness.http.reply(500, R"({"error_code":"INTERNAL_ERROR","message":"oops"})");
    auto answer = harness.client.get("/api/2.0/sql/warehouses");
    REQUIRE(!answer);
    CHECK(answer.error().message == get + "500 INTERNAL_ERROR: oops");
    CHECK(harness.http.requests.size() == 1);
  }
}

TEST_CASE("net::DatabricksClient without a token")
{
  ScriptedHttp http;
  DatabricksClient client(http, "https://adb-1.azuredatabricks.net", [] {
    return aigw::util::Result<aigw::util::Secret>(
      aigw::util::fail(aigw::util::ErrorKind::remote, "no token today"));
  });
  auto answer = client.get("/api/2.0/sql/warehouses");
  REQUIRE(!answer);
  CHECK(answer.error().message == "no token today");
  CHECK(http.requests.empty());
}

TEST_CASE("net::DatabricksClient parse_retry_after")
{
  using aigw::net::parse_retry_after;
  // 2026-12-04 05:07:48 UTC
  const auto now = std::chrono::system_clock::from_time_t(1796360868);

  CHECK(parse_retry_after("12", now) == milliseconds(12000));
  CHECK(parse_retry_after(" 0 ", now) == milliseconds(0));
  CHECK(parse_retry_after("Fri, 04 Dec 2026 05:08:18 GMT", now) == milliseconds(30000));
  CHECK(parse_retry_after("Fri, 04 Dec 2026 05:00:00 GMT", now) == milliseconds(0));
  CHECK(!parse_retry_after("soon", now));
  CHECK(!parse_retry_after("Fri, 04 Dec 2026 05:08:18 CET", now));
  CHECK(!parse_retry_after("", now));
}
