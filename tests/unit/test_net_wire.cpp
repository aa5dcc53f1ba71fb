// SPDX-License-Identifier: MIT
// The wire formats: routes, error replies and the offline stand-in. Streams are checked
// byte for byte, and against the streams the real agents accepted
// (tests/fixtures/streams, copied from shared/fixtures): same event names, same fields.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"
#include "support/test_context.hpp"

using aigw::net::error_reply;
using aigw::net::InboundRequest;
using aigw::net::LocalReply;
using aigw::net::offline_reply;
using aigw::net::Route;
using aigw::net::route_of;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

namespace {

const std::string k_say_hi_text =
  R"(This reply comes from the aigw-setup offline relay: no model was called. You wrote: "say hi")";

LocalReply
offline(const std::string& method, const std::string& path, const std::string& body = "",
        const std::string& query = "")
{
  const auto routed = route_of(path);
  REQUIRE(routed);
  InboundRequest request{method, path, query, {}, body};
  return offline_reply(routed->route, *routed, request);
}

std::string
joined(const std::vector<std::string>& events)
{
  std::string all;
  for (const std::string& event : events) {
    all += event;
  }
  return all;
}

std::string
header(const LocalReply& reply, const std::string& name)
{
  return reply.headers.get(name).value_or("<none>");
}

struct SseEvent
{
  std::string name;
  std::string data;
};

// Split a stream into events at blank lines, accepting CRLF framing.
std::vector<SseEvent>
parse_sse(const std::string& stream)
{
  std::vector<SseEvent> events;
  SseEvent current;
  std::size_t start = 0;
  while (start < stream.size()) {
    std::size_t end = stream.find('\n', start);
    if (end == std::string::npos) {
      end = stream.size();
    }
    std::string line = stream.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty() && !current.data.empty()) {
      events.push_back(current);
      current = {};
    } else if (line.starts_with("event: ")) {
      current.name = line.substr(7);
    } else if (line.starts_with("data: ")) {
      current.data = line.substr(6);
    }
    start = end + 1;
  }
  return events;
}

void
collect_shape(const Json& value, const std::string& at, std::set<std::string>& shape)
{
  const std::string type = value.is_number() ? "number" : value.type_name();
  shape.insert(at + ":" + type);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      collect_shape(item, at + "." + key, shape);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      collect_shape(item, at + "[]", shape);
    }
  }
}

// One line per event: its name and every field path with its JSON type. Runs of events
// with the same line (the text deltas) count once, since texts differ in length.
std::string
stream_shape(const std::string& stream)
{
  std::vector<std::string> lines;
  for (const SseEvent& event : parse_sse(stream)) {
    std::set<std::string> shape;
    const Json data = Json::parse(event.data, nullptr, false);
    if (data.is_discarded()) {
      shape.insert(event.data);
    } else {
      collect_shape(data, "", shape);
    }
    std::string line = event.name + " |";
    for (const std::string& path : shape) {
      line += " " + path;
    }
    if (lines.empty() || lines.back() != line) {
      lines.push_back(line);
    }
  }
  std::string all;
  for (const std::string& line : lines) {
    all += line + "\n";
  }
  return all;
}

std::string
fixture_shape(const std::string& name)
{
  return stream_shape(aigw::test::read_fixture("streams/" + name));
}

} // namespace

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

