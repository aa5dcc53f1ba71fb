// SPDX-License-Identifier: MIT
// What the relay checks on every request head before its body is read or it goes
// anywhere: that it can be framed only one way (one Host, one Content-Length, not both
// Content-Length and Transfer-Encoding: otherwise two readers of the same bytes could see
// two different requests), that its headers hold no line breaks or control characters,
// that its target is a path and its method one the relay serves (it is no proxy), that the
// Host header names this relay in one of the exact forms agents send (a page in a browser
// could otherwise reach it through DNS rebinding), that the path belongs to a route, and
// that the agent sent the local relay key, in whichever of the three headers its SDK uses.
#include "net/relay_internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "util/strings.hpp"

namespace aigw::net {

namespace {

constexpr std::array<std::string_view, 7> k_served_methods{"GET",   "HEAD",   "POST",   "PUT",
                                                           "PATCH", "DELETE", "OPTIONS"};

// A decimal number as a URL writes it: digits, no leading zero. `0x7f`, `0177` and the
// like are read as other numbers by some parsers, so they are never taken for loopback.
bool
is_plain_number(std::string_view text, std::size_t max_digits)
{
  return !text.empty() && text.size() <= max_digits
         && text.find_first_not_of("0123456789") == std::string_view::npos
         && (text == "0" || text.front() != '0');
}

// "localhost", "[::1]" or 127.x.y.z in plain dotted decimal; no trailing dot, no short or
// hexadecimal forms, no names that only end in a loopback address (127.0.0.1.nip.io).
bool
is_loopback_name(std::string_view name)
{
  if (name == "localhost" || name == "[::1]") {
    return true;
  }
  int parts = 0;
  const bool not_a_byte = util::any_part(name, '.', [&parts](std::string_view part) {
    ++parts;
    int number = 0;
    return !is_plain_number(part, 3)
           || std::from_chars(part.data(), part.data() + part.size(), number).ec != std::errc{}
           || number > 255;
  });
  return !not_a_byte && parts == 4 && name.starts_with("127.");
}

// Whether `host` (a Host header) names this relay: a loopback name or address, this port.
bool
host_is_relay(std::string_view host, int port)
{
  std::string_view name = host;
  std::optional<std::string_view> port_text;
  const auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    name = host.substr(0, colon);
    port_text = host.substr(colon + 1);
  }
  const std::string lower = util::to_lower(name);
  const bool port_matches = port_text ? (is_plain_number(*port_text, 5)
                                         && *port_text == std::to_string(port))
                                      : port == 80;
  return is_loopback_name(lower) && port_matches;
}

// RFC 9110 5.6.2: the characters a header name (a token) may hold.
bool
is_token(std::string_view name)
{
  constexpr std::string_view k_symbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || k_symbols.find(c) != k_symbols.npos;
  });
}

// Control characters other than tab: a CR or LF could split the header in two upstream.
bool
has_control(std::string_view value)
{
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
}

std::size_t
count_of(const Headers& headers, std::string_view name)
{
  return static_cast<std::size_t>(
    std::count_if(headers.items.begin(), headers.items.end(),
                  [name](const auto& item) { return same_name(item.first, name); }));
}

// Why the request's headers could be read two ways, or hold what cannot go on as is.
std::optional<std::string>
ambiguous_head(const InboundRequest& inbound)
{
  const Headers& headers = inbound.headers;
  for (const char* name : {"Host", "Content-Length", "Transfer-Encoding"}) {
    if (count_of(headers, name) > 1) {
      return std::string("the request has more than one ") + name + " header";
    }
  }
  const auto length = headers.get("Content-Length");
  const auto coding = headers.get("Transfer-Encoding");
  if (length && coding) {
    return "the request has both Content-Length and Transfer-Encoding; send one of them";
  }
  if (length && !is_plain_number(*length, 18)) {
    return "the request's Content-Length is not a plain decimal number";
  }
  if (coding && !same_name(util::trim(*coding), "chunked")) {
    return "the relay reads request bodies sent with Content-Length or "
           "\"Transfer-Encoding: chunked\" only";
  }
  const bool has_body = coding || (length && *length != "0");
  if (has_body && !method_takes_body(inbound.method)) {
    return "a " + inbound.method + " request cannot carry a body through the relay";
  }
  return std::nullopt;
}

// Why a header cannot go on as the agent sent it.
std::optional<std::string>
bad_header(const Headers& headers)
{
  for (const auto& [name, value] : headers.items) {
    if (!is_token(name)) {
      return std::string("the request has a header name with characters HTTP does not allow");
    }
    if (has_control(value)) {
      return "the request header \"" + name + "\" holds a line break or control character";
    }
  }
  return std::nullopt;
}

