// SPDX-License-Identifier: MIT
// The offline stand-in for the Anthropic Messages API, byte for byte and against the stream
// Claude Code accepted (tests/fixtures/streams); the same request always gets the same
// reply; OTel exports are not answered offline.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"
#include "support/wire_streams.hpp"

using aigw::net::LocalReply;
using aigw::test::wire_streams::fixture_shape;
using aigw::test::wire_streams::header;
using aigw::test::wire_streams::joined;
using aigw::test::wire_streams::offline;
using aigw::test::wire_streams::stream_shape;
using Json = nlohmann::json;

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

TEST_CASE("net::offline_reply otel")
{
  const LocalReply reply = offline("POST", "/api/2.0/otel/v1/logs", "\x0a\x01");
  CHECK(reply.status == 404);
  CHECK(Json::parse(reply.body)["error_code"] == "NOT_FOUND");
}