TEST_CASE("net::offline_reply anthropic")
{
  SUBCASE("a streamed message, byte for byte")
  {
    const LocalReply reply = offline(
      "POST",
      "/anthropic/v1/messages",
      R"({"model":"databricks-claude-opus-4-6","stream":true,"messages":[{"role":"user",)"
      R"("content":"say hi"}]})");
    CHECK(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "text/event-stream");
    CHECK(header(reply, "request-id") == "req_offline_f66bb2faa368370352a0e96f");
    CHECK(reply.body.empty());
    CHECK(joined(reply.events)
          == "event: message_start\n"
             R"(data: {"type":"message_start",)"
             R"("message":{"id":"msg_offline_f66bb2faa368370352a0e96f",)"
             R"("type":"message","role":"assistant","model":"databricks-claude-opus-4-6",)"
             R"("content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,)"
             R"("output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}})"
             "\n\n"
             "event: content_block_start\n"
             R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text",)"
             R"("text":""}})"
             "\n\n"
             "event: ping\n"
             R"(data: {"type":"ping"})"
             "\n\n"
             "event: content_block_delta\n"
             R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",)"
             R"("text":"This reply comes "}})"
             "\n\n"
             "event: content_block_delta\n"
             R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",)"
             R"("text":"from the aigw-setup "}})"
             "\n\n"
             "event: content_block_delta\n"
             R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",)"
             R"("text":"offline relay: no "}})"
             "\n\n"
             "event: content_block_delta\n"
             R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",)"
             R"("text":"model was called. You wrote: \"say hi\""}})"
             "\n\n"
             "event: content_block_stop\n"
             R"(data: {"type":"content_block_stop","index":0})"
             "\n\n"
             "event: message_delta\n"
             R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn",)"
             R"("stop_sequence":null},"usage":{"output_tokens":23}})"
             "\n\n"
             "event: message_stop\n"
             R"(data: {"type":"message_stop"})"
             "\n\n");
    CHECK(stream_shape(joined(reply.events)) == fixture_shape("anthropic-messages.sse"));
  }

  SUBCASE("a message that is not streamed")
  {
    const LocalReply reply = offline(
      "POST",
      "/anthropic/v1/messages",
      R"({"model":"databricks-claude-opus-4-6","messages":[{"role":"user","content":"say hi"}]})");
    CHECK(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "application/json");
    CHECK(reply.events.empty());
    CHECK(reply.body
          == R"({"id":"msg_offline_cc72dcab722abe15fd7b978d","type":"message","role":"assistant",)"
             R"("model":"databricks-claude-opus-4-6","content":[{"type":"text","text":)"
             R"("This reply comes from the aigw-setup offline relay: no model was called. )"
             R"(You wrote: \"say hi\""}],"stop_reason":"end_turn","stop_sequence":null,)"
             R"("usage":{"input_tokens":22,"output_tokens":23,"cache_creation_input_tokens":0,)"
             R"("cache_read_input_tokens":0}})");
  }

  SUBCASE("the excerpt is the last text block of the last user message, on one line")
  {
    const LocalReply reply = offline(
      "POST",
      "/anthropic/v1/messages",
      R"({"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},)"
      R"({"role":"user","content":[{"type":"text","text":"<system-reminder>r</system-reminder>"},)"
      R"({"type":"text","text":"  fix\n\tthe   build  ",)"
      R"("cache_control":{"type":"ephemeral"}}]}]})");
    const Json body = Json::parse(reply.body);
    CHECK(body["model"] == "offline");
    CHECK(body["content"][0]["text"]
          == "This reply comes from the aigw-setup offline relay: no model was called. "
             "You wrote: \"fix the build\"");
  }

  SUBCASE("a long or non-ASCII excerpt is cut between characters")
  {
    std::string long_text;
    for (int i = 0; i < 30; ++i) {
      long_text += "\xc3\xa9t\xc3\xa9 "; // "été ": 4 characters, 6 bytes
    }
    const Json request{{"messages", {{{"role", "user"}, {"content", long_text}}}}};
    const Json body = Json::parse(offline("POST", "/anthropic/v1/messages", request.dump()).body);
    CHECK(body["content"][0]["text"]
          == "This reply comes from the aigw-setup offline relay: no model was called. "
             "You wrote: \"" + long_text.substr(0, 15 * 6 - 1) + "...\"");
  }

  SUBCASE("no user text: the sentence alone")
  {
    const Json body =
      Json::parse(offline("POST", "/anthropic/v1/messages", R"({"messages":[]})").body);
    CHECK(body["content"][0]["text"]
          == "This reply comes from the aigw-setup offline relay: no model was called.");
  }

  SUBCASE("count_tokens, models, and the base URL")
  {
    const std::string request = R"({"model":"m","messages":[{"role":"user","content":"say hi"}]})";
    const LocalReply count = offline("POST", "/anthropic/v1/messages/count_tokens", request);
    CHECK(count.status == 200);
    CHECK(count.body == R"({"input_tokens":16})");

    const LocalReply models = offline("GET", "/anthropic/v1/models");
    CHECK(models.body
          == R"({"data":[{"type":"model","id":"databricks-claude-opus-4-6",)"
             R"("display_name":"databricks-claude-opus-4-6","created_at":"2026-01-01T00:00:00Z"},)"
             R"({"type":"model","id":"databricks-claude-sonnet-4-5",)"
             R"("display_name":"databricks-claude-sonnet-4-5",)"
             R"("created_at":"2026-01-01T00:00:00Z"},)"
             R"({"type":"model","id":"databricks-claude-haiku-4-5",)"
             R"("display_name":"databricks-claude-haiku-4-5",)"
             R"("created_at":"2026-01-01T00:00:00Z"}],)"
             R"("has_more":false,"first_id":"databricks-claude-opus-4-6",)"
             R"("last_id":"databricks-claude-haiku-4-5"})");

    for (const char* method : {"HEAD", "GET"}) {
      const LocalReply base = offline(method, "/anthropic");
      CHECK(base.status == 200);
      CHECK(base.body.empty());
      CHECK(base.headers.items.empty());
    }
  }

  SUBCASE("anything else: 404 in Anthropic's shape")
  {
    const LocalReply reply = offline("GET", "/anthropic/v1/messages");
    CHECK(reply.status == 404);
    CHECK(reply.body
          == R"({"type":"error","error":{"type":"not_found_error","message":"the aigw-setup )"
             R"(offline relay does not serve GET /anthropic/v1/messages; on this route it serves )"
             R"(POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and HEAD on )"
             R"(the base"}})");
    CHECK(offline("POST", "/anthropic").status == 404);
    CHECK(offline("POST", "/anthropic/v1/complete", "{}").status == 404);
    const LocalReply head = offline("HEAD", "/anthropic/v1/other");
    CHECK(head.status == 404);
    CHECK(head.body.empty());
  }

  SUBCASE("a body that is not JSON: 400")
  {
    const LocalReply reply = offline("POST", "/anthropic/v1/messages", "{\"model\":");
    CHECK(reply.status == 400);
    CHECK(reply.body
          == R"({"type":"error","error":{"type":"invalid_request_error","message":"the body of )"
             R"(POST /anthropic/v1/messages is not a JSON object; the aigw-setup offline relay )"
             R"(cannot answer it"}})");
    CHECK(offline("POST", "/anthropic/v1/messages", "[1]").status == 400);
  }
}

