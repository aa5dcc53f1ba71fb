// SPDX-License-Identifier: MIT
// Which models a route serves, for the remedy of an unknown model (databricks.md A5, model
// discovery): Claude's route lists its own (GET <route>/v1/models, data[].id); for Codex and
// Gemini the workspace lists its foundation models with the API types each serves; for
// Cursor, whose models are any chat endpoint, the workspace's serving endpoints. A listing
// that fails only means the remedy cannot name the models, so errors come back as nothing.
#include "core/round_trip.hpp"

#include <nlohmann/json.hpp>

namespace aigw::core {

namespace {

using Json = nlohmann::json;

// The `endpoints` array of a serving-endpoints answer; empty when the body has none.
Json
endpoints_of(const std::string& body)
{
  const auto json = Json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("endpoints")
      || !json["endpoints"].is_array()) {
    return Json::array();
  }
  return json["endpoints"];
}

std::optional<std::string>
name_of(const Json& endpoint)
{
  if (!endpoint.is_object() || !endpoint.contains("name") || !endpoint["name"].is_string()) {
    return std::nullopt;
  }
  return endpoint["name"].get<std::string>();
}

bool
serves_api(const Json& endpoint, std::string_view api_type)
{
  const Json config = endpoint.value("config", Json::object());
  for (const auto& entity : config.value("served_entities", Json::array())) {
    const Json model = entity.value("foundation_model", Json::object());
    for (const auto& api : model.value("api_types", Json::array())) {
      if (api.is_string() && api.get<std::string>() == api_type) {
        return true;
      }
    }
  }
  return false;
}

std::optional<std::string>
fetch(net::HttpClient& http, const RouteTarget& target, const std::string& url)
{
  net::HttpRequest request;
  request.url = url;
  request.headers.set("Accept", "application/json");
  if (target.credential.token) {
    request.headers.set("Authorization", "Bearer " + target.credential.token->reveal());
  }
  if (target.kind == RouteKind::claude) {
    request.headers.set("anthropic-version", "2023-06-01");
  }
  set_timeouts(request, target.timeout);
  auto response = http.send(request);
  if (!response || response->status != 200) {
    return std::nullopt;
  }
  return std::move(response->body);
}

} // namespace

std::vector<std::string>
models_in_anthropic_list(const std::string& body)
{
  const auto json = Json::parse(body, nullptr, false);
  std::vector<std::string> models;
  if (json.is_discarded() || !json.is_object() || !json.contains("data")
      || !json["data"].is_array()) {
    return models;
  }
  for (const auto& entry : json["data"]) {
    if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
      models.push_back(entry["id"].get<std::string>());
    }
  }
  return models;
}

std::vector<std::string>
models_in_foundation_list(const std::string& body, std::string_view api_type)
{
  std::vector<std::string> models;
  for (const auto& endpoint : endpoints_of(body)) {
    if (auto name = name_of(endpoint); name && serves_api(endpoint, api_type)) {
      models.push_back(*name);
    }
  }
  return models;
}

std::vector<std::string>
chat_models_in_serving_list(const std::string& body)
{
  std::vector<std::string> models;
  for (const auto& endpoint : endpoints_of(body)) {
    const auto name = name_of(endpoint);
    if (name && endpoint.contains("task") && endpoint["task"] == "llm/v1/chat") {
      models.push_back(*name);
    }
  }
  return models;
}

std::vector<std::string>
served_models(const RouteTarget& target, net::HttpClient& http)
{
  if (target.kind == RouteKind::claude) {
    const auto body = fetch(http, target, target.base_url + "/v1/models");
    return body ? models_in_anthropic_list(*body) : std::vector<std::string>{};
  }
  if (!target.workspace) {
    return {};
  }
  if (target.kind == RouteKind::cursor) {
    const auto body = fetch(http, target, *target.workspace + "/api/2.0/serving-endpoints");
    return body ? chat_models_in_serving_list(*body) : std::vector<std::string>{};
  }
  const auto body = fetch(http, target,
                          *target.workspace + "/api/2.0/serving-endpoints:foundation-models");
  if (!body) {
    return {};
  }
  return models_in_foundation_list(*body, target.kind == RouteKind::codex
                                            ? "openai/v1/responses"
                                            : "gemini/v1/generateContent");
}

} // namespace aigw::core
