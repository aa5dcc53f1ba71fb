// SPDX-License-Identifier: MIT
// The model catalog. Facts and guesses (databricks.md A5):
//   - fact: Claude's models are data[].id of GET <anthropic route>/v1/models (ucode); the
//     Anthropic list parser is the one the unknown-model remedy uses (round_trip_models.cpp);
//   - fact: the foundation-models listing gives each served foundation model's api_types;
//     Codex needs "openai/v1/responses" (wire.md: Codex dropped chat completions) and Gemini
//     CLI "gemini/v1/generateContent";
//   - guess: a workspace without that listing answers it 404, and then the generic listing,
//     which carries no api_types in the SDK's model, is read by name: a chat endpoint whose
//     name (or served model's name) holds "gpt" is Codex's, one with "gemini" is Gemini's;
//   - fact for the generic listing, guess for the other: state.ready other than READY means
//     the endpoint cannot answer yet, so it is shown but never picked.
#include "core/model_catalog.hpp"

#include <algorithm>
#include <chrono>

#include "core/agents.hpp"
#include "core/gateway.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Json = nlohmann::json;

constexpr const char* k_responses_api = "openai/v1/responses";
constexpr const char* k_gemini_api = "gemini/v1/generateContent";
constexpr const char* k_foundation_path = "/api/2.0/serving-endpoints:foundation-models";
constexpr const char* k_serving_path = "/api/2.0/serving-endpoints";

bool
has(const std::vector<std::string>& list, const std::string& item)
{
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string
text_at(const Json& object, const char* key)
{
  if (object.is_object() && object.contains(key) && object[key].is_string()) {
    return object[key].get<std::string>();
  }
  return "";
}

Json
array_at(const Json& object, const char* key)
{
  if (object.is_object() && object.contains(key) && object[key].is_array()) {
    return object[key];
  }
  return Json::array();
}

// Every API type the endpoint's served entities list, and the names they are served under.
void
collect_entities(const Json& endpoint, std::vector<std::string>& api_types,
                 std::vector<std::string>& names)
{
  const Json config = endpoint.is_object() ? endpoint.value("config", Json::object()) : Json();
  for (const auto& entity : array_at(config, "served_entities")) {
    for (const char* kind : {"foundation_model", "external_model"}) {
      const Json model = entity.is_object() ? entity.value(kind, Json::object()) : Json();
      names.push_back(util::to_lower(text_at(model, "name")));
      for (const auto& api : array_at(model, "api_types")) {
        if (api.is_string()) {
          api_types.push_back(api.get<std::string>());
        }
      }
    }
  }
}

// The agents that can use `endpoint`: by its API types, or by name when it lists none.
std::vector<std::string>
agents_of(const Json& endpoint)
{
  std::vector<std::string> api_types;
  std::vector<std::string> names{util::to_lower(text_at(endpoint, "name"))};
  collect_entities(endpoint, api_types, names);

  std::vector<std::string> agents;
  if (!api_types.empty()) {
    if (has(api_types, k_responses_api)) {
      agents.emplace_back("codex");
    }
    if (has(api_types, k_gemini_api)) {
      agents.emplace_back("gemini");
    }
    return agents;
  }
  const std::string task = text_at(endpoint, "task");
  if (!task.empty() && task != "llm/v1/chat") {
    return agents; // embeddings and completions serve no coding agent
  }
  const auto named = [&](const char* word) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
      return name.find(word) != std::string::npos;
    });
  };
  if (named("gpt")) {
    agents.emplace_back("codex");
  }
  if (named("gemini")) {
    agents.emplace_back("gemini");
  }
  return agents;
}

bool
ready(const Json& endpoint)
{
  const Json state = endpoint.is_object() ? endpoint.value("state", Json::object()) : Json();
  const std::string value = text_at(state, "ready");
  return value.empty() || value == "READY";
}

// "host[:port]" of `url`, as the round trips' remedies name a place.
std::string
host_of(const std::string& url)
{
  const auto parts = util::split(url, '/');
  return parts.size() > 2 ? parts[2] : url;
}

// ------------------------------------------------------------------ the gateway

// GET <route>/v1/models as Claude Code sends it: its version header, the coding-agent
// header configure gives it, the bearer token and any extra headers.
net::HttpRequest
claude_list_request(const RouteTarget& target)
{
  net::HttpRequest request;
  request.url = target.base_url + "/v1/models";
  request.headers.set("Accept", "application/json");
  request.headers.set("anthropic-version", "2023-06-01");
  request.headers.set(k_coding_agent_header, "true");
  if (target.credential.token) {
    request.headers.set("Authorization", "Bearer " + target.credential.token->reveal());
  }
  for (const auto& [name, value] : target.headers.items) {
    request.headers.set(name, value);
  }
  set_timeouts(request, target.timeout);
  return request;
}

