// SPDX-License-Identifier: MIT
// The relay end to end on loopback: a fake gateway (cpp-httplib or raw bytes) on an
// ephemeral port, a Relay on another, and the curl client as the agent.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "aigw/version.hpp"
#include "core/credentials.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"
#include "support/cli_runner.hpp"
#include "support/net_fakes.hpp"
#include "support/test_context.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::RawServer;
using net::HttpRequest;
using net::Route;

namespace {

constexpr const char* k_key = "relay-key-0123456789abcdef0123456789abcdef";
constexpr const char* k_token = "dapi-real-token-0123456789";

class FixedCredentials : public net::CredentialSource
{
public:
  aigw::util::Result<aigw::util::Secret> bearer() override { return aigw::util::Secret(k_token); }
};

net::RelayOptions
options_for(const std::string& gateway, const std::string& workspace)
{
  net::RelayOptions options;
  aigw::core::RouteOptions routes;
  routes.gateway = gateway;
  routes.workspace = workspace;
  if (gateway.empty()) {
    routes.gateway.reset();
  }
  options.routes = aigw::core::resolve_routes(routes).value();
  options.key = aigw::util::Secret(k_key);
  return options;
}

// A relay on 127.0.0.1:0 with its spool in a fresh folder, and a client to call it with.
class RelayRig
{
public:
  explicit RelayRig(net::RelayOptions options)
  {
    options.spool_dir = m_dir / "spool";
    std::shared_ptr<net::HttpClient> upstream_client = net::make_curl_client();
    m_relay = std::make_unique<net::Relay>(
      std::move(options), std::make_shared<FixedCredentials>(), std::move(upstream_client));
    REQUIRE(m_relay->start());
  }

