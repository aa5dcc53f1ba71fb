// SPDX-License-Identifier: MIT
// The fake workspace's OTLP ingest, POST /api/2.0/otel/v1/{metrics,logs,traces}: the token
// first, then the Unity Catalog table header (databricks.md A4: ingest refuses a request
// without it), then the body, which must be OTLP protobuf that decodes as the signal's
// export request. databricks.md only guesses that OTLP/JSON is refused and says nothing of
// how; this fake refuses it with 400, as OTLP/HTTP answers data it cannot decode ("Bad
// Data"), with the workspace's error body. Each export taken is kept with what it held.
#include <google/protobuf/message.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "support/fake_workspace.hpp"

namespace aigw::test {

namespace {

namespace otlp = aigw::otlp;

void
refuse(httplib::Response& response, const std::string& message)
{
  response.status = 400;
  response.set_content(
    nlohmann::json{{"error_code", "INVALID_PARAMETER_VALUE"}, {"message", message}}.dump(),
    "application/json");
}

std::size_t
points_of(const otlp::Metric& metric)
{
  switch (metric.data_case()) {
  case otlp::Metric::kGauge:
    return static_cast<std::size_t>(metric.gauge().data_points_size());
  case otlp::Metric::kSum:
    return static_cast<std::size_t>(metric.sum().data_points_size());
  case otlp::Metric::kHistogram:
    return static_cast<std::size_t>(metric.histogram().data_points_size());
  case otlp::Metric::kExponentialHistogram:
    return static_cast<std::size_t>(metric.exponential_histogram().data_points_size());
  case otlp::Metric::kSummary:
    return static_cast<std::size_t>(metric.summary().data_points_size());
  default:
    return 0;
  }
}

// The data points, log records or spans in `body`; nullopt when it is no such request.
std::optional<std::size_t>
items_in(const std::string& signal, const std::string& body)
{
  std::size_t items = 0;
  if (signal == "metrics") {
    otlp::ExportMetricsServiceRequest request;
    if (!request.ParseFromString(body)) {
      return std::nullopt;
    }
    for (const auto& resource : request.resource_metrics()) {
      for (const auto& scope : resource.scope_metrics()) {
        for (const auto& metric : scope.metrics()) {
          items += points_of(metric);
        }
      }
    }
  } else if (signal == "logs") {
    otlp::ExportLogsServiceRequest request;
    if (!request.ParseFromString(body)) {
      return std::nullopt;
    }
    for (const auto& resource : request.resource_logs()) {
      for (const auto& scope : resource.scope_logs()) {
        items += static_cast<std::size_t>(scope.log_records_size());
      }
    }
  } else {
    otlp::ExportTraceServiceRequest request;
    if (!request.ParseFromString(body)) {
      return std::nullopt;
    }
    for (const auto& resource : request.resource_spans()) {
      for (const auto& scope : resource.scope_spans()) {
        items += static_cast<std::size_t>(scope.spans_size());
      }
    }
  }
  return items;
}

} // namespace

void
FakeWorkspace::otlp_routes()
{
  m_server->Post(R"(/api/2.0/otel/v1/(metrics|logs|traces))",
                 [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) {
      return;
    }
    const std::string table = request.get_header_value("X-Databricks-UC-Table-Name");
    if (table.empty()) {
      refuse(response, "The X-Databricks-UC-Table-Name header is required");
      return;
    }
    const std::string signal = request.matches[1];
    const std::string type = request.get_header_value("Content-Type");
    if (type != "application/x-protobuf") {
      refuse(response, "OTLP exports are taken as application/x-protobuf only, not " + type);
      return;
    }
    const auto items = items_in(signal, request.body);
    if (!items) {
      refuse(response, "The body is not an OTLP " + signal + " export request");
      return;
    }
    std::lock_guard lock(m_mutex);
    m_exports.push_back({signal, table, type, request.body, *items});
    response.status = 200;
    response.set_content("", "application/x-protobuf");
  });
}

} // namespace aigw::test
