// SPDX-License-Identifier: MIT
// `models [--agent claude|codex|gemini]...`: the models each agent can use, asked of the
// gateway (Claude) and the workspace (Codex, Gemini CLI), as a table of model, agents,
// source and note, or one JSON document with --json (docs/models.md). The gateway, the
// workspace and the credential are found the way `test` finds them (round_trip_targets.cpp);
// the listing itself is core/model_catalog.cpp. A source that fails still lets the others
// print, then the run ends with exit 4 and the server's words.
#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "core/agents.hpp"
#include "core/credentials.hpp"
#include "core/model_catalog.hpp"
#include "core/round_trip_targets.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

const std::vector<std::string> k_listed_agents{"claude", "codex", "gemini"};

struct ModelsOptions
{
  std::vector<std::string> agents;
  core::RouteOptions urls; // --gateway, --workspace, --claude-url
  core::TokenInput token;
  std::vector<std::string> headers;
};

void
add_options(CLI::App& command, ModelsOptions& options)
{
  command.add_option("--agent", options.agents, "claude, codex or gemini (repeat; default all)")
    ->check(CLI::IsMember(k_listed_agents));
  command.add_option("--gateway", options.urls.gateway, "AI Gateway base URL");
  command.add_option("--workspace", options.urls.workspace, "Databricks workspace URL");
  command.add_option("--claude-url", options.urls.claude_url, "Claude Code route");
  command.add_flag("--token-stdin", options.token.from_stdin, "read the token from stdin");
  command.add_option("--token-file", options.token.file, "read the token from this file");
  command.add_option("--header", options.headers, "extra header \"Name: value\" (repeat)")
    ->allow_extra_args(false);
}

// The agents asked for, each once, in the order of k_listed_agents.
std::vector<std::string>
wanted_agents(const ModelsOptions& options)
{
  std::vector<std::string> agents;
  for (const auto& agent : k_listed_agents) {
    if (options.agents.empty()
        || std::find(options.agents.begin(), options.agents.end(), agent)
             != options.agents.end()) {
      agents.push_back(agent);
    }
  }
  return agents;
}

core::RouteSelection
selection_of(const ModelsOptions& options, Context& context)
{
  core::RouteSelection selection;
  selection.urls = options.urls;
  selection.env_workspace = context.env("DATABRICKS_HOST");
  const auto& input = options.token;
  if (input.from_stdin || input.file || context.env("DATABRICKS_TOKEN")) {
    const std::string source = input.from_stdin ? "the token from standard input"
                               : input.file     ? "the token in " + input.file->string()
                                                : "$DATABRICKS_TOKEN";
    selection.token = core::RouteCredential{
      util::value_or_throw(core::read_token(input, context.in, context.env)), {}, source};
  }
  for (const auto& text : options.headers) {
    const auto header = util::value_or_throw(core::parse_header(text));
    selection.headers.set(header.name, header.value);
  }
  return selection;
}

// `agent`'s route as `test` would take it. Like configure, $DATABRICKS_HOST stands for
// --workspace when neither the command line nor an earlier configure says where it is.
util::Result<core::RouteTarget>
route_target(const std::string& agent, core::RouteSelection selection,
             const core::ConfiguredState& state)
{
  selection.routes = {agent};
  auto plan = core::plan_round_trips(selection, state);
  const bool no_place = !selection.urls.gateway && !selection.urls.workspace;
  if (!plan && no_place && selection.env_workspace) {
    const std::string& host = *selection.env_workspace;
    selection.urls.workspace = host.find("://") == std::string::npos ? "https://" + host : host;
    plan = core::plan_round_trips(selection, state);
  }
  AIGW_TRY(plan);
  return std::move(plan->targets.front());
}

// Where to ask for the models of `agents`. An agent named with --agent that has nowhere to
// be asked is a usage error; one listed by default is left out with a warning.
core::CatalogSources
sources_of(const std::vector<std::string>& agents, bool named,
           const core::RouteSelection& selection, const core::ConfiguredState& state)
{
  core::CatalogSources sources;
  std::vector<std::string> skipped;
  for (const auto& agent : agents) {
    auto target = route_target(agent, selection, state);
    if (target && agent != "claude" && !target->workspace) {
      target = util::fail(util::ErrorKind::usage,
                          agent + ": no workspace known to list serving endpoints: give "
                                  "--workspace or set DATABRICKS_HOST");
    }
    if (!target) {
      if (named) {
        throw util::Fatal(target.error());
      }
      skipped.push_back(target.error().message);
      continue;
    }
    sources.agents.push_back(agent);
    if (agent == "claude") {
      sources.claude = std::move(*target);
    } else if (!sources.workspace) {
      sources.workspace = target->workspace;
    }
  }
  if (sources.agents.empty()) {
    throw util::Fatal(util::ErrorKind::usage,
                      "nothing to list: configure an agent, or give --gateway or --workspace");
  }
  // Only when something is listed: otherwise the error above says it for every agent.
  for (const auto& reason : skipped) {
    AIGW_WARN("skipped " << reason);
  }
  sources.workspace_token = selection.token ? selection.token : state.kept_token;
  return sources;
}

// ------------------------------------------------------------------ output

// Per agent, the model configure wrote and the default one.
struct InUse
{
  std::string agent;
  std::optional<std::string> configured;
  std::string fallback; // the default model
};

