// SPDX-License-Identifier: MIT
// The fake workspace's serving-endpoints listings (databricks.md A5). The generic listing,
// GET /api/2.0/serving-endpoints, has the shape of the SDK's ServingEndpoint: name, state
// {ready, config_update}, task and config.served_entities[].foundation_model without API
// types. The foundation-models listing, GET /api/2.0/serving-endpoints:foundation-models,
// adds ai_gateway_v2_supported and api_types to each foundation model, as ucode reads it;
// that it also carries `state` is our guess, kept so that a not-ready endpoint shows there.
// A listing made to fail answers before the token is looked at, as a missing API would.
#include "support/fake_workspace.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace aigw::test {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_prefix = "databricks-";

Json
endpoint_json(const FakeEndpoint& endpoint, ServingListing listing)
{
  const std::string model = endpoint.name.starts_with(k_prefix)
                              ? endpoint.name.substr(std::string_view(k_prefix).size())
                              : endpoint.name;
  Json foundation{{"name", model}, {"display_name", model}};
  if (listing == ServingListing::foundation_models) {
    foundation["ai_gateway_v2_supported"] = true;
    foundation["api_types"] = endpoint.api_types;
  }
  return {{"name", endpoint.name},
          {"state",
           {{"ready", endpoint.ready ? "READY" : "NOT_READY"},
            {"config_update", endpoint.ready ? "NOT_UPDATING" : "IN_PROGRESS"}}},
          {"task", endpoint.task},
          {"endpoint_type", "FOUNDATION_MODEL_API"},
          {"config",
           {{"served_entities",
             Json::array({{{"name", endpoint.name}, {"foundation_model", foundation}}})}}}};
}

// The workspace's error body for `status` on `path`.
Json
listing_error(int status, const std::string& path)
{
  switch (status) {
  case 401:
    return {{"error_code", "UNAUTHENTICATED"},
            {"message", "Credential was not sent or was of an unsupported type for this API."}};
  case 403:
    return {{"error_code", "PERMISSION_DENIED"},
            {"message", "User does not have permission to list serving endpoints."}};
  case 404:
    return {{"error_code", "ENDPOINT_NOT_FOUND"},
            {"message", "No API found for 'GET " + path.substr(std::string("/api").size()) + "'"}};
  default:
    return {{"error_code", "INTERNAL_ERROR"}, {"message", "The listing failed."}};
  }
}

} // namespace

std::vector<FakeEndpoint>
FakeWorkspace::serving_mix()
{
  return {
    {"databricks-claude-opus-4-6", {"anthropic/v1/messages"}, true, "llm/v1/chat"},
    {"databricks-gpt-5-2", {"openai/v1/responses", "openai/v1/chat/completions"}, true,
     "llm/v1/chat"},
    {"databricks-gemini-2-5-flash", {"gemini/v1/generateContent"}, true, "llm/v1/chat"},
    {"databricks-gpt-oss-120b", {"openai/v1/chat/completions"}, true, "llm/v1/chat"},
    {"databricks-gemini-2-5-pro", {"gemini/v1/generateContent"}, false, "llm/v1/chat"},
  };
}

void
FakeWorkspace::serve_endpoints(std::vector<FakeEndpoint> endpoints)
{
  std::lock_guard lock(m_mutex);
  m_endpoints = std::move(endpoints);
}

void
FakeWorkspace::fail_listing(ServingListing listing, int status)
{
  std::lock_guard lock(m_mutex);
  m_listing_failures[listing] = status;
}

void
FakeWorkspace::serving_routes()
{
  const auto listing_route = [this](ServingListing listing) {
    return [this, listing](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(m_mutex);
      const auto failure = m_listing_failures.find(listing);
      if (failure != m_listing_failures.end()) {
        response.status = failure->second;
        response.set_content(listing_error(failure->second, request.path).dump(),
                             "application/json");
        return;
      }
      Json endpoints = Json::array();
      for (const auto& endpoint : m_endpoints) {
        endpoints.push_back(endpoint_json(endpoint, listing));
      }
      lock.unlock();
      if (authorized(request, response)) {
        response.status = 200;
        response.set_content(Json{{"endpoints", endpoints}}.dump(), "application/json");
      }
    };
  };
  m_server->Get("/api/2.0/serving-endpoints", listing_route(ServingListing::all));
  m_server->Get("/api/2.0/serving-endpoints:foundation-models",
                listing_route(ServingListing::foundation_models));
}

} // namespace aigw::test
