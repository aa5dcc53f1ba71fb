// SPDX-License-Identifier: MIT
// The fake AI Gateway answers as documented, seen through the curl client: the offline
// stand-in's replies renamed to "fake gateway" (also where the name straddles two stream
// events), the Claude models list, the credential checks, each fault, and the routes of
// each URL layout.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http.hpp"
#include "support/fake_gateway.hpp"
#include "support/wire_streams.hpp"

using aigw::net::HttpRequest;
using aigw::test::FakeGateway;
using aigw::test::GatewayFault;
using aigw::test::GatewayLayout;
using aigw::test::wire_streams::joined;
using aigw::test::wire_streams::offline;
using Json = nlohmann::json;

namespace {

struct Answer
{
  int status = 0;
  std::string type; // Content-Type
  std::string body;
};

constexpr const char* k_claude_body =
  R"({"model":"databricks-claude-opus-4-6","stream":true,"messages":[{"role":"user",)"
  R"("content":"say hi"}]})";

HttpRequest
request_to(const FakeGateway& gateway, const std::string& method, const std::string& path,
           const std::string& body = "")
{
  HttpRequest request;
  request.method = method;
  request.url = gateway.url() + path;
  request.headers.add("Authorization", std::string("Bearer ") + FakeGateway::k_token);
  if (!body.empty()) {
    request.headers.add("Content-Type", "application/json");
  }
  request.body = body;
  return request;
}

Answer
send(const HttpRequest& request)
{
  const auto response = aigw::net::make_curl_client()->send(request);
  REQUIRE(response);
  return {response->status, response->headers.get("Content-Type").value_or("<none>"),
          response->body};
}

Answer
send(const FakeGateway& gateway, const std::string& method, const std::string& path,
     const std::string& body = "")
{
  return send(request_to(gateway, method, path, body));
}

// The text pieces of a Gemini stream (`data:` chunks), joined.
std::string
gemini_text(const std::string& stream)
{
  std::string text;
  for (std::size_t at = stream.find("data: "); at != std::string::npos;
       at = stream.find("data: ", at + 1)) {
    const Json chunk = Json::parse(stream.substr(at + 6, stream.find('\r', at) - at - 6));
    text += chunk["candidates"][0]["content"]["parts"][0]["text"].get<std::string>();
  }
  return text;
}

} // namespace

