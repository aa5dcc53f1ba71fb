// SPDX-License-Identifier: MIT
// net::otlp_json_to_protobuf on what Gemini CLI does not send but OTLP/JSON allows: every
// metric kind, spans with events, links and a parent, each AnyValue kind, and the ways
// OTLP/JSON differs from protobuf's own JSON (hex ids, enums as numbers or names, snake_case
// keys, 64-bit integers as numbers or strings, unknown keys); then each kind of body that
// does not convert, with the exact message.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "net/otlp_json.hpp"
#include "support/otlp_convert.hpp"

namespace otlp = aigw::otlp;
using aigw::net::otlp_json_to_protobuf;
using aigw::net::OtlpSignal;
using aigw::test::converted;

namespace {

std::string
error_of(OtlpSignal signal, const std::string& json)
{
  const auto bytes = otlp_json_to_protobuf(signal, json);
  REQUIRE_FALSE(bytes);
  CHECK(bytes.error().kind == aigw::util::ErrorKind::parse);
  return bytes.error().message;
}

// A metrics request with `metric` as its one metric.
std::string
with_metric(const std::string& metric)
{
  return R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[)" + metric + "]}]}]}";
}

// A traces request with `span` as its one span.
std::string
with_span(const std::string& span)
{
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span + "]}]}]}";
}

const otlp::Metric&
only_metric(const otlp::ExportMetricsServiceRequest& request)
{
  return request.resource_metrics(0).scope_metrics(0).metrics(0);
}

} // namespace

TEST_CASE("net::otlp_json_to_protobuf: every metric kind")
{
  SUBCASE("gauge, with an exemplar and its hex ids")
  {
    const auto request = converted<otlp::ExportMetricsServiceRequest>(
      OtlpSignal::metrics,
      with_metric(R"({"name":"g","gauge":{"dataPoints":[{"asDouble":1.5,"timeUnixNano":7,
        "exemplars":[{"asInt":"-3","traceId":"000102030405060708090A0B0C0D0E0F",
        "spanId":"f0e1d2c3b4a59687",
        "filteredAttributes":[{"key":"k","value":{"boolValue":true}}]}]}]}})"));
    const auto& point = only_metric(request).gauge().data_points(0);
    CHECK(point.as_double() == 1.5);
    CHECK(point.time_unix_nano() == 7);
    const auto& exemplar = point.exemplars(0);
    CHECK(exemplar.as_int() == -3);
    CHECK(exemplar.trace_id() == std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
                                             "\x0c\x0d\x0e\x0f", 16));
    CHECK(exemplar.span_id() == "\xf0\xe1\xd2\xc3\xb4\xa5\x96\x87");
    CHECK(exemplar.filtered_attributes(0).value().bool_value());
  }

  SUBCASE("exponential histogram, enum by name, snake_case keys")
  {
    const auto request = converted<otlp::ExportMetricsServiceRequest>(
      OtlpSignal::metrics,
      with_metric(R"({"name":"e","exponential_histogram":{
        "aggregation_temporality":"AGGREGATION_TEMPORALITY_DELTA","data_points":[{
        "count":"6","sum":10.5,"scale":-2,"zeroCount":1,"zeroThreshold":0.25,"min":-1,"max":9,
        "positive":{"offset":-1,"bucketCounts":[2,"3"]},"negative":{"bucket_counts":[1]}}]}})"));
    const auto& histogram = only_metric(request).exponential_histogram();
    CHECK(histogram.aggregation_temporality() == otlp::AGGREGATION_TEMPORALITY_DELTA);
    const auto& point = histogram.data_points(0);
    CHECK(point.count() == 6);
    CHECK(point.sum() == 10.5);
    CHECK(point.scale() == -2);
    CHECK(point.zero_count() == 1);
    CHECK(point.zero_threshold() == 0.25);
    CHECK(point.min() == -1.0);
    CHECK(point.max() == 9.0);
    CHECK(point.positive().offset() == -1);
    CHECK(point.positive().bucket_counts_size() == 2);
    CHECK(point.positive().bucket_counts(1) == 3);
    CHECK(point.negative().bucket_counts(0) == 1);
  }

  SUBCASE("summary, with quantiles and a 64-bit count beyond double precision")
  {
    const auto request = converted<otlp::ExportMetricsServiceRequest>(
      OtlpSignal::metrics,
      with_metric(R"({"name":"s","summary":{"dataPoints":[{"count":"18446744073709551615",
        "sum":"NaN","quantileValues":[{"quantile":0.5,"value":"Infinity"},
        {"quantile":1,"value":4}]}]}})"));
    const auto& point = only_metric(request).summary().data_points(0);
    CHECK(point.count() == 18446744073709551615ULL);
    CHECK(point.sum() != point.sum()); // NaN
    CHECK(point.quantile_values(0).value() > 1e308);
    CHECK(point.quantile_values(1).quantile() == 1.0);
  }

  SUBCASE("a histogram without sum, min and max has none of them")
  {
    const auto request = converted<otlp::ExportMetricsServiceRequest>(
      OtlpSignal::metrics, with_metric(R"({"name":"h","histogram":{"dataPoints":[{"count":0}]}})"));
    const auto& point = only_metric(request).histogram().data_points(0);
    CHECK_FALSE(point.has_sum());
    CHECK_FALSE(point.has_min());
    CHECK_FALSE(point.has_max());
  }
}

