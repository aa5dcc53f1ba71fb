// SPDX-License-Identifier: MIT
// The wire basics: which route a path takes, the error reply each route's agent expects
// (body, status and headers, byte for byte), and the header list every request carries.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"
#include "support/wire_streams.hpp"

using aigw::net::error_reply;
using aigw::net::LocalReply;
using aigw::net::Route;
using aigw::net::route_of;
using aigw::test::wire_streams::header;
using Json = nlohmann::json;

TEST_CASE("net::route_of")
{
  SUBCASE("each route and the rest of the path")
  {
    const auto check = [](const char* path, Route route, const char* rest) {
      const auto routed = route_of(path);
      REQUIRE_MESSAGE(routed, path);
      CHECK(routed->route == route);
      CHECK(routed->rest == rest);
    };
    check("/anthropic/v1/messages", Route::anthropic, "/v1/messages");
    check("/anthropic", Route::anthropic, "");
    check("/anthropic/", Route::anthropic, "/");
    check("/openai/v1/responses", Route::openai, "/responses");
    check("/codex/v1/responses", Route::openai, "/responses");
    check("/openai/v1", Route::openai, "");
    check("/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent",
          Route::gemini,
          "/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent");
    check("/cursor/v1/chat/completions", Route::cursor, "/chat/completions");
    check("/api/2.0/otel/v1/metrics", Route::otel, "/metrics");
    check("/api/2.0/otel/v1/logs", Route::otel, "/logs");
    check("/api/2.0/otel/v1/traces", Route::otel, "/traces");
    check("/anthropic/v1/models/claude%3Aopus", Route::anthropic, "/v1/models/claude%3Aopus");
  }

  SUBCASE("paths no route serves")
  {
    for (const char* path : {"", "/", "anthropic/v1/messages", "/anthropicx/v1", "/openai",
                             "/openai/v2/responses", "/codex", "/cursor/chat/completions",
                             "/api/2.0/otel/v1", "/api/2.0/otel/v1/spans",
                             "/api/2.0/otel/v1/logs/extra", "/api/2.0/otel/v1/logs/",
                             "/Anthropic/v1/messages", "/gemini-x/v1beta"}) {
      CHECK_MESSAGE(!route_of(path), path);
    }
  }

  SUBCASE("dot segments, encoded slashes and odd bytes are refused")
  {
    for (const char* path :
         {"/anthropic/../api/2.0/otel/v1/logs", "/anthropic/v1/..", "/anthropic/./v1/messages",
          "/gemini/v1beta/models/..%2F..%2Fsecret", "/anthropic/v1%2Fmessages",
          "/anthropic/v1%2fmessages", "/anthropic/v1/%2e%2e/x", "/anthropic/v1/%2E",
          "/anthropic/v1%5Cmessages", "/anthropic/v1/%00", "/anthropic/v1/%zz", "/anthropic/v1/%4",
          "/anthropic/v1/%", "/anthropic//v1/messages", "//anthropic/v1/messages",
          "/anthropic/v1\\messages", "/anthropic/v1/messages?beta=true", "/anthropic/v1/a b",
          "/anthropic/v1/#x", "/anthropic/v1/\x7f", "/anthropic/v1/\xc3\xa9"}) {
      CHECK_MESSAGE(!route_of(path), path);
    }
  }
}

TEST_CASE("net::to_string(Route)")
{
  CHECK(aigw::net::to_string(Route::anthropic) == "anthropic");
  CHECK(aigw::net::to_string(Route::openai) == "openai");
  CHECK(aigw::net::to_string(Route::gemini) == "gemini");
  CHECK(aigw::net::to_string(Route::cursor) == "cursor");
  CHECK(aigw::net::to_string(Route::otel) == "otel");
}

