// SPDX-License-Identifier: MIT
#include "core/gateway.hpp"

#include <algorithm>
#include <array>

#include "net/http.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

// What a base URL may be, said whenever one is refused for its form: http is taken for
// loopback hosts because the agents reach the local relay that way.
constexpr std::string_view k_accepted_urls = "use https://HOST/..., or http:// for a loopback "
                                             "host such as the local relay "
                                             "(http://127.0.0.1:8765)";

util::Unexpected<util::Error>
bad_url(std::string_view option, std::string_view url, const std::string& why)
{
  // Shown redacted: a URL refused for holding credentials must not print them.
  return util::fail(ErrorKind::usage,
                    std::string(option) + " \"" + net::redact_url(url) + "\": " + why);
}

bool
valid_host(std::string_view host)
{
  if (host.empty()) {
    return false;
  }
  if (host.front() == '[') {
    return host.back() == ']' && host.size() > 2;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

std::optional<std::array<int, 4>>
ipv4_octets(std::string_view host)
{
  const auto parts = util::split(host, '.');
  if (parts.size() != 4) {
    return std::nullopt;
  }
  std::array<int, 4> octets{};
  for (std::size_t i = 0; i < 4; ++i) {
    if (parts[i].empty() || parts[i].size() > 3
        || parts[i].find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    octets[i] = std::stoi(parts[i]);
    if (octets[i] > 255) {
      return std::nullopt;
    }
  }
  return octets;
}

// What is wrong with the port of `url`, whose host is `host`; nullopt when it has none or a
// good one. libcurl would refuse a bad port only when a request is made, with words of its
// own, so a URL is checked before it is written anywhere.
std::optional<std::string>
port_problem(std::string_view url, const std::string& host)
{
  const std::string_view rest = url.substr(url.find("://") + 3);
  const std::string_view after_host = rest.substr(0, rest.find('/')).substr(host.size());
  if (after_host.empty()) {
    return std::nullopt;
  }
  if (after_host.front() != ':') {
    return "no valid host name";
  }
  const std::string_view port = after_host.substr(1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return "the port \"" + std::string(port) + "\" is not a number; a port is 1 to 65535";
  }
  // More than five digits is out of range whatever they say, and would overflow stoi.
  const int number = port.size() > 5 ? 0 : std::stoi(std::string(port));
  if (number < 1 || number > 65535) {
    return "port " + std::string(port) + " is out of range; a port is 1 to 65535";
  }
  return std::nullopt;
}

std::optional<std::string>
route(const std::optional<std::string>& base, const char* suffix)
{
  return base ? std::optional<std::string>(*base + suffix) : std::nullopt;
}

// The path in front of each route on the workspace layout.
constexpr std::string_view k_hosted = "/ai-gateway";

// The route paths aigw-setup adds to a base URL, with the agent each serves: the gateway
// layout's, and the workspace layout's Codex route, which is pasted just as easily.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> k_route_paths{{
  {"/anthropic", "Claude Code"},
  {"/openai/v1", "Codex"},
  {"/codex/v1", "Codex"},
  {"/gemini", "Gemini CLI"},
  {"/cursor/v1", "Cursor"},
}};

// Why `gateway` cannot be a base URL when it ends with a route: a route URL pasted as the
// base would get its route twice (.../anthropic/anthropic). The reason names the option
// it meant: the base URL, or --workspace when the route was the workspace layout's.
std::optional<std::string>
route_in_gateway(const std::string& gateway)
{
  const std::string_view path = std::string_view(gateway).substr(gateway.find("://") + 3);
  for (const auto& [route, agent] : k_route_paths) {
    if (!path.ends_with(route)) {
      continue;
    }
    const std::string base = gateway.substr(0, gateway.size() - route.size());
    const std::string meant = base.ends_with(k_hosted)
                                ? "--workspace " + base.substr(0, base.size() - k_hosted.size())
                                : "--gateway " + base;
    return "ends with " + std::string(route) + ", the " + std::string(agent)
           + " route that aigw-setup adds itself; give the base URL: " + meant;
  }
  return std::nullopt;
}

// Why `workspace` cannot be the workspace URL when it holds the workspace layout's gateway
// path: the routes would get /ai-gateway twice. The reason names the workspace URL meant.
std::optional<std::string>
gateway_path_in_workspace(const std::string& workspace)
{
  const std::size_t host_start = workspace.find("://") + 3;
  const std::size_t at = workspace.find(k_hosted, host_start);
  const std::size_t after = at + k_hosted.size();
  if (at == std::string::npos || (after < workspace.size() && workspace[after] != '/')) {
    return std::nullopt;
  }
  return "holds " + workspace.substr(at) + ", a path that aigw-setup adds itself; give the "
         + "workspace URL: --workspace " + workspace.substr(0, at);
}

util::Result<std::optional<std::string>>
normalize_optional(const std::optional<std::string>& url, std::string_view option)
{
  if (!url) {
    return std::optional<std::string>{};
  }
  auto normalized = normalize_base_url(*url, option);
  AIGW_TRY(normalized);
  return std::optional<std::string>(*normalized);
}

} // namespace

