// SPDX-License-Identifier: MIT
// Shared by the TOML editor tests: a config.toml shaped like the ones Codex users keep, the
// gateway provider's keys, and the edits configure makes, each required to succeed.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>

#include "config/document.hpp"

namespace aigw::test::toml_edits {

// Shaped like the config.toml files users keep: comments everywhere, other providers, MCP
// servers with env tables, quoted project paths, an array over several lines.
inline const std::string k_real_world = R"(# Codex CLI configuration
# See https://github.com/openai/codex/blob/main/docs/config.md

model = "gpt-5.1-codex"   # default model
approval_policy = "on-request"

# Show reasoning in the TUI
model_reasoning_summary = "detailed"

[model_providers.ollama-remote]
name = "Ollama on the build box"
base_url = "http://10.0.0.5:11434/v1"

# Team proxy; keep in sync with the wiki
[model_providers.team]
name = "Team proxy"
base_url = "https://proxy.example.com/v1"
env_key = "TEAM_TOKEN"
http_headers = { "X-Team" = "platform", X-Env = "prod" }

[mcp_servers.docs]
command = "npx"
args = [
  "-y",
  "@example/docs-mcp",   # pinned in package.json
]
env = { DOCS_TOKEN = "abc", SYSTEMROOT = 'C:\Windows' }

[projects."/home/me/src/app"]
trust_level = "trusted"

[tui]
notifications = ["agent-turn-complete", "approval-requested"]
)";

inline const config::KeyPath k_gateway{"model_providers", "databricks-ai-gateway"};

inline config::KeyPath
gateway_key(const std::string& name)
{
  config::KeyPath path = k_gateway;
  path.push_back(name);
  return path;
}

inline std::string
with_crlf(const std::string& text)
{
  std::string out;
  for (const char c : text) {
    out += c == '\n' ? "\r\n" : std::string(1, c);
  }
  return out;
}

inline std::unique_ptr<config::Document>
parsed(const std::string& text)
{
  auto document = config::parse_toml(text);
  REQUIRE(document);
  return std::move(*document);
}

inline void
set_ok(config::Document& document, const config::KeyPath& path, const config::Json& value)
{
  auto done = document.set(path, value);
  const std::string why = done ? std::string() : done.error();
  INFO(why);
  REQUIRE(done);
}

// What configure writes to Codex's config.toml, in the order the planner lists it.
inline void
configure_gateway(config::Document& document)
{
  set_ok(document, {"model_provider"}, "databricks-ai-gateway");
  set_ok(document, {"model"}, "databricks-gpt-5-2");
  set_ok(document, gateway_key("name"), "Databricks AI Gateway");
  set_ok(document, gateway_key("base_url"), "https://gw.example.com/openai/v1");
  set_ok(document, gateway_key("wire_api"), "responses");
  set_ok(document,
         gateway_key("auth"),
         config::Json{{"command", "/usr/bin/aigw-setup"},
                      {"args", config::Json::array({"token"})}});
}

} // namespace aigw::test::toml_edits