// The round trips' remedies, except where a listing differs from a request for a model:
// a 403 is about the route, and a bare 404 means the route is not where it was looked for.
std::string
gateway_remedy(const RouteTarget& target, const Observation& observation)
{
  const Diagnosis diagnosis = diagnose(observation);
  const std::string host = host_of(target.base_url);
  if (diagnosis.verdict == Verdict::forbidden) {
    return "the token's user may not use the Anthropic route at " + host + ": ask a workspace "
           "admin for AI Gateway access for coding agents";
  }
  if (observation.status == 404) {
    return target.base_url + " is not the gateway's Anthropic route (wrong gateway layout?): "
           "--gateway URL serves URL/anthropic, --workspace URL serves URL/ai-gateway/anthropic; "
           "aigw-setup test claude tries the other layout";
  }
  RemedyContext context;
  context.host = host;
  context.token_source = target.credential.source;
  context.timeout = target.timeout;
  return remedy_for(diagnosis, context);
}

bool
is_anthropic_list(const std::string& body)
{
  const auto json = Json::parse(body, nullptr, false);
  return !json.is_discarded() && json.is_object() && json.contains("data")
         && json["data"].is_array();
}

void
ask_gateway(const RouteTarget& target, net::HttpClient& http, ModelCatalog& catalog)
{
  const net::HttpRequest request = claude_list_request(target);
  auto response = http.send(request);
  if (response && response->status == 200 && is_anthropic_list(response->body)) {
    for (auto& id : models_in_anthropic_list(response->body)) {
      catalog.models.push_back({std::move(id), {"claude"}, ModelSource::gateway, true});
    }
    return;
  }
  if (response && response->status == 200) {
    // Something answers there, but not the gateway: an empty list would read as "serves
    // nothing".
    catalog.failures.push_back(
      {{"claude"}, ModelSource::gateway, 200,
       "GET " + shown_url(request) + ": 200 with a body that is not an Anthropic models list",
       "that URL is not the gateway's Anthropic route: check --gateway or --workspace "
       "(aigw-setup test claude says which layout answers)"});
    return;
  }

  CatalogFailure failure{{"claude"}, ModelSource::gateway, 0, "", ""};
  Observation observation;
  if (!response) {
    failure.message = response.error().message;
    observation.error = response.error();
  } else {
    failure.status = response->status;
    failure.message = "GET " + shown_url(request) + ": "
                      + net::describe_error_body(response->status, response->body, nullptr);
    observation.status = response->status;
    observation.headers = response->headers;
    observation.body = response->body;
  }
  observation.now = std::chrono::system_clock::now();
  failure.remedy = gateway_remedy(target, observation);
  catalog.failures.push_back(std::move(failure));
}

// ------------------------------------------------------------------ the workspace

std::string
workspace_remedy(int status, const std::string& workspace)
{
  const std::string host = host_of(workspace);
  switch (status) {
  case 0:
    return "could not reach " + host + ": check --workspace (or DATABRICKS_HOST) and the "
           "network; aigw-setup doctor checks both";
  case 400:
  case 401:
    return "the token was refused by " + host + ": give a valid one with --token-stdin, "
           "--token-file or DATABRICKS_TOKEN";
  case 403:
    return "the token's user may not list serving endpoints in " + host + ": ask a workspace "
           "admin for access to Serving";
  case 404:
    return host + " does not list serving endpoints: check that --workspace (or "
           "DATABRICKS_HOST) names the workspace, not the gateway";
  case 429:
    return "the workspace's rate limit was reached: wait a minute and retry";
  default:
    return "the workspace failed: retry in a minute";
  }
}

// The models of `listed` kept for the agents in `wanted` alone.
void
add_for(std::vector<CatalogModel> listed, const std::vector<std::string>& wanted,
        ModelCatalog& catalog)
{
  for (auto& model : listed) {
    std::erase_if(model.agents, [&](const std::string& agent) { return !has(wanted, agent); });
    if (!model.agents.empty()) {
      catalog.models.push_back(std::move(model));
    }
  }
}

void
ask_workspace(const CatalogSources& sources, const std::vector<std::string>& agents,
              net::HttpClient& http, ModelCatalog& catalog)
{
  const std::string& workspace = *sources.workspace;
  CatalogFailure failure{agents, ModelSource::foundation_models, 0, "", ""};
  const auto token = sources.workspace_token ? sources.workspace_token->token : std::nullopt;
  if (!token) {
    failure.message = "no token to send to " + net::redact_url(workspace);
    failure.remedy = "pipe one to --token-stdin, name a file with --token-file, or export "
                     "DATABRICKS_TOKEN";
    catalog.failures.push_back(std::move(failure));
    return;
  }

  const auto bearer = [token] { return util::Result<util::Secret>(*token); };
  net::DatabricksClient client(http, workspace, bearer, sources.retry);
  auto listing = client.get(k_foundation_path);
  if (!listing && listing.error().status == 404) {
    // Older workspaces have only the generic listing (a guess: see the top of this file).
    failure.source = ModelSource::serving_endpoints;
    listing = client.get(k_serving_path);
  }
  if (!listing) {
    failure.status = listing.error().status;
    failure.message = listing.error().message;
    failure.remedy = workspace_remedy(failure.status, workspace);
    catalog.failures.push_back(std::move(failure));
    return;
  }
  add_for(models_in_serving_listing(*listing, failure.source), agents, catalog);
}

} // namespace

