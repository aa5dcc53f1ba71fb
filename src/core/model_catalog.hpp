// SPDX-License-Identifier: MIT
// Which models each agent can use, asked of the places that serve them (databricks.md A5,
// model discovery): Claude's from the gateway's Anthropic route (GET <route>/v1/models, sent
// with the headers Claude Code sends), Codex's and Gemini CLI's from the workspace's
// serving-endpoints listings, chosen by the API type each agent speaks. `models` prints the
// catalog; `configure --models auto` picks one model per agent from it (pick_model). A source
// that fails is recorded with the server's words and a remedy, and the others still count.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/round_trip.hpp"
#include "net/databricks_client.hpp"
#include "net/http.hpp"
#include "util/error.hpp"

namespace aigw::core {

// Where a model was found.
enum class ModelSource {
  gateway,           // the Anthropic route's GET /v1/models
  foundation_models, // GET /api/2.0/serving-endpoints:foundation-models
  serving_endpoints, // GET /api/2.0/serving-endpoints (workspaces without the one above)
};

// "gateway", "foundation-models", "serving-endpoints".
std::string to_string(ModelSource source);

struct CatalogModel
{
  std::string name;
  std::vector<std::string> agents; // claude, codex, gemini: the agents that can use it
  ModelSource source = ModelSource::gateway;
  bool ready = true; // false: the endpoint exists but is not ready (never picked)
};

struct CatalogFailure
{
  std::vector<std::string> agents; // whose models that source would have listed
  ModelSource source = ModelSource::gateway;
  int status = 0;      // 0: no HTTP answer
  std::string message; // "<METHOD> <url>: <status> <code>: <the server's message>"
  std::string remedy;  // one line: what to do about it
};

struct ModelCatalog
{
  std::vector<CatalogModel> models;
  std::vector<CatalogFailure> failures;
};

// What to ask, and with which credentials.
struct CatalogSources
{
  std::vector<std::string> agents;      // claude, codex, gemini: whose models to list
  std::optional<RouteTarget> claude;    // Claude's route, credential and extra headers
  std::optional<std::string> workspace; // where the serving endpoints are listed
  std::optional<RouteCredential> workspace_token;
  net::RetryPolicy retry; // for the workspace's REST calls
};

// Ask every source `sources` names for its models, the gateway then the workspace.
ModelCatalog list_models(const CatalogSources& sources, net::HttpClient& http);

// The models of a serving-endpoints answer (`source` says which listing `listing` came
// from) that Codex or Gemini CLI can use, with their readiness. docs/models.md has the rule.
std::vector<CatalogModel> models_in_serving_listing(const nlohmann::json& listing,
                                                    ModelSource source);

// SPEC.md's default model of `agent` (claude, codex, gemini); empty for another.
std::string default_model_of(const std::string& agent);

// The failure's message and remedy as one line.
std::string describe(const CatalogFailure& failure);

// One agent's model from the catalog and why it was chosen.
struct ModelPick
{
  std::string model;
  std::string reason; // "the default, served" or "the default ... is not served; ..."
};

// `default_model` when `catalog` serves it ready to `agent`; else the best match by the rule
// of docs/models.md. Fails (remote) naming the agent and what was found when nothing fits.
util::Result<ModelPick> pick_model(const ModelCatalog& catalog, const std::string& agent,
                                   const std::string& default_model);

} // namespace aigw::core
