// SPDX-License-Identifier: MIT
// The upstream transfers of an asio loop: each test runs its own io_context on the test
// thread until its coroutine is done, against loopback servers on other threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "net/async_transfer.hpp"
#include "support/net_fakes.hpp"
#include "support/upstream_loop_run.hpp"

using aigw::net::AsyncTransfer;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::UpstreamLoop;
using aigw::test::FakeHttpServer;
using aigw::test::PortCountingServer;
using aigw::test::RawServer;
using aigw::test::upstream_loop::get;
using aigw::test::upstream_loop::pattern;
using aigw::test::upstream_loop::pause_for;
using aigw::test::upstream_loop::read_all;
using aigw::test::upstream_loop::run;
using boost::asio::awaitable;
using Next = AsyncTransfer::Next;

namespace {

// Each event goes out only once the client said it has the one before (or after 10 s).
struct LockStepServer
{
  FakeHttpServer server;
  std::mutex mutex;
  std::condition_variable changed;
  int received = 0;
  bool waited_in_vain = false;

  LockStepServer()
  {
    server.set_reply([this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream", [this](std::size_t,
                                                                   httplib::DataSink& sink) {
        for (int i = 0; i < 3; ++i) {
          const std::string event = "data: " + std::to_string(i) + "\n\n";
          sink.write(event.data(), event.size());
          std::unique_lock lock(mutex);
          waited_in_vain |= !changed.wait_for(lock, std::chrono::seconds(10),
                                              [&] { return received > i; });
        }
        sink.done();
        return true;
      });
    });
  }

  void got_one()
  {
    const std::lock_guard lock(mutex);
    ++received;
    changed.notify_all();
  }
};

} // namespace

TEST_CASE("net::AsyncTransfer reads a reply")
{
  SUBCASE("head and whole body")
  {
    FakeHttpServer server;
    server.set_reply([](const httplib::Request&, httplib::Response& res) {
      res.status = 201;
      res.set_header("X-Trace", "abc");
      res.set_content("hello", "text/plain");
    });
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(server.url() + "/v1/chat"));
      REQUIRE(co_await transfer->head());
      CHECK(transfer->status() == 201);
      CHECK(transfer->headers().get("x-trace") == "abc");
      CHECK(transfer->headers().get("Content-Type") == "text/plain");
      CHECK(co_await read_all(*transfer) == "hello");
      CHECK_FALSE(transfer->error());
    });
    CHECK(server.requests().at(0).target == "/v1/chat");
  }

  SUBCASE("interim blocks are forgotten, folded lines joined")
  {
    RawServer server("HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Length: 2\r\n\r\nok",
                     RawServer::Hang::no);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(server.url() + "/x"));
      REQUIRE(co_await transfer->head());
      CHECK(transfer->status() == 200);
      CHECK_FALSE(transfer->headers().get("X-Early"));
      CHECK(transfer->headers().get("X-Long") == "one two");
      CHECK(co_await read_all(*transfer) == "ok");
    });
  }

  SUBCASE("HEAD gets the head only")
  {
    FakeHttpServer server;
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      HttpRequest request = get(server.url() + "/anthropic");
      request.method = "HEAD";
      const auto transfer = loop.open(request);
      REQUIRE(co_await transfer->head());
      CHECK(transfer->status() == 200);
      CHECK(co_await read_all(*transfer) == "");
    });
    CHECK(server.requests().at(0).method == "HEAD");
  }

  SUBCASE("a slow stream reaches the reader event by event")
  {
    LockStepServer stepping;
    std::vector<std::string> pieces;
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(stepping.server.url() + "/stream"));
      REQUIRE(co_await transfer->head());
      std::string piece;
      while (co_await transfer->next(piece) == Next::data) {
        pieces.push_back(piece);
        stepping.got_one();
      }
      CHECK_FALSE(transfer->error());
    });
    CHECK(pieces == std::vector<std::string>{"data: 0\n\n", "data: 1\n\n", "data: 2\n\n"});
    CHECK_FALSE(stepping.waited_in_vain);
  }

  SUBCASE("a large body read slowly comes whole and in order, a bounded piece at a time")
  {
    const std::string sent = pattern(8 << 20);
    FakeHttpServer server;
    server.set_reply([&sent](const httplib::Request&, httplib::Response& res) {
      res.set_content(sent, "application/octet-stream");
    });
    std::string body;
    std::size_t largest = 0;
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(server.url() + "/big"));
      REQUIRE(co_await transfer->head());
      std::string piece;
      co_await pause_for(std::chrono::milliseconds(100)); // let the queue fill up
      while (co_await transfer->next(piece) == Next::data) {
        body += piece;
        largest = std::max(largest, piece.size());
        co_await pause_for(std::chrono::milliseconds(2));
      }
      CHECK_FALSE(transfer->error());
    });
    CHECK(body.size() == sent.size());
    CHECK(body == sent);
    // The queue stops growing at 1 MiB; one more read of libcurl's may be in it.
    CHECK(largest <= (1U << 20) + (64U << 10));
  }
}