std::string
to_string(ModelSource source)
{
  switch (source) {
  case ModelSource::gateway:
    return "gateway";
  case ModelSource::foundation_models:
    return "foundation-models";
  case ModelSource::serving_endpoints:
    return "serving-endpoints";
  }
  return "gateway";
}

std::vector<CatalogModel>
models_in_serving_listing(const Json& listing, ModelSource source)
{
  std::vector<CatalogModel> models;
  for (const auto& endpoint : array_at(listing, "endpoints")) {
    const std::string name = text_at(endpoint, "name");
    auto agents = agents_of(endpoint);
    if (!name.empty() && !agents.empty()) {
      models.push_back({name, std::move(agents), source, ready(endpoint)});
    }
  }
  return models;
}

std::string
default_model_of(const std::string& agent)
{
  if (agent == "claude") {
    return k_default_claude_model;
  }
  if (agent == "codex") {
    return k_default_codex_model;
  }
  return agent == "gemini" ? k_default_gemini_model : "";
}

std::string
describe(const CatalogFailure& failure)
{
  const std::string whose = util::join(failure.agents, " and ");
  return whose + " models: " + failure.message
         + (failure.remedy.empty() ? "" : "; " + failure.remedy);
}

ModelCatalog
list_models(const CatalogSources& sources, net::HttpClient& http)
{
  ModelCatalog catalog;
  if (has(sources.agents, "claude") && sources.claude) {
    ask_gateway(*sources.claude, http, catalog);
  }
  std::vector<std::string> agents;
  for (const char* agent : {"codex", "gemini"}) {
    if (has(sources.agents, agent)) {
      agents.emplace_back(agent);
    }
  }
  if (!agents.empty() && sources.workspace) {
    ask_workspace(sources, agents, http, catalog);
  }
  return catalog;
}

// ------------------------------------------------------------------ picking

namespace {

std::size_t
shared_leading_words(const std::string& a, const std::string& b)
{
  const auto left = util::split(a, '-');
  const auto right = util::split(b, '-');
  std::size_t count = 0;
  while (count < left.size() && count < right.size() && left[count] == right[count]) {
    ++count;
  }
  return count;
}

// The numbers in `name`'s dash-separated words, in order: databricks-gpt-5-1 -> {5, 1}.
std::vector<long>
version_of(const std::string& name)
{
  std::vector<long> numbers;
  for (const auto& word : util::split(name, '-')) {
    const bool digits = !word.empty() && word.size() < 10
                        && std::all_of(word.begin(), word.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
    if (digits) {
      numbers.push_back(std::stol(word));
    }
  }
  return numbers;
}

// The rule of docs/models.md: most leading words shared with the default, then the highest
// version, then the name.
bool
closer(const std::string& a, const std::string& b, const std::string& default_model)
{
  const std::size_t shared_a = shared_leading_words(a, default_model);
  const std::size_t shared_b = shared_leading_words(b, default_model);
  if (shared_a != shared_b) {
    return shared_a > shared_b;
  }
  const auto version_a = version_of(a);
  const auto version_b = version_of(b);
  if (version_a != version_b) {
    return version_a > version_b;
  }
  return a < b;
}

// "databricks-x (claude), databricks-y (gemini, not ready)", or "nothing".
std::string
found_list(const ModelCatalog& catalog)
{
  std::vector<std::string> found;
  for (const auto& model : catalog.models) {
    found.push_back(model.name + " (" + util::join(model.agents, ", ")
                    + (model.ready ? "" : ", not ready") + ")");
  }
  return found.empty() ? "nothing" : util::join(found, ", ");
}

} // namespace

util::Result<ModelPick>
pick_model(const ModelCatalog& catalog, const std::string& agent, const std::string& default_model)
{
  std::vector<std::string> candidates;
  for (const auto& model : catalog.models) {
    if (model.ready && has(model.agents, agent) && !has(candidates, model.name)) {
      candidates.push_back(model.name);
    }
  }
  if (candidates.empty()) {
    return util::fail(util::ErrorKind::remote,
                      agent + ": --models auto found no model " + agent
                        + " can use; found: " + found_list(catalog));
  }
  if (has(candidates, default_model)) {
    return ModelPick{default_model, "the default, served"};
  }
  const auto best = std::min_element(candidates.begin(), candidates.end(),
                                     [&](const std::string& a, const std::string& b) {
                                       return closer(a, b, default_model);
                                     });
  return ModelPick{*best, "the default " + default_model + " is not served; " + *best
                            + " is the closest served name"};
}

} // namespace aigw::core
