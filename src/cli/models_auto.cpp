// SPDX-License-Identifier: MIT
// `configure --models auto`: the models of the agents being configured are asked of the same
// sources `models` lists (core/model_catalog.cpp) before any plan is made, so a dry run asks
// too (the listings only read) and its diff shows the picked models. Only agents whose model
// is "auto" are asked about, and only their sources are called.
#include "cli/models.hpp"

#include <algorithm>

#include "core/model_catalog.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

constexpr const char* k_auto = "auto";

// The model fields of `request` that are still "auto", by agent.
std::vector<std::pair<std::string, std::string*>>
auto_fields(core::ConfigureRequest& request)
{
  std::vector<std::pair<std::string, std::string*>> fields;
  for (auto [agent, model] : {std::pair{"claude", &request.claude_model},
                              std::pair{"codex", &request.codex_model},
                              std::pair{"gemini", &request.gemini_model}}) {
    if (*model == k_auto) {
      fields.emplace_back(agent, model);
    }
  }
  return fields;
}

std::optional<std::string>
workspace_of(const AutoModelSources& sources)
{
  if (sources.routes.workspace) {
    return sources.routes.workspace;
  }
  if (!sources.env_workspace) {
    return std::nullopt;
  }
  const std::string& host = *sources.env_workspace;
  const std::string url = host.find("://") == std::string::npos ? "https://" + host : host;
  return util::value_or_throw(core::normalize_base_url(url, "$DATABRICKS_HOST"));
}

core::CatalogSources
catalog_sources(const AutoModelSources& given, const std::vector<std::string>& agents)
{
  core::CatalogSources sources;
  sources.agents = agents;
  const core::RouteCredential credential{given.token, std::nullopt, "the token"};
  for (const auto& agent : agents) {
    if (agent == "claude") {
      if (!given.routes.claude) {
        throw util::Fatal(util::ErrorKind::usage, "claude: --models auto needs the gateway's "
                                                  "route: give --gateway or --workspace");
      }
      core::RouteTarget target;
      target.base_url = *given.routes.claude;
      target.credential = credential;
      for (const auto& header : given.headers) {
        target.headers.set(header.name, header.value);
      }
      sources.claude = std::move(target);
    } else if (!(sources.workspace = workspace_of(given))) {
      throw util::Fatal(util::ErrorKind::usage,
                        agent + ": --models auto lists the workspace's serving endpoints: give "
                                "--workspace or set DATABRICKS_HOST");
    }
  }
  sources.workspace_token = credential;
  return sources;
}

std::string
model_of(const std::string& agent, const core::ConfigureRequest& request)
{
  return agent == "claude" ? request.claude_model
         : agent == "codex" ? request.codex_model
                            : request.gemini_model;
}

std::string
option_model_of(const std::string& agent, const ConfigureOptions& options)
{
  return agent == "claude" ? options.claude_model
         : agent == "codex" ? options.codex_model
                            : options.gemini_model;
}

} // namespace

ConfigureOptions
with_auto_models(const ConfigureOptions& options, const std::vector<std::string>& agents)
{
  ConfigureOptions result = options;
  if (options.models != k_auto) {
    return result;
  }
  for (auto [agent, model] : {std::pair{"claude", &result.claude_model},
                              std::pair{"codex", &result.codex_model},
                              std::pair{"gemini", &result.gemini_model}}) {
    const auto& given = options.explicit_models;
    const bool chosen = std::find(agents.begin(), agents.end(), agent) != agents.end();
    if (chosen && std::find(given.begin(), given.end(), agent) == given.end()) {
      *model = k_auto;
    }
  }
  return result;
}

bool
has_auto_model(const core::ConfigureRequest& request)
{
  return request.claude_model == k_auto || request.codex_model == k_auto
         || request.gemini_model == k_auto;
}

void
pick_auto_models(const AutoModelSources& sources, core::ConfigureRequest& request)
{
  const auto fields = auto_fields(request);
  if (fields.empty()) {
    return;
  }
  std::vector<std::string> agents;
  for (const auto& [agent, model] : fields) {
    agents.push_back(agent);
  }

  const auto http = net::make_curl_client();
  const auto catalog = core::list_models(catalog_sources(sources, agents), *http);
  if (!catalog.failures.empty()) {
    std::vector<std::string> messages;
    for (const auto& failure : catalog.failures) {
      messages.push_back(core::describe(failure));
    }
    throw util::Fatal(util::ErrorKind::remote, util::join(messages, "; "));
  }

  for (const auto& [agent, model] : fields) {
    const auto pick = util::value_or_throw(
      core::pick_model(catalog, agent, core::default_model_of(agent)));
    AIGW_WARN(agent << ": --models auto picked " << pick.model << " (" << pick.reason << ")");
    *model = pick.model;
  }
}

void
note_auto_models(const ConfigureOptions& options, const core::ConfigureRequest& request,
                 std::vector<core::AgentPlan>& plans)
{
  for (auto& plan : plans) {
    if (plan.agent != "cursor" && option_model_of(plan.agent, options) == k_auto) {
      plan.notes.push_back(plan.agent + ": model " + model_of(plan.agent, request)
                           + " (picked by --models auto from what is served)");
    }
  }
}

} // namespace aigw::cli
