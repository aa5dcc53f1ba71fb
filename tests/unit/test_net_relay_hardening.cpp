// SPDX-License-Identifier: MIT
// The relay against clients that do not play fair (issue #3), on loopback: slow request
// heads and the connection limit, many agents connecting at once, an upstream that stalls
// after its head while the agent hangs up or the relay stops, request heads that could be
// framed two ways, bodies with no length, proxy-style requests and headers that cannot go
// on as they are. Raw sockets send what curl would not.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/relay_server.hpp"
#include "net/wire.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::listen_backlog;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::ping_stream;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::raw_head;
using aigw::test::relay_harness::RawClient;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using net::Route;
using namespace std::chrono_literals;

namespace {

const std::string k_messages_path = "/anthropic/v1/messages";
const std::string k_messages_body =
  R"({"model":"databricks-claude-opus-4-6","max_tokens":64,)"
  R"("messages":[{"role":"user","content":"say hi"}]})";

net::RelayOptions
offline_options()
{
  net::RelayOptions options;
  options.mode = net::RelayMode::offline;
  options.key = aigw::util::Secret(k_key);
  return options;
}

// What the offline relay answers to a Messages request with k_messages_body.
std::string
offline_messages_reply()
{
  net::InboundRequest inbound{"POST", k_messages_path, "", {}, k_messages_body};
  inbound.headers.add("Content-Type", "application/json");
  const auto routed = net::route_of(k_messages_path);
  REQUIRE(routed);
  return net::offline_reply(Route::anthropic, *routed, inbound).body;
}

// The bytes of `reply` as the relay writes it before closing the connection.
std::string
closing_reply(const std::string& status_line, const net::LocalReply& reply)
{
  std::string text = "HTTP/1.1 " + status_line + "\r\nContent-Type: application/json\r\n";
  if (auto retry = reply.headers.get("Retry-After")) {
    text += "Retry-After: " + *retry + "\r\n";
  }
  return text + "Content-Length: " + std::to_string(reply.body.size())
         + "\r\nConnection: close\r\n\r\n" + reply.body;
}

// What the relay on `port` answers to the raw `request`, once it closed the connection.
std::string
raw_answer(int port, const std::string& request)
{
  RawClient client(port);
  REQUIRE(client.send(request));
  return client.read_until_closed().value_or("(still open)");
}

// Blocks SIGPIPE in this thread and in the threads started while it lives, so that a
// SIGPIPE raised in one of them stays pending there instead of being ignored.
class SigpipeBlocked
{
public:
  SigpipeBlocked()
  {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &m_old);
  }
  ~SigpipeBlocked() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

private:
  sigset_t m_old;
};

// Whether SIGPIPE is pending on a thread of this process (Linux: /proc/self/task).
bool
sigpipe_pending()
{
  const std::uint64_t bit = 1ULL << (SIGPIPE - 1);
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if ((line.starts_with("SigPnd:") || line.starts_with("ShdPnd:"))
          && (std::stoull(line.substr(7), nullptr, 16) & bit) != 0) {
        return true;
      }
    }
  }
  return false;
}

// A socket listening on 127.0.0.1 on an ephemeral port, and that port.
std::pair<int, int>
listen_loopback()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return {fd, ntohs(address.sin_port)};
}

// An upstream that answers one request with the head of an event stream, then sends
// nothing, and notes when the relay closes the connection.
class StallingUpstream
{
public:
  StallingUpstream()
  {
    std::tie(m_listen_fd, m_port) = listen_loopback();
    m_thread = std::thread([this] { serve(); });
  }
  ~StallingUpstream()
  {
    m_stop = true;
    m_thread.join();
    ::close(m_listen_fd);
  }
  StallingUpstream(const StallingUpstream&) = delete;
  StallingUpstream& operator=(const StallingUpstream&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

  // Whether the relay closed the connection, waiting at most `limit` for it.
  bool wait_closed(std::chrono::milliseconds limit)
  {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, limit, [this] { return m_closed; });
  }

private:
  // Wait until `fd` is readable; false when the test ends first.
  bool readable(int fd)
  {
    pollfd entry{fd, POLLIN, 0};
    while (!m_stop) {
      if (::poll(&entry, 1, 50) > 0) {
        return true;
      }
    }
    return false;
  }

