// SPDX-License-Identifier: MIT
// The relay and its upstream on loopback: server-sent events passed on as they arrive,
// every kind of upstream failure, an agent that goes away, OTel exports kept in the spool
// while the workspace is down, and offline mode with no upstream at all.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"
#include "support/stderr_capture.hpp"
#include "util/log.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::RawServer;
using aigw::test::relay_harness::host_line;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::ping_stream;
using aigw::test::relay_harness::our_user_agent;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using net::HttpRequest;
using net::Route;

namespace {

// Wait (up to 10 s) until `server` has read a request.
bool
silent_got_request(const RawServer& server)
{
  for (int i = 0; i < 1000 && server.requests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !server.requests().empty();
}

} // namespace

TEST_CASE("net::Relay streams server-sent events as they arrive")
{
  FakeHttpServer gateway;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> timeline;
  bool first_arrived = false;
  const auto note = [&](const std::string& what) {
    const std::lock_guard lock(mutex);
    timeline.push_back(what);
  };

  gateway.set_reply([&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream", [&](std::size_t,
                                                             httplib::DataSink& sink) {
      for (int i = 1; i <= 5; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(i == 1 ? 0 : 300));
        if (i == 5) {
          // The last event waits until the agent has the first (a buffering relay never
          // delivers it before the end, and the wait runs out).
          std::unique_lock lock(mutex);
          changed.wait_for(lock, std::chrono::seconds(10), [&] { return first_arrived; });
        }
        note("sent " + std::to_string(i));
        const std::string event = "event: e\ndata: " + std::to_string(i) + "\n\n";
        sink.write(event.data(), event.size());
      }
      sink.done();
      return true;
    });
  });
  RelayRig rig(options_for(gateway.url(), gateway.url()));

  std::string received;
  std::string type;
  const auto response = rig.client().stream(
    with_key(post(rig.url("/anthropic/v1/messages"))),
    [&](int, const net::Headers& headers) {
      type = headers.get("Content-Type").value_or("");
      return true;
    },
    [&](std::string_view chunk) {
      received += chunk;
      if (!first_arrived && received.find("\n\n") != std::string::npos) {
        note("received 1");
        const std::lock_guard lock(mutex);
        first_arrived = true;
        changed.notify_all();
      }
      return true;
    });
  REQUIRE(response);
  CHECK(type == "text/event-stream");
  CHECK(received
        == "event: e\ndata: 1\n\nevent: e\ndata: 2\n\nevent: e\ndata: 3\n\n"
           "event: e\ndata: 4\n\nevent: e\ndata: 5\n\n");
  const auto at = [&](const std::string& what) {
    return std::find(timeline.begin(), timeline.end(), what) - timeline.begin();
  };
  CHECK(at("received 1") < at("sent 5"));
}

