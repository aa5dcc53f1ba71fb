// SPDX-License-Identifier: MIT
// The offline stand-in for the OpenAI Responses and Chat Completions APIs and for Gemini,
// byte for byte and against the streams Codex, Cursor and Gemini CLI accepted
// (tests/fixtures/streams): same event names, same fields.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"
#include "support/wire_streams.hpp"

using aigw::net::LocalReply;
using aigw::test::wire_streams::fixture_shape;
using aigw::test::wire_streams::header;
using aigw::test::wire_streams::joined;
using aigw::test::wire_streams::offline;
using aigw::test::wire_streams::parse_sse;
using aigw::test::wire_streams::stream_shape;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

namespace {

const std::string k_say_hi_text =
  R"(This reply comes from the aigw-setup offline relay: no model was called. You wrote: "say hi")";

} // namespace

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
