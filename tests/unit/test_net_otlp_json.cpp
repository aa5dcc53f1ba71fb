// SPDX-License-Identifier: MIT
// net::otlp_json_to_protobuf on what Gemini CLI really sends, and on every kind of OTLP
// data. The Gemini fixtures in tests/fixtures/otlp/ were captured from Gemini CLI 0.61.0
// (`gemini -p "say hi"`, telemetry target "local", otlpProtocol "http") exporting to a
// loopback listener in a network namespace with only loopback, its model calls answered
// by a stand-in on the same listener; then trimmed: fewer resource attributes, log records
// and metrics, and long texts (its system prompt) replaced by a placeholder.
//
// Each result is decoded with the generated classes and checked two ways: single values
// (ids to the byte), and the whole message printed by protobuf's own JSON printer and
// compared with the input, both sides put in one form first (defaults left out, ids in
// lowercase hex, numbers as numbers), so nothing the JSON held can be lost unnoticed.
#include <doctest/doctest.h>

#include <string>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "net/otlp_json.hpp"
#include "support/otlp_convert.hpp"
#include "support/test_context.hpp"
#include "util/strings.hpp"

namespace otlp = aigw::otlp;
using aigw::net::otlp_json_to_protobuf;
using aigw::net::OtlpSignal;
using aigw::test::converted;
using Json = nlohmann::json;

namespace {

std::string
hex(const std::string& bytes)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string text;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    text += k_digits[byte >> 4];
    text += k_digits[byte & 0x0f];
  }
  return text;
}

bool
is_id(const std::string& key)
{
  return key == "traceId" || key == "spanId" || key == "parentSpanId";
}

// One form for both sides: decimal strings as numbers, since protobuf's printer writes
// 64-bit integers as strings; ids as lowercase hex, since it writes bytes as base64; then
// members that hold a default (0, "", false, [], null) left out, since it leaves most of
// them out (a zero in a oneof it keeps, so zeros are checked apart).
Json
normalized(const Json& value, bool ids_in_base64, const std::string& key = "")
{
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [name, member] : value.items()) {
      Json same = normalized(member, ids_in_base64, name);
      const bool is_default = same.is_null() || same == 0 || same == "" || same == false
                              || (same.is_array() && same.empty());
      if (!is_default) {
        out[name] = std::move(same);
      }
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& element : value) {
      out.push_back(normalized(element, ids_in_base64));
    }
    return out;
  }
  if (value.is_string() && is_id(key)) {
    const auto text = value.get<std::string>();
    return ids_in_base64 ? hex(aigw::util::base64_decode(text).value())
                         : aigw::util::to_lower(text);
  }
  if (value.is_string() && !value.get<std::string>().empty()
      && value.get<std::string>().find_first_not_of("-0123456789") == std::string::npos) {
    return Json::parse(value.get<std::string>());
  }
  return value;
}

// `message` as protobuf's JSON printer writes it, in the normalized form.
Json
printed(const google::protobuf::Message& message)
{
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  REQUIRE(google::protobuf::util::MessageToJsonString(message, &text, options).ok());
  return normalized(Json::parse(text), true);
}

std::string
attribute(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& attributes,
          const std::string& key)
{
  for (const auto& pair : attributes) {
    if (pair.key() == key) {
      return pair.value().DebugString();
    }
  }
  return "(missing)";
}

} // namespace

TEST_CASE("net::otlp_json_to_protobuf: Gemini CLI's metrics")
{
  const std::string json = aigw::test::read_fixture("otlp/gemini-metrics.json");
  const auto request = converted<otlp::ExportMetricsServiceRequest>(OtlpSignal::metrics, json);
  CHECK(printed(request) == normalized(Json::parse(json), false));

  REQUIRE(request.resource_metrics_size() == 1);
  const auto& resource = request.resource_metrics(0);
  CHECK(attribute(resource.resource().attributes(), "process.pid") == "int_value: 7630\n");
  CHECK(attribute(resource.resource().attributes(), "service.name")
        == "string_value: \"gemini-cli\"\n");
  const auto& metrics = resource.scope_metrics(0).metrics();
  REQUIRE(metrics.size() == 3);

  const auto& count = metrics[0];
  CHECK(count.name() == "gemini_cli.api.request.count");
  REQUIRE(count.has_sum());
  CHECK(count.sum().aggregation_temporality() == otlp::AGGREGATION_TEMPORALITY_CUMULATIVE);
  CHECK(count.sum().is_monotonic());
  const auto& point = count.sum().data_points(0);
  CHECK(point.start_time_unix_nano() == 1796428601628000000ULL);
  CHECK(point.time_unix_nano() == 1796428601678000000ULL);
  CHECK(point.as_int() == 1);
  CHECK(attribute(point.attributes(), "interactive") == "bool_value: false\n");
  CHECK(metrics[1].sum().data_points_size() == 5);
  // A zero is still a value: the oneof says which member holds it.
  CHECK(metrics[1].sum().data_points(2).value_case() == otlp::NumberDataPoint::kAsInt);

  const auto& latency = metrics[2];
  REQUIRE(latency.has_histogram());
  const auto& histogram = latency.histogram().data_points(0);
  CHECK(latency.unit() == "ms");
  CHECK(histogram.count() == 1);
  CHECK(histogram.has_sum());
  CHECK(histogram.sum() == 212.0);
  CHECK(histogram.min() == 212.0);
  CHECK(histogram.max() == 212.0);
  CHECK(histogram.bucket_counts_size() == 16);
  CHECK(histogram.bucket_counts(7) == 1);
  CHECK(histogram.explicit_bounds_size() == 15);
  CHECK(histogram.explicit_bounds(14) == 10000.0);
}