TEST_CASE("net::offline_reply determinism")
{
  const std::string request =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"same"}]})";
  const LocalReply first = offline("POST", "/anthropic/v1/messages", request);
  const LocalReply second = offline("POST", "/anthropic/v1/messages", request);
  CHECK(joined(first.events) == joined(second.events));
  CHECK(first.headers.items == second.headers.items);

  const LocalReply other = offline(
    "POST", "/anthropic/v1/messages", R"({"model":"m","stream":true,"messages":[]})");
  CHECK(header(other, "request-id") != header(first, "request-id"));

  for (const char* path : {"/codex/v1/responses", "/cursor/v1/chat/completions"}) {
    const std::string body = R"({"model":"m","stream":true,"input":"x","messages":[]})";
    CHECK(joined(offline("POST", path, body).events) == joined(offline("POST", path, body).events));
  }
}

TEST_CASE("net::offline_reply responses")
{
  SUBCASE("a stream with every event Codex needs, shaped like the accepted one")
  {
    const LocalReply reply = offline(
      "POST",
      "/openai/v1/responses",
      R"({"model":"databricks-gpt-5-2","stream":true,"input":[{"type":"message",)"
      R"("role":"developer",)"
      R"("content":[{"type":"input_text","text":"rules"}]},{"type":"message","role":"user",)"
      R"("content":[{"type":"input_text","text":"<env>"},{"type":"input_text",)"
      R"("text":"say hi"}]}]})");
    CHECK(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "text/event-stream");
    CHECK(stream_shape(joined(reply.events)) == fixture_shape("openai-responses.sse"));

    const auto events = parse_sse(joined(reply.events));
    REQUIRE(events.size() == 12);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Json data = Json::parse(events[i].data);
      CHECK(data["type"] == events[i].name);
      CHECK(data["sequence_number"] == i);
    }
    CHECK(events[4].data
          == R"({"type":"response.output_text.delta",)"
             R"("item_id":"msg_offline_88fc8280d8757a9ced572d71",)"
             R"("output_index":0,"content_index":0,"delta":"This reply comes ",)"
             R"("sequence_number":4})");
    const Json done = Json::parse(events[10].data);
    CHECK(done["item"]["content"][0]["text"] == k_say_hi_text);
    const Json completed = Json::parse(events[11].data);
    CHECK(completed["response"]["status"] == "completed");
    CHECK(completed["response"]["usage"]["output_tokens"] == 23);
  }

  SUBCASE("a response that is not streamed, byte for byte")
  {
    const LocalReply reply =
      offline("POST", "/codex/v1/responses", R"({"model":"databricks-gpt-5-2","input":"say hi"})");
    CHECK(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "application/json");
    CHECK(reply.body
          == R"({"id":"resp_offline_bdd45ceb47f178322dc908a6","object":"response",)"
             R"("created_at":1767225600,"model":"databricks-gpt-5-2","status":"completed",)"
             R"("output":[{"id":"msg_offline_bdd45ceb47f178322dc908a6","type":"message",)"
             R"("status":"completed","role":"assistant","content":[{"type":"output_text",)"
             R"("text":"This reply comes from the aigw-setup offline relay: no model was called. )"
             R"(You wrote: \"say hi\"","annotations":[]}]}],"usage":{"input_tokens":12,)"
             R"("input_tokens_details":{"cached_tokens":0},"output_tokens":23,)"
             R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":35}})");
  }

  SUBCASE("Codex's title request gets JSON that satisfies its schema")
  {
    const Json request{
      {"model", "databricks-gpt-5-2"},
      {"stream", true},
      {"input",
       {{{"type", "message"},
         {"role", "user"},
         {"content",
          {{{"type", "input_text"},
            {"text", "Fix the flaky login test in the auth module, it fails on CI"}}}}}}},
      {"text",
       {{"format",
         {{"type", "json_schema"},
          {"strict", true},
          {"name", "codex_output_schema"},
          {"schema",
           {{"type", "object"},
            {"properties", {{"title", {{"type", "string"}, {"minLength", 1}, {"maxLength", 36}}}}},
            {"required", {"title"}},
            {"additionalProperties", false}}}}}}}};
    const LocalReply reply = offline("POST", "/codex/v1/responses", request.dump());
    const auto events = parse_sse(joined(reply.events));
    REQUIRE(events.size() >= 2);
    const Json done = Json::parse(events[events.size() - 2].data);
    const std::string text = done["item"]["content"][0]["text"];
    CHECK(text == R"({"title":"Offline relay: Fix the flaky login"})");
    const Json title = Json::parse(text);
    CHECK(title.size() == 1);
    CHECK(title["title"].get<std::string>().size() <= 36);
  }

  SUBCASE("schemas: lengths, enums, numbers, nested objects")
  {
    const OrderedJson schema = OrderedJson::parse(R"({"type":"object","properties":{
      "short":{"type":"string","minLength":30,"maxLength":40},
      "tiny":{"type":"string","maxLength":4},
      "kind":{"type":"string","enum":["bug","feature"]},
      "count":{"type":"integer","minimum":2.5},
      "ok":{"type":"boolean"},
      "maybe":{"type":["null","string"],"maxLength":7},
      "tags":{"type":"array","items":{"type":"string","maxLength":3},"minItems":2},
      "inner":{"type":"object","properties":{"x":{"type":"number"}}}},
      "required":["short","tiny","kind","count","ok","maybe","tags","inner"]})");
    const OrderedJson request{
      {"input", "hi"}, {"text", {{"format", {{"type", "json_schema"}, {"schema", schema}}}}}};
    const Json body = Json::parse(offline("POST", "/codex/v1/responses", request.dump()).body);
    const std::string text = body["output"][0]["content"][0]["text"];
    CHECK(text
          == R"({"short":"Offline relay: hi.............","tiny":"Offl","kind":"bug",)"
             R"("count":3,"ok":false,"maybe":"Offline","tags":["Off","Off"],"inner":{"x":0}})");
  }

  SUBCASE("models, and anything else")
  {
    CHECK(offline("GET", "/openai/v1/models").body
          == R"({"object":"list","data":[{"id":"databricks-gpt-5-2","object":"model",)"
             R"("created":1767225600,"owned_by":"aigw-setup-offline"}]})");
    const LocalReply other = offline("POST", "/openai/v1/chat/completions", "{}");
    CHECK(other.status == 404);
    CHECK(other.body
          == R"({"error":{"message":"the aigw-setup offline relay does not serve POST )"
             R"(/openai/v1/chat/completions; on this route it serves POST /responses and GET )"
             R"(/models","type":"invalid_request_error","param":null,"code":"not_found"}})");
  }
}

