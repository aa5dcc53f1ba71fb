// SPDX-License-Identifier: MIT
// The offline stand-in for the gateway: dispatch to one reply builder per wire format, and
// the parts they share. Replies are deterministic: ids come from a hash of the request
// body, times are a fixed date, and the text is built from the request alone, so the same
// request always gets the same bytes (tests and demos compare them).
#include "net/offline_common.hpp"

#include "util/hash.hpp"

namespace aigw::net {

namespace {

constexpr std::size_t k_excerpt_code_points = 60;
constexpr std::size_t k_id_hex_digits = 24;
constexpr std::size_t k_piece_min_bytes = 16;
constexpr std::size_t k_piece_max_bytes = 48;

bool
is_continuation_byte(char c)
{
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

bool
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Where the piece that begins at `start` ends: after a space once it is long enough,
// else at the longest length that does not split a UTF-8 sequence.
std::size_t
piece_end(std::string_view text, std::size_t start)
{
  if (text.size() - start <= k_piece_max_bytes) {
    return text.size();
  }
  const std::size_t limit = start + k_piece_max_bytes;
  const std::size_t space = text.find(' ', start + k_piece_min_bytes);
  if (space != std::string_view::npos && space < limit) {
    return space + 1;
  }
  std::size_t end = limit;
  while (end > start + 1 && is_continuation_byte(text[end])) {
    --end;
  }
  return end;
}

} // namespace

std::size_t
count_code_points(std::string_view text)
{
  std::size_t count = 0;
  for (char c : text) {
    count += is_continuation_byte(c) ? 0U : 1U;
  }
  return count;
}

std::string
first_code_points(std::string_view text, std::size_t count)
{
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation_byte(text[i]) && seen++ == count) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

std::string
excerpt(std::string_view user_text)
{
  // One line, blanks collapsed, so the quote reads well inside the reply sentence.
  std::string line;
  for (char c : user_text) {
    if (!is_blank(c)) {
      line += c;
    } else if (!line.empty() && line.back() != ' ') {
      line += ' ';
    }
  }
  if (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }

  if (count_code_points(line) <= k_excerpt_code_points) {
    return line;
  }
  std::string cut = first_code_points(line, k_excerpt_code_points);
  if (cut.back() == ' ') {
    cut.pop_back();
  }
  return cut + "...";
}

std::string
offline_text(std::string_view user_text)
{
  std::string text =
    "This reply comes from the aigw-setup offline relay: no model was called.";
  const std::string quote = excerpt(user_text);
  if (!quote.empty()) {
    text += " You wrote: \"" + quote + "\"";
  }
  return text;
}

std::string
offline_title(std::string_view user_text)
{
  const std::string quote = excerpt(user_text);
  return quote.empty() ? "Offline relay reply" : "Offline relay: " + quote;
}

std::vector<std::string>
text_pieces(std::string_view text)
{
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = piece_end(text, start);
    pieces.emplace_back(text.substr(start, end - start));
    start = end;
  }
  if (pieces.empty()) {
    pieces.emplace_back();
  }
  return pieces;
}

std::uint64_t
estimate_tokens(std::string_view text)
{
  return text.empty() ? 1 : (text.size() + 3) / 4;
}

OfflineTurn
make_turn(const InboundRequest& request, std::string model, std::string text)
{
  OfflineTurn turn;
  turn.model = std::move(model);
  turn.id = util::sha256_hex(request.body).substr(0, k_id_hex_digits);
  turn.input_tokens = estimate_tokens(request.body);
  turn.output_tokens = estimate_tokens(text);
  turn.text = std::move(text);
  return turn;
}

std::optional<OfflineJson>
parse_json_object(std::string_view body)
{
  OfflineJson parsed = OfflineJson::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return std::nullopt;
  }
  return parsed;
}

std::string
string_field(const OfflineJson& object, const char* key, std::string fallback)
{
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) {
    return fallback;
  }
  return found->get<std::string>();
}

