// SPDX-License-Identifier: MIT
// The relay and OTLP/JSON: Gemini CLI's JSON exports (tests/fixtures/otlp/) land in the
// spool as protobuf with the table header, go to the fake workspace as protobuf, and are
// answered in JSON; a body that does not convert is refused and nothing is kept; exports
// with no table are rejected with a partial success and a warning.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "net/otlp_json.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"
#include "support/fake_workspace.hpp"
#include "support/relay_harness.hpp"
#include "support/stderr_capture.hpp"
#include "support/test_context.hpp"

namespace net = aigw::net;
namespace otlp = aigw::otlp;
using aigw::test::read_fixture;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::k_token;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using Items = std::vector<std::pair<std::string, std::string>>;

namespace {

// What the rejection of an export of `signal` with no table says (its table's last part is
// `suffix`).
std::string
no_table_message(const std::string& signal, const std::string& suffix)
{
  return "the relay keeps no " + signal + ": no Unity Catalog table is named for " + signal
         + " (add \"" + signal + "\": \"<catalog>.<schema>.<prefix>_otel_" + suffix
         + "\" to \"tables\" in relay.json, or start the relay with --" + signal + "-table)";
}

const std::string k_rejected_spans = no_table_message("traces", "spans");

net::RelayOptions
offline_options()
{
  net::RelayOptions options;
  options.mode = net::RelayMode::offline;
  options.key = aigw::util::Secret(k_key);
  options.tables.metrics = "main.default.gm_otel_metrics";
  options.tables.logs = "main.default.gm_otel_logs";
  return options;
}

net::HttpRequest
json_export(const RelayRig& rig, const std::string& signal, const std::string& body)
{
  return with_key(post(rig.url("/api/2.0/otel/v1/" + signal), body));
}

net::SpoolRecord
only_record(const RelayRig& rig)
{
  auto spool = net::Spool::open(rig.spool_dir(), net::k_default_spool_cap);
  REQUIRE(spool);
  REQUIRE(spool->entries().size() == 1);
  auto record = spool->read(spool->entries().at(0));
  REQUIRE(record);
  return *record;
}

// The answer to a JSON export the relay took: 200 with an empty answer, "{}", in JSON.
void
check_taken_in_json(const aigw::util::Expected<net::HttpResponse, net::HttpError>& response)
{
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->headers.get("Content-Type") == "application/json");
  CHECK(response->body == "{}");
}

} // namespace

TEST_CASE("net::Relay offline: an OTLP/JSON export is kept as protobuf")
{
  RelayRig rig(offline_options());
  const std::string json = read_fixture("otlp/gemini-metrics.json");

  SUBCASE("with its table header, answered {} in JSON")
  {
    check_taken_in_json(rig.send(json_export(rig, "metrics", json)));
    const auto record = only_record(rig);
    CHECK(record.path == "/api/2.0/otel/v1/metrics");
    CHECK(record.headers.items
          == Items{{"Content-Type", "application/x-protobuf"},
                   {"X-Databricks-UC-Table-Name", "main.default.gm_otel_metrics"}});
    CHECK(record.body == net::otlp_json_to_protobuf(net::OtlpSignal::metrics, json).value());
    otlp::ExportMetricsServiceRequest decoded;
    REQUIRE(decoded.ParseFromString(record.body));
    CHECK(decoded.resource_metrics(0).scope_metrics(0).metrics_size() == 3);
  }

  SUBCASE("a charset after the media type is still JSON")
  {
    auto request = json_export(rig, "metrics", json);
    request.headers.set("Content-Type", "Application/JSON; charset=utf-8");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->body == "{}");
    CHECK(only_record(rig).headers.get("Content-Type") == "application/x-protobuf");
  }

  SUBCASE("a body that does not convert: 400 that says why, a warning, nothing kept")
  {
    aigw::test::StderrCapture stderr_text;
    const auto response = rig.send(json_export(rig, "logs", R"({"resourceLogs":"x"})"));
    REQUIRE(response);
    const std::string why = "the relay cannot turn this OTLP/JSON logs export into the protobuf "
                            "the workspace takes: resourceLogs: expected a list, got a string";
    CHECK(response->status == 400);
    CHECK(response->body == net::error_reply(net::Route::otel, 400, why).body);
    CHECK(rig.spooled() == 0);
    CHECK(stderr_text.text().find("aigw-setup: warning: relay: an OTel export was refused: "
                                  + why + "\n")
          != std::string::npos);
  }
}