TEST_CASE("net::offline_reply gemini")
{
  const std::string request = R"({"contents":[{"role":"user","parts":[{"text":"say hi"}]}]})";
  const std::string model_path = "/gemini/v1beta/models/databricks-gemini-2-5-flash";

  SUBCASE("streamGenerateContent?alt=sse, byte for byte")
  {
    const LocalReply reply =
      offline("POST", model_path + ":streamGenerateContent", request, "alt=sse");
    CHECK(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "text/event-stream");
    const std::string common =
      R"("index":0}],"modelVersion":"databricks-gemini-2-5-flash",)"
      R"("responseId":"offline-2ed77fd0310e40484ddeda9c")";
    REQUIRE(reply.events.size() == 4);
    CHECK(reply.events[0]
          == R"(data: {"candidates":[{"content":{"role":"model",)"
             R"("parts":[{"text":"This reply comes "}]},)"
               + common + "}\r\n\r\n");
    CHECK(reply.events[3]
          == R"(data: {"candidates":[{"content":{"role":"model",)"
             R"("parts":[{"text":"model was called. )"
             R"(You wrote: \"say hi\""}]},"index":0,"finishReason":"STOP"}],)"
             R"("modelVersion":"databricks-gemini-2-5-flash",)"
             R"("responseId":"offline-2ed77fd0310e40484ddeda9c",)"
             R"("usageMetadata":{"promptTokenCount":15,"candidatesTokenCount":23,)"
             R"("totalTokenCount":38}})"
             "\r\n\r\n");
    CHECK(stream_shape(joined(reply.events)) == fixture_shape("gemini-streamGenerateContent.sse"));
  }

  SUBCASE("only the last chunk finishes the turn")
  {
    const LocalReply reply =
      offline("POST", model_path + ":streamGenerateContent", request, "alt=sse");
    const auto events = parse_sse(joined(reply.events));
    std::string text;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Json candidate = Json::parse(events[i].data)["candidates"][0];
      CHECK(candidate.contains("finishReason") == (i + 1 == events.size()));
      text += candidate["content"]["parts"][0]["text"].get<std::string>();
    }
    CHECK(text == k_say_hi_text);
  }

  SUBCASE("without alt=sse the stream is one JSON array")
  {
    const LocalReply reply = offline("POST", model_path + ":streamGenerateContent", request);
    CHECK(header(reply, "Content-Type") == "application/json");
    CHECK(reply.events.empty());
    const Json chunks = Json::parse(reply.body);
    REQUIRE(chunks.is_array());
    CHECK(chunks.size() == 4);
    CHECK(chunks.back()["candidates"][0]["finishReason"] == "STOP");
  }

  SUBCASE("generateContent and countTokens; the model comes from the path")
  {
    CHECK(offline("POST", "/gemini/v1beta/models/my-model:generateContent", request).body
          == R"({"candidates":[{"content":{"role":"model","parts":[{"text":"This reply comes from )"
             R"(the aigw-setup offline relay: no model was called. You wrote: \"say hi\""}]},)"
             R"("index":0,"finishReason":"STOP"}],"modelVersion":"my-model",)"
             R"("responseId":"offline-2ed77fd0310e40484ddeda9c","usageMetadata":)"
             R"({"promptTokenCount":15,"candidatesTokenCount":23,"totalTokenCount":38}})");
    CHECK(offline("POST", model_path + ":countTokens", request).body == R"({"totalTokens":15})");
  }

  SUBCASE("the model list")
  {
    CHECK(offline("GET", "/gemini/v1beta/models").body
          == R"({"models":[{"name":"models/databricks-gemini-2-5-flash",)"
             R"("displayName":"databricks-gemini-2-5-flash","supportedGenerationMethods":)"
             R"(["generateContent","streamGenerateContent","countTokens"]},)"
             R"({"name":"models/databricks-gemini-2-5-pro",)"
             R"("displayName":"databricks-gemini-2-5-pro",)"
             R"("supportedGenerationMethods":["generateContent","streamGenerateContent",)"
             R"("countTokens"]}]})");
  }

  SUBCASE("anything else: 404 with status NOT_FOUND")
  {
    for (const std::string& path : {model_path + ":embedContent", model_path,
                                    std::string("/gemini/v1beta/models/:generateContent"),
                                    std::string("/gemini/v2/models/m:generateContent")}) {
      const LocalReply reply = offline("POST", path, request);
      CHECK_MESSAGE(reply.status == 404, path);
      CHECK(Json::parse(reply.body)["error"]["status"] == "NOT_FOUND");
    }
    CHECK(offline("GET", model_path + ":generateContent").status == 404);
  }
}