TEST_CASE("net::AsyncTransfer failures")
{
  SUBCASE("a closed port: connect")
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(aigw::test::closed_port());
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(url + "/x"));
      CHECK_FALSE(co_await transfer->head());
      std::string piece;
      CHECK(co_await transfer->next(piece) == Next::failed);
      REQUIRE(transfer->error());
      CHECK(transfer->error()->kind == HttpErrorKind::connect);
      CHECK(transfer->error()->message.rfind(
              "GET " + url + "/x: the connection was refused or the host is unreachable (", 0)
            == 0);
    });
  }

  SUBCASE("a connection that drops mid-body: reset, after the bytes that came")
  {
    RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
                     RawServer::Hang::no);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(server.url() + "/cut"));
      REQUIRE(co_await transfer->head());
      CHECK(co_await read_all(*transfer) == "0123456789|failed");
      REQUIRE(transfer->error());
      CHECK(transfer->error()->kind == HttpErrorKind::reset);
    });
  }

  SUBCASE("a server that never answers: timeout after the idle time")
  {
    RawServer server("", RawServer::Hang::yes);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      HttpRequest request = get(server.url() + "/slow");
      request.idle_timeout = std::chrono::milliseconds(300);
      const auto transfer = loop.open(request);
      CHECK_FALSE(co_await transfer->head());
      REQUIRE(transfer->error());
      CHECK(transfer->error()->kind == HttpErrorKind::timeout);
      CHECK(transfer->error()->message
            == "GET " + server.url() + "/slow: no answer in time (nothing received for 300 ms)");
    });
  }
}

TEST_CASE("net::AsyncTransfer stops when cancelled")
{
  const auto cancel_soon = [](std::shared_ptr<AsyncTransfer> transfer) -> awaitable<void> {
    co_await pause_for(std::chrono::milliseconds(100));
    transfer->cancel();
  };

  SUBCASE("while head() waits")
  {
    RawServer silent("", RawServer::Hang::yes);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(silent.url() + "/anthropic/v1/messages"));
      boost::asio::co_spawn(co_await boost::asio::this_coro::executor, cancel_soon(transfer),
                            boost::asio::detached);
      CHECK_FALSE(co_await transfer->head());
      REQUIRE(transfer->error());
      CHECK(transfer->error()->kind == HttpErrorKind::cancelled);
      CHECK(transfer->error()->message.rfind(
              "GET " + silent.url() + "/anthropic/v1/messages: cancelled (", 0)
            == 0);
    });
  }

  SUBCASE("while next() waits")
  {
    RawServer stalled("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234", RawServer::Hang::yes);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto transfer = loop.open(get(stalled.url() + "/x"));
      REQUIRE(co_await transfer->head());
      boost::asio::co_spawn(co_await boost::asio::this_coro::executor, cancel_soon(transfer),
                            boost::asio::detached);
      CHECK(co_await read_all(*transfer) == "01234|failed");
      REQUIRE(transfer->error());
      CHECK(transfer->error()->kind == HttpErrorKind::cancelled);
    });
  }

  SUBCASE("cancel_all() stops every open transfer")
  {
    RawServer silent("", RawServer::Hang::yes);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      const auto first = loop.open(get(silent.url() + "/1"));
      const auto second = loop.open(get(silent.url() + "/2"));
      co_await pause_for(std::chrono::milliseconds(100));
      loop.cancel_all();
      CHECK_FALSE(co_await first->head());
      CHECK_FALSE(co_await second->head());
      CHECK(first->error()->kind == HttpErrorKind::cancelled);
      CHECK(second->error()->kind == HttpErrorKind::cancelled);
    });
  }
}

TEST_CASE("net::UpstreamLoop runs many transfers and keeps its connections")
{
  PortCountingServer counting;

  SUBCASE("50 at once all complete")
  {
    std::vector<std::string> bodies;
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      std::vector<std::shared_ptr<AsyncTransfer>> transfers;
      for (int i = 0; i < 50; ++i) {
        // The fake server holds one of its 8 threads per open connection, and the loop keeps
        // its connections open for the next transfers: each asks for its own to be closed.
        HttpRequest request = get(counting.server.url() + "/n/" + std::to_string(i));
        request.headers.add("Connection", "close");
        transfers.push_back(loop.open(std::move(request)));
      }
      for (const auto& transfer : transfers) {
        REQUIRE(co_await transfer->head());
        bodies.push_back(co_await read_all(*transfer));
      }
    });
    REQUIRE(bodies.size() == 50);
    for (int i = 0; i < 50; ++i) {
      CHECK(bodies[static_cast<std::size_t>(i)] == "/n/" + std::to_string(i));
    }
  }

  SUBCASE("one after another share one connection")
  {
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      for (const char* path : {"/a", "/b", "/c"}) {
        const auto transfer = loop.open(get(counting.server.url() + path));
        REQUIRE(co_await transfer->head());
        CHECK(co_await read_all(*transfer) == path);
      }
    });
    CHECK(counting.server.requests().size() == 3);
    CHECK(counting.connections() == 1);
  }

  SUBCASE("a transfer dropped mid-body leaves the loop working")
  {
    RawServer stalled("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234", RawServer::Hang::yes);
    run([&](UpstreamLoop& loop) -> awaitable<void> {
      auto dropped = loop.open(get(stalled.url() + "/x"));
      std::string piece;
      CHECK(co_await dropped->next(piece) == Next::data);
      dropped.reset();
      const auto transfer = loop.open(get(counting.server.url() + "/after"));
      REQUIRE(co_await transfer->head());
      CHECK(co_await read_all(*transfer) == "/after");
    });
  }

  SUBCASE("a transfer that outlives its loop is cancelled")
  {
    RawServer silent("", RawServer::Hang::yes);
    boost::asio::io_context io; // asio's objects, the transfer's timers too, go first
    auto loop = std::make_unique<UpstreamLoop>(io);
    const auto kept = loop->open(get(silent.url() + "/x"));
    io.run_for(std::chrono::milliseconds(50));
    loop.reset();
    REQUIRE(kept->error());
    CHECK(kept->error()->kind == HttpErrorKind::cancelled);
  }
}
