// SPDX-License-Identifier: MIT
// What the relay checks on every request before it goes anywhere: that the Host header
// names this relay (a page in a browser could otherwise reach it through DNS rebinding),
// that the path belongs to a route, and that the agent sent the local relay key, in
// whichever of the three headers its SDK uses. Also how a request looks once it is out of
// cpp-httplib's hands: raw path and query from the request line, headers less the ones the
// library adds.
#include "net/relay_internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "util/strings.hpp"

namespace aigw::net {

namespace {

// Headers cpp-httplib adds to a request on its own; they never came from the agent.
constexpr std::array<std::string_view, 4> k_library_headers{"REMOTE_ADDR", "REMOTE_PORT",
                                                             "LOCAL_ADDR", "LOCAL_PORT"};

// Whether `host` (a Host header) names this relay: a loopback name or address, this port.
bool
host_is_relay(std::string_view host, int port)
{
  std::string_view name = host;
  std::string_view port_text;
  const auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    name = host.substr(0, colon);
    port_text = host.substr(colon + 1);
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string wanted = std::to_string(port);
  return core::is_loopback_host(lower) && (port_text.empty() ? port == 80 : port_text == wanted);
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

} // namespace

std::string_view
path_of(const httplib::Request& req)
{
  const std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

InboundRequest
inbound_of(const httplib::Request& req)
{
  InboundRequest inbound;
  inbound.method = req.method;
  inbound.path = std::string(path_of(req));
  if (const auto query = req.target.find('?'); query != std::string::npos) {
    inbound.query = req.target.substr(query + 1);
  }
  for (const auto& [name, value] : req.headers) {
    const bool library = std::any_of(k_library_headers.begin(), k_library_headers.end(),
                                     [&](std::string_view own) { return name == own; });
    if (!library) {
      inbound.headers.add(name, value);
    }
  }
  inbound.body = req.body;
  return inbound;
}

// The request object is the library's own non-const local, handed to us as const: the
// const_cast is sound. The library reads both fields only after the handler returned.
void
keep_library_from_rewriting(const httplib::Request& req)
{
  auto& request = const_cast<httplib::Request&>(req);
  request.headers.erase("Accept-Encoding");
  request.ranges.clear();
}

bool
is_base_probe(const InboundRequest& inbound, const RoutedPath& routed)
{
  return (inbound.method == "HEAD" || inbound.method == "GET") && routed.route != Route::otel
         && (routed.rest.empty() || routed.rest == "/");
}

std::string
library_error_message(int status, std::size_t body_limit)
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
  default:
    return "";
  }
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
    return error_reply(shape, 404, library_error_message(404, options.body_limit));
  }
  if (is_base_probe(inbound, *routed)) {
    return std::nullopt;
  }

  const auto keys = presented_keys(inbound.headers);
  if (keys.empty()) {
    return error_reply(shape, 401,
                       "the relay key is missing: send it as \"Authorization: Bearer <key>\", "
                       "\"x-api-key\" or \"x-goog-api-key\" (aigw-setup configure --auth relay "
                       "sets agents up with it)");
  }
  const bool all_match = std::all_of(keys.begin(), keys.end(), [this](const std::string& key) {
    return same_key(key, options.key);
  });
  if (!all_match) {
    return error_reply(shape, 401,
                       "the relay key is wrong: send the key from the relay's key file "
                       "(relay --key-file)");
  }
  return std::nullopt;
}

} // namespace aigw::net
