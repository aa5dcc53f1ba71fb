// SPDX-License-Identifier: MIT
// Private to the offline stand-in (net/offline_*.cpp): the pieces every wire format's
// reply is built from. Nothing outside those files includes this header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"

namespace aigw::net {

using OfflineJson = nlohmann::ordered_json;

// Every "created" time in offline replies: fixed, so that a request always gets the same
// bytes back. 2026-01-01T00:00:00Z.
inline constexpr std::int64_t k_offline_created_at = 1767225600;
inline constexpr const char* k_offline_created_iso = "2026-01-01T00:00:00Z";

// What one offline answer says, and the numbers that go with it.
struct OfflineTurn
{
  std::string model;
  std::string text;
  std::string id; // hex digits from the hash of the request body
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
};

// The turn for `request`: id and token estimates come from the body, `text` is the answer.
OfflineTurn make_turn(const InboundRequest& request, std::string model, std::string text);

// The plain sentence offline replies carry, quoting a short excerpt of `user_text`.
std::string offline_text(std::string_view user_text);

// A short title-like line ("Offline relay: say hi") for structured answers.
std::string offline_title(std::string_view user_text);

// `user_text` on one line, cut to a few dozen characters; empty when there is none.
std::string excerpt(std::string_view user_text);

// `text` split into the pieces a stream delivers, never inside a UTF-8 sequence.
std::vector<std::string> text_pieces(std::string_view text);

// The number of Unicode code points in UTF-8 `text`.
std::size_t count_code_points(std::string_view text);

// The first `count` code points of UTF-8 `text`.
std::string first_code_points(std::string_view text, std::size_t count);

// A rough token count (four bytes a token), at least 1.
std::uint64_t estimate_tokens(std::string_view text);

// `body` parsed as a JSON object, or nullopt.
std::optional<OfflineJson> parse_json_object(std::string_view body);

// `object[key]` when it is a string, else `fallback`.
std::string string_field(const OfflineJson& object, const char* key, std::string fallback);

// The content of the last message whose role is "user" in `body["messages"]` (the shape
// Anthropic Messages and chat completions share), or nullptr when there is none.
const OfflineJson* last_user_content(const OfflineJson& body);

// True when the request body has "stream": true.
bool wants_stream(const OfflineJson& body);

std::string dump_json(const OfflineJson& value);

// An SSE event with an `event:` line, and one with only a `data:` line.
std::string sse_event(std::string_view name, const OfflineJson& data);
std::string sse_data(std::string_view data, std::string_view line_end = "\n");

LocalReply json_reply(const OfflineJson& body);
LocalReply event_stream_reply(std::vector<std::string> events);

// 404 naming what the offline relay serves on the route instead.
LocalReply not_served(Route route, const InboundRequest& request, std::string_view served);

// 400 for a body that is not the JSON object the format needs.
LocalReply unreadable_body(Route route, const InboundRequest& request);

// The model ids the offline relay lists for a route (it answers for any model asked).
const std::vector<std::string>& offline_models(Route route);

// An OpenAI-style model list ({"object":"list","data":[...]}) for Codex and Cursor.
OfflineJson openai_model_list(Route route);

// One reply builder per wire format.
LocalReply offline_anthropic(const RoutedPath& routed, const InboundRequest& request);
LocalReply offline_responses(const RoutedPath& routed, const InboundRequest& request);
LocalReply offline_gemini(const RoutedPath& routed, const InboundRequest& request);
LocalReply offline_chat(const RoutedPath& routed, const InboundRequest& request);

// A JSON value that satisfies `schema` in the simple cases (objects of strings, numbers,
// booleans, enums, arrays), with strings made from `fill`.
OfflineJson schema_instance(const OfflineJson& schema, std::string_view fill);

} // namespace aigw::net
