// SPDX-License-Identifier: MIT
// libcurl transfers run by an asio event loop through curl's multi socket interface: the
// relay's server thread waits on the upstream's sockets in the same epoll as its agents'
// connections, so a request costs no thread, no hand-over and no extra wake-up. One
// UpstreamLoop belongs to one io_context, which runs on one thread; every call on it and on
// its transfers comes from that thread (no locks). Its idle connections to the gateway are
// kept for the next transfers of that loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "net/http.hpp"

namespace aigw::net {

// One upstream request and its reply, read piece by piece by a coroutine on the loop's
// thread. Body bytes queue while nobody reads; past a bound the transfer pauses, so a slow
// agent slows the upstream read instead of filling memory.
class AsyncTransfer
{
public:
  enum class Next { data, end, failed };

  virtual ~AsyncTransfer() = default;

  // Wait for the head (the final header block; 1xx blocks are read and forgotten); false
  // when the transfer failed or was cancelled first.
  virtual boost::asio::awaitable<bool> head() = 0;
  // The head, once head() returned true.
  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;
  // Wait for body bytes: every byte queued since the last call goes into `piece`, in order.
  virtual boost::asio::awaitable<Next> next(std::string& piece) = 0;
  // Why the transfer failed, once a call said it did.
  virtual std::optional<HttpError> error() const = 0;
  // Stop now; a head() or next() waiting for it returns at once (failed, kind cancelled).
  virtual void cancel() = 0;
};

class UpstreamLoop
{
public:
  explicit UpstreamLoop(boost::asio::io_context& io);
  ~UpstreamLoop();

  UpstreamLoop(const UpstreamLoop&) = delete;
  UpstreamLoop& operator=(const UpstreamLoop&) = delete;

  // Start `request` (its `cancel` flag is not watched: use cancel() or cancel_all()).
  std::shared_ptr<AsyncTransfer> open(HttpRequest request);

  // Cancel every transfer still open (the relay stops).
  void cancel_all();

  struct Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

} // namespace aigw::net
