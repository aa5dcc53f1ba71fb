// SPDX-License-Identifier: MIT
// Offline replies in the OpenAI chat completions format, the one Cursor speaks on its
// route. A stream is chat.completion.chunk events (`data:` lines only): the role first,
// then the text, then an empty delta with finish_reason and usage, then `data: [DONE]`.
#include "net/offline_common.hpp"

namespace aigw::net {

namespace {

constexpr std::string_view k_served = "POST /chat/completions and GET /models";

std::string
text_of(const OfflineJson& content)
{
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (!content.is_array()) {
    return {};
  }
  for (auto part = content.rbegin(); part != content.rend(); ++part) {
    if (part->is_object() && string_field(*part, "type", "") == "text") {
      return string_field(*part, "text", "");
    }
  }
  return {};
}

std::string
last_user_text(const OfflineJson& body)
{
  const OfflineJson* content = last_user_content(body);
  return content ? text_of(*content) : std::string();
}

OfflineJson
usage(const OfflineTurn& turn)
{
  return OfflineJson{{"prompt_tokens", turn.input_tokens},
                     {"completion_tokens", turn.output_tokens},
                     {"total_tokens", turn.input_tokens + turn.output_tokens}};
}

OfflineJson
chunk(const OfflineTurn& turn, OfflineJson delta, OfflineJson finish_reason)
{
  return OfflineJson{{"id", "chatcmpl-offline-" + turn.id},
                     {"object", "chat.completion.chunk"},
                     {"created", k_offline_created_at},
                     {"model", turn.model},
                     {"choices",
                      OfflineJson::array({OfflineJson{{"index", 0},
                                                      {"delta", std::move(delta)},
                                                      {"finish_reason", finish_reason}}})}};
}

std::vector<std::string>
stream_events(const OfflineTurn& turn)
{
  std::vector<std::string> events;
  events.push_back(
    sse_data(dump_json(chunk(turn, {{"role", "assistant"}, {"content", ""}}, nullptr))));
  for (const std::string& piece : text_pieces(turn.text)) {
    events.push_back(sse_data(dump_json(chunk(turn, {{"content", piece}}, nullptr))));
  }
  OfflineJson last = chunk(turn, OfflineJson::object(), "stop");
  last["usage"] = usage(turn);
  events.push_back(sse_data(dump_json(last)));
  events.push_back(sse_data("[DONE]"));
  return events;
}

OfflineJson
completion(const OfflineTurn& turn)
{
  const OfflineJson choice{{"index", 0},
                           {"message", {{"role", "assistant"}, {"content", turn.text}}},
                           {"finish_reason", "stop"}};
  return OfflineJson{{"id", "chatcmpl-offline-" + turn.id},
                     {"object", "chat.completion"},
                     {"created", k_offline_created_at},
                     {"model", turn.model},
                     {"choices", OfflineJson::array({choice})},
                     {"usage", usage(turn)}};
}

LocalReply
completions_reply(const InboundRequest& request)
{
  const auto body = parse_json_object(request.body);
  if (!body) {
    return unreadable_body(Route::cursor, request);
  }

  const OfflineTurn turn = make_turn(
    request, string_field(*body, "model", "offline"), offline_text(last_user_text(*body)));
  if (wants_stream(*body)) {
    return event_stream_reply(stream_events(turn));
  }
  return json_reply(completion(turn));
}

} // namespace

LocalReply
offline_chat(const RoutedPath& routed, const InboundRequest& request)
{
  if (request.method == "POST" && routed.rest == "/chat/completions") {
    return completions_reply(request);
  }
  if ((request.method == "GET" || request.method == "HEAD") && routed.rest == "/models") {
    return json_reply(openai_model_list(Route::cursor));
  }
  return not_served(Route::cursor, request, k_served);
}

} // namespace aigw::net
