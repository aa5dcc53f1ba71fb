// SPDX-License-Identifier: MIT
// The relay's per-request checks at their edges: Host forms near the loopback ones, the
// Connection header's token lists (empty tokens, blanks, case) both ways, and relay keys
// that are almost the right one. Each case asserts the status and what reached the gateway.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/relay_server.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::RawServer;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using net::HttpRequest;

namespace {

// The status the relay answers a request with `name: value` added, or -1 without a reply.
int
status_with(RelayRig& rig, HttpRequest request, const std::string& name, const std::string& value)
{
  request.headers.add(name, value);
  const auto response = rig.send(request);
  return response ? response->status : -1;
}

} // namespace

TEST_CASE("net::Relay Host forms near the loopback ones")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const std::string port = std::to_string(rig.port());
  const HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));

  SUBCASE("refused: 403, nothing forwarded")
  {
    for (const std::string& host : std::vector<std::string>{
           ".127.0.0.1:" + port, "127.0.0.1..:" + port, "127.0.0:" + port,
           "127.0.0.1.1:" + port, "127.0.0.1000:" + port, "127.0.0.99999999999999999999:" + port,
           "127.0.0.-1:" + port, "127.0.0.+1:" + port, "127.0. 0.1:" + port, "127.0.0.1a:" + port,
           "127.0.0.:" + port, "...:" + port, "127:" + port, "[::1]", "[::1]:",
           "[0:0:0:0:0:0:0:1]:" + port, "[::1]:+" + port, "localhost:" + port + "0"}) {
      CAPTURE(host);
      CHECK(status_with(rig, request, "Host", host) == 403);
    }
    CHECK(gateway.requests().empty());
  }

  SUBCASE("taken: every byte value in range, upper-case names")
  {
    for (const std::string& host : std::vector<std::string>{
           "127.0.0.0:" + port, "127.255.255.255:" + port, "127.10.200.0:" + port,
           "LocalHost:" + port}) {
      CAPTURE(host);
      CHECK(status_with(rig, request, "Host", host) == 200);
    }
    CHECK(gateway.requests().size() == 4);
  }
}

TEST_CASE("net::Relay reads Connection token lists with empty tokens, blanks and any case")
{
  SUBCASE("from the agent: every named header stays at the relay")
  {
    FakeHttpServer gateway;
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    HttpRequest request = with_key(post(rig.url("/anthropic/v1/messages")));
    request.headers.add("Connection", ",, ,X-Hop-A ,  x-HOP-b,,,\t,keep-alive,");
    request.headers.add("X-Hop-A", "1");
    request.headers.add("X-Hop-B", "2");
    request.headers.add("X-Hop-C", "3");
    request.headers.add("X-Kept", "4");
    const auto response = rig.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    const std::string seen = gateway.requests().at(0).header_text();
    CHECK(seen.find("X-Hop-A") == std::string::npos);
    CHECK(seen.find("X-Hop-B") == std::string::npos);
    CHECK(seen.find("Connection") == std::string::npos);
    CHECK(seen.find("X-Hop-C: 3\n") != std::string::npos); // a prefix of none of the names
    CHECK(seen.find("X-Kept: 4\n") != std::string::npos);
  }

  SUBCASE("from the gateway: every named header stays at the relay")
  {
    RawServer gateway("HTTP/1.1 200 OK\r\nConnection: , x-up-hop ,,X-UP-OTHER\t,\r\n"
                      "X-Up-Hop: 1\r\nX-Up-Other: 2\r\nX-Up-Kept: 3\r\nContent-Length: 2\r\n"
                      "\r\n{}",
                      RawServer::Hang::no);
    RelayRig rig(options_for(gateway.url(), gateway.url()));
    const auto response = rig.send(with_key(post(rig.url("/anthropic/v1/messages"))));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "{}");
    CHECK_FALSE(response->headers.get("X-Up-Hop"));
    CHECK_FALSE(response->headers.get("X-Up-Other"));
    CHECK(response->headers.get("X-Up-Kept") == "3");
  }
}

TEST_CASE("net::Relay takes the relay key only as it is")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const HttpRequest request = post(rig.url("/anthropic/v1/messages"));
  const std::string key = k_key;
  std::string same_length = key;
  same_length.back() = same_length.back() == 'f' ? 'e' : 'f';

  SUBCASE("almost the key: 401, nothing forwarded")
  {
    for (const std::string& presented :
         {std::string(), same_length, key.substr(0, key.size() - 1), key + "0",
          key.substr(1), std::string(4000, 'k'), key + key}) {
      CAPTURE(presented.size());
      CHECK(status_with(rig, request, "x-api-key", presented) == 401);
      CHECK(status_with(rig, request, "Authorization", "Bearer " + presented) == 401);
    }
    CHECK(status_with(rig, request, "Authorization", "Bearer") == 401);
    CHECK(gateway.requests().empty());
  }

  SUBCASE("the key with blanks around it, or the scheme in another case: taken")
  {
    CHECK(status_with(rig, request, "x-api-key", key + " \t") == 200);
    CHECK(status_with(rig, request, "x-goog-api-key", "  " + key) == 200);
    CHECK(status_with(rig, request, "Authorization", "bearer   " + key + " ") == 200);
    CHECK(gateway.requests().size() == 3);
  }
}