  int port() const { return m_relay->port(); }
  std::string url(const std::string& path) const
  {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::filesystem::path spool_dir() const { return m_dir / "spool"; }
  net::HttpClient& client() { return *m_client; }

  aigw::util::Expected<net::HttpResponse, net::HttpError> send(const HttpRequest& request)
  {
    return m_client->send(request);
  }

  std::size_t spooled() const
  {
    auto spool = net::Spool::open(spool_dir(), net::k_default_spool_cap);
    REQUIRE(spool);
    return spool->entries().size();
  }

private:
  aigw::test::TempDir m_dir;
  std::unique_ptr<net::Relay> m_relay;
  std::unique_ptr<net::HttpClient> m_client = net::make_curl_client();
};

HttpRequest
post(const std::string& url, std::string body = "{}")
{
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.add("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}

HttpRequest
with_key(HttpRequest request)
{
  request.headers.add("Authorization", std::string("Bearer ") + k_key);
  return request;
}

std::string
host_line(int port)
{
  return "Host: 127.0.0.1:" + std::to_string(port) + "\n";
}

std::string
our_user_agent()
{
  return std::string("User-Agent: aigw-setup/") + aigw::k_version + "\n";
}

std::size_t
count_headers(const net::Headers& headers, std::string_view name)
{
  return static_cast<std::size_t>(
    std::count_if(headers.items.begin(), headers.items.end(), [&](const auto& item) {
      return item.first.size() == name.size()
             && std::equal(name.begin(), name.end(), item.first.begin(), [](char a, char b) {
                  return std::tolower(static_cast<unsigned char>(a))
                         == std::tolower(static_cast<unsigned char>(b));
                });
    }));
}

// A gzip stream of {"id":"msg_1","type":"message","content":[]}.
const std::string k_gzip_body(
  "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\xca\x4c\x51\xb2\x52\xca\x2d\x4e\x8f\x37"
  "\x54\xd2\x51\x2a\xa9\x2c\x48\x05\x71\x53\x8b\x8b\x13\xd3\x53\x81\x02\xc9\xf9\x79\x25\xa9"
  "\x79\x25\x4a\x56\xd1\xb1\xb5\x00\xbb\x99\xb7\x39\x2c\x00\x00\x00",
  60);

} // namespace

TEST_CASE("net::Relay forwards each route to its upstream")
{
  FakeHttpServer gateway;
  const auto check_routes = [&](RelayRig& rig,
                                const std::vector<std::pair<std::string, std::string>>& cases) {
    for (const auto& [path, upstream] : cases) {
      const auto response = rig.send(with_key(post(rig.url(path))));
      REQUIRE(response);
      CHECK(response->status == 200);
      CHECK(response->body == R"({"ok":true})");
    }
    const auto seen = gateway.requests();
    REQUIRE(seen.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      CHECK(seen[i].target == cases[i].second);
    }
  };

  SUBCASE("the gateway layout")
  {
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    check_routes(rig, {{"/anthropic/v1/messages?beta=true", "/anthropic/v1/messages?beta=true"},
                       {"/openai/v1/responses", "/openai/v1/responses"},
                       {"/codex/v1/responses", "/openai/v1/responses"},
                       {"/gemini/v1beta/models/m:streamGenerateContent?alt=sse",
                        "/gemini/v1beta/models/m:streamGenerateContent?alt=sse"},
                       {"/cursor/v1/chat/completions", "/cursor/v1/chat/completions"},
                       {"/api/2.0/otel/v1/metrics", "/api/2.0/otel/v1/metrics"}});
  }

  SUBCASE("the workspace-hosted layout")
  {
    RelayRig rig(options_for("", gateway.url()));
    check_routes(rig, {{"/anthropic/v1/messages", "/ai-gateway/anthropic/v1/messages"},
                       {"/codex/v1/responses", "/ai-gateway/codex/v1/responses"},
                       {"/gemini/v1beta/models/m:generateContent",
                        "/ai-gateway/gemini/v1beta/models/m:generateContent"},
                       {"/api/2.0/otel/v1/logs", "/api/2.0/otel/v1/logs"}});
  }

  SUBCASE("a route with no upstream is refused in its shape, and nothing is sent")
  {
    RelayRig rig(options_for("", gateway.url()));
    const auto response = rig.send(with_key(post(rig.url("/cursor/v1/chat/completions"))));
    REQUIRE(response);
    CHECK(response->status == 502);
    CHECK(response->body
          == net::error_reply(Route::cursor, 502,
                              "the relay has no upstream for the cursor route: start it with "
                              "--gateway, --workspace or --cursor-url")
               .body);
    CHECK(gateway.requests().empty());
  }
}

TEST_CASE("net::Relay rewrites the headers it forwards")
{
  FakeHttpServer gateway;
  net::RelayOptions options = options_for(gateway.url(), gateway.url());
  options.tables.metrics = "main.default.cc_otel_metrics";
  RelayRig rig(options);
  const std::string host = host_line(gateway.port());

  SUBCASE("Claude Code: the real token, the coding-agent header, no hop-by-hop headers")
  {
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages?beta=true")));
    request.headers.add("anthropic-version", "2023-06-01");
    request.headers.add("Connection", "keep-alive, X-Hop");
    request.headers.add("X-Hop", "1");
    request.headers.add("Keep-Alive", "timeout=5");
    request.headers.add("Proxy-Authorization", "Basic abc");
    request.headers.add("TE", "trailers");
    request.headers.add("User-Agent", "claude-cli/2.1.197 (external, sdk-cli)");
    request.headers.add("Accept-Encoding", "gzip, deflate, br, zstd");
    request.headers.add("X-Claude-Code-Session-Id", "s1");
    REQUIRE(rig.send(request));
    CHECK(gateway.requests().at(0).header_text()
          == "Accept-Encoding: gzip, deflate, br, zstd\n"
             "anthropic-version: 2023-06-01\n"
             "Authorization: Bearer dapi-real-token-0123456789\n"
             "Content-Length: 2\n"
             "Content-Type: application/json\n"
               + host
               + "User-Agent: claude-cli/2.1.197 (external, sdk-cli)\n"
                 "X-Claude-Code-Session-Id: s1\n"
                 "x-databricks-use-coding-agent-mode: true\n");
  }

  SUBCASE("a coding-agent header the agent sent is kept, not doubled")
  {
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));
    request.headers.add("x-databricks-use-coding-agent-mode", "true");
    REQUIRE(rig.send(request));
    CHECK(gateway.requests().at(0).header_text()
          == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 2\n"
             "Content-Type: application/json\n"
               + host + our_user_agent() + "x-databricks-use-coding-agent-mode: true\n");
  }