std::string
url_host(std::string_view url)
{
  const auto scheme_end = url.find("://");
  const std::string_view rest = scheme_end == std::string_view::npos
                                  ? url
                                  : url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (!authority.empty() && authority.front() == '[') {
    return std::string(authority.substr(0, authority.find(']') + 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

bool
is_loopback_host(std::string_view host)
{
  if (host == "localhost" || host == "[::1]") {
    return true;
  }
  const auto octets = ipv4_octets(host);
  return octets && (*octets)[0] == 127;
}

bool
is_private_host(std::string_view host)
{
  if (is_loopback_host(host) || host.ends_with(".local") || host.ends_with(".internal")) {
    return true;
  }
  if (host.starts_with("[fc") || host.starts_with("[fd") || host.starts_with("[fe80")) {
    return true;
  }
  const auto octets = ipv4_octets(host);
  if (!octets) {
    return false;
  }
  const auto [a, b, c, d] = *octets;
  (void)c;
  (void)d;
  return a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168)
         || (a == 169 && b == 254) || a == 0;
}

util::Result<std::string>
normalize_base_url(std::string_view url, std::string_view option)
{
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad_url(option, url, "not a URL; " + std::string(k_accepted_urls));
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    return bad_url(option, url, "not an https or http URL; " + std::string(k_accepted_urls));
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return bad_url(option, url, "a base URL takes no query or fragment");
  }
  if (url.find_first_of(" \t\r\n\"'<>\\") != std::string_view::npos) {
    return bad_url(option, url, "contains a character a URL cannot hold");
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  if (rest.substr(0, rest.find('/')).find('@') != std::string_view::npos) {
    return bad_url(option, url, "credentials do not belong in a URL; use --auth");
  }

  const std::string host = url_host(url);
  if (!valid_host(host)) {
    return bad_url(option, url, "no valid host name");
  }
  if (auto problem = port_problem(url, host)) {
    return bad_url(option, url, *problem);
  }
  if (scheme == "http" && !is_loopback_host(host)) {
    return bad_url(option, url, "https is required (http only for loopback hosts)");
  }

  std::string normalized(url);
  while (normalized.size() > scheme_end + 3 && normalized.back() == '/') {
    normalized.pop_back();
  }
  return normalized;
}

util::Result<Routes>
resolve_routes(const RouteOptions& options)
{
  Routes routes;
  auto gateway = normalize_optional(options.gateway, "--gateway");
  AIGW_TRY(gateway);
  auto workspace = normalize_optional(options.workspace, "--workspace");
  AIGW_TRY(workspace);
  routes.gateway = *gateway;
  routes.workspace = *workspace;
  if (auto why = routes.gateway ? route_in_gateway(*routes.gateway) : std::nullopt) {
    return bad_url("--gateway", *options.gateway, *why);
  }
  if (auto why = routes.workspace ? gateway_path_in_workspace(*routes.workspace)
                                  : std::nullopt) {
    return bad_url("--workspace", *options.workspace, *why);
  }

  if (routes.gateway) {
    routes.layout = Layout::gateway_host;
    routes.claude = route(routes.gateway, "/anthropic");
    routes.codex = route(routes.gateway, "/openai/v1");
    routes.gemini = route(routes.gateway, "/gemini");
    routes.cursor = route(routes.gateway, "/cursor/v1");
  } else if (routes.workspace) {
    routes.layout = Layout::workspace_hosted;
    routes.claude = route(routes.workspace, "/ai-gateway/anthropic");
    routes.codex = route(routes.workspace, "/ai-gateway/codex/v1");
    routes.gemini = route(routes.workspace, "/ai-gateway/gemini");
  }

  const std::array overrides{
    std::pair{&options.claude_url, &routes.claude},
    std::pair{&options.codex_url, &routes.codex},
    std::pair{&options.gemini_url, &routes.gemini},
    std::pair{&options.cursor_url, &routes.cursor},
  };
  const std::array names{"--claude-url", "--codex-url", "--gemini-url", "--cursor-url"};
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    auto url = normalize_optional(*overrides[i].first, names[i]);
    AIGW_TRY(url);
    if (*url) {
      *overrides[i].second = *url;
    }
  }
  return routes;
}

std::string
to_string(Layout layout)
{
  switch (layout) {
  case Layout::gateway_host:
    return "gateway";
  case Layout::workspace_hosted:
    return "workspace";
  case Layout::custom:
    return "custom";
  }
  return "custom";
}

} // namespace aigw::core