const OfflineJson*
last_user_content(const OfflineJson& body)
{
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) {
    return nullptr;
  }
  for (auto message = messages->rbegin(); message != messages->rend(); ++message) {
    if (message->is_object() && string_field(*message, "role", "") == "user") {
      const auto content = message->find("content");
      return content == message->end() ? nullptr : &*content;
    }
  }
  return nullptr;
}

bool
wants_stream(const OfflineJson& body)
{
  const auto found = body.find("stream");
  return found != body.end() && found->is_boolean() && found->get<bool>();
}

std::string
dump_json(const OfflineJson& value)
{
  return value.dump(-1, ' ', false, OfflineJson::error_handler_t::replace);
}

std::string
sse_event(std::string_view name, const OfflineJson& data)
{
  return "event: " + std::string(name) + "\ndata: " + dump_json(data) + "\n\n";
}

std::string
sse_data(std::string_view data, std::string_view line_end)
{
  std::string event = "data: ";
  event += data;
  event += line_end;
  event += line_end;
  return event;
}

LocalReply
json_reply(const OfflineJson& body)
{
  LocalReply reply;
  reply.headers.set("Content-Type", "application/json");
  reply.body = dump_json(body);
  return reply;
}

LocalReply
event_stream_reply(std::vector<std::string> events)
{
  LocalReply reply;
  reply.headers.set("Content-Type", "text/event-stream");
  reply.headers.set("Cache-Control", "no-cache");
  reply.events = std::move(events);
  return reply;
}

LocalReply
not_served(Route route, const InboundRequest& request, std::string_view served)
{
  return error_reply(route,
                     404,
                     "the aigw-setup offline relay does not serve " + request.method + " "
                       + request.path + "; on this route it serves " + std::string(served));
}

LocalReply
unreadable_body(Route route, const InboundRequest& request)
{
  return error_reply(route,
                     400,
                     "the body of " + request.method + " " + request.path
                       + " is not a JSON object; the aigw-setup offline relay cannot answer it");
}

const std::vector<std::string>&
offline_models(Route route)
{
  static const std::vector<std::string> anthropic{
    "databricks-claude-opus-4-6", "databricks-claude-sonnet-4-5", "databricks-claude-haiku-4-5"};
  static const std::vector<std::string> openai{"databricks-gpt-5-2"};
  static const std::vector<std::string> gemini{"databricks-gemini-2-5-flash",
                                               "databricks-gemini-2-5-pro"};
  static const std::vector<std::string> cursor{"databricks-claude-opus-4-6",
                                               "databricks-gpt-5-2"};
  static const std::vector<std::string> none;
  switch (route) {
  case Route::anthropic:
    return anthropic;
  case Route::openai:
    return openai;
  case Route::gemini:
    return gemini;
  case Route::cursor:
    return cursor;
  case Route::otel:
    break;
  }
  return none;
}

OfflineJson
openai_model_list(Route route)
{
  OfflineJson data = OfflineJson::array();
  for (const std::string& id : offline_models(route)) {
    data.push_back(OfflineJson{{"id", id},
                               {"object", "model"},
                               {"created", k_offline_created_at},
                               {"owned_by", "aigw-setup-offline"}});
  }
  return OfflineJson{{"object", "list"}, {"data", data}};
}

LocalReply
offline_reply(Route route, const RoutedPath& routed, const InboundRequest& request)
{
  LocalReply reply;
  switch (route) {
  case Route::anthropic:
    reply = offline_anthropic(routed, request);
    break;
  case Route::openai:
    reply = offline_responses(routed, request);
    break;
  case Route::gemini:
    reply = offline_gemini(routed, request);
    break;
  case Route::cursor:
    reply = offline_chat(routed, request);
    break;
  case Route::otel:
    // The relay keeps OTel exports in its spool; reaching this is a relay bug.
    reply = not_served(route, request, "nothing: OTel exports go to the relay's spool");
    break;
  }

  // A HEAD reply has headers only, whatever the GET reply would carry.
  if (request.method == "HEAD") {
    reply.body.clear();
    reply.events.clear();
  }
  return reply;
}

} // namespace aigw::net