TEST_CASE("test::FakeGateway replies")
{
  FakeGateway gateway;

  SUBCASE("a streamed Claude message names the fake gateway, also across two events")
  {
    const Answer answer = send(gateway, "POST", "/anthropic/v1/messages", k_claude_body);
    CHECK(answer.status == 200);
    CHECK(answer.type == "text/event-stream");
    // The offline relay's stream (pinned by its own test), with the name renamed in the two
    // text pieces it straddles.
    std::string expected =
      joined(offline("POST", "/anthropic/v1/messages", k_claude_body).events);
    const std::string first = R"("text":"from the aigw-setup ")";
    const std::string second = R"("text":"offline relay: no ")";
    REQUIRE(expected.find(first) != std::string::npos);
    REQUIRE(expected.find(second) != std::string::npos);
    expected.replace(expected.find(first), first.size(), R"("text":"from the fake gateway")");
    expected.replace(expected.find(second), second.size(), R"("text":": no ")");
    CHECK(answer.body == expected);
  }

  SUBCASE("a Gemini stream, the model read from the path")
  {
    const Answer answer =
      send(gateway, "POST",
           "/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent?alt=sse",
           R"({"contents":[{"role":"user","parts":[{"text":"say hi"}]}]})");
    CHECK(answer.status == 200);
    CHECK(answer.type == "text/event-stream");
    CHECK(gemini_text(answer.body)
          == "This reply comes from the fake gateway: no model was called. You wrote: \"say hi\"");
  }

  SUBCASE("a Codex reply that is not streamed")
  {
    const Answer answer = send(gateway, "POST", "/openai/v1/responses",
                               R"({"model":"databricks-gpt-5-2","input":"say hi"})");
    CHECK(answer.status == 200);
    CHECK(answer.type == "application/json");
    CHECK(answer.body
          == R"({"id":"resp_offline_bdd45ceb47f178322dc908a6","object":"response",)"
             R"("created_at":1767225600,"model":"databricks-gpt-5-2","status":"completed",)"
             R"("output":[{"id":"msg_offline_bdd45ceb47f178322dc908a6","type":"message",)"
             R"("status":"completed","role":"assistant","content":[{"type":"output_text",)"
             R"("text":"This reply comes from the fake gateway: no model was called. You )"
             R"(wrote: \"say hi\"","annotations":[]}]}],"usage":{"input_tokens":12,)"
             R"("input_tokens_details":{"cached_tokens":0},"output_tokens":23,)"
             R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":35}})");
  }

  SUBCASE("the Anthropic models list holds the served Claude models")
  {
    gateway.serve_models({"databricks-claude-sonnet-4-5", "databricks-gpt-5-2",
                          "databricks-claude-haiku-4-5"});
    const Answer answer = send(gateway, "GET", "/anthropic/v1/models");
    CHECK(answer.status == 200);
    CHECK(answer.type == "application/json");
    CHECK(answer.body
          == R"({"data":[{"type":"model","id":"databricks-claude-sonnet-4-5",)"
             R"("display_name":"databricks-claude-sonnet-4-5",)"
             R"("created_at":"2026-01-01T00:00:00Z"},)"
             R"({"type":"model","id":"databricks-claude-haiku-4-5",)"
             R"("display_name":"databricks-claude-haiku-4-5",)"
             R"("created_at":"2026-01-01T00:00:00Z"}],)"
             R"("has_more":false,"first_id":"databricks-claude-sonnet-4-5",)"
             R"("last_id":"databricks-claude-haiku-4-5"})");
  }

  SUBCASE("a path no route serves, and one the route does not serve, get a plain 404")
  {
    for (const char* path : {"/", "/api/2.0/otel/v1/logs", "/anthropic/v1/files"}) {
      const Answer answer = send(gateway, "GET", path);
      CHECK(answer.status == 404);
      CHECK(answer.type == "text/plain");
      CHECK(answer.body == "Not Found");
    }
  }

  SUBCASE("every answer carries a Date header")
  {
    for (const char* path : {"/anthropic/v1/models", "/nowhere"}) {
      const auto response = aigw::net::make_curl_client()->send(request_to(gateway, "GET", path));
      REQUIRE(response);
      const std::string date = response->headers.get("Date").value_or("");
      CHECK(date.size() == 29);
      CHECK(date.ends_with(" GMT"));
    }
  }

  SUBCASE("every request is recorded as sent")
  {
    HttpRequest request = request_to(gateway, "POST", "/anthropic/v1/messages?beta=true",
                                     k_claude_body);
    request.headers.add("X-Databricks-Use-Coding-Agent-Mode", "true");
    send(request);
    send(gateway, "GET", "/nowhere");

    const auto seen = gateway.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].path == "/anthropic/v1/messages");
    CHECK(seen[0].query == "beta=true");
    CHECK(seen[0].body == k_claude_body);
    CHECK(seen[0].headers.find("x-databricks-use-coding-agent-mode")->second == "true");
    CHECK(seen[0].headers.find("authorization")->second
          == std::string("Bearer ") + FakeGateway::k_token);
    CHECK(seen[1].method == "GET");
    CHECK(seen[1].path == "/nowhere");
    CHECK(seen[1].query == "");
    CHECK(seen[1].body == "");
  }
}