  SUBCASE("Gemini CLI: both key headers go, the real token comes in")
  {
    HttpRequest request = with_key(post(rig.url("/gemini/v1beta/models/m:generateContent")));
    request.headers.add("x-goog-api-key", k_key);
    request.headers.add("x-goog-api-client", "google-genai-sdk/1.30.0 gl-node/v20.20.2");
    REQUIRE(rig.send(request));
    CHECK(gateway.requests().at(0).header_text()
          == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 2\n"
             "Content-Type: application/json\n"
               + host + our_user_agent()
               + "x-goog-api-client: google-genai-sdk/1.30.0 gl-node/v20.20.2\n");
  }

  SUBCASE("an x-api-key agent")
  {
    HttpRequest request = post(rig.url("/openai/v1/responses"));
    request.headers.add("x-api-key", k_key);
    REQUIRE(rig.send(request));
    CHECK(gateway.requests().at(0).header_text()
          == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 2\n"
             "Content-Type: application/json\n"
               + host + our_user_agent());
  }

  SUBCASE("OTel: the configured table when the agent names none, the agent's when it does")
  {
    HttpRequest metrics = with_key(post(rig.url("/api/2.0/otel/v1/metrics"), "m"));
    metrics.headers.set("Content-Type", "application/x-protobuf");
    REQUIRE(rig.send(metrics));
    HttpRequest logs = with_key(post(rig.url("/api/2.0/otel/v1/logs"), "l"));
    logs.headers.set("Content-Type", "application/x-protobuf");
    logs.headers.add("X-Databricks-UC-Table-Name", "main.x.logs");
    REQUIRE(rig.send(logs));

    const auto seen = gateway.requests();
    CHECK(seen.at(0).header_text()
          == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 1\n"
             "Content-Type: application/x-protobuf\n"
               + host + our_user_agent()
               + "X-Databricks-UC-Table-Name: main.default.cc_otel_metrics\n");
    CHECK(seen.at(1).header_text()
          == "Authorization: Bearer dapi-real-token-0123456789\nContent-Length: 1\n"
             "Content-Type: application/x-protobuf\n"
               + host + our_user_agent() + "X-Databricks-UC-Table-Name: main.x.logs\n");
  }
}

TEST_CASE("net::Relay accepts only the relay key")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const std::string path = "/anthropic/v1/messages";

  SUBCASE("in each header agents send it in")
  {
    for (const char* name : {"x-api-key", "x-goog-api-key"}) {
      HttpRequest request = post(rig.url(path));
      request.headers.add(name, k_key);
      const auto response = rig.send(request);
      REQUIRE(response);
      CHECK(response->status == 200);
    }
    const auto response = rig.send(with_key(post(rig.url(path))));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(gateway.requests().size() == 3);
  }

  SUBCASE("none: 401 in the route's shape")
  {
    const auto response = rig.send(post(rig.url(path)));
    REQUIRE(response);
    CHECK(response->status == 401);
    CHECK(response->body
          == net::error_reply(Route::anthropic, 401,
                              "the relay key is missing: send it as \"Authorization: Bearer "
                              "<key>\", \"x-api-key\" or \"x-goog-api-key\" (aigw-setup "
                              "configure --auth relay sets agents up with it)")
               .body);
    CHECK(gateway.requests().empty());
  }

  SUBCASE("a wrong key, or a right one beside a wrong one: 401")
  {
    const std::string wrong_body =
      net::error_reply(Route::gemini, 401,
                       "the relay key is wrong: send the key from the relay's key file "
                       "(relay --key-file)")
        .body;
    HttpRequest wrong = post(rig.url("/gemini/v1beta/models/m:generateContent"));
    wrong.headers.add("Authorization", "Bearer relay-key-wrong");
    const auto first = rig.send(wrong);
    REQUIRE(first);
    CHECK(first->status == 401);
    CHECK(first->body == wrong_body);

    HttpRequest mixed = with_key(post(rig.url("/gemini/v1beta/models/m:generateContent")));
    mixed.headers.add("x-goog-api-key", "another-key");
    const auto second = rig.send(mixed);
    REQUIRE(second);
    CHECK(second->status == 401);
    CHECK(second->body == wrong_body);
    CHECK(gateway.requests().empty());
  }
}

