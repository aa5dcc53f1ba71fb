// SPDX-License-Identifier: MIT
// Offline replies in the Anthropic Messages format, as Claude Code 2.1.197 accepts them
// (shared/docs/wire.md 1). Claude Code rejects a stream without `event:` lines or without
// content_block_stop, so every event carries both lines and the full sequence is sent:
// message_start, content_block_start, ping, content_block_delta..., content_block_stop,
// message_delta, message_stop.
#include "net/offline_common.hpp"

namespace aigw::net {

namespace {

constexpr std::string_view k_served =
  "POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and HEAD on the base";

// The text of a content value: a string, or the last text found in its blocks (a
// tool_result block holds its own content).
std::string
last_text_of(const OfflineJson& content)
{
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (!content.is_array()) {
    return {};
  }
  for (auto block = content.rbegin(); block != content.rend(); ++block) {
    if (!block->is_object()) {
      continue;
    }
    const std::string type = string_field(*block, "type", "");
    if (type == "text") {
      return string_field(*block, "text", "");
    }
    if (type == "tool_result" && block->contains("content")) {
      std::string nested = last_text_of((*block)["content"]);
      if (!nested.empty()) {
        return nested;
      }
    }
  }
  return {};
}

std::string
last_user_text(const OfflineJson& body)
{
  const OfflineJson* content = last_user_content(body);
  return content ? last_text_of(*content) : std::string();
}

OfflineJson
usage(const OfflineTurn& turn, std::uint64_t output_tokens)
{
  return OfflineJson{{"input_tokens", turn.input_tokens},
                     {"output_tokens", output_tokens},
                     {"cache_creation_input_tokens", 0},
                     {"cache_read_input_tokens", 0}};
}

OfflineJson
message(const OfflineTurn& turn, OfflineJson content, std::uint64_t output_tokens)
{
  const bool finished = !content.empty();
  return OfflineJson{{"id", "msg_offline_" + turn.id},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"model", turn.model},
                     {"content", std::move(content)},
                     {"stop_reason", finished ? OfflineJson("end_turn") : OfflineJson()},
                     {"stop_sequence", nullptr},
                     {"usage", usage(turn, output_tokens)}};
}

std::vector<std::string>
stream_events(const OfflineTurn& turn)
{
  std::vector<std::string> events;
  events.push_back(sse_event(
    "message_start",
    OfflineJson{{"type", "message_start"}, {"message", message(turn, OfflineJson::array(), 1)}}));
  events.push_back(sse_event("content_block_start",
                             OfflineJson{{"type", "content_block_start"},
                                         {"index", 0},
                                         {"content_block", {{"type", "text"}, {"text", ""}}}}));
  events.push_back(sse_event("ping", OfflineJson{{"type", "ping"}}));

  for (const std::string& piece : text_pieces(turn.text)) {
    events.push_back(sse_event("content_block_delta",
                               OfflineJson{{"type", "content_block_delta"},
                                           {"index", 0},
                                           {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
  }

  events.push_back(
    sse_event("content_block_stop", OfflineJson{{"type", "content_block_stop"}, {"index", 0}}));
  events.push_back(sse_event(
    "message_delta",
    OfflineJson{{"type", "message_delta"},
                {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                {"usage", {{"output_tokens", turn.output_tokens}}}}));
  events.push_back(sse_event("message_stop", OfflineJson{{"type", "message_stop"}}));
  return events;
}

LocalReply
messages_reply(const InboundRequest& request)
{
  const auto body = parse_json_object(request.body);
  if (!body) {
    return unreadable_body(Route::anthropic, request);
  }

  const OfflineTurn turn = make_turn(
    request, string_field(*body, "model", "offline"), offline_text(last_user_text(*body)));
  LocalReply reply;
  if (wants_stream(*body)) {
    reply = event_stream_reply(stream_events(turn));
  } else {
    const OfflineJson content =
      OfflineJson::array({OfflineJson{{"type", "text"}, {"text", turn.text}}});
    reply = json_reply(message(turn, content, turn.output_tokens));
  }
  // Claude Code reads request-id into its telemetry.
  reply.headers.set("request-id", "req_offline_" + turn.id);
  return reply;
}

LocalReply
count_tokens_reply(const InboundRequest& request)
{
  if (!parse_json_object(request.body)) {
    return unreadable_body(Route::anthropic, request);
  }
  return json_reply(OfflineJson{{"input_tokens", estimate_tokens(request.body)}});
}

LocalReply
models_reply()
{
  OfflineJson data = OfflineJson::array();
  for (const std::string& id : offline_models(Route::anthropic)) {
    data.push_back(OfflineJson{{"type", "model"},
                               {"id", id},
                               {"display_name", id},
                               {"created_at", k_offline_created_iso}});
  }
  const OfflineJson first = data.empty() ? OfflineJson() : data.front()["id"];
  const OfflineJson last = data.empty() ? OfflineJson() : data.back()["id"];
  return json_reply(OfflineJson{
    {"data", data}, {"has_more", false}, {"first_id", first}, {"last_id", last}});
}

} // namespace

LocalReply
offline_anthropic(const RoutedPath& routed, const InboundRequest& request)
{
  const std::string& rest = routed.rest;
  const std::string& method = request.method;

  // Claude Code sends a bare HEAD to its base URL first, as a warm-up.
  if ((rest.empty() || rest == "/") && (method == "HEAD" || method == "GET")) {
    return LocalReply{};
  }
  if (method == "POST" && rest == "/v1/messages") {
    return messages_reply(request);
  }
  if (method == "POST" && rest == "/v1/messages/count_tokens") {
    return count_tokens_reply(request);
  }
  if ((method == "GET" || method == "HEAD") && rest == "/v1/models") {
    return models_reply();
  }
  return not_served(Route::anthropic, request, k_served);
}

} // namespace aigw::net