// The relay key values the request carries, in any of the headers agents send it in.
std::vector<std::string>
presented_keys(const Headers& headers)
{
  std::vector<std::string> keys;
  if (auto authorization = headers.get("Authorization")) {
    const std::string_view value = *authorization;
    keys.emplace_back(value.size() > 7 && same_name(value.substr(0, 7), "Bearer ")
                        ? util::trim(value.substr(7))
                        : value);
  }
  for (const char* name : {"x-api-key", "x-goog-api-key"}) {
    if (auto value = headers.get(name)) {
      keys.emplace_back(util::trim(*value));
    }
  }
  return keys;
}

enum class KeyRefusal { missing, wrong };

// The 401 an agent gets without the relay key: where the key is kept and what puts it in
// the agents' settings, never the key itself (the reply may reach a log or a terminal).
std::string
key_refusal(KeyRefusal refusal, const std::filesystem::path& key_file)
{
  const std::string where = key_file.empty() ? "the relay's key file" : key_file.string();
  const std::string send = refusal == KeyRefusal::missing
                             ? "the relay key is missing: send the key in " + where
                                 + " as \"Authorization: Bearer <key>\", \"x-api-key\" or "
                                   "\"x-goog-api-key\""
                             : "the relay key is wrong: send the key in " + where;
  return send + "; `aigw-setup configure --auth relay` writes it into each agent's settings";
}

} // namespace

bool
is_base_probe(const InboundRequest& inbound, const RoutedPath& routed)
{
  return (inbound.method == "HEAD" || inbound.method == "GET") && routed.route != Route::otel
         && (routed.rest.empty() || routed.rest == "/");
}

std::string
reading_error_message(int status, std::size_t body_limit)
{
  switch (status) {
  case 413:
    return "the request body is larger than the relay's limit of " + std::to_string(body_limit)
           + " bytes (relay --body-limit)";
  case 404:
    return "no gateway route serves this path; the relay serves /anthropic, /openai/v1, "
           "/codex/v1, /gemini, /cursor/v1 and /api/2.0/otel/v1";
  case 415:
    return "the relay cannot decode this request body's Content-Encoding";
  case 400:
    return "the relay could not read this request";
  case 414:
    return "the request target is longer than the relay's limit of 8192 bytes";
  case 431:
    return "the request line and headers are larger than the relay's limit of "
           + std::to_string(k_head_limit) + " bytes";
  default:
    return "";
  }
}

std::optional<LocalReply>
Relay::Impl::head_refusal(const InboundRequest& inbound) const
{
  const auto routed = route_of(inbound.path);
  const Route shape = routed ? routed->route : Route::otel;
  if (auto why = ambiguous_head(inbound)) {
    return error_reply(shape, 400, *why);
  }
  if (auto why = bad_header(inbound.headers)) {
    return error_reply(shape, 400, *why);
  }
  if (std::find(k_served_methods.begin(), k_served_methods.end(), inbound.method)
      == k_served_methods.end()) {
    return error_reply(shape, 405,
                       "the relay is not a proxy: it serves GET, HEAD, POST, PUT, PATCH, DELETE "
                       "and OPTIONS, not "
                         + inbound.method);
  }
  if (inbound.path.empty() || inbound.path.front() != '/') {
    return error_reply(shape, 400,
                       "the relay is not a proxy: the request target must be a path beginning "
                       "with / (as in POST /anthropic/v1/messages), not a full URL");
  }
  return refusal(inbound, routed);
}

std::optional<LocalReply>
Relay::Impl::refusal(const InboundRequest& inbound, const std::optional<RoutedPath>& routed) const
{
  const Route shape = routed ? routed->route : Route::otel;
  const auto host = inbound.headers.get("Host");
  if (!host || !host_is_relay(*host, port)) {
    return error_reply(shape, 403,
                       "requests to the relay must name it as Host: 127.0.0.1:"
                         + std::to_string(port) + " or localhost:" + std::to_string(port)
                         + " (other names are refused to stop DNS rebinding)");
  }
  if (!routed) {
    return error_reply(shape, 404, reading_error_message(404, options.body_limit));
  }
  if (is_base_probe(inbound, *routed)) {
    return std::nullopt;
  }

  const auto keys = presented_keys(inbound.headers);
  if (keys.empty()) {
    return error_reply(shape, 401, key_refusal(KeyRefusal::missing, options.key_file));
  }
  const bool all_match = std::all_of(keys.begin(), keys.end(), [this](const std::string& key) {
    return same_key(key, options.key);
  });
  if (!all_match) {
    return error_reply(shape, 401, key_refusal(KeyRefusal::wrong, options.key_file));
  }
  return std::nullopt;
}

} // namespace aigw::net