TEST_CASE("net::Relay answers only requests addressed to it")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const std::string port = std::to_string(rig.port());
  const auto with_host = [&](const std::string& host) {
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));
    request.headers.add("Host", host);
    return rig.send(request);
  };

  SUBCASE("another name: 403, nothing forwarded")
  {
    for (const std::string& host :
         std::vector<std::string>{"evil.example:" + port, "127.0.0.1:1", "evil.example"}) {
      const auto response = with_host(host);
      REQUIRE(response);
      CHECK(response->status == 403);
      CHECK(response->body
            == net::error_reply(Route::anthropic, 403,
                                "requests to the relay must name it as Host: 127.0.0.1:" + port
                                  + " or localhost:" + port
                                  + " (other names are refused to stop DNS rebinding)")
                 .body);
    }
    CHECK(gateway.requests().empty());
  }

  SUBCASE("loopback names with this port are fine")
  {
    for (const std::string& host : {"localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port}) {
      const auto response = with_host(host);
      REQUIRE(response);
      CHECK(response->status == 200);
    }
  }
}

TEST_CASE("net::Relay answers the warm-up on a route base without a key")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  for (const std::string method : {"HEAD", "GET"}) {
    for (const char* base : {"/anthropic", "/gemini", "/openai/v1"}) {
      HttpRequest request;
      request.method = method;
      request.url = rig.url(base);
      const auto response = rig.send(request);
      REQUIRE(response);
      CHECK(response->status == 200);
      CHECK(response->body.empty());
    }
  }
  CHECK(gateway.requests().empty());

  HttpRequest deeper;
  deeper.method = "HEAD";
  deeper.url = rig.url("/anthropic/v1/models");
  const auto response = rig.send(deeper);
  REQUIRE(response);
  CHECK(response->status == 401);
}

TEST_CASE("net::Relay request bodies")
{
  FakeHttpServer gateway;
  net::RelayOptions options = options_for(gateway.url(), gateway.url());
  options.body_limit = 1024;
  options.tables.logs = "main.default.cc_otel_logs";
  RelayRig rig(options);

  SUBCASE("over the limit: 413 in the route's shape")
  {
    for (const auto& [path, route] :
         {std::pair{"/anthropic/v1/messages", Route::anthropic},
          std::pair{"/gemini/v1beta/models/m:generateContent", Route::gemini}}) {
      const auto response = rig.send(with_key(post(rig.url(path), std::string(2048, 'x'))));
      REQUIRE(response);
      CHECK(response->status == 413);
      CHECK(response->body
            == net::error_reply(route, 413,
                                "the request body is larger than the relay's limit of 1024 "
                                "bytes (relay --body-limit)")
                 .body);
    }
    CHECK(gateway.requests().empty());
  }

  SUBCASE("a gzip body arrives decoded, so it goes on without its Content-Encoding")
  {
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages"), k_gzip_body));
    request.headers.add("Content-Encoding", "gzip");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    const auto seen = gateway.requests().at(0);
    CHECK(seen.body == R"({"id":"msg_1","type":"message","content":[]})");
    CHECK(seen.header_text().find("Content-Encoding") == std::string::npos);
    CHECK(seen.header_text().find("Content-Length: 44\n") != std::string::npos);
  }

  SUBCASE("a chunked body (Claude Code's OTel exports) goes on whole, with a length")
  {
    httplib::Client agent("127.0.0.1", rig.port());
    const httplib::Headers headers{{"Authorization", std::string("Bearer ") + k_key}};
    const auto result = agent.Post(
      "/api/2.0/otel/v1/logs", headers,
      [](std::size_t, httplib::DataSink& sink) {
        sink.write("part1-", 6);
        sink.write("part2", 5);
        sink.done();
        return true;
      },
      "application/x-protobuf");
    REQUIRE(result);
    CHECK(result->status == 200);

    const auto seen = gateway.requests().at(0);
    CHECK(seen.body == "part1-part2");
    CHECK(seen.header_text().find("Transfer-Encoding") == std::string::npos);
    CHECK(seen.header_text().find("Content-Length: 11\n") != std::string::npos);
    CHECK(seen.header_text().find("X-Databricks-UC-Table-Name: main.default.cc_otel_logs\n")
          != std::string::npos);
  }
}

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

