// SPDX-License-Identifier: MIT
// Claude Code: the env block of ~/.claude/settings.json (all values strings, or Claude
// crashes), and in helper mode a top-level apiKeyHelper. A credential variable in the same
// env block outranks apiKeyHelper, so helper mode takes ANTHROPIC_AUTH_TOKEN and
// ANTHROPIC_API_KEY out of it (configure remembers them and unconfigure puts them back).
#include "core/agents.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

std::string
custom_headers(const ConfigureRequest& request)
{
  std::vector<std::string> lines{std::string(k_coding_agent_header) + ": true"};
  for (const auto& header : request.extra_headers) {
    lines.push_back(header.name + ": " + header.value);
  }
  return util::join(lines, "\n");
}

void
warn_about_shell_credentials(AgentPlan& plan)
{
  for (const char* variable : {"ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"}) {
    if (process_env()(variable)) {
      plan.warnings.push_back(std::string(variable)
                              + " is exported in this shell and outranks apiKeyHelper; "
                                "unset it, or use --secrets inline");
    }
  }
}

} // namespace

util::Result<AgentPlan>
plan_claude(const ConfigureRequest& request, const Paths& paths)
{
  if (!request.routes.claude) {
    return util::fail(util::ErrorKind::usage,
                      "no route for Claude Code: give --gateway, --workspace or --claude-url");
  }
  AgentPlan plan{"claude"};
  FilePlan settings{paths.claude_settings, config::Format::json};
  const auto env = [&](const char* name, std::optional<config::Json> value, bool secret) {
    settings.edits.push_back(KeyEdit{{"env", name}, std::move(value), secret});
  };

  env("ANTHROPIC_MODEL", request.claude_model, false);
  env("ANTHROPIC_BASE_URL", *request.routes.claude, false);
  env("ANTHROPIC_CUSTOM_HEADERS", custom_headers(request), false);
  env("CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS", "1", false);

  if (request.secrets == SecretsMode::inline_token) {
    settings.sensitivity = config::Sensitivity::secret;
    env("ANTHROPIC_AUTH_TOKEN", request.token->reveal(), true);
  } else {
    env("ANTHROPIC_AUTH_TOKEN", std::nullopt, true);
    env("ANTHROPIC_API_KEY", std::nullopt, true);
    settings.edits.push_back(KeyEdit{{"apiKeyHelper"}, token_helper_command(request), false});
    if (request.token_kind == TokenKind::oauth) {
      // How long Claude keeps the helper's token: well inside the OAuth token's hour.
      env("CLAUDE_CODE_API_KEY_HELPER_TTL_MS", std::to_string(k_oauth_helper_refresh_ms), false);
    }
    warn_about_shell_credentials(plan);
  }
  plan.files.push_back(std::move(settings));

  if (request.skip_onboarding) {
    // Claude Code keeps its login session in this file and creates it 0600 itself.
    FilePlan state{paths.claude_state, config::Format::json, config::Sensitivity::secret};
    state.edits.push_back(KeyEdit{{"hasCompletedOnboarding"}, true, false});
    plan.files.push_back(std::move(state));
  }

  plan.summary = {{"route", *request.routes.claude},
                  {"model", request.claude_model},
                  {"secrets", request.secrets == SecretsMode::helper ? "helper" : "inline"}};
  return plan;
}

} // namespace aigw::core