TEST_CASE("net::otlp_json_to_protobuf: spans, logs and values")
{
  SUBCASE("a span with its parent, events, links and status")
  {
    const auto request = converted<otlp::ExportTraceServiceRequest>(
      OtlpSignal::traces,
      with_span(R"({"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
        "parentSpanId":"eee19b7ec3c1b173","kind":"SPAN_KIND_CLIENT","traceState":"a=b",
        "events":[{"timeUnixNano":"5","name":"retry","attributes":[]}],
        "links":[{"traceId":"","spanId":"0000000000000001","flags":256}],
        "status":{"code":2,"message":"boom"},"droppedEventsCount":3})"));
    const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
    CHECK(span.trace_id() == std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33"
                                         "\x81\x3f\xc6\x0c", 16));
    CHECK(span.parent_span_id() == std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73", 8));
    CHECK(span.kind() == otlp::Span::SPAN_KIND_CLIENT);
    CHECK(span.trace_state() == "a=b");
    CHECK(span.events(0).name() == "retry");
    CHECK(span.events(0).time_unix_nano() == 5);
    CHECK(span.links(0).trace_id().empty());
    CHECK(span.links(0).span_id() == std::string("\0\0\0\0\0\0\0\x01", 8));
    CHECK(span.links(0).flags() == 256);
    CHECK(span.status().code() == otlp::Status::STATUS_CODE_ERROR);
    CHECK(span.status().message() == "boom");
    CHECK(span.dropped_events_count() == 3);
  }

  SUBCASE("a log record with severity and every kind of value; unknown keys and null ignored")
  {
    const auto request = converted<otlp::ExportLogsServiceRequest>(
      OtlpSignal::logs,
      R"({"resourceLogs":[{"resource":{"attributes":[],"entityRefs":[{"type":"service",
        "idKeys":["service.name"]}]},"futureField":{"x":[1,2]},"scopeLogs":[{"logRecords":[{
        "severityNumber":17,"severityText":"ERROR","eventName":"e","flags":null,
        "body":{"kvlistValue":{"values":[{"key":"n","value":{"intValue":"-9223372036854775808"}},
        {"key":"b","value":{"bytesValue":"aGk="}},{"key":"d","value":{"doubleValue":-0.5}},
        {"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},{}]}}}]}}}]}]}]})");
    const auto& resource = request.resource_logs(0).resource();
    CHECK(resource.entity_refs(0).id_keys(0) == "service.name");
    const auto& record = request.resource_logs(0).scope_logs(0).log_records(0);
    CHECK(record.severity_number() == otlp::SEVERITY_NUMBER_ERROR);
    CHECK(record.severity_text() == "ERROR");
    CHECK(record.event_name() == "e");
    CHECK(record.flags() == 0);
    const auto& values = record.body().kvlist_value().values();
    CHECK(values[0].value().int_value() == INT64_MIN);
    CHECK(values[1].value().bytes_value() == "hi");
    CHECK(values[2].value().double_value() == -0.5);
    CHECK(values[3].value().array_value().values(0).string_value() == "x");
    CHECK(values[3].value().array_value().values(1).value_case() == otlp::AnyValue::VALUE_NOT_SET);
  }

  SUBCASE("an empty body is an empty export")
  {
    const auto bytes = otlp_json_to_protobuf(OtlpSignal::logs, "{}");
    REQUIRE(bytes);
    CHECK(bytes->empty());
  }
}

TEST_CASE("net::otlp_json_to_protobuf: bodies that do not convert")
{
  CHECK(error_of(OtlpSignal::metrics, R"({"resourceMetrics":[)")
        == "the body is not JSON (it goes wrong at byte 21)");
  CHECK(error_of(OtlpSignal::metrics, "[]") == "the body: expected an object, got a list");
  CHECK(error_of(OtlpSignal::metrics, R"({"resourceMetrics":{}})")
        == "resourceMetrics: expected a list, got an object");
  CHECK(error_of(OtlpSignal::metrics, R"({"resourceMetrics":[null]})")
        == "resourceMetrics[0]: a list cannot hold null");
  CHECK(error_of(OtlpSignal::metrics,
                 with_metric(R"({"name":"c","sum":{"dataPoints":[{"timeUnixNano":"12x"}]}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].timeUnixNano: "
           "expected an integer (a number or a decimal string), got a string that is not a "
           "decimal integer");
  CHECK(error_of(OtlpSignal::metrics,
                 with_metric(R"({"name":"c","sum":{"dataPoints":[{"asInt":1.5}]}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].asInt: expected an "
           "integer (a number or a decimal string), got a number with a fraction");
  CHECK(error_of(OtlpSignal::metrics,
                 with_metric(R"({"name":"c","sum":{"dataPoints":[{"asInt":1,"asDouble":1}]}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].asInt: only one of "
           "\"asDouble\" and \"asInt\" may be set");
  CHECK(error_of(OtlpSignal::metrics, with_metric(R"({"name":7})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected a string, got a number");
  CHECK(error_of(OtlpSignal::metrics, with_metric(R"({"name":"c","sum":{"isMonotonic":1}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.isMonotonic: expected true or "
           "false, got a number");
  CHECK(error_of(OtlpSignal::metrics,
                 with_metric(R"({"name":"c","sum":{"aggregationTemporality":"DELTA"}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: expected "
           "a number of AggregationTemporality, got a string");
  CHECK(error_of(OtlpSignal::metrics,
                 with_metric(R"({"name":"c","summary":{"dataPoints":[{"flags":-1}]}})"))
        == "resourceMetrics[0].scopeMetrics[0].metrics[0].summary.dataPoints[0].flags: the "
           "integer does not fit the field (uint32)");
}

TEST_CASE("net::otlp_json_to_protobuf: ids and nesting that do not convert")
{
  CHECK(error_of(OtlpSignal::traces, with_span(R"({"traceId":"c4502daba7e72ee57c74483fc320ea"})"))
        == "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits, got 30 "
           "characters");
  CHECK(error_of(OtlpSignal::traces, with_span(R"({"spanId":"00e13ccc1115387g"})"))
        == "resourceSpans[0].scopeSpans[0].spans[0].spanId: expected hex digits (0-9, a-f), got "
           "other characters");
  // Protobuf's own JSON would take base64 here; OTLP/JSON says hex, so base64 is refused.
  CHECK(error_of(OtlpSignal::logs,
                 R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"AOE8zBEVOHI="}]}]}]})")
        == "resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex digits, got 12 "
           "characters");
  CHECK(error_of(OtlpSignal::traces,
                 with_span(R"({"spanId":"00e13ccc11153872","span_id":"00e13ccc11153872"})"))
        == "resourceSpans[0].scopeSpans[0].spans[0].span_id: the same field is given twice, as "
           "\"spanId\" and \"span_id\"");
  CHECK(error_of(OtlpSignal::logs,
                 R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[)"
                 R"({"body":{"bytesValue":"a b"}}]}]}]})")
        == "resourceLogs[0].scopeLogs[0].logRecords[0].body.bytesValue: expected base64 bytes, "
           "got a string with other characters");

  std::string deep = R"({"stringValue":"bottom"})";
  for (int i = 0; i < 40; ++i) {
    deep = R"({"arrayValue":{"values":[)" + deep + "]}}";
  }
  const std::string message = error_of(
    OtlpSignal::logs,
    R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)" + deep + "}]}]}]}");
  CHECK(message.ends_with(": nested more than 64 levels deep"));
  CHECK(message.starts_with(
    "resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue.values[0].arrayValue"));
}