  void serve()
  {
    if (!readable(m_listen_fd)) {
      return;
    }
    const int fd = ::accept(m_listen_fd, nullptr, nullptr);
    std::string request;
    std::array<char, 4096> buffer{};
    bool head_sent = false;
    while (readable(fd)) {
      const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (got <= 0) {
        const std::lock_guard lock(m_mutex);
        m_closed = true;
        m_changed.notify_all();
        break;
      }
      request.append(buffer.data(), static_cast<std::size_t>(got));
      if (!head_sent && request.find("\r\n\r\n") != std::string::npos) {
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n";
        head_sent = ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0;
      }
    }
    ::close(fd);
  }

  int m_listen_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::mutex m_mutex;
  std::condition_variable m_changed;
  bool m_closed = false;
  std::thread m_thread;
};

} // namespace

TEST_CASE("net::Relay closes a connection whose request head is not whole in time")
{
  net::RelayOptions options = offline_options();
  options.header_timeout = 300ms;
  RelayRig rig(options);
  RawClient slow(rig.port());
  REQUIRE(slow.send("POST /anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:"
                    + std::to_string(rig.port()) + "\r\n"));

  // A byte of a header every 50 ms: each read gets something, but the head never ends.
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    closed = !slow.send("X") || !slow.read_some(50ms);
  }
  CHECK(closed);
  CHECK(slow.received().empty());
}

TEST_CASE("net::Relay serves an agent while slow clients hold connections")
{
  net::RelayOptions options = offline_options();
  options.header_timeout = 60s; // the deadline is not what lets the agent in here
  RelayRig rig(options);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 40; ++i) {
    slow.push_back(std::make_unique<RawClient>(rig.port()));
    REQUIRE(slow.back()->send("POST /anthropic/v1/messages HTTP/1.1\r\n"));
  }
  // Each slow client sends a byte now and then, so no per-read timeout ends it.
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done) {
      for (auto& client : slow) {
        client->send("X");
      }
      std::this_thread::sleep_for(200ms);
    }
  });

  net::HttpRequest request = with_key(post(rig.url(k_messages_path), k_messages_body));
  request.total_timeout = 10s;
  const auto response = rig.send(request);
  done = true;
  trickle.join();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == offline_messages_reply());
}

TEST_CASE("net::Relay answers a connection over its limit at once, in its route's shape")
{
  net::RelayOptions options = offline_options();
  options.max_connections = 2;
  options.header_timeout = 500ms;
  RelayRig rig(options);
  const std::string port = std::to_string(rig.port());

  // Two clients take both places: each gets a reply (so it is served), then starts a
  // request head it never finishes.
  std::vector<std::unique_ptr<RawClient>> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(std::make_unique<RawClient>(rig.port()));
    RawClient& holder = *holders.back();
    REQUIRE(holder.send("HEAD /anthropic HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n"));
    REQUIRE(holder.read_until("\r\n\r\n"));
    CHECK(holder.received().starts_with("HTTP/1.1 200 OK\r\n"));
    holder.forget_received();
    REQUIRE(holder.send("POST /anthropic/v1/messages HTTP/1.1\r\n"));
  }

  CHECK(raw_answer(rig.port(), raw_head("POST /gemini/v1beta/models/m:generateContent HTTP/1.1",
                                        rig.port(), "Content-Length: 2\r\n")
                                 + "{}")
        == closing_reply("503 Service Unavailable",
                         net::error_reply(Route::gemini, 503,
                                          "the relay serves 2 connections at once and has no "
                                          "room for this one: try again in a moment")));

  // The unfinished heads are cut off at the deadline, and their places serve again.
  for (auto& holder : holders) {
    CHECK(holder->read_until_closed() == std::string());
  }
  const auto response = rig.send(with_key(post(rig.url(k_messages_path), k_messages_body)));
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("net::Relay takes 64 agents connecting at once")
{
  RelayRig rig(offline_options());
  CHECK(listen_backlog(rig.port()) >= 64);

  const std::string expected = offline_messages_reply();
  constexpr int k_agents = 64;
  std::latch start(k_agents);
  std::atomic<int> served{0};
  std::vector<std::thread> agents;
  for (int i = 0; i < k_agents; ++i) {
    agents.emplace_back([&] {
      const auto client = net::make_curl_client();
      start.arrive_and_wait();
      const auto response = client->send(with_key(post(rig.url(k_messages_path), k_messages_body)));
      if (response && response->status == 200 && response->body == expected) {
        ++served;
      }
    });
  }
  for (auto& agent : agents) {
    agent.join();
  }
  CHECK(served == k_agents);
}

