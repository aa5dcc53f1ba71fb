// SPDX-License-Identifier: MIT
// The relay forwarding on loopback: a fake gateway (cpp-httplib or raw bytes) on an
// ephemeral port, a Relay on another, and the curl client as the agent. Each route reaches
// its upstream with the headers rewritten, only the relay key gets in, and bodies pass both
// ways byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "net/relay_server.hpp"
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
using aigw::test::relay_harness::our_user_agent;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using net::HttpRequest;
using net::Route;

namespace {

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
      auto request = with_key(post(rig.url(path)));
      if (path.starts_with("/api/2.0/otel/")) {
        request.headers.set("X-Databricks-UC-Table-Name", "main.default.cc_otel_metrics");
      }
      const auto response = rig.send(request);
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

  SUBCASE("a second Connection header names hop-by-hop headers too")
  {
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));
    request.headers.add("Connection", "keep-alive");
    request.headers.add("Connection", "X-Second-Hop");
    request.headers.add("X-Second-Hop", "1");
    REQUIRE(rig.send(request));
    const std::string seen = gateway.requests().at(0).header_text();
    CHECK(seen.find("X-Second-Hop") == std::string::npos);
    CHECK(seen.find("Connection") == std::string::npos);
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
  net::RelayOptions options = options_for(gateway.url(), gateway.url());
  options.key_file = "/home/ada/.config/aigw-setup/relay.key";
  RelayRig rig(options);
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
                              "the relay key is missing: send the key in "
                              "/home/ada/.config/aigw-setup/relay.key as \"Authorization: "
                              "Bearer <key>\", \"x-api-key\" or \"x-goog-api-key\"; "
                              "`aigw-setup configure --auth relay` writes it into each agent's "
                              "settings")
               .body);
    CHECK(gateway.requests().empty());
  }

  SUBCASE("a wrong key, or a right one beside a wrong one: 401")
  {
    const std::string wrong_body =
      net::error_reply(Route::gemini, 401,
                       "the relay key is wrong: send the key in "
                       "/home/ada/.config/aigw-setup/relay.key; `aigw-setup configure --auth "
                       "relay` writes it into each agent's settings")
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

  SUBCASE("the request line says whether the body was read")
  {
    const auto level = aigw::util::log::level();
    aigw::util::log::set_level(aigw::util::log::Level::info);
    aigw::test::StderrCapture log;
    const auto refused = rig.send(post(rig.url(path), R"({"model":"m","max_tokens":1})"));
    const auto served = rig.send(with_key(post(rig.url(path), R"({"model":"m"})")));
    rig.stop();
    aigw::util::log::set_level(level);

    REQUIRE(refused);
    REQUIRE(served);
    CHECK(refused->status == 401);
    CHECK(served->status == 200);
    const std::string text = log.text();
    CHECK(text.find("POST /anthropic/v1/messages anthropic -> 401 (") != std::string::npos);
    CHECK(text.find(" ms, body not read, " + std::to_string(refused->body.size()) + " B out)")
          != std::string::npos);
    CHECK(text.find("POST /anthropic/v1/messages anthropic -> 200 (") != std::string::npos);
    CHECK(text.find(" ms, 13 B in, ") != std::string::npos);
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

  SUBCASE("another name, or a loopback one in another form: 403, nothing forwarded")
  {
    // DNS rebinding names, forms some parsers read as loopback, and ports written oddly.
    for (const std::string& host : std::vector<std::string>{
           "evil.example:" + port, "127.0.0.1:1", "evil.example", "127.0.0.1.nip.io:" + port,
           "localhost.:" + port, "0x7f.1:" + port, "127.1:" + port, "2130706433:" + port,
           "127.0.0.01:" + port, "0177.0.0.1:" + port, "127.0.0.1:0" + port, "127.0.0.1:",
           "[::ffff:127.0.0.1]:" + port, "127.0.0.256:" + port, "127..0.1:" + port,
           "127.0.0.1.:" + port, "128.0.0.1:" + port}) {
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
    for (const std::string& host :
         {"localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port, "127.9.8.7:" + port,
          "127.255.0.0:" + port}) {
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

TEST_CASE("net::Relay passes header values and their order as the agent sent them")
{
  RawServer gateway("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2"
                    "\r\n\r\n{}",
                    RawServer::Hang::no);
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));
  request.headers.add("Zeta", "1");
  request.headers.add("X-Title", "a%20b%2Fc");
  request.headers.add("Alpha", "2");
  REQUIRE(rig.send(request));

  const auto seen = gateway.requests();
  REQUIRE(seen.size() == 1);
  const std::string& head = seen.at(0);
  const auto zeta = head.find("\r\nZeta: 1\r\n");
  const auto title = head.find("\r\nX-Title: a%20b%2Fc\r\n");
  const auto alpha = head.find("\r\nAlpha: 2\r\n");
  REQUIRE(zeta != std::string::npos);
  REQUIRE(title != std::string::npos);
  REQUIRE(alpha != std::string::npos);
  CHECK(zeta < title);
  CHECK(title < alpha);
}
