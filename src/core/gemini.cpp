// SPDX-License-Identifier: MIT
// Gemini CLI: ~/.gemini/.env with the gateway variables and the token (it has no helper
// hook), plus two settings without which it ignores that file (wire.md 3): an explicit
// security.auth.selectedType, and either folder trust switched off or the working folder
// trusted. It loads exactly one .env, and a project .env wins, so configure warns when
// one is in the way.
#include "core/agents.hpp"

#include <filesystem>

#include "util/strings.hpp"

namespace aigw::core {

namespace {

std::string
custom_headers(const ConfigureRequest& request)
{
  std::vector<std::string> pairs;
  for (const auto& header : request.extra_headers) {
    pairs.push_back(header.name + ": " + header.value);
  }
  return util::join(pairs, ", ");
}

// The first .env Gemini CLI would find above `folder` before reaching ~/.gemini/.env.
std::optional<std::filesystem::path>
shadowing_env_file(const std::filesystem::path& folder, const Paths& paths)
{
  std::error_code error;
  for (auto dir = folder; !dir.empty(); dir = dir.parent_path()) {
    if (dir == paths.home) {
      break;
    }
    for (const auto& candidate : {dir / ".gemini" / ".env", dir / ".env"}) {
      if (std::filesystem::is_regular_file(candidate, error)) {
        return candidate;
      }
    }
    if (dir == dir.parent_path()) {
      break;
    }
  }
  return std::nullopt;
}

FilePlan
trust_plan(const ConfigureRequest& request, const Paths& paths, FilePlan& settings)
{
  FilePlan trusted{paths.gemini_trusted_folders, config::Format::json,
                   config::Sensitivity::secret};
  if (request.gemini_trust == GeminiTrust::trust_off) {
    settings.edits.push_back({{"security", "folderTrust", "enabled"}, false});
  } else {
    trusted.edits.push_back({{request.gemini_trust_folder.string()}, "TRUST_FOLDER"});
  }
  return trusted;
}

} // namespace

util::Result<AgentPlan>
plan_gemini(const ConfigureRequest& request, const Paths& paths)
{
  if (!request.routes.gemini) {
    return util::fail(util::ErrorKind::usage,
                      "no route for Gemini CLI: give --gateway, --workspace or --gemini-url");
  }
  AgentPlan plan{"gemini"};

  FilePlan env{paths.gemini_env, config::Format::dotenv, config::Sensitivity::secret};
  env.edits.push_back({{"GEMINI_MODEL"}, request.gemini_model});
  env.edits.push_back({{"GOOGLE_GEMINI_BASE_URL"}, *request.routes.gemini});
  env.edits.push_back({{"GEMINI_API_KEY_AUTH_MECHANISM"}, "bearer"});
  env.edits.push_back({{"GEMINI_API_KEY"}, request.token->reveal(), true});
  if (!request.extra_headers.empty()) {
    env.edits.push_back({{"GEMINI_CLI_CUSTOM_HEADERS"}, custom_headers(request)});
  }

  FilePlan settings{paths.gemini_settings, config::Format::jsonc};
  settings.edits.push_back({{"security", "auth", "selectedType"}, "gemini-api-key"});
  FilePlan trusted = trust_plan(request, paths, settings);

  plan.files.push_back(std::move(env));
  plan.files.push_back(std::move(settings));
  if (!trusted.edits.empty()) {
    plan.files.push_back(std::move(trusted));
  }

  if (request.secrets == SecretsMode::helper) {
    plan.notes.push_back("Gemini CLI has no credential helper: its token is in "
                         + paths.gemini_env.string()
                         + " (mode 0600); the local relay keeps it off disk");
  }
  if (request.gemini_trust == GeminiTrust::trust_folder) {
    const char* trusts = request.dry_run == DryRun::yes ? "would trust " : "trusted ";
    plan.notes.push_back("Gemini CLI reads " + paths.gemini_env.string()
                         + " only in trusted folders: " + trusts
                         + request.gemini_trust_folder.string()
                         + " (--gemini-trust off turns folder trust off instead)");
    if (auto shadow = shadowing_env_file(request.gemini_trust_folder, paths)) {
      plan.warnings.push_back(shadow->string() + " is loaded instead of "
                              + paths.gemini_env.string() + " when Gemini CLI runs in "
                              + request.gemini_trust_folder.string());
    }
  }
  plan.summary = {{"route", *request.routes.gemini},
                  {"model", request.gemini_model},
                  {"secrets", "inline"}};
  return plan;
}

} // namespace aigw::core