TEST_CASE("net::Relay upstream failures")
{
  SUBCASE("a closed port: 502 that says what to check")
  {
    const std::string gateway = "http://127.0.0.1:" + std::to_string(aigw::test::closed_port());
    RelayRig rig(options_for(gateway, gateway));
    const auto response = rig.send(with_key(post(rig.url("/anthropic/v1/messages"))));
    REQUIRE(response);
    CHECK(response->status == 502);
    CHECK(response->body
          == net::error_reply(Route::anthropic, 502,
                              "the gateway " + gateway
                                + "/anthropic/v1/messages could not be reached: connection "
                                  "refused; check --gateway or your network")
               .body);
  }

  SUBCASE("a gateway that never answers: 504 after the idle time")
  {
    RawServer gateway("", RawServer::Hang::yes);
    net::RelayOptions options = options_for(gateway.url(), gateway.url());
    options.idle_timeout = std::chrono::milliseconds(300);
    RelayRig rig(options);
    const auto response = rig.send(with_key(post(rig.url("/openai/v1/responses"))));
    REQUIRE(response);
    CHECK(response->status == 504);
    CHECK(response->body
          == net::error_reply(Route::openai, 504,
                              "the gateway " + gateway.url()
                                + "/openai/v1/responses did not answer in time; try again, or "
                                  "check --gateway and your network")
               .body);
  }

  SUBCASE("a gateway that drops mid-stream: the agent sees the drop")
  {
    RawServer gateway("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Content-Length: 100\r\n\r\nevent: a\n\n",
                      RawServer::Hang::no);
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    const auto level = aigw::util::log::level();
    aigw::util::log::set_level(aigw::util::log::Level::info);
    aigw::test::StderrCapture log;
    int status = 0;
    std::string received;
    const auto response = rig.client().stream(
      with_key(post(rig.url("/anthropic/v1/messages"))),
      [&](int head_status, const net::Headers&) {
        status = head_status;
        return true;
      },
      [&](std::string_view chunk) {
        received += chunk;
        return true;
      });
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == net::HttpErrorKind::reset);
    CHECK(status == 200);
    CHECK(received == "event: a\n\n");
    rig.stop();
    aigw::util::log::set_level(level);
    // The request's log line says the reply did not end whole.
    CHECK(log.text().find("POST /anthropic/v1/messages anthropic -> 200 broken off (")
          != std::string::npos);
  }

  SUBCASE("the gateway's own errors pass through unchanged")
  {
    FakeHttpServer gateway;
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    gateway.set_reply([](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "7");
      res.set_content(R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"})",
                      "application/json");
    });
    const auto busy = rig.send(with_key(post(rig.url("/anthropic/v1/messages"))));
    REQUIRE(busy);
    CHECK(busy->status == 503);
    CHECK(busy->body == R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"})");
    CHECK(busy->headers.get("Retry-After") == "7");

    gateway.set_reply([](const httplib::Request&, httplib::Response& res) { res.status = 401; });
    const auto refused = rig.send(with_key(post(rig.url("/openai/v1/responses"))));
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK(refused->body.empty());
  }
}

TEST_CASE("net::Relay cancels the upstream when the agent goes away")
{
  FakeHttpServer gateway;
  std::mutex mutex;
  std::condition_variable changed;
  std::string outcome;
  gateway.set_reply(ping_stream(50, std::chrono::milliseconds(100), [&](bool success) {
    const std::lock_guard lock(mutex);
    outcome = success ? "sent all" : "stopped";
    changed.notify_all();
  }));
  RelayRig rig(options_for(gateway.url(), gateway.url()));

  const auto response = rig.client().stream(
    with_key(post(rig.url("/anthropic/v1/messages"))),
    [](int, const net::Headers&) { return true; }, [](std::string_view) { return false; });
  REQUIRE_FALSE(response);

  std::unique_lock lock(mutex);
  changed.wait_for(lock, std::chrono::seconds(10), [&] { return !outcome.empty(); });
  CHECK(outcome == "stopped");
}

TEST_CASE("net::Relay stopping while the gateway is silent answers 503, not a gateway failure")
{
  RawServer silent("", RawServer::Hang::yes);
  RelayRig rig(options_for(silent.url(), silent.url()));
  std::optional<aigw::util::Expected<net::HttpResponse, net::HttpError>> response;
  std::thread agent(
    [&] { response = rig.send(with_key(post(rig.url("/anthropic/v1/messages")))); });
  REQUIRE(silent_got_request(silent));
  rig.stop();
  agent.join();

  REQUIRE(response);
  REQUIRE(*response);
  CHECK((*response)->status == 503);
  CHECK((*response)->body
        == net::error_reply(Route::anthropic, 503, "the relay is stopping or the agent went away")
             .body);
}