TEST_CASE("net::otlp_json_to_protobuf: Gemini CLI's logs")
{
  const std::string json = aigw::test::read_fixture("otlp/gemini-logs.json");
  const auto request = converted<otlp::ExportLogsServiceRequest>(OtlpSignal::logs, json);
  CHECK(printed(request) == normalized(Json::parse(json), false));

  const auto& records = request.resource_logs(0).scope_logs(0).log_records();
  REQUIRE(records.size() == 4);
  CHECK(records[0].body().string_value() == "CLI configuration loaded.");
  CHECK(records[0].time_unix_nano() == 1796428601323000000ULL);
  CHECK(records[0].observed_time_unix_nano() == 1796428601323000000ULL);
  // An attribute Gemini CLI sends with an empty value stays there, empty.
  CHECK(attribute(records[0].attributes(), "mcp_tools") == "");
  CHECK(records[0].trace_id().empty());

  const auto& request_log = records[2];
  CHECK(request_log.trace_id() == std::string("\xc4\x50\x2d\xab\xa7\xe7\x2e\xe5\x7c\x74\x48\x3f"
                                              "\xc3\x20\xea\x31", 16));
  CHECK(request_log.span_id() == std::string("\x00\xe1\x3c\xcc\x11\x15\x38\x72", 8));
  CHECK(request_log.flags() == 1);
  CHECK(attribute(records[3].attributes(), "finish_reasons")
        == "array_value {\n  values {\n    string_value: \"stop\"\n  }\n  values {\n"
           "    string_value: \"stop\"\n  }\n}\n");
}

TEST_CASE("net::otlp_json_to_protobuf leaves out the command line, which holds the prompt")
{
  // As Gemini CLI 0.61.0 sends it for `gemini -p "..."`, logPrompts false or not.
  const std::string json = R"({"resourceLogs":[{"resource":{"attributes":[
    {"key":"service.name","value":{"stringValue":"gemini-cli"}},
    {"key":"process.command_args","value":{"arrayValue":{"values":[
      {"stringValue":"/usr/bin/node"},{"stringValue":"gemini"},{"stringValue":"-p"},
      {"stringValue":"my secret plans"}]}}},
    {"key":"process.command_line","value":{"stringValue":"gemini -p my secret plans"}},
    {"key":"process.pid","value":{"intValue":"4242"}}]},
    "scopeLogs":[{"logRecords":[{"body":{"stringValue":"CLI configuration loaded."}}]}]}]})";
  const auto request = converted<otlp::ExportLogsServiceRequest>(OtlpSignal::logs, json);

  const auto& attributes = request.resource_logs(0).resource().attributes();
  REQUIRE(attributes.size() == 2);
  CHECK(attributes[0].key() == "service.name");
  CHECK(attributes[1].key() == "process.pid");
  std::string bytes;
  REQUIRE(request.SerializeToString(&bytes));
  CHECK(bytes.find("secret") == std::string::npos);
}

TEST_CASE("net::otlp_json_to_protobuf: Gemini CLI's traces")
{
  const std::string json = aigw::test::read_fixture("otlp/gemini-traces.json");
  const auto request = converted<otlp::ExportTraceServiceRequest>(OtlpSignal::traces, json);
  CHECK(printed(request) == normalized(Json::parse(json), false));

  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  CHECK(hex(span.trace_id()) == "c4502daba7e72ee57c74483fc320ea31");
  CHECK(hex(span.span_id()) == "00e13ccc11153872");
  CHECK(span.parent_span_id().empty());
  CHECK(span.name() == "llm_call");
  CHECK(span.kind() == otlp::Span::SPAN_KIND_INTERNAL);
  CHECK(span.end_time_unix_nano() == 1796428601649948741ULL);
  CHECK(span.status().code() == otlp::Status::STATUS_CODE_OK);
  CHECK(span.flags() == 257);
  CHECK(request.resource_spans(0).scope_spans(0).scope().version() == "v1");
}
