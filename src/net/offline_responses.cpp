// SPDX-License-Identifier: MIT
// Offline replies in the OpenAI Responses format, as Codex 0.171.0 accepts them
// (shared/docs/wire.md 2). Codex takes its text from response.output_item.done and fails
// the turn without response.completed, so the stream always carries the full sequence.
// Codex's title request asks for JSON that matches a schema; the answer then is such an
// object, built by schema_instance (net/offline_schema.cpp).
#include "net/offline_common.hpp"

namespace aigw::net {

namespace {

constexpr std::string_view k_served = "POST /responses and GET /models";

std::string
last_text_of(const OfflineJson& content)
{
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (!content.is_array()) {
    return {};
  }
  for (auto part = content.rbegin(); part != content.rend(); ++part) {
    if (part->is_object() && part->contains("text")) {
      return string_field(*part, "text", "");
    }
  }
  return {};
}

// The last user message of `input`: a plain string, or the last item with role "user".
std::string
last_user_text(const OfflineJson& body)
{
  const auto input = body.find("input");
  if (input == body.end()) {
    return {};
  }
  if (input->is_string()) {
    return input->get<std::string>();
  }
  if (!input->is_array()) {
    return {};
  }
  for (auto item = input->rbegin(); item != input->rend(); ++item) {
    if (item->is_object() && string_field(*item, "role", "") == "user") {
      return item->contains("content") ? last_text_of((*item)["content"]) : "";
    }
  }
  return {};
}

// The answer text: JSON when text.format asks for it, else the offline sentence.
std::string
answer_text(const OfflineJson& body)
{
  const std::string user_text = last_user_text(body);
  const auto text = body.find("text");
  const bool has_text = text != body.end() && text->is_object();
  const OfflineJson format = has_text ? text->value("format", OfflineJson()) : OfflineJson();
  const std::string type = format.is_object() ? string_field(format, "type", "") : "";
  if (type == "json_schema" && format.contains("schema")) {
    return dump_json(schema_instance(format["schema"], offline_title(user_text)));
  }
  if (type == "json_object") {
    return dump_json(OfflineJson{{"message", offline_text(user_text)}});
  }
  return offline_text(user_text);
}

OfflineJson
output_text_part(const std::string& text)
{
  return OfflineJson{
    {"type", "output_text"}, {"text", text}, {"annotations", OfflineJson::array()}};
}

OfflineJson
message_item(const OfflineTurn& turn, bool done)
{
  OfflineJson content = OfflineJson::array();
  if (done) {
    content.push_back(output_text_part(turn.text));
  }
  return OfflineJson{{"id", "msg_offline_" + turn.id},
                     {"type", "message"},
                     {"status", done ? "completed" : "in_progress"},
                     {"role", "assistant"},
                     {"content", content}};
}

OfflineJson
response_object(const OfflineTurn& turn, bool done)
{
  OfflineJson response{{"id", "resp_offline_" + turn.id},
                       {"object", "response"},
                       {"created_at", k_offline_created_at},
                       {"model", turn.model},
                       {"status", done ? "completed" : "in_progress"},
                       {"output", OfflineJson::array()}};
  if (done) {
    response["output"].push_back(message_item(turn, true));
    response["usage"] = OfflineJson{{"input_tokens", turn.input_tokens},
                                    {"input_tokens_details", {{"cached_tokens", 0}}},
                                    {"output_tokens", turn.output_tokens},
                                    {"output_tokens_details", {{"reasoning_tokens", 0}}},
                                    {"total_tokens", turn.input_tokens + turn.output_tokens}};
  }
  return response;
}

// Builds the numbered events of one stream.
class EventList
{
public:
  void add(const std::string& type, OfflineJson fields)
  {
    OfflineJson data{{"type", type}};
    data.update(fields);
    data["sequence_number"] = m_events.size();
    m_events.push_back(sse_event(type, data));
  }

  std::vector<std::string> take() { return std::move(m_events); }

private:
  std::vector<std::string> m_events;
};

OfflineJson
text_fields(const OfflineTurn& turn)
{
  return OfflineJson{
    {"item_id", "msg_offline_" + turn.id}, {"output_index", 0}, {"content_index", 0}};
}

std::vector<std::string>
stream_events(const OfflineTurn& turn)
{
  EventList events;
  events.add("response.created", {{"response", response_object(turn, false)}});
  events.add("response.in_progress", {{"response", response_object(turn, false)}});
  events.add("response.output_item.added",
             {{"output_index", 0}, {"item", message_item(turn, false)}});

  OfflineJson fields = text_fields(turn);
  fields["part"] = output_text_part("");
  events.add("response.content_part.added", fields);
  for (const std::string& piece : text_pieces(turn.text)) {
    fields = text_fields(turn);
    fields["delta"] = piece;
    events.add("response.output_text.delta", fields);
  }
  fields = text_fields(turn);
  fields["text"] = turn.text;
  events.add("response.output_text.done", fields);
  fields = text_fields(turn);
  fields["part"] = output_text_part(turn.text);
  events.add("response.content_part.done", fields);

  events.add("response.output_item.done",
             {{"output_index", 0}, {"item", message_item(turn, true)}});
  events.add("response.completed", {{"response", response_object(turn, true)}});
  return events.take();
}

LocalReply
responses_reply(const InboundRequest& request)
{
  const auto body = parse_json_object(request.body);
  if (!body) {
    return unreadable_body(Route::openai, request);
  }

  const OfflineTurn turn =
    make_turn(request, string_field(*body, "model", "offline"), answer_text(*body));
  if (wants_stream(*body)) {
    return event_stream_reply(stream_events(turn));
  }
  return json_reply(response_object(turn, true));
}

} // namespace

LocalReply
offline_responses(const RoutedPath& routed, const InboundRequest& request)
{
  if (request.method == "POST" && routed.rest == "/responses") {
    return responses_reply(request);
  }
  if ((request.method == "GET" || request.method == "HEAD") && routed.rest == "/models") {
    return json_reply(openai_model_list(Route::openai));
  }
  return not_served(Route::openai, request, k_served);
}

} // namespace aigw::net
