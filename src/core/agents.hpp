// SPDX-License-Identifier: MIT
// Per agent, what configure writes: each function turns one request into an AgentPlan of
// keys per file. The values and their reasons come from SPEC.md, agents.md and wire.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/gateway.hpp"
#include "core/paths.hpp"
#include "core/plan.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::core {

inline constexpr const char* k_default_claude_model = "databricks-claude-opus-4-6";
inline constexpr const char* k_default_codex_model = "databricks-gpt-5-2";
inline constexpr const char* k_default_gemini_model = "databricks-gemini-2-5-flash";
inline constexpr const char* k_codex_provider_id = "databricks-ai-gateway";
inline constexpr const char* k_coding_agent_header = "x-databricks-use-coding-agent-mode";

enum class SecretsMode { helper, inline_token };

// What the token helper prints: a static token (a PAT, or the relay key), or an OAuth token
// minted by `databricks auth token` that lives one hour.
enum class TokenKind { static_token, oauth };

// How often the agents run the helper again for an OAuth token: a quarter of its one-hour
// life, so a token is never used in its last 45 minutes even when the databricks CLI hands
// out one that was minted a while ago (ucode uses the same 15 minutes).
inline constexpr int k_oauth_helper_refresh_ms = 900'000;
enum class GeminiTrust { trust_folder, trust_off };

struct Header
{
  std::string name;
  std::string value;
};

struct ConfigureRequest
{
  Routes routes;
  SecretsMode secrets = SecretsMode::helper;
  TokenKind token_kind = TokenKind::static_token;
  std::optional<util::Secret> token; // none with TokenKind::oauth: the helper mints one
  // With --auth relay: the file the agents' key (`token`) is kept in.
  std::optional<std::filesystem::path> relay_key_file;

  std::string claude_model = k_default_claude_model;
  std::string codex_model = k_default_codex_model;
  std::string gemini_model = k_default_gemini_model;
  std::vector<std::string> cursor_models;
  std::vector<Header> extra_headers;

  bool skip_onboarding = false;
  GeminiTrust gemini_trust = GeminiTrust::trust_folder;
  std::filesystem::path gemini_trust_folder; // with trust_folder
  bool migrate_codex_profiles = false;
  bool cursor_write_state = false;
  std::optional<std::string> codex_version; // "0.171.0" from `codex --version`
  // A dry run's notes say what would be done, not what was.
  DryRun dry_run = DryRun::no;

  // How the agents call back for a token: this binary, and --home when one was given.
  std::string self_executable;
  std::optional<std::filesystem::path> explicit_home;
};

inline const std::vector<std::string> k_agents{"claude", "codex", "gemini", "cursor"};

// Parse "Name: value" from --header; usage error naming the header when malformed.
util::Result<Header> parse_header(const std::string& text);

util::Result<AgentPlan> plan_claude(const ConfigureRequest& request, const Paths& paths);
util::Result<AgentPlan> plan_codex(const ConfigureRequest& request, const Paths& paths);
util::Result<AgentPlan> plan_gemini(const ConfigureRequest& request, const Paths& paths);
util::Result<AgentPlan> plan_cursor(const ConfigureRequest& request, const Paths& paths);

// The plan for `agent`, one of k_agents.
util::Result<AgentPlan> plan_agent(const std::string& agent, const ConfigureRequest& request,
                                   const Paths& paths);

// The agents found on this machine: binary on PATH or config folder present.
std::vector<std::string> detect_agents(const Paths& paths);

// The installed Codex's version from `codex --version`, if it runs.
std::optional<std::string> installed_codex_version();

// The token helper as a /bin/sh command line (Claude's apiKeyHelper).
std::string token_helper_command(const ConfigureRequest& request);

// The token helper as program and arguments (Codex's auth table).
std::pair<std::string, std::vector<std::string>> token_helper_argv(
  const ConfigureRequest& request);

// How a remedy names this program so that it runs on the same home: "aigw-setup", with
// `--home HOME` when one was given.
std::string aigw_invocation(const std::optional<std::filesystem::path>& home);

} // namespace aigw::core