TEST_CASE("net::error_reply")
{
  SUBCASE("Anthropic error types")
  {
    const LocalReply reply = error_reply(Route::anthropic, 401, "bad relay key");
    CHECK(reply.status == 401);
    CHECK(header(reply, "content-type") == "application/json");
    CHECK(header(reply, "Retry-After") == "<none>");
    CHECK(reply.body
          == R"({"type":"error","error":{"type":"authentication_error",)"
             R"("message":"bad relay key"}})");
    CHECK(reply.events.empty());

    const std::vector<std::pair<int, std::string>> types{
      {400, "invalid_request_error"}, {403, "permission_error"}, {404, "not_found_error"},
      {413, "invalid_request_error"}, {429, "rate_limit_error"}, {500, "api_error"},
      {502, "api_error"},             {503, "overloaded_error"}, {529, "api_error"}};
    for (const auto& [status, type] : types) {
      const Json body = Json::parse(error_reply(Route::anthropic, status, "m").body);
      CHECK_MESSAGE(body["error"]["type"] == type, status);
    }
  }

  SUBCASE("OpenAI shape, for Codex and Cursor alike")
  {
    const LocalReply reply = error_reply(Route::openai, 404, "no such path");
    CHECK(reply.body
          == R"({"error":{"message":"no such path","type":"invalid_request_error","param":null,)"
             R"("code":"not_found"}})");
    CHECK(error_reply(Route::cursor, 404, "no such path").body == reply.body);
    CHECK(error_reply(Route::openai, 500, "x").body
          == R"({"error":{"message":"x","type":"server_error","param":null,)"
             R"("code":"internal_error"}})");
  }

  SUBCASE("Gemini status strings")
  {
    CHECK(error_reply(Route::gemini, 403, "no").body
          == R"({"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}})");
    const std::vector<std::pair<int, std::string>> statuses{
      {400, "INVALID_ARGUMENT"}, {401, "UNAUTHENTICATED"},   {404, "NOT_FOUND"},
      {429, "RESOURCE_EXHAUSTED"}, {500, "INTERNAL"},        {503, "UNAVAILABLE"},
      {418, "INVALID_ARGUMENT"}, {599, "INTERNAL"}};
    for (const auto& [status, name] : statuses) {
      const Json body = Json::parse(error_reply(Route::gemini, status, "m").body);
      CHECK_MESSAGE(body["error"]["status"] == name, status);
      CHECK(body["error"]["code"] == status);
    }
  }

  SUBCASE("429 and 503 say when to retry; Gemini reads it from the body")
  {
    for (int status : {429, 503}) {
      for (Route route : {Route::anthropic, Route::openai, Route::gemini, Route::cursor,
                          Route::otel}) {
        CHECK(header(error_reply(route, status, "later"), "Retry-After") == "2");
      }
    }
    CHECK(header(error_reply(Route::openai, 500, "x"), "Retry-After") == "<none>");
    CHECK(error_reply(Route::gemini, 429, "slow down").body
          == R"({"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED",)"
             R"("details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo",)"
             R"("retryDelay":"2s"}]}})");
  }

  SUBCASE("the OTel route answers like Databricks REST")
  {
    CHECK(error_reply(Route::otel, 429, "too many exports").body
          == R"({"error_code":"REQUEST_LIMIT_EXCEEDED","message":"too many exports"})");
    CHECK(error_reply(Route::otel, 401, "x").body
          == R"({"error_code":"UNAUTHENTICATED","message":"x"})");
  }

  SUBCASE("no message: one a person can act on")
  {
    CHECK(Json::parse(error_reply(Route::anthropic, 401, "").body)["error"]["message"]
          == "missing or wrong relay key: run `aigw-setup configure --auth relay` so the agent "
             "sends the key this relay accepts");
    CHECK(Json::parse(error_reply(Route::openai, 502, "").body)["error"]["message"]
          == "the gateway could not be reached: run `aigw-setup test` to see why");
  }

  SUBCASE("message text is escaped, never breaks the JSON")
  {
    const std::string body = error_reply(Route::anthropic, 400, "a \"quoted\"\nline").body;
    CHECK(Json::parse(body)["error"]["message"] == "a \"quoted\"\nline");
  }
}

TEST_CASE("net::Headers")
{
  aigw::net::Headers headers;
  headers.add("Content-Type", "application/json");
  headers.add("X-Trace", "1");
  headers.add("x-trace", "2");
  headers.add("Accept", "*/*");

  SUBCASE("names compare without case; the first value wins")
  {
    CHECK(headers.get("content-type") == "application/json");
    CHECK(headers.get("X-TRACE") == "1");
    CHECK_FALSE(headers.get("Content"));
  }

  SUBCASE("set replaces every header of the name, where the first one was")
  {
    headers.set("X-TRACE", "3");
    const std::vector<std::pair<std::string, std::string>> expected{
      {"Content-Type", "application/json"}, {"X-TRACE", "3"}, {"Accept", "*/*"}};
    CHECK(headers.items == expected);
    headers.set("New", "v");
    CHECK(headers.items.back() == std::pair<std::string, std::string>{"New", "v"});
  }

  SUBCASE("remove takes every header of the name")
  {
    headers.remove("X-trace");
    const std::vector<std::pair<std::string, std::string>> expected{
      {"Content-Type", "application/json"}, {"Accept", "*/*"}};
    CHECK(headers.items == expected);
  }
}