TEST_CASE("test::FakeGateway credentials")
{
  FakeGateway gateway;
  const std::string count = R"({"model":"databricks-claude-opus-4-6","messages":[]})";

  SUBCASE("no Authorization header: 401 UNAUTHENTICATED")
  {
    HttpRequest request = request_to(gateway, "POST", "/anthropic/v1/messages/count_tokens", count);
    request.headers.remove("Authorization");
    const Answer answer = send(request);
    CHECK(answer.status == 401);
    CHECK(answer.type == "application/json");
    CHECK(answer.body
          == R"({"error_code":"UNAUTHENTICATED","message":"Credential was not sent or was of an )"
             R"(unsupported type for this API."})");
  }

  SUBCASE("another token: 400 Invalid Token, as plain text")
  {
    HttpRequest request = request_to(gateway, "POST", "/anthropic/v1/messages/count_tokens", count);
    request.headers.set("Authorization", "Bearer dapi-someone-else");
    const Answer answer = send(request);
    CHECK(answer.status == 400);
    CHECK(answer.type == "text/plain");
    CHECK(answer.body == "Invalid Token");
  }

  SUBCASE("accept_token replaces the accepted token")
  {
    gateway.accept_token("dapi-new-token");
    CHECK(send(gateway, "POST", "/anthropic/v1/messages/count_tokens", count).status == 400);

    HttpRequest request = request_to(gateway, "POST", "/anthropic/v1/messages/count_tokens", count);
    request.headers.set("Authorization", "Bearer dapi-new-token");
    const Answer answer = send(request);
    CHECK(answer.status == 200);
    CHECK(answer.body == R"({"input_tokens":13})");
  }
}

TEST_CASE("test::FakeGateway faults")
{
  FakeGateway gateway;
  const std::string messages = "/anthropic/v1/messages";

  SUBCASE("each fault answers on its route only")
  {
    struct Expected
    {
      GatewayFault fault;
      int status;
      std::string type;
      std::string body;
    };
    const std::vector<Expected> table{
      {GatewayFault::invalid_token, 400, "text/plain", "Invalid Token"},
      {GatewayFault::unauthenticated, 401, "application/json",
       R"({"error_code":"UNAUTHENTICATED","message":"Credential was not sent or was of an )"
       R"(unsupported type for this API."})"},
      {GatewayFault::forbidden, 403, "application/json",
       R"({"error_code":"PERMISSION_DENIED","message":"User fake-user@example.com does not )"
       R"(have permission to query endpoint databricks-claude-opus-4-6."})"},
      {GatewayFault::unknown_model, 404, "application/json",
       R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"The model/endpoint )"
       R"(databricks-claude-opus-4-6 does not exist."})"},
      {GatewayFault::rate_limited, 429, "application/json",
       R"({"error_code":"REQUEST_LIMIT_EXCEEDED","message":"REQUEST_LIMIT_EXCEEDED: Exceeded )"
       R"(workspace input tokens per minute rate limit for databricks-claude-opus-4-6. Please )"
       R"(use a provisioned throughput Foundation Model APIs endpoint for a higher rate )"
       R"(limit."})"},
      {GatewayFault::server_error, 503, "application/json",
       R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"The service is temporarily )"
       R"(unavailable. Please try again later."})"},
    };
    for (const auto& expected : table) {
      CAPTURE(expected.status);
      gateway.set_fault("claude", expected.fault);
      const Answer answer = send(gateway, "POST", messages, k_claude_body);
      CHECK(answer.status == expected.status);
      CHECK(answer.type == expected.type);
      CHECK(answer.body == expected.body);
      CHECK(send(gateway, "POST", "/gemini/v1beta/models/databricks-gemini-2-5-flash:countTokens",
                 "{}")
              .body
            == R"({"totalTokens":1})");
    }

    gateway.set_fault("claude", GatewayFault::none);
    CHECK(send(gateway, "POST", messages, k_claude_body).status == 200);
  }

  SUBCASE("a model the gateway does not serve, named in the body or in the path")
  {
    gateway.serve_models({"databricks-claude-opus-4-6"});
    const Answer codex = send(gateway, "POST", "/codex/v1/responses",
                              R"({"model":"databricks-gpt-5-2","input":"say hi"})");
    CHECK(codex.status == 404);
    CHECK(codex.body
          == R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"The model/endpoint )"
             R"(databricks-gpt-5-2 does not exist."})");
    const Answer gemini =
      send(gateway, "POST", "/gemini/v1beta/models/gemini-9:generateContent", "{}");
    CHECK(gemini.status == 404);
    CHECK(gemini.body
          == R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"The model/endpoint )"
             R"(gemini-9 does not exist."})");
  }

  SUBCASE("a hanging route holds the request until the client gives up")
  {
    gateway.set_fault("codex", GatewayFault::hang);
    HttpRequest request = request_to(gateway, "POST", "/openai/v1/responses", "{}");
    request.total_timeout = std::chrono::milliseconds(300);
    const auto response = aigw::net::make_curl_client()->send(request);
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == aigw::net::HttpErrorKind::timeout);
    REQUIRE(gateway.requests().size() == 1);
    CHECK(gateway.requests()[0].path == "/openai/v1/responses");
  }

  SUBCASE("an unknown route name is refused")
  {
    CHECK_THROWS_AS(gateway.set_fault("copilot", GatewayFault::hang), std::invalid_argument);
  }
}