TEST_CASE("net::Relay: spans with no traces table are rejected, not kept")
{
  const std::string json = read_fixture("otlp/gemini-traces.json");

  SUBCASE("OTLP/JSON: a partial success in JSON, and a warning")
  {
    RelayRig rig(offline_options());
    aigw::test::StderrCapture stderr_text;
    const auto response = rig.send(json_export(rig, "traces", json));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->headers.get("Content-Type") == "application/json");
    CHECK(nlohmann::json::parse(response->body)
          == nlohmann::json{{"partialSuccess",
                             {{"rejectedSpans", "1"}, {"errorMessage", k_rejected_spans}}}});
    CHECK(rig.spooled() == 0);
    CHECK(stderr_text.text().find(
            "aigw-setup: warning: relay: an OTel traces export was not kept (spans: 1): no Unity "
            "Catalog table is named for traces (relay --traces-table, or tables.traces in "
            "relay.json)\n")
          != std::string::npos);
  }

  SUBCASE("protobuf: the partial success in protobuf")
  {
    RelayRig rig(offline_options());
    auto request = json_export(rig, "traces",
                               net::otlp_json_to_protobuf(net::OtlpSignal::traces, json).value());
    request.headers.set("Content-Type", "application/x-protobuf");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->headers.get("Content-Type") == "application/x-protobuf");
    otlp::ExportTraceServiceResponse answer;
    REQUIRE(answer.ParseFromString(response->body));
    CHECK(answer.partial_success().rejected_spans() == 1);
    CHECK(answer.partial_success().error_message() == k_rejected_spans);
    CHECK(rig.spooled() == 0);
  }

  SUBCASE("with a traces table they are kept like the rest")
  {
    auto options = offline_options();
    options.tables.traces = "main.default.gm_otel_spans";
    RelayRig rig(options);
    check_taken_in_json(rig.send(json_export(rig, "traces", json)));
    CHECK(only_record(rig).headers.get("X-Databricks-UC-Table-Name")
          == "main.default.gm_otel_spans");
  }
}

// Without a table the workspace refuses an export, and a spooled one it refuses would stop
// every flush at it: metrics and logs with no table are rejected as spans are.
TEST_CASE("net::Relay: metrics and logs with no table are rejected, not kept")
{
  auto options = offline_options();
  options.tables = {};
  RelayRig rig(options);
  aigw::test::StderrCapture stderr_text;

  SUBCASE("metrics: every data point rejected, in JSON")
  {
    const auto response =
      rig.send(json_export(rig, "metrics", read_fixture("otlp/gemini-metrics.json")));
    REQUIRE(response);
    CHECK(response->status == 200);
    const auto body = nlohmann::json::parse(response->body);
    CHECK(body["partialSuccess"]["errorMessage"] == no_table_message("metrics", "metrics"));
    CHECK(body["partialSuccess"]["rejectedDataPoints"] == "7"); // the fixture's data points
    CHECK(stderr_text.text().find("aigw-setup: warning: relay: an OTel metrics export was not "
                                  "kept (data points: 7): no Unity Catalog table is "
                                  "named for metrics (relay --metrics-table, or tables.metrics "
                                  "in relay.json)\n")
          != std::string::npos);
  }

  SUBCASE("logs in protobuf: every log record rejected, in protobuf")
  {
    auto request = json_export(rig, "logs", net::otlp_json_to_protobuf(
      net::OtlpSignal::logs, read_fixture("otlp/gemini-logs.json")).value());
    request.headers.set("Content-Type", "application/x-protobuf");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    otlp::ExportLogsServiceResponse answer;
    REQUIRE(answer.ParseFromString(response->body));
    CHECK(answer.partial_success().rejected_log_records() == 4);
    CHECK(answer.partial_success().error_message() == no_table_message("logs", "logs"));
  }

  CHECK(rig.spooled() == 0);
}

TEST_CASE("net::Relay forward: OTLP/JSON reaches the workspace as protobuf")
{
  aigw::test::FakeWorkspace workspace;
  workspace.accept_token(k_token);
  auto options = options_for("", workspace.url());
  options.tables.logs = "main.default.gm_otel_logs";
  RelayRig rig(options);
  const std::string json = read_fixture("otlp/gemini-logs.json");

  SUBCASE("converted, with the table header; the agent gets {} in JSON")
  {
    check_taken_in_json(rig.send(json_export(rig, "logs", json)));
    const auto exports = workspace.exports();
    REQUIRE(exports.size() == 1);
    CHECK(exports[0].signal == "logs");
    CHECK(exports[0].table == "main.default.gm_otel_logs");
    CHECK(exports[0].content_type == "application/x-protobuf");
    CHECK(exports[0].items == 4);
    CHECK(exports[0].body == net::otlp_json_to_protobuf(net::OtlpSignal::logs, json).value());
    CHECK(rig.spooled() == 0);
  }

  SUBCASE("a protobuf export passes untouched")
  {
    const std::string protobuf = net::otlp_json_to_protobuf(net::OtlpSignal::logs, json).value();
    auto request = json_export(rig, "logs", protobuf);
    request.headers.set("Content-Type", "application/x-protobuf");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->headers.get("Content-Type") == "application/x-protobuf");
    REQUIRE(workspace.exports().size() == 1);
    CHECK(workspace.exports()[0].body == protobuf);
  }

  SUBCASE("the fake workspace itself refuses OTLP/JSON, as OTLP/HTTP answers bad data")
  {
    net::HttpRequest direct = post(workspace.url() + "/api/2.0/otel/v1/logs", json);
    direct.headers.add("Authorization", std::string("Bearer ") + k_token);
    direct.headers.add("X-Databricks-UC-Table-Name", "main.default.gm_otel_logs");
    const auto response = rig.client().send(direct);
    REQUIRE(response);
    CHECK(response->status == 400);
    CHECK(response->body
          == R"({"error_code":"INVALID_PARAMETER_VALUE","message":"OTLP exports are taken as )"
             R"(application/x-protobuf only, not application/json"})");
    CHECK(workspace.exports().empty());
  }
}
