// SPDX-License-Identifier: MIT
// Shared by the tests of net::UpstreamLoop: each runs its own io_context on the test thread
// until its coroutine is done, against loopback servers on other threads, and reads the
// transfers it opens with these helpers.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/async_transfer.hpp"

namespace aigw::test::upstream_loop {

using Body = std::function<boost::asio::awaitable<void>(net::UpstreamLoop&)>;

// Run `body` on a fresh io_context and loop until it is done; its failures fail the test.
inline void
run(const Body& body)
{
  boost::asio::io_context io;
  net::UpstreamLoop loop(io);
  std::exception_ptr failure;
  boost::asio::co_spawn(io, body(loop), [&](std::exception_ptr error) {
    failure = error;
    io.stop(); // idle connections and libcurl's timers would keep run() going
  });
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

inline net::HttpRequest
get(const std::string& url)
{
  net::HttpRequest request;
  request.url = url;
  request.idle_timeout = std::chrono::milliseconds(0); // only a cancel ends a silent wait
  // Should a cancel not wake the reader, the transfer still ends (as a timeout).
  request.total_timeout = std::chrono::milliseconds(20'000);
  return request;
}

inline boost::asio::awaitable<void>
pause_for(std::chrono::milliseconds time)
{
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, time);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

// The whole body, or "failed" after what came before the failure.
inline boost::asio::awaitable<std::string>
read_all(net::AsyncTransfer& transfer)
{
  std::string body;
  std::string piece;
  net::AsyncTransfer::Next next;
  while ((next = co_await transfer.next(piece)) == net::AsyncTransfer::Next::data) {
    body += piece;
  }
  co_return next == net::AsyncTransfer::Next::end ? body : body + "|failed";
}

// `size` bytes of letters that do not repeat every few bytes, so a piece out of place shows.
inline std::string
pattern(std::size_t size)
{
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  }
  return text;
}

} // namespace aigw::test::upstream_loop
