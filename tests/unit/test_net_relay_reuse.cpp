// SPDX-License-Identifier: MIT
// The relay's loops reuse libcurl handles from one upstream transfer to the next. An agent
// sends requests of every kind on one kept-alive connection, then agents break transfers
// off in every way on fresh connections, and each later request must reach the gateway
// with exactly its own method, headers and body and get its own whole reply. A relay
// stopped with transfers in every state must end them all and go away cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/relay_server.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"
#include "support/upstream_loop_run.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::SeenRequest;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::RelayRig;
using aigw::test::upstream_loop::pattern;
using namespace std::chrono_literals;

namespace {

const std::string k_big = pattern(16U << 20); // more than every socket buffer on the way holds

// A gateway with a path for each kind of reply: a large body, a short event stream, a
// stream it breaks off, a reply that comes too late, and otherwise "METHOD target [body]".
void
serve_every_kind(FakeHttpServer& gateway)
{
  gateway.set_reply([](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/anthropic/v1/big") {
      res.set_content(k_big, "application/octet-stream");
    } else if (req.path == "/anthropic/v1/events" || req.path == "/anthropic/v1/cut") {
      const bool cut = req.path == "/anthropic/v1/cut";
      res.set_chunked_content_provider("text/event-stream", [cut](std::size_t,
                                                                  httplib::DataSink& sink) {
        for (int i = 0; i < 3; ++i) {
          const std::string event = "data: " + std::to_string(i) + "\n\n";
          sink.write(event.data(), event.size());
          std::this_thread::sleep_for(20ms);
        }
        if (!cut) {
          sink.done();
        }
        return !cut; // false: the connection is dropped without the last chunk
      });
    } else {
      if (req.path == "/anthropic/v1/slow") {
        std::this_thread::sleep_for(1s);
      }
      res.set_content(req.method + " " + req.target + " [" + req.body + "]", "text/plain");
    }
  });
}

// An agent on one kept-alive connection to the relay, sending the relay key and fixed
// Accept and User-Agent headers (so the gateway's view of them is known).
class Agent
{
public:
  explicit Agent(int port) : m_client("127.0.0.1", port)
  {
    m_client.set_keep_alive(true);
    m_client.set_read_timeout(20, 0);
  }

  httplib::Headers headers(const std::string& extra_name = "", const std::string& value = "")
  {
    httplib::Headers headers{{"Authorization", std::string("Bearer ") + k_key},
                             {"Accept", "application/json"},
                             {"User-Agent", "agent/1"}};
    if (!extra_name.empty()) {
      headers.emplace(extra_name, value);
    }
    return headers;
  }

  // GET `path`, read by `take` (false stops reading); the status, or -1 when the reply did
  // not come whole.
  int stream(const std::string& path, const std::function<bool(std::string_view)>& take)
  {
    const auto result = m_client.Get(path.c_str(), headers(), [&](const char* data,
                                                                  std::size_t size) {
      return take(std::string_view(data, size));
    });
    return result ? result->status : -1;
  }

  httplib::Client& client() { return m_client; }

private:
  httplib::Client m_client;
};

// What the gateway sees of a request from Agent: its headers, and `extra` lines.
std::string
seen_headers(int gateway_port, const std::string& extra)
{
  return "Accept: application/json\nAuthorization: Bearer dapi-real-token-0123456789\n" + extra
         + "Host: 127.0.0.1:" + std::to_string(gateway_port)
         + "\nUser-Agent: agent/1\nx-databricks-use-coding-agent-mode: true\n";
}

std::vector<std::string>
methods_targets_bodies(const std::vector<SeenRequest>& seen)
{
  std::vector<std::string> lines;
  for (const auto& request : seen) {
    lines.push_back(request.method + " " + request.target + " ["
                    + (request.body.size() > 64 ? "large" : request.body) + "]");
  }
  return lines;
}

// Read `path` slowly at first, so the relay's queue fills and its transfer pauses.
int
read_slowly(Agent& agent, const std::string& path, std::string& body, bool hang_up)
{
  return agent.stream(path, [&body, hang_up](std::string_view piece) {
    if (body.empty()) {
      std::this_thread::sleep_for(500ms);
    }
    body += piece;
    return !hang_up;
  });
}

} // namespace

