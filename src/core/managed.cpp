// SPDX-License-Identifier: MIT
// Each agent's managed plan is its ordinary planner's, pointed at the system file: the same
// keys as for a user, so what the two write can be compared key by key. Gemini CLI is the
// exception: its gateway values and token live in a .env file, and it reads no system-wide
// one (agents.md 3.1), so only security.auth.selectedType can be set for everyone.
#include "core/managed.hpp"

#include <cerrno>

#include <unistd.h>

#include "util/fs.hpp"

namespace aigw::core {

namespace {

namespace fs = std::filesystem;

util::Result<AgentPlan>
plan_claude_managed(const ConfigureRequest& request, const Paths& paths)
{
  Paths target = paths;
  target.claude_settings = claude_managed_drop_in(paths);
  auto plan = plan_claude(request, target);
  AIGW_TRY(plan);
  // The admin's shell is not the users': its variables say nothing about theirs.
  plan->warnings.clear();
  plan->notes.push_back("Claude Code (2.1.83 and later) merges " + target.claude_settings.string()
                        + " over " + paths.claude_managed_settings.string()
                        + " for every user; no user or project setting overrides these keys");
  return plan;
}

util::Result<AgentPlan>
plan_codex_managed(ConfigureRequest request, const Paths& paths)
{
  Paths target = paths;
  target.codex_config = paths.codex_system_config;
  target.codex_dir = paths.codex_system_config.parent_path();
  request.migrate_codex_profiles = false; // a user's profiles are theirs to move
  auto plan = plan_codex(request, target);
  AIGW_TRY(plan);
  plan->notes.push_back("Codex reads " + target.codex_config.string()
                        + " below each user's ~/.codex/config.toml: a model_provider set there "
                          "still wins for that user");
  return plan;
}

util::Result<AgentPlan>
plan_gemini_managed(const ConfigureRequest& request, const Paths& paths)
{
  if (!request.routes.gemini) {
    return util::fail(util::ErrorKind::usage,
                      "no route for Gemini CLI: give --gateway, --workspace or --gemini-url");
  }
  AgentPlan plan{"gemini"};
  FilePlan settings{paths.gemini_system_settings, config::Format::jsonc};
  settings.edits.push_back({{"security", "auth", "selectedType"}, "gemini-api-key"});
  plan.files.push_back(std::move(settings));
  plan.notes.push_back("Gemini CLI reads no system-wide .env: each user still needs "
                       "GOOGLE_GEMINI_BASE_URL " + *request.routes.gemini
                       + " and a token in their own ~/.gemini/.env (`aigw-setup configure "
                         "gemini` run as that user, or the relay)");
  plan.summary = {{"route", *request.routes.gemini}, {"model", request.gemini_model}};
  return plan;
}

AgentPlan
plan_cursor_managed()
{
  AgentPlan plan{"cursor"};
  plan.notes.push_back("Cursor has no system-wide settings file: nothing is written for it; "
                       "`aigw-setup configure cursor` run as each user prints what to enter");
  return plan;
}

util::Unexpected<util::Error>
refuse(const fs::path& path, const std::string& cause)
{
  return util::fail(util::ErrorKind::write,
                    "cannot write " + path.string() + " (" + cause
                      + "): --managed writes system-wide files; run it with sudo (or as root, "
                        "as an MDM does)");
}

// The file itself when it exists, and the folder its rename lands in (or, when that is
// still to be made, the nearest folder that exists).
util::Result<void>
check_one(const fs::path& file, const WriteCheck& can_write)
{
  std::error_code error;
  if (fs::exists(file, error)) {
    if (auto cause = can_write(file)) {
      return refuse(file, *cause);
    }
  }
  fs::path folder = file.parent_path();
  while (!fs::exists(folder, error) && folder != folder.parent_path()) {
    folder = folder.parent_path();
  }
  if (!fs::is_directory(folder, error)) {
    return refuse(folder, "not a folder");
  }
  if (auto cause = can_write(folder)) {
    return refuse(folder, *cause);
  }
  return {};
}

} // namespace

fs::path
claude_managed_drop_in(const Paths& paths)
{
  return paths.claude_managed_settings.parent_path() / k_claude_drop_in;
}

Paths
managed_state_paths(const Paths& paths)
{
  Paths state = paths;
  state.tool_dir = paths.system_state_dir;
  return state;
}

util::Result<AgentPlan>
plan_managed(const std::string& agent, ConfigureRequest request, const Paths& paths)
{
  if (request.secrets != SecretsMode::helper) {
    return util::fail(util::ErrorKind::usage, "a managed file is world-readable: it takes no "
                                              "token (--secrets helper only)");
  }
  request.explicit_home.reset();
  request.skip_onboarding = false; // ~/.claude.json is each user's own
  if (agent == "claude") {
    return plan_claude_managed(request, paths);
  }
  if (agent == "codex") {
    return plan_codex_managed(request, paths);
  }
  if (agent == "gemini") {
    return plan_gemini_managed(request, paths);
  }
  return plan_cursor_managed();
}

WriteCheck
access_write_check()
{
  return [](const fs::path& path) -> std::optional<std::string> {
    const int wanted = fs::is_directory(path) ? W_OK | X_OK : W_OK;
    if (::access(path.c_str(), wanted) == 0) {
      return std::nullopt;
    }
    return util::errno_text(errno);
  };
}

util::Result<void>
check_managed_access(const std::vector<fs::path>& files, const WriteCheck& can_write)
{
  for (const auto& file : files) {
    AIGW_TRY(check_one(file, can_write));
  }
  return {};
}

} // namespace aigw::core