TEST_CASE("test::FakeGateway layouts")
{
  struct Probe
  {
    std::string path;
    std::string body;
  };
  const Probe anthropic{"/anthropic/v1/messages/count_tokens",
                        R"({"model":"databricks-claude-opus-4-6","messages":[]})"};
  const Probe gemini{"/gemini/v1beta/models/databricks-gemini-2-5-flash:countTokens", "{}"};
  const Probe openai{"/openai/v1/responses", R"({"model":"databricks-gpt-5-2","input":"hi"})"};
  const Probe codex{"/codex/v1/responses", openai.body};
  const Probe cursor{"/cursor/v1/chat/completions",
                     R"({"model":"databricks-gpt-5-2",)"
                     R"("messages":[{"role":"user","content":"hi"}]})"};
  const std::vector<Probe> probes{anthropic, gemini, openai, codex, cursor};

  // The status each probe gets, bare and under /ai-gateway.
  const auto statuses = [&](GatewayLayout layout, const std::string& prefix) {
    FakeGateway gateway(layout);
    std::vector<int> seen;
    for (const Probe& probe : probes) {
      seen.push_back(send(gateway, "POST", prefix + probe.path, probe.body).status);
    }
    return seen;
  };

  SUBCASE("gateway host")
  {
    CHECK(statuses(GatewayLayout::gateway_host, "") == std::vector{200, 200, 200, 200, 200});
    CHECK(statuses(GatewayLayout::gateway_host, "/ai-gateway")
          == std::vector{404, 404, 404, 404, 404});
  }

  SUBCASE("workspace hosted: no Cursor route")
  {
    CHECK(statuses(GatewayLayout::workspace_hosted, "")
          == std::vector{404, 404, 404, 404, 404});
    CHECK(statuses(GatewayLayout::workspace_hosted, "/ai-gateway")
          == std::vector{200, 200, 200, 200, 404});
  }

  SUBCASE("both")
  {
    CHECK(statuses(GatewayLayout::both, "") == std::vector{200, 200, 200, 200, 200});
    CHECK(statuses(GatewayLayout::both, "/ai-gateway") == std::vector{200, 200, 200, 200, 404});
  }

  SUBCASE("a route answers the same bytes under either layout")
  {
    FakeGateway host(GatewayLayout::gateway_host);
    FakeGateway hosted(GatewayLayout::workspace_hosted);
    for (const Probe& probe : {anthropic, gemini, codex}) {
      const Answer bare = send(host, "POST", probe.path, probe.body);
      const Answer prefixed = send(hosted, "POST", "/ai-gateway" + probe.path, probe.body);
      CHECK(bare.status == 200);
      CHECK(prefixed.body == bare.body);
    }
    CHECK(send(host, "POST", anthropic.path, anthropic.body).body == R"({"input_tokens":13})");
  }
}
