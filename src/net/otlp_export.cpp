// SPDX-License-Identifier: MIT
#include "net/otlp_export.hpp"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

constexpr const char* k_protobuf_type = "application/x-protobuf";
constexpr const char* k_json_type = "application/json";

std::optional<std::string>
configured_table(const RelayTables& tables, OtlpSignal signal)
{
  switch (signal) {
  case OtlpSignal::metrics:
    return tables.metrics;
  case OtlpSignal::logs:
    return tables.logs;
  case OtlpSignal::traces:
    break;
  }
  return tables.traces;
}

// `message` in the agent's encoding: OTLP/JSON (its int64 fields as strings, as OTLP/JSON
// writes them) or protobuf.
LocalReply
answer_with(const google::protobuf::Message& message, bool json)
{
  LocalReply reply;
  reply.headers.set("Content-Type", json ? k_json_type : k_protobuf_type);
  if (!json) {
    message.SerializeToString(&reply.body);
    return reply;
  }
  if (!google::protobuf::util::MessageToJsonString(message, &reply.body).ok()) {
    reply.body = "{}";
  }
  return reply;
}

// The last part of the name of the table that `signal` goes to, as `telemetry enable` names it.
const char*
table_suffix(OtlpSignal signal)
{
  return signal == OtlpSignal::traces ? "spans" : signal == OtlpSignal::logs ? "logs" : "metrics";
}

// A metric's data points, whatever its kind.
long long
data_point_count(const otlp::Metric& metric)
{
  switch (metric.data_case()) {
  case otlp::Metric::kGauge:
    return metric.gauge().data_points_size();
  case otlp::Metric::kSum:
    return metric.sum().data_points_size();
  case otlp::Metric::kHistogram:
    return metric.histogram().data_points_size();
  case otlp::Metric::kExponentialHistogram:
    return metric.exponential_histogram().data_points_size();
  case otlp::Metric::kSummary:
    return metric.summary().data_points_size();
  default:
    return 0;
  }
}

// How many items (data points, log records or spans) an export in protobuf holds; one that
// does not parse has none to count, and is rejected all the same.
long long
item_count(OtlpSignal signal, const std::string& protobuf)
{
  long long items = 0;
  if (signal == OtlpSignal::metrics) {
    otlp::ExportMetricsServiceRequest request;
    if (request.ParseFromString(protobuf)) {
      for (const auto& resource : request.resource_metrics()) {
        for (const auto& scope : resource.scope_metrics()) {
          for (const auto& metric : scope.metrics()) {
            items += data_point_count(metric);
          }
        }
      }
    }
  } else if (signal == OtlpSignal::logs) {
    otlp::ExportLogsServiceRequest request;
    if (request.ParseFromString(protobuf)) {
      for (const auto& resource : request.resource_logs()) {
        for (const auto& scope : resource.scope_logs()) {
          items += scope.log_records_size();
        }
      }
    }
  } else {
    otlp::ExportTraceServiceRequest request;
    if (request.ParseFromString(protobuf)) {
      for (const auto& resource : request.resource_spans()) {
        for (const auto& scope : resource.scope_spans()) {
          items += scope.spans_size();
        }
      }
    }
  }
  return items;
}

// The partial success that rejects `items` of `signal`, with `why`.
std::unique_ptr<google::protobuf::Message>
rejection(OtlpSignal signal, long long items, const std::string& why)
{
  if (signal == OtlpSignal::metrics) {
    auto response = std::make_unique<otlp::ExportMetricsServiceResponse>();
    response->mutable_partial_success()->set_rejected_data_points(items);
    response->mutable_partial_success()->set_error_message(why);
    return response;
  }
  if (signal == OtlpSignal::logs) {
    auto response = std::make_unique<otlp::ExportLogsServiceResponse>();
    response->mutable_partial_success()->set_rejected_log_records(items);
    response->mutable_partial_success()->set_error_message(why);
    return response;
  }
  auto response = std::make_unique<otlp::ExportTraceServiceResponse>();
  response->mutable_partial_success()->set_rejected_spans(items);
  response->mutable_partial_success()->set_error_message(why);
  return response;
}

} // namespace

bool
is_otlp_json(const Headers& headers)
{
  const std::string type = headers.get("Content-Type").value_or("");
  const std::string media = util::to_lower(util::trim(type.substr(0, type.find(';'))));
  return media == k_json_type;
}

util::Result<PreparedExport>
prepare_export(const InboundRequest& inbound, const RoutedPath& routed, const RelayTables& tables)
{
  PreparedExport prepared;
  prepared.signal = otlp_signal(routed.rest).value_or(OtlpSignal::metrics);
  prepared.json = is_otlp_json(inbound.headers);
  SpoolRecord& record = prepared.record;
  record.path = inbound.path;
  if (!prepared.json) {
    record.body = inbound.body;
    if (auto type = inbound.headers.get("Content-Type")) {
      record.headers.add("Content-Type", *type);
    }
  } else if (auto converted = otlp_json_to_protobuf(prepared.signal, inbound.body)) {
    record.body = std::move(*converted);
    record.headers.add("Content-Type", k_protobuf_type);
  } else {
    return util::fail(util::ErrorKind::parse,
                      "the relay cannot turn this OTLP/JSON " + to_string(prepared.signal)
                        + " export into the protobuf the workspace takes: "
                        + converted.error().message);
  }

  auto table = inbound.headers.get(k_table_header);
  if (!table) {
    table = configured_table(tables, prepared.signal);
  }
  if (table) {
    record.headers.add(k_table_header, *table);
  }
  return prepared;
}

bool
has_table(const SpoolRecord& record)
{
  return record.headers.get(k_table_header).has_value();
}

LocalReply
export_taken(OtlpSignal signal, bool json)
{
  return answer_with(*otlp_response(signal), json);
}

LocalReply
rejected_without_table(const PreparedExport& prepared, long long& items)
{
  items = item_count(prepared.signal, prepared.record.body);
  const std::string signal = to_string(prepared.signal);
  const std::string why = "the relay keeps no " + signal + ": no Unity Catalog table is named "
                          + "for " + signal + " (add \"" + signal + "\": \"<catalog>.<schema>."
                          + "<prefix>_otel_" + table_suffix(prepared.signal) + "\" to \"tables\" "
                          + "in relay.json, or start the relay with --" + signal + "-table)";
  return answer_with(*rejection(prepared.signal, items, why), prepared.json);
}

const char*
item_noun(OtlpSignal signal)
{
  if (signal == OtlpSignal::metrics) {
    return "data points";
  }
  return signal == OtlpSignal::logs ? "log records" : "spans";
}

LocalReply
json_answer(OtlpSignal signal, const HttpResponse& response)
{
  LocalReply reply;
  if (is_otlp_json(response.headers)) {
    reply.headers.set("Content-Type", k_json_type);
    reply.body = response.body;
  } else {
    // An answer that does not decode says nothing the agent could act on: an empty one.
    auto message = otlp_response(signal);
    if (!message->ParseFromString(response.body)) {
      message->Clear();
    }
    reply = answer_with(*message, true);
  }
  reply.status = response.status;
  return reply;
}

} // namespace aigw::net
