// SPDX-License-Identifier: MIT
// What the relay changes in the messages it forwards: the agent's request headers less
// hop-by-hop ones and the relay key, with the real credential and the coding-agent header
// for Claude in their place; the upstream's reply head less hop-by-hop and framing headers;
// and the 502 or 504 an agent gets when the upstream cannot be reached, with its cause and
// what to check, worded so that `test` can tell it from a 5xx the gateway sent.
#include "net/relay_internal.hpp"

#include <algorithm>
#include <array>

#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

constexpr const char* k_coding_agent_header = "x-databricks-use-coding-agent-mode";

constexpr std::array<std::string_view, 7> k_hop_by_hop{
  "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host"};

// How an upstream failure is worded: "the gateway URL could not be reached: ...", or "...
// did not answer in time; ...". is_upstream_failure_message() knows the relay by them.
constexpr std::array<std::string_view, 2> k_upstream_names{"the gateway ", "the workspace "};
constexpr std::string_view k_unreachable = " could not be reached: ";
constexpr std::string_view k_no_answer = " did not answer in time; ";

// Request headers that never go upstream as the agent sent them: the relay key in its
// three spellings (the real credential replaces it), and framing the client redoes.
constexpr std::array<std::string_view, 5> k_replaced{"Authorization", "x-api-key",
                                                     "x-goog-api-key", "Content-Length",
                                                     "Expect"};

bool
named_in(std::string_view name, const auto& names)
{
  return std::any_of(names.begin(), names.end(),
                     [name](std::string_view known) { return same_name(name, known); });
}

std::pair<std::string, std::string>
cause_and_remedy(HttpErrorKind kind, const std::string& option)
{
  switch (kind) {
  case HttpErrorKind::dns:
    return {"its host name did not resolve", "check " + option + " and your DNS"};
  case HttpErrorKind::connect:
    return {"connection refused", "check " + option + " or your network"};
  case HttpErrorKind::tls:
    return {"the TLS handshake or certificate check failed",
            "check that this machine trusts its certificate (a TLS-inspecting proxy needs "
            "its CA installed)"};
  case HttpErrorKind::proxy:
    return {"the proxy refused or failed", "check HTTPS_PROXY and NO_PROXY"};
  case HttpErrorKind::reset:
    return {"the connection dropped", "try again, and check " + option + " or your network"};
  default:
    return {"the request failed", "run aigw-setup -vv relay to see why"};
  }
}

// Every Connection header's names, as one list: a second Connection header names more
// hop-by-hop headers just as the first does (RFC 9110 5.3).
std::string
connection_options(const Headers& headers)
{
  std::string options;
  for (const auto& [name, value] : headers.items) {
    if (same_name(name, "Connection")) {
      options += value + ",";
    }
  }
  return options;
}

} // namespace

bool
is_hop_by_hop(std::string_view name, std::string_view connection)
{
  if (named_in(name, k_hop_by_hop) || (name.size() > 6 && same_name(name.substr(0, 6), "Proxy-"))) {
    return true;
  }
  // Connection names further headers meant for this hop only.
  return util::any_part(connection, ',', [name](std::string_view token) {
    return same_name(util::trim(token), name);
  });
}

Headers
upstream_headers(const InboundRequest& inbound, Route route, const util::Secret& bearer)
{
  const std::string connection = connection_options(inbound.headers);
  Headers headers;
  for (const auto& [name, value] : inbound.headers.items) {
    if (is_hop_by_hop(name, connection) || named_in(name, k_replaced)) {
      continue;
    }
    headers.add(name, value);
  }

  headers.add("Authorization", "Bearer " + bearer.reveal());
  if (route == Route::anthropic && !headers.get(k_coding_agent_header)) {
    headers.add(k_coding_agent_header, "true");
  }
  return headers;
}

Headers
passed_headers(const Headers& headers)
{
  const std::string connection = connection_options(headers);
  Headers passed;
  for (const auto& [name, value] : headers.items) {
    if (!is_hop_by_hop(name, connection) && !same_name(name, "Content-Length")) {
      passed.add(name, value);
    }
  }
  return passed;
}

LocalReply
upstream_failure(Route route, const std::string& url, const HttpError& error)
{
  const bool otel = route == Route::otel;
  const std::string what = std::string(k_upstream_names[otel ? 1 : 0]) + redact_url(url);
  const std::string option = otel ? "--workspace" : "--gateway";
  if (error.kind == HttpErrorKind::timeout) {
    return error_reply(route, 504,
                       what + std::string(k_no_answer) + "try again, or check " + option
                         + " and your network");
  }
  const auto [cause, remedy] = cause_and_remedy(error.kind, option);
  return error_reply(route, 502, what + std::string(k_unreachable) + cause + "; " + remedy);
}

bool
is_upstream_failure_message(std::string_view message)
{
  const bool names_upstream =
    std::any_of(k_upstream_names.begin(), k_upstream_names.end(),
                [message](std::string_view name) { return message.starts_with(name); });
  const bool says_failure = message.find(k_unreachable) != std::string_view::npos
                            || message.find(k_no_answer) != std::string_view::npos;
  return names_upstream && says_failure;
}

} // namespace aigw::net