TEST_CASE("net::Relay ends the transfer from an upstream that stalls after its head")
{
  StallingUpstream upstream;
  net::RelayOptions options = options_for(upstream.url(), upstream.url());
  options.idle_timeout = 30s; // what held the transfer before
  RelayRig rig(options);
  RawClient agent(rig.port());
  REQUIRE(agent.send(raw_head("POST " + k_messages_path + " HTTP/1.1", rig.port(),
                              "Content-Length: 2\r\n")
                     + "{}"));
  REQUIRE(agent.read_until("\r\n\r\n"));
  CHECK(agent.received()
        == "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  agent.forget_received();

  SUBCASE("when the agent hangs up")
  {
    agent.close();
    CHECK(upstream.wait_closed(10s));
  }

  SUBCASE("when the relay stops")
  {
    auto stopped = std::async(std::launch::async, [&rig] { rig.stop(); });
    CHECK(stopped.wait_for(10s) == std::future_status::ready);
    CHECK(upstream.wait_closed(10s));
    CHECK(agent.read_until_closed() == std::string());
  }
}

TEST_CASE("net::Relay refuses a request head that could be read two ways")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const auto answer = [&](const std::string& request_line, const std::string& extra,
                          const std::string& body) {
    return raw_answer(rig.port(), raw_head(request_line, rig.port(), extra) + body);
  };
  const auto bad_request = [](Route route, const std::string& message) {
    return closing_reply("400 Bad Request", net::error_reply(route, 400, message));
  };
  const std::string messages = "POST " + k_messages_path + " HTTP/1.1";

  CHECK(answer(messages, "Host: evil.example\r\nContent-Length: 2\r\n", "{}")
        == bad_request(Route::anthropic, "the request has more than one Host header"));
  CHECK(answer(messages, "Content-Length: 2\r\nContent-Length: 40\r\n", "{}")
        == bad_request(Route::anthropic, "the request has more than one Content-Length header"));
  CHECK(answer(messages, "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")
        == bad_request(Route::anthropic, "the request has both Content-Length and "
                                         "Transfer-Encoding; send one of them"));
  CHECK(answer(messages, "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")
        == bad_request(Route::anthropic, "the relay reads request bodies sent with "
                                         "Content-Length or \"Transfer-Encoding: chunked\" only"));
  CHECK(answer(messages, "Content-Length: +2\r\n", "{}")
        == bad_request(Route::anthropic,
                       "the request's Content-Length is not a plain decimal number"));

  // A GET body is never read: the bytes would be taken for the next request.
  const std::string smuggled = "GET /anthropic/v1/models HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(answer("GET /anthropic/v1/models HTTP/1.1",
               "Content-Length: " + std::to_string(smuggled.size()) + "\r\n", smuggled)
        == bad_request(Route::anthropic, "a GET request cannot carry a body through the relay"));
  CHECK(gateway.requests().empty());
}

TEST_CASE("net::Relay refuses a body over its limit before inviting it with 100 Continue")
{
  FakeHttpServer gateway;
  net::RelayOptions options = options_for(gateway.url(), gateway.url());
  options.body_limit = 1024;
  RelayRig rig(options);

  // Only the head is sent: a 100 Continue would leave the client uploading 2000 bytes.
  CHECK(raw_answer(rig.port(), raw_head("POST " + k_messages_path + " HTTP/1.1", rig.port(),
                                        "Expect: 100-continue\r\nContent-Length: 2000\r\n"))
        == closing_reply("413 Payload Too Large",
                         net::error_reply(Route::anthropic, 413,
                                          "the request body is larger than the relay's limit "
                                          "of 1024 bytes (relay --body-limit)")));
  CHECK(gateway.requests().empty());
}

