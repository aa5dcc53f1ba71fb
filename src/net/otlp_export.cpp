// SPDX-License-Identifier: MIT
#include "net/otlp_export.hpp"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

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

long long
span_count(const std::string& protobuf)
{
  otlp::ExportTraceServiceRequest request;
  long long spans = 0;
  // An export that does not parse has no spans to count; it is rejected all the same.
  if (request.ParseFromString(protobuf)) {
    for (const auto& resource : request.resource_spans()) {
      for (const auto& scope : resource.scope_spans()) {
        spans += scope.spans_size();
      }
    }
  }
  return spans;
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
has_table(const PreparedExport& prepared)
{
  return prepared.record.headers.get(k_table_header).has_value();
}

LocalReply
export_taken(OtlpSignal signal, bool json)
{
  return answer_with(*otlp_response(signal), json);
}

LocalReply
spans_rejected(const PreparedExport& prepared, long long& spans)
{
  spans = span_count(prepared.record.body);
  otlp::ExportTraceServiceResponse response;
  auto* partial = response.mutable_partial_success();
  partial->set_rejected_spans(spans);
  partial->set_error_message(
    "the relay keeps no spans: no Unity Catalog table is named for traces (add "
    "\"traces\": \"<catalog>.<schema>.<prefix>_otel_spans\" to \"tables\" in relay.json, or "
    "start the relay with --traces-table)");
  return answer_with(response, prepared.json);
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
