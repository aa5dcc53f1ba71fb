// SPDX-License-Identifier: MIT
// A loop's transfers take the libcurl handles earlier ones gave back. Each test runs
// transfers one after another on one loop, so every one after the first runs on a handle
// another used, and checks that nothing of the earlier request or reply (method, headers,
// body, a pause, a failure) reaches the later one, and that a handle outliving its loop is
// dropped safely.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "aigw/version.hpp"
#include "net/async_transfer.hpp"
#include "support/net_fakes.hpp"
#include "support/upstream_loop_run.hpp"

using aigw::net::AsyncTransfer;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::UpstreamLoop;
using aigw::test::FakeHttpServer;
using aigw::test::RawServer;
using aigw::test::upstream_loop::get;
using aigw::test::upstream_loop::pause_for;
using aigw::test::upstream_loop::read_all;
using aigw::test::upstream_loop::run;
using boost::asio::awaitable;

namespace {

// A server that answers "METHOD target [body]", so a reply shows what the request was.
void
echo_requests(FakeHttpServer& server)
{
  server.set_reply([](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + " " + req.target + " [" + req.body + "]", "text/plain");
  });
}

HttpRequest
request_to(const std::string& url, std::string method, std::string body)
{
  HttpRequest request = get(url);
  request.method = std::move(method);
  request.body = std::move(body);
  return request;
}

// Open `request` on `loop` and read its whole reply.
awaitable<std::string>
exchange(UpstreamLoop& loop, HttpRequest request)
{
  const auto transfer = loop.open(std::move(request));
  if (!co_await transfer->head()) {
    co_return "no head";
  }
  co_return std::to_string(transfer->status()) + " " + co_await read_all(*transfer);
}

std::string
headers_sent(int port, const std::string& extra)
{
  return extra + "Host: 127.0.0.1:" + std::to_string(port) + "\nUser-Agent: aigw-setup/"
         + aigw::k_version + "\n";
}

} // namespace

TEST_CASE("net::UpstreamLoop sends each request on a reused handle as its own")
{
  FakeHttpServer server;
  echo_requests(server);
  const std::string url = server.url();
  std::vector<std::string> replies;
  run([&](UpstreamLoop& loop) -> awaitable<void> {
    HttpRequest first = request_to(url + "/1", "POST", "hello");
    first.headers.add("X-Only-First", "1");
    replies.push_back(co_await exchange(loop, first));
    replies.push_back(co_await exchange(loop, request_to(url + "/2", "HEAD", "")));
    replies.push_back(co_await exchange(loop, request_to(url + "/3", "GET", "")));
    replies.push_back(co_await exchange(loop, request_to(url + "/4", "PUT", "put-body")));
    replies.push_back(co_await exchange(loop, request_to(url + "/5", "DELETE", "")));
    replies.push_back(co_await exchange(loop, request_to(url + "/6", "POST", "")));
    replies.push_back(co_await exchange(loop, request_to(url + "/7", "GET", "")));
  });

  CHECK(replies
        == std::vector<std::string>{"200 POST /1 [hello]", "200 ", "200 GET /3 []",
                                    "200 PUT /4 [put-body]", "200 DELETE /5 []", "200 POST /6 []",
                                    "200 GET /7 []"});
  const auto seen = server.requests();
  REQUIRE(seen.size() == 7);
  const int port = server.port();
  CHECK(seen[0].header_text() == headers_sent(port, "Content-Length: 5\n") + "X-Only-First: 1\n");
  CHECK(seen[1].method == "HEAD");
  CHECK(seen[1].header_text() == headers_sent(port, ""));
  CHECK(seen[2].header_text() == headers_sent(port, ""));
  CHECK(seen[3].header_text() == headers_sent(port, "Content-Length: 8\n"));
  CHECK(seen[4].header_text() == headers_sent(port, ""));
  CHECK(seen[5].header_text() == headers_sent(port, "Content-Length: 0\n"));
  CHECK(seen[6].header_text() == headers_sent(port, ""));
}