TEST_CASE("net::offline_reply chat completions")
{
  SUBCASE("a stream of chunks that ends with [DONE]")
  {
    const LocalReply reply = offline(
      "POST",
      "/cursor/v1/chat/completions",
      R"({"model":"x","stream":true,"messages":[{"role":"user","content":[{"type":"text",)"
      R"("text":"say hi"}]}]})");
    CHECK(header(reply, "Content-Type") == "text/event-stream");
    REQUIRE(reply.events.size() == 7);
    CHECK(reply.events.back() == "data: [DONE]\n\n");
    CHECK(reply.events[5]
          == R"(data: {"id":"chatcmpl-offline-93c7079880e37043bacad367",)"
             R"("object":"chat.completion.chunk",)"
             R"("created":1767225600,"model":"x","choices":[{"index":0,"delta":{},)"
             R"("finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":23,)"
             R"("total_tokens":48}})"
             "\n\n");
    CHECK(stream_shape(joined(reply.events)) == fixture_shape("openai-chat-completions.sse"));
  }

  SUBCASE("a completion that is not streamed, byte for byte")
  {
    CHECK(offline("POST",
                  "/cursor/v1/chat/completions",
                  R"({"model":"x","messages":[{"role":"user","content":"say hi"}]})")
            .body
          == R"({"id":"chatcmpl-offline-bb152be6e92002786c4f6a47","object":"chat.completion",)"
             R"("created":1767225600,"model":"x","choices":[{"index":0,"message":)"
             R"({"role":"assistant","content":"This reply comes from the aigw-setup offline )"
             R"(relay: no model was called. You wrote: \"say hi\""},"finish_reason":"stop"}],)"
             R"("usage":{"prompt_tokens":16,"completion_tokens":23,"total_tokens":39}})");
  }

  SUBCASE("models, and anything else")
  {
    CHECK(Json::parse(offline("GET", "/cursor/v1/models").body)["data"].size() == 2);
    CHECK(offline("HEAD", "/cursor/v1/models").body.empty());
    CHECK(offline("POST", "/cursor/v1/responses", "{}").status == 404);
    CHECK(offline("POST", "/cursor/v1/chat/completions", "nope").status == 400);
  }
}

TEST_CASE("net::offline_reply otel")
{
  const LocalReply reply = offline("POST", "/api/2.0/otel/v1/logs", "\x0a\x01");
  CHECK(reply.status == 404);
  CHECK(Json::parse(reply.body)["error_code"] == "NOT_FOUND");
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
