// SPDX-License-Identifier: MIT
// Offline replies in the Gemini generateContent format, as Gemini CLI 0.61.0 accepts them
// (shared/docs/wire.md 3). The model is named only in the path
// (/v1beta/models/{model}:{action}). A stream is `data:` chunks framed with CRLF like
// Google's; the last chunk must carry finishReason STOP, or Gemini CLI retries the turn.
#include "net/offline_common.hpp"

#include "util/strings.hpp"

namespace aigw::net {

namespace {

constexpr std::string_view k_served =
  "POST /v1beta/models/{model}:streamGenerateContent, :generateContent and :countTokens, "
  "and GET /v1beta/models";

// The API versions Gemini clients put before /models.
constexpr std::string_view k_versions[] = {"/v1beta", "/v1"};

struct ModelCall
{
  std::string model;
  std::string action;
};

// "/v1beta/models/{model}:{action}" split into its parts; nullopt for other paths.
std::optional<ModelCall>
model_call(std::string_view rest)
{
  for (std::string_view version : k_versions) {
    const std::string prefix = std::string(version) + "/models/";
    if (!rest.starts_with(prefix)) {
      continue;
    }
    const std::string_view name = rest.substr(prefix.size());
    const std::size_t colon = name.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || name.find('/') != std::string_view::npos) {
      return std::nullopt;
    }
    return ModelCall{std::string(name.substr(0, colon)), std::string(name.substr(colon + 1))};
  }
  return std::nullopt;
}

bool
is_model_list(std::string_view rest)
{
  for (std::string_view version : k_versions) {
    if (rest == std::string(version) + "/models") {
      return true;
    }
  }
  return false;
}

bool
asks_for_sse(std::string_view query)
{
  for (const std::string& pair : util::split(query, '&')) {
    if (pair == "alt=sse") {
      return true;
    }
  }
  return false;
}

// The last text part of the last user turn in `contents`.
std::string
last_user_text(const OfflineJson& body)
{
  const auto contents = body.find("contents");
  if (contents == body.end() || !contents->is_array()) {
    return {};
  }
  for (auto content = contents->rbegin(); content != contents->rend(); ++content) {
    if (!content->is_object() || string_field(*content, "role", "user") != "user") {
      continue;
    }
    const auto parts = content->find("parts");
    if (parts == content->end() || !parts->is_array()) {
      return {};
    }
    for (auto part = parts->rbegin(); part != parts->rend(); ++part) {
      if (part->is_object() && part->contains("text")) {
        return string_field(*part, "text", "");
      }
    }
    return {};
  }
  return {};
}

OfflineJson
usage_metadata(const OfflineTurn& turn)
{
  return OfflineJson{{"promptTokenCount", turn.input_tokens},
                     {"candidatesTokenCount", turn.output_tokens},
                     {"totalTokenCount", turn.input_tokens + turn.output_tokens}};
}

// One response chunk with `text`; the last one finishes the turn and carries the usage.
OfflineJson
chunk(const OfflineTurn& turn, const std::string& text, bool last)
{
  OfflineJson candidate{
    {"content", {{"role", "model"}, {"parts", OfflineJson::array({{{"text", text}}})}}},
    {"index", 0}};
  if (last) {
    candidate["finishReason"] = "STOP";
  }
  OfflineJson response{{"candidates", OfflineJson::array({candidate})},
                       {"modelVersion", turn.model},
                       {"responseId", "offline-" + turn.id}};
  if (last) {
    response["usageMetadata"] = usage_metadata(turn);
  }
  return response;
}

LocalReply
stream_reply(const OfflineTurn& turn, bool sse)
{
  const std::vector<std::string> pieces = text_pieces(turn.text);
  std::vector<std::string> events;
  OfflineJson chunks = OfflineJson::array();
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const OfflineJson one = chunk(turn, pieces[i], i + 1 == pieces.size());
    events.push_back(sse_data(dump_json(one), "\r\n"));
    chunks.push_back(one);
  }
  // Without alt=sse the API answers the whole stream as one JSON array.
  return sse ? event_stream_reply(std::move(events)) : json_reply(chunks);
}

LocalReply
call_reply(const ModelCall& call, const InboundRequest& request)
{
  const auto body = parse_json_object(request.body);
  if (!body) {
    return unreadable_body(Route::gemini, request);
  }
  if (call.action == "countTokens") {
    return json_reply(OfflineJson{{"totalTokens", estimate_tokens(request.body)}});
  }

  const OfflineTurn turn = make_turn(request, call.model, offline_text(last_user_text(*body)));
  if (call.action == "streamGenerateContent") {
    return stream_reply(turn, asks_for_sse(request.query));
  }
  return json_reply(chunk(turn, turn.text, true));
}

LocalReply
models_reply()
{
  OfflineJson models = OfflineJson::array();
  for (const std::string& id : offline_models(Route::gemini)) {
    models.push_back(OfflineJson{
      {"name", "models/" + id},
      {"displayName", id},
      {"supportedGenerationMethods", {"generateContent", "streamGenerateContent", "countTokens"}}});
  }
  return json_reply(OfflineJson{{"models", models}});
}

} // namespace

LocalReply
offline_gemini(const RoutedPath& routed, const InboundRequest& request)
{
  if ((request.method == "GET" || request.method == "HEAD") && is_model_list(routed.rest)) {
    return models_reply();
  }

  const auto call = model_call(routed.rest);
  const bool known_action = call
                            && (call->action == "streamGenerateContent"
                                || call->action == "generateContent"
                                || call->action == "countTokens");
  if (request.method == "POST" && known_action) {
    return call_reply(*call, request);
  }
  return not_served(Route::gemini, request, k_served);
}

} // namespace aigw::net