// A transfer paused with a full queue holds bytes libcurl was refused; cancelled so, its
// handle must not hand them to the next transfer when that one pauses and resumes.
TEST_CASE("net::UpstreamLoop: a transfer after one cancelled while paused reads its own body")
{
  constexpr std::size_t k_size = 4U << 20;
  FakeHttpServer server;
  server.set_reply([](const httplib::Request& req, httplib::Response& res) {
    res.set_content(std::string(k_size, req.path == "/first" ? 'A' : 'B'),
                    "application/octet-stream");
  });
  std::string second;
  run([&](UpstreamLoop& loop) -> awaitable<void> {
    const auto first = loop.open(get(server.url() + "/first"));
    REQUIRE(co_await first->head());
    co_await pause_for(std::chrono::milliseconds(300)); // the queue fills, libcurl pauses
    first->cancel();

    const auto next = loop.open(get(server.url() + "/second"));
    REQUIRE(co_await next->head());
    co_await pause_for(std::chrono::milliseconds(300));
    second = co_await read_all(*next);
  });
  CHECK(second.size() == k_size);
  CHECK(second == std::string(k_size, 'B'));
}

TEST_CASE("net::UpstreamLoop: a transfer after failed ones is whole")
{
  FakeHttpServer server;
  echo_requests(server);
  RawServer cut("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", RawServer::Hang::no);
  RawServer silent("", RawServer::Hang::yes);
  std::vector<std::string> replies;
  run([&](UpstreamLoop& loop) -> awaitable<void> {
    replies.push_back(co_await exchange(loop, request_to(cut.url() + "/cut", "POST", "x")));
    replies.push_back(co_await exchange(loop, request_to(server.url() + "/a", "GET", "")));

    HttpRequest slow = request_to(silent.url() + "/slow", "POST", "y");
    slow.idle_timeout = std::chrono::milliseconds(200);
    replies.push_back(co_await exchange(loop, slow));
    replies.push_back(co_await exchange(loop, request_to(server.url() + "/b", "PUT", "z")));

    auto cancelled = loop.open(request_to(silent.url() + "/gone", "POST", "w"));
    co_await pause_for(std::chrono::milliseconds(50));
    cancelled->cancel();
    CHECK(cancelled->error()->kind == HttpErrorKind::cancelled);
    cancelled.reset();
    replies.push_back(co_await exchange(loop, request_to(server.url() + "/c", "GET", "")));
  });
  CHECK(replies
        == std::vector<std::string>{"200 0123456789|failed", "200 GET /a []", "no head",
                                    "200 PUT /b [z]", "200 GET /c []"});
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].header_text() == headers_sent(server.port(), ""));
  CHECK(seen[1].header_text() == headers_sent(server.port(), "Content-Length: 1\n"));
  CHECK(seen[2].header_text() == headers_sent(server.port(), ""));
}

// Handles that would go back to the loop once their transfers end: a finished transfer and
// an open one both outlive the loop.
TEST_CASE("net::UpstreamLoop gone before its transfers drops their handles safely")
{
  FakeHttpServer server;
  echo_requests(server);
  RawServer silent("", RawServer::Hang::yes);
  boost::asio::io_context io; // asio's objects, the transfers' timers too, go first
  auto loop = std::make_unique<UpstreamLoop>(io);
  std::string finished_body;
  std::shared_ptr<AsyncTransfer> finished;
  const auto open = loop->open(get(silent.url() + "/open"));
  boost::asio::co_spawn(
    io,
    [&]() -> awaitable<void> {
      finished = loop->open(get(server.url() + "/done"));
      if (co_await finished->head()) {
        finished_body = co_await read_all(*finished);
      }
      io.stop();
    },
    boost::asio::detached);
  io.run_for(std::chrono::seconds(10));
  REQUIRE(finished_body == "GET /done []");

  loop.reset();
  REQUIRE(open->error());
  CHECK(open->error()->kind == HttpErrorKind::cancelled);
  CHECK_FALSE(finished->error());
}