TEST_CASE("net::Relay passes encoded replies through byte for byte")
{
  HttpRequest request = with_key(post(""));
  request.headers.add("Accept-Encoding", "gzip, deflate, br, zstd");

  SUBCASE("with a length")
  {
    RawServer gateway("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: "
                      "gzip\r\nContent-Length: 60\r\n\r\n"
                        + k_gzip_body,
                      RawServer::Hang::no);
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    request.url = rig.url("/anthropic/v1/messages");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == k_gzip_body);
    CHECK(count_headers(response->headers, "Content-Encoding") == 1);
    CHECK(response->headers.get("Content-Encoding") == "gzip");
    CHECK(response->headers.get("Content-Length") == "60");
    CHECK(response->headers.get("Content-Type") == "application/json");
  }

  SUBCASE("chunked")
  {
    RawServer gateway("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: "
                      "gzip\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n"
                        + k_gzip_body.substr(0, 20) + "\r\n28\r\n" + k_gzip_body.substr(20)
                        + "\r\n0\r\n\r\n",
                      RawServer::Hang::no);
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    request.url = rig.url("/anthropic/v1/messages");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->body == k_gzip_body);
    CHECK(count_headers(response->headers, "Content-Encoding") == 1);
    CHECK(response->headers.get("Transfer-Encoding") == "chunked");
  }
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
  gateway.set_reply([&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
      "text/event-stream",
      [](std::size_t, httplib::DataSink& sink) {
        for (int i = 0; i < 50; ++i) {
          const std::string event = "event: ping\ndata: {}\n\n";
          if (!sink.write(event.data(), event.size())) {
            return false;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        sink.done();
        return true;
      },
      [&](bool success) {
        const std::lock_guard lock(mutex);
        outcome = success ? "sent all" : "stopped";
        changed.notify_all();
      });
  });
  RelayRig rig(options_for(gateway.url(), gateway.url()));

  const auto response = rig.client().stream(
    with_key(post(rig.url("/anthropic/v1/messages"))),
    [](int, const net::Headers&) { return true; }, [](std::string_view) { return false; });
  REQUIRE_FALSE(response);

  std::unique_lock lock(mutex);
  changed.wait_for(lock, std::chrono::seconds(10), [&] { return !outcome.empty(); });
  CHECK(outcome == "stopped");
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
            {"Content-Type", "application/x-protobuf"}});
  }
}

TEST_CASE("net::parse_listen")
{
  CHECK(net::to_string(net::parse_listen("127.0.0.1:8765").value()) == "127.0.0.1:8765");
  CHECK(net::to_string(net::parse_listen("localhost:0").value()) == "127.0.0.1:0");
  CHECK(net::to_string(net::parse_listen("[::1]:9000").value()) == "[::1]:9000");
  CHECK(net::parse_listen("127.0.0.2:80").value().host == "127.0.0.2");

  const auto outside = net::parse_listen("0.0.0.0:8765");
  REQUIRE_FALSE(outside);
  CHECK(outside.error().kind == aigw::util::ErrorKind::usage);
  CHECK(outside.error().message
        == "--listen \"0.0.0.0:8765\": the relay listens on loopback only (127.0.0.1, [::1] or "
           "localhost), since it holds your credential");
  CHECK(net::parse_listen("8765").error().message
        == "--listen \"8765\": expected HOST:PORT, e.g. 127.0.0.1:8765");
  CHECK(net::parse_listen("127.0.0.1:70000").error().message
        == "--listen \"127.0.0.1:70000\": the port must be a number from 0 to 65535");
}

TEST_CASE("net::relay file")
{
  aigw::test::TempDir dir;
  net::RelayFile relay;
  relay.listen = "127.0.0.1:8765";
  relay.routes.gateway = "https://gw.example.com";
  relay.routes.workspace = "https://adb-1.azuredatabricks.net";
  relay.routes.cursor_url = "https://gw.example.com/cursor/v1";
  relay.tables.metrics = "main.default.cc_otel_metrics";
  const std::string text = net::relay_file_text(relay);
  CHECK(text
        == "{\n"
           "  \"listen\": \"127.0.0.1:8765\",\n"
           "  \"gateway\": \"https://gw.example.com\",\n"
           "  \"workspace\": \"https://adb-1.azuredatabricks.net\",\n"
           "  \"routes\": {\n"
           "    \"cursor\": \"https://gw.example.com/cursor/v1\"\n"
           "  },\n"
           "  \"tables\": {\n"
           "    \"metrics\": \"main.default.cc_otel_metrics\"\n"
           "  }\n"
           "}\n");

  aigw::test::write_bytes(dir / "relay.json", text);
  const auto loaded = net::load_relay_file(dir / "relay.json");
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK(net::relay_file_text(**loaded) == text);

  CHECK_FALSE(net::load_relay_file(dir / "absent.json").value().has_value());

  aigw::test::write_bytes(dir / "typo.json", R"({"gatway": "https://gw.example.com"})");
  const auto typo = net::load_relay_file(dir / "typo.json");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().kind == aigw::util::ErrorKind::parse);
  CHECK(typo.error().message == (dir / "typo.json").string() + ": unknown key \"gatway\"");
}