std::vector<InUse>
models_in_use(const std::vector<std::string>& agents, const core::ConfiguredState& state)
{
  std::vector<InUse> in_use;
  for (const auto& agent : agents) {
    InUse use{agent, std::nullopt, core::default_model_of(agent)};
    const auto found = state.agents.find(agent);
    if (found != state.agents.end() && found->second.contains("model")
        && found->second["model"].is_string()) {
      use.configured = found->second["model"].get<std::string>();
    }
    in_use.push_back(std::move(use));
  }
  return in_use;
}

// "configured", "default", "not ready"; "configured for codex" when several agents use it.
std::string
note_of(const core::CatalogModel& model, const std::vector<InUse>& in_use)
{
  std::vector<std::string> notes;
  for (const auto& use : in_use) {
    if (std::find(model.agents.begin(), model.agents.end(), use.agent) == model.agents.end()) {
      continue;
    }
    const char* which = use.configured == model.name ? "configured"
                        : use.fallback == model.name ? "default"
                                                     : nullptr;
    if (which != nullptr) {
      notes.push_back(std::string(which) + (model.agents.size() > 1 ? " for " + use.agent : ""));
    }
  }
  if (!model.ready) {
    notes.emplace_back("not ready");
  }
  return notes.empty() ? "-" : util::join(notes, ", ");
}

void
print_table(Context& context, const core::ModelCatalog& catalog, const std::vector<InUse>& in_use)
{
  std::vector<std::vector<std::string>> rows{{"model", "agents", "source", "note"}};
  for (const auto& model : catalog.models) {
    rows.push_back({model.name, util::join(model.agents, ", "), core::to_string(model.source),
                    note_of(model, in_use)});
  }
  const auto widths = util::column_widths(rows);
  for (const auto& row : rows) {
    context.out.line(util::padded_columns(row, widths) + row[3]);
  }
}

// The lines under the table: each agent's model in use that nothing serves.
void
print_unserved(Context& context, const core::ModelCatalog& catalog,
               const std::vector<InUse>& in_use, const std::vector<std::string>& failed)
{
  for (const auto& use : in_use) {
    const std::string model = use.configured.value_or(use.fallback);
    const bool served = std::any_of(catalog.models.begin(), catalog.models.end(),
                                    [&](const core::CatalogModel& listed) {
                                      return listed.name == model && listed.ready;
                                    });
    if (!served && std::find(failed.begin(), failed.end(), use.agent) == failed.end()) {
      context.out.line(use.agent + ": " + model + " (" + (use.configured ? "configured" : "default")
                       + ") is not served here; pick one above with aigw-setup configure "
                       + use.agent + " --" + use.agent + "-model NAME");
    }
  }
}

Json
document_of(const core::ModelCatalog& catalog, const std::vector<InUse>& in_use)
{
  Json models = Json::array();
  for (const auto& model : catalog.models) {
    models.push_back({{"model", model.name},
                      {"agents", model.agents},
                      {"source", core::to_string(model.source)},
                      {"ready", model.ready},
                      {"note", note_of(model, in_use)}});
  }
  Json agents = Json::array();
  for (const auto& use : in_use) {
    agents.push_back({{"agent", use.agent},
                      {"configured", use.configured ? Json(*use.configured) : Json()},
                      {"default", use.fallback}});
  }
  Json failures = Json::array();
  for (const auto& failure : catalog.failures) {
    failures.push_back({{"agents", failure.agents},
                        {"source", core::to_string(failure.source)},
                        {"status", failure.status == 0 ? Json() : Json(failure.status)},
                        {"message", failure.message},
                        {"remedy", failure.remedy}});
  }
  return {{"command", "models"}, {"models", models}, {"agents", agents}, {"failures", failures}};
}

ExitCode
run_models(const ModelsOptions& options, Context& context)
{
  const auto selection = selection_of(options, context);
  const auto state = util::value_or_throw(core::load_configured_state(context.paths, context.env));
  const auto sources = sources_of(wanted_agents(options), !options.agents.empty(), selection,
                                  state);

  const auto http = net::make_curl_client();
  const auto catalog = core::list_models(sources, *http);
  const auto in_use = models_in_use(sources.agents, state);

  std::vector<std::string> failed;
  std::vector<std::string> messages;
  for (const auto& failure : catalog.failures) {
    failed.insert(failed.end(), failure.agents.begin(), failure.agents.end());
    messages.push_back(core::describe(failure));
  }
  if (!catalog.models.empty()) {
    print_table(context, catalog, in_use);
  }
  print_unserved(context, catalog, in_use, failed);
  context.out.document(document_of(catalog, in_use));
  if (!messages.empty()) {
    throw util::Fatal(util::ErrorKind::remote, util::join(messages, "; "));
  }
  return ExitCode::ok;
}

} // namespace

CommandRunner
setup_models(CLI::App& command)
{
  auto options = std::make_shared<ModelsOptions>();
  add_options(command, *options);
  command.footer("\nExamples:\n"
                 "  aigw-setup models\n"
                 "  aigw-setup models --agent codex --workspace https://adb-1.azuredatabricks.net\n"
                 "  aigw-setup --json models --agent claude\n");
  return [options](Context& context) { return run_models(*options, context); };
}

} // namespace aigw::cli