TEST_CASE("net::Relay sends each request of a kept-alive agent as its own")
{
  FakeHttpServer gateway;
  serve_every_kind(gateway);
  net::RelayOptions options = options_for(gateway.url(), gateway.url());
  options.idle_timeout = 300ms;
  RelayRig rig(options);
  Agent agent(rig.port());
  auto& client = agent.client();

  const auto first = client.Post("/anthropic/v1/messages", agent.headers("X-First", "1"),
                                 "first", "application/json");
  REQUIRE(first);
  CHECK(first->body == "POST /anthropic/v1/messages [first]");
  const auto got = client.Get("/anthropic/v1/models", agent.headers("X-Second", "1"));
  REQUIRE(got);
  CHECK(got->body == "GET /anthropic/v1/models []");
  const auto head = client.Head("/anthropic/v1/models", agent.headers());
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  const auto chunked = client.Post(
    "/anthropic/v1/chunked", agent.headers(),
    [](std::size_t, httplib::DataSink& sink) {
      sink.write("part1-", 6);
      sink.write("part2", 5);
      sink.done();
      return true;
    },
    "application/json");
  REQUIRE(chunked);
  CHECK(chunked->body == "POST /anthropic/v1/chunked [part1-part2]");
  std::string events;
  CHECK(agent.stream("/anthropic/v1/events", [&events](std::string_view piece) {
    events += piece;
    return true;
  }) == 200);
  CHECK(events == "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  const auto late = client.Get("/anthropic/v1/slow", agent.headers());
  REQUIRE(late);
  CHECK(late->status == 504);
  std::string big;
  CHECK(read_slowly(agent, "/anthropic/v1/big", big, false) == 200);
  CHECK(big.size() == k_big.size());
  CHECK(big == k_big);
  const auto last = client.Post("/anthropic/v1/messages?last=1", agent.headers("X-Last", "1"),
                                "last", "text/plain");
  REQUIRE(last);
  CHECK(last->body == "POST /anthropic/v1/messages?last=1 [last]");

  const auto seen = gateway.requests();
  CHECK(methods_targets_bodies(seen)
        == std::vector<std::string>{
          "POST /anthropic/v1/messages [first]", "GET /anthropic/v1/models []",
          "HEAD /anthropic/v1/models []", "POST /anthropic/v1/chunked [part1-part2]",
          "GET /anthropic/v1/events []", "GET /anthropic/v1/slow []", "GET /anthropic/v1/big []",
          "POST /anthropic/v1/messages?last=1 [last]"});
  REQUIRE(seen.size() == 8);
  const int port = gateway.port();
  CHECK(seen[0].header_text()
        == seen_headers(port, "Content-Length: 5\nContent-Type: application/json\n")
             + "X-First: 1\n");
  CHECK(seen[1].header_text() == seen_headers(port, "") + "X-Second: 1\n");
  CHECK(seen[2].header_text() == seen_headers(port, ""));
  CHECK(seen[3].header_text()
        == seen_headers(port, "Content-Length: 11\nContent-Type: application/json\n"));
  CHECK(seen[7].header_text()
        == seen_headers(port, "Content-Length: 4\nContent-Type: text/plain\n") + "X-Last: 1\n");
}

TEST_CASE("net::Relay serves whole replies after transfers that broke off")
{
  FakeHttpServer gateway;
  serve_every_kind(gateway);
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  // Connections go to the relay's loops in turn: as many checks in a row as it has loops
  // reach every loop, each with handles the broken transfers gave back.
  const unsigned loops = std::clamp(std::thread::hardware_concurrency(), 1U, 16U);
  int check = 0;
  for (int round = 0; round < 2; ++round) {
    {
      Agent agent(rig.port());
      std::string events;
      CHECK(agent.stream("/anthropic/v1/events", [&events](std::string_view piece) {
        events += piece;
        return false; // the agent hangs up mid-stream
      }) == -1);
    }
    {
      Agent agent(rig.port());
      CHECK(agent.stream("/anthropic/v1/cut", [](std::string_view) { return true; }) == -1);
    }
    {
      Agent agent(rig.port());
      std::string big;
      CHECK(read_slowly(agent, "/anthropic/v1/big", big, true) == -1);
    }
    for (unsigned i = 0; i < loops; ++i, ++check) {
      Agent agent(rig.port());
      const std::string body = "check-" + std::to_string(check);
      const auto reply = agent.client().Post("/anthropic/v1/messages",
                                             agent.headers("X-Probe", body), body, "text/plain");
      REQUIRE(reply);
      CHECK(reply->status == 200);
      CHECK(reply->body == "POST /anthropic/v1/messages [" + body + "]");
    }
  }

  int checked = 0;
  for (const auto& request : gateway.requests()) {
    if (request.body.rfind("check-", 0) == 0) {
      ++checked;
      CHECK(request.header_text()
            == seen_headers(gateway.port(), "Content-Length: " + std::to_string(request.body.size())
                                              + "\nContent-Type: text/plain\n")
                 + "X-Probe: " + request.body + "\n");
    }
  }
  CHECK(checked == check);
}

TEST_CASE("net::Relay stopped with transfers in every state ends them and goes away")
{
  FakeHttpServer gateway;
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  gateway.set_reply([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/anthropic/v1/big") {
      res.set_content(k_big, "application/octet-stream");
      return;
    }
    if (req.path == "/anthropic/v1/silent") {
      std::unique_lock lock(mutex);
      released.wait_for(lock, 20s, [&] { return release; });
    }
    res.set_content("done", "text/plain");
  });
  auto rig = std::make_unique<RelayRig>(options_for(gateway.url(), gateway.url()));
  Agent warm(rig->port());
  REQUIRE(warm.client().Get("/anthropic/v1/warm", warm.headers())); // a handle given back

  std::string big;
  int big_status = 0;
  int silent_status = 0;
  std::atomic<bool> stopping{false};
  std::thread slow_reader([&, port = rig->port()] {
    Agent agent(port);
    big_status = agent.stream("/anthropic/v1/big", [&](std::string_view piece) {
      big += piece;
      if (!stopping) {
        std::this_thread::sleep_for(20ms); // the relay's transfer stays paused
      }
      return true;
    });
  });
  std::thread waiting([&, port = rig->port()] {
    Agent agent(port);
    const auto reply = agent.client().Get("/anthropic/v1/silent", agent.headers());
    silent_status = reply ? reply->status : -1;
  });
  REQUIRE(gateway.wait_for_requests(3));
  std::this_thread::sleep_for(200ms); // the slow reader's transfer pauses

  stopping = true;
  auto stopped = std::async(std::launch::async, [&rig] { rig->stop(); });
  REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
  rig.reset();
  slow_reader.join();
  waiting.join();
  {
    const std::lock_guard lock(mutex);
    release = true;
  }
  released.notify_all();

  CHECK(big_status == -1);
  CHECK(big.size() < k_big.size());
  CHECK(silent_status == 503);
}