TEST_CASE("net::Relay takes a request with no length and no chunks as one with no body")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));

  SUBCASE("a POST goes on at once, empty")
  {
    CHECK(raw_answer(rig.port(), raw_head("POST " + k_messages_path + " HTTP/1.1", rig.port()))
          == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
             "Connection: close\r\n\r\n{\"ok\":true}");
    REQUIRE(gateway.requests().size() == 1);
    CHECK(gateway.requests()[0].body.empty());
  }

  SUBCASE("a PUT is answered at once")
  {
    CHECK(raw_answer(rig.port(), raw_head("PUT /api/2.0/otel/v1/logs HTTP/1.1", rig.port()))
          == closing_reply("405 Method Not Allowed",
                           net::error_reply(Route::otel, 405, "OTel exports are sent with POST")));
    CHECK(gateway.requests().empty());
  }
}

TEST_CASE("net::Relay is not a proxy")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));

  SUBCASE("a full URL as the request target")
  {
    CHECK(raw_answer(rig.port(),
                     raw_head("GET http://evil.example/anthropic/v1/models HTTP/1.1", rig.port()))
          == closing_reply("400 Bad Request",
                           net::error_reply(Route::otel, 400,
                                            "the relay is not a proxy: the request target must "
                                            "be a path beginning with / (as in POST "
                                            "/anthropic/v1/messages), not a full URL")));
  }

  SUBCASE("CONNECT")
  {
    CHECK(raw_answer(rig.port(),
                     "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n")
          == closing_reply("405 Method Not Allowed",
                           net::error_reply(Route::otel, 405,
                                            "the relay is not a proxy: it serves GET, HEAD, "
                                            "POST, PUT, PATCH, DELETE and OPTIONS, not CONNECT")));
  }
  CHECK(gateway.requests().empty());
}

TEST_CASE("net::Relay refuses headers it cannot pass on")
{
  FakeHttpServer gateway;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  const auto answer = [&](const std::string& extra) {
    return raw_answer(rig.port(), raw_head("POST " + k_messages_path + " HTTP/1.1", rig.port(),
                                           extra + "Content-Length: 2\r\n")
                                    + "{}");
  };
  const std::string injected =
    closing_reply("400 Bad Request",
                  net::error_reply(Route::anthropic, 400,
                                   "the request header \"X-Inject\" holds a line break or "
                                   "control character"));

  SUBCASE("a line break that would start another header upstream")
  {
    CHECK(answer("X-Inject: a\rInjected: 1\r\n") == injected);
    CHECK(answer("X-Inject: a\x01b\r\n") == injected);
    // "%0d%0a" is six plain characters: the relay forwards values as sent, not decoded as
    // cpp-httplib has them (test_net_relay_break.cpp checks what the upstream gets).
  }

  SUBCASE("a head over the size limit")
  {
    std::string filler;
    for (int i = 0; i < 100; ++i) {
      filler += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
    }
    CHECK(answer(filler)
          == closing_reply("431 Request Header Fields Too Large",
                           net::error_reply(Route::anthropic, 431,
                                            "the request line and headers are larger than the "
                                            "relay's limit of 65536 bytes")));
  }
  CHECK(gateway.requests().empty());
}

TEST_CASE("net::Relay writes to an agent that hung up without raising SIGPIPE")
{
  // The gateway's threads start before SIGPIPE is blocked: its own writes do not count.
  FakeHttpServer gateway;
  std::atomic<bool> upstream_stopped{false};
  gateway.set_reply(ping_stream(2000, 5ms, [&](bool) { upstream_stopped = true; }));

  // The relay's threads start with SIGPIPE blocked: the uncaught SIGPIPE that ends the
  // `aigw-setup relay` process would stay pending on one of them.
  const SigpipeBlocked blocked;
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  RawClient agent(rig.port());
  REQUIRE(agent.send(raw_head("POST " + k_messages_path + " HTTP/1.1", rig.port(),
                              "Content-Length: 2\r\n")
                     + "{}"));
  REQUIRE(agent.read_until("event: ping"));
  agent.close();

  // The relay keeps writing events until a write fails, then ends the upstream transfer.
  for (int i = 0; i < 200 && !upstream_stopped; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(upstream_stopped);
  CHECK_FALSE(sigpipe_pending());
}