TEST_CASE("net::load_or_create_relay_key")
{
  aigw::test::TempDir dir;
  const aigw::config::SafeWriter writer(dir / "backups");
  const auto file = dir / "tool" / "relay.key";

  const auto made = net::load_or_create_relay_key(file, writer);
  REQUIRE(made);
  CHECK(made->reveal().size() == 64);
  CHECK(made->reveal().find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(aigw::test::read_bytes(file) == made->reveal() + "\n");
  struct stat info
  {
  };
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  const auto again = net::load_or_create_relay_key(file, writer);
  REQUIRE(again);
  CHECK(again->reveal() == made->reveal());

  CHECK(net::same_key(made->reveal(), *made));
  CHECK_FALSE(net::same_key(made->reveal().substr(1), *made));
  CHECK_FALSE(net::same_key("", *made));
}

TEST_CASE("net::relay command")
{
  aigw::test::TempDir dir;
  const std::string home = (dir / "home").string();
  const std::string tool_dir = home + "/.config/aigw-setup";

  SUBCASE("--listen off loopback is a usage error")
  {
    const auto result = aigw::test::run_cli(
      {"--home", home, "relay", "--offline", "--listen", "0.0.0.0:8765"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err
          == "aigw-setup: error: --listen \"0.0.0.0:8765\": the relay listens on loopback only "
             "(127.0.0.1, [::1] or localhost), since it holds your credential\n");
  }

  SUBCASE("forward mode needs to know where the gateway is")
  {
    const auto result = aigw::test::run_cli({"--home", home, "relay"});
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: the relay needs to know where the gateway is: give --gateway "
             "URL or --workspace URL, write them to "
               + tool_dir + "/relay.json, or run it with --offline\n");
    CHECK_FALSE(std::filesystem::exists(tool_dir + "/relay.key"));
  }

  SUBCASE("flush with an empty spool delivers nothing")
  {
    const auto result = aigw::test::run_cli(
      {"--home", home, "relay", "flush", "--workspace", "https://adb-1.example.com"});
    CHECK(result.err.empty());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "delivered 0 OTel exports from " + tool_dir + "/spool; 0 left\n");
  }

  SUBCASE("flush delivers the spool to the workspace with the stored token")
  {
    FakeHttpServer workspace;
    aigw::test::write_bytes(tool_dir + "/credentials.json",
                            aigw::core::credential_file_text(
                              {"pat", aigw::util::Secret("dapi-stored-token-1"), std::nullopt}));
    net::SpoolRecord record{"/api/2.0/otel/v1/logs", {}, "otlp"};
    record.headers.add("Content-Type", "application/x-protobuf");
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)->append(record));

    const auto result =
      aigw::test::run_cli({"--home", home, "relay", "flush", "--workspace", workspace.url()});
    CHECK(result.err.empty());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "delivered 1 OTel exports from " + tool_dir + "/spool; 0 left\n");
    REQUIRE(workspace.requests().size() == 1);
    CHECK(workspace.requests()[0].target == "/api/2.0/otel/v1/logs");
    CHECK(workspace.requests()[0].body == "otlp");
    CHECK(workspace.requests()[0].header_text().find("Authorization: Bearer dapi-stored-token-1\n")
          != std::string::npos);

    workspace.set_reply([](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)->append(record));
    const auto failed =
      aigw::test::run_cli({"--home", home, "relay", "flush", "--workspace", workspace.url()});
    CHECK(failed.exit_code == 4);
    CHECK(failed.out == "delivered 0 OTel exports from " + tool_dir + "/spool; 1 left\n");
    CHECK(failed.err
          == "aigw-setup: error: " + workspace.url()
               + "/api/2.0/otel/v1/logs answered 503 to spooled export "
                 "00000000000000000001.otlp; it stays in the spool for the next flush\n");
  }

  SUBCASE("flush needs the workspace")
  {
    const auto result = aigw::test::run_cli({"--home", home, "relay", "flush"});
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: relay flush delivers to the workspace: give --workspace URL "
             "(or write it to "
               + tool_dir + "/relay.json)\n");
  }
}
