// SPDX-License-Identifier: MIT
// The gateway's routes, one per agent, from either URL layout:
//   --gateway URL    URL/anthropic, URL/openai/v1, URL/gemini, URL/cursor/v1
//   --workspace URL  URL/ai-gateway/anthropic, URL/ai-gateway/codex/v1, URL/ai-gateway/gemini
//                    (no documented Cursor route there: Cursor needs --cursor-url)
// A per-agent URL overrides either. URLs must be https, except on loopback hosts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace aigw::core {

struct RouteOptions
{
  std::optional<std::string> gateway;
  std::optional<std::string> workspace;
  std::optional<std::string> claude_url;
  std::optional<std::string> codex_url;
  std::optional<std::string> gemini_url;
  std::optional<std::string> cursor_url;
};

enum class Layout { gateway_host, workspace_hosted, custom };

struct Routes
{
  Layout layout = Layout::custom;
  std::optional<std::string> gateway;   // normalised --gateway
  std::optional<std::string> workspace; // normalised --workspace
  std::optional<std::string> claude;
  std::optional<std::string> codex;
  std::optional<std::string> gemini;
  std::optional<std::string> cursor;
};

// Check `url` given as `option` and return it without a trailing slash. Usage errors name
// the option, the URL and what is wrong with it.
util::Result<std::string> normalize_base_url(std::string_view url, std::string_view option);

// Whether `host` (as it appears in a URL) is a loopback address or name.
bool is_loopback_host(std::string_view host);

// Whether `host` is loopback, link-local or in a private range (Cursor cannot reach those).
bool is_private_host(std::string_view host);

// The host part of an already normalised URL.
std::string url_host(std::string_view url);

// Every route the options give.
util::Result<Routes> resolve_routes(const RouteOptions& options);

std::string to_string(Layout layout);

} // namespace aigw::core