TEST_CASE("net::Relay keeps OTel exports while the workspace is down")
{
  FakeHttpServer workspace;
  std::atomic<bool> up{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<aigw::test::SeenRequest> delivered;
  workspace.set_reply([&](const httplib::Request& req, httplib::Response& res) {
    if (!up) {
      res.status = 503;
      res.set_content(R"({"error_code":"TEMPORARILY_UNAVAILABLE"})", "application/json");
      return;
    }
    const std::lock_guard lock(mutex);
    delivered.push_back(workspace.requests().back());
    changed.notify_all();
    res.set_content("", "application/x-protobuf");
    (void)req;
  });
  net::RelayOptions options = options_for(workspace.url(), workspace.url());
  options.flush_interval = std::chrono::milliseconds(50);
  options.tables.logs = "main.default.cc_otel_logs";
  RelayRig rig(options);

  const std::string payload("\x0a\x03otlp\x00\x01", 8);
  HttpRequest export_request = with_key(post(rig.url("/api/2.0/otel/v1/logs"), payload));
  export_request.headers.set("Content-Type", "application/x-protobuf");
  const auto response = rig.send(export_request);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body.empty());
  CHECK(response->headers.get("Content-Type") == "application/x-protobuf");
  CHECK(rig.spooled() == 1);

  up = true;
  {
    std::unique_lock lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return !delivered.empty(); }));
  }
  for (int i = 0; i < 500 && rig.spooled() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(rig.spooled() == 0);
  const std::lock_guard lock(mutex);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].target == "/api/2.0/otel/v1/logs");
  CHECK(delivered[0].body == payload);
  CHECK(delivered[0].header_text()
        == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 8\n"
           "Content-Type: application/x-protobuf\n"
             + host_line(workspace.port()) + our_user_agent()
             + "X-Databricks-UC-Table-Name: main.default.cc_otel_logs\n");
}

TEST_CASE("net::Relay offline")
{
  net::RelayOptions options;
  options.mode = net::RelayMode::offline;
  options.key = aigw::util::Secret(k_key);
  RelayRig rig(options);

  SUBCASE("each route gets the offline stand-in's reply, streamed as it says")
  {
    const std::string body =
      R"({"model":"databricks-claude-opus-4-6","max_tokens":64,"stream":true,)"
      R"("messages":[{"role":"user","content":"say hi"}]})";
    const auto response = rig.send(with_key(post(rig.url("/anthropic/v1/messages"), body)));
    REQUIRE(response);

    net::InboundRequest inbound{"POST", "/anthropic/v1/messages", "", {}, body};
    inbound.headers.add("Content-Type", "application/json");
    const auto routed = net::route_of(inbound.path);
    REQUIRE(routed);
    const auto expected = net::offline_reply(Route::anthropic, *routed, inbound);
    std::string expected_body = expected.body;
    for (const auto& event : expected.events) {
      expected_body += event;
    }
    CHECK(response->status == expected.status);
    CHECK(response->body == expected_body);
    CHECK(response->headers.get("Content-Type") == expected.headers.get("Content-Type"));
  }

  SUBCASE("OTel exports are answered once they are in the spool")
  {
    HttpRequest request = with_key(post(rig.url("/api/2.0/otel/v1/metrics"), "otlp-bytes"));
    request.headers.set("Content-Type", "application/x-protobuf");
    request.headers.set("X-Databricks-UC-Table-Name", "main.default.cc_otel_metrics");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body.empty());
    REQUIRE(rig.spooled() == 1);
    auto spool = net::Spool::open(rig.spool_dir(), net::k_default_spool_cap);
    REQUIRE(spool);
    const auto record = spool->read(spool->entries().at(0));
    REQUIRE(record);
    CHECK(record->path == "/api/2.0/otel/v1/metrics");
    CHECK(record->body == "otlp-bytes");
    CHECK(record->headers.items
          == std::vector<std::pair<std::string, std::string>>{
            {"Content-Type", "application/x-protobuf"},
            {"X-Databricks-UC-Table-Name", "main.default.cc_otel_metrics"}});
  }
}
