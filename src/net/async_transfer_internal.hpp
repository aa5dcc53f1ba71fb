// SPDX-License-Identifier: MIT
// Internal to async_transfer.cpp (a transfer and its reader) and async_transfer_loop.cpp
// (the multi handle and the sockets and timer asio waits on for it). Both run on the
// loop's one thread. libcurl calls back only from inside a curl_* call; those callbacks
// note what happened and wake a reader, they never call libcurl's multi functions again
// nor run a reader's code, so nothing is freed under libcurl's feet.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/async_transfer.hpp"
#include "net/curl_internal.hpp"

namespace aigw::net {

class LoopTransfer;

// One socket of libcurl's as asio watches it. Owned by the loop while libcurl uses it and
// by the waits still pending on it; a wait that completes after the socket was dropped
// sees `dropped` and does nothing, even when the same descriptor number is in use again.
struct SocketWatch
{
  explicit SocketWatch(boost::asio::io_context& io) : descriptor(io) {}

  boost::asio::posix::stream_descriptor descriptor; // released, never closed: curl owns it
  int wanted = 0;                                   // CURL_POLL_IN / _OUT bits
  bool reading = false;                             // a wait_read is pending
  bool writing = false;
  bool dropped = false;
};

struct UpstreamLoop::Impl
{
  explicit Impl(boost::asio::io_context& io);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Put the transfer's easy handle on the multi handle; false when libcurl refuses.
  bool attach(LoopTransfer& transfer);
  // Take it off again (finished, cancelled or destroyed).
  void detach(LoopTransfer& transfer);
  // Let libcurl look at its transfers and timeouts again soon (after an unpause).
  void kick();
  // An easy handle for a new transfer: one a finished transfer gave back, or a new one.
  EasyHandle take_easy();
  // A finished transfer's handle, detached: reset and kept for the next, up to a cap.
  void give_back(EasyHandle easy);

  // From libcurl's socket and timer callbacks: watch or drop `fd`, and when to call back.
  int watch(curl_socket_t fd, int what);
  // libcurl closes `fd` now.
  void closing(curl_socket_t fd);
  void set_timeout(long milliseconds);

  boost::asio::io_context& io;
  MultiHandle multi;
  boost::asio::steady_timer timer;
  std::unordered_map<curl_socket_t, std::shared_ptr<SocketWatch>> sockets;
  std::unordered_set<LoopTransfer*> open; // attached, in no order
  std::unordered_set<curl_socket_t> connections; // sockets libcurl opened for connections
  // A new easy handle costs libcurl a few kilobytes zeroed and every default set again, on
  // each relayed request; a reset one keeps the allocation.
  std::vector<EasyHandle> spare;
  // Handlers that may run after the loop is gone hold this weakly and check it first.
  std::shared_ptr<char> life = std::make_shared<char>();

private:
  void arm(const std::shared_ptr<SocketWatch>& watch);
  void on_ready(const std::shared_ptr<SocketWatch>& watch, int direction,
                boost::system::error_code error);
  void act(curl_socket_t fd, int events);
  void drop(curl_socket_t fd);
};

// The AsyncTransfer of an UpstreamLoop.
class LoopTransfer final : public AsyncTransfer, public std::enable_shared_from_this<LoopTransfer>
{
public:
  LoopTransfer(UpstreamLoop::Impl& loop, HttpRequest request);
  LoopTransfer(const LoopTransfer&) = delete;
  LoopTransfer& operator=(const LoopTransfer&) = delete;
  ~LoopTransfer() override;

  // Set the easy handle up and attach it; a transfer that cannot start is failed at once.
  void start();

  boost::asio::awaitable<bool> head() override;
  int status() const override { return m_head.status; }
  const Headers& headers() const override { return m_head.headers; }
  boost::asio::awaitable<Next> next(std::string& piece) override;
  std::optional<HttpError> error() const override { return m_error; }
  void cancel() override;

  CURL* easy() const { return m_easy.get(); }
  // libcurl says the transfer is over, with `code` (the loop has detached it).
  void finish(CURLcode code);
  // The loop goes away: stop, and never touch it again.
  void orphan();

  // libcurl's callbacks.
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static int on_progress(void* self, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up);

private:
  using Clock = std::chrono::steady_clock;

  boost::asio::awaitable<void> sleep();
  void wake() { m_wake.cancel(); }
  void stop(AbortReason reason);
  void watch_idle();
  void resume_reading();

  UpstreamLoop::Impl* m_loop; // null once the loop is gone
  std::weak_ptr<char> m_loop_life; // expired once the loop is gone, orphaned or not
  HttpRequest m_request;
  EasyHandle m_easy;
  HeaderList m_header_list;
  std::array<char, CURL_ERROR_SIZE> m_error_text{};
  bool m_attached = false;
  bool m_done = false;
  bool m_paused = false; // the body callback said pause: too much is queued
  ReplyHead m_head;
  std::string m_body; // queued for next()
  std::optional<HttpError> m_error;
  AbortReason m_abort = AbortReason::none;
  Clock::time_point m_start = Clock::now();
  Activity m_activity;
  boost::asio::steady_timer m_wake; // a reader waits on it; cancel() wakes the reader
  boost::asio::steady_timer m_idle;
};

} // namespace aigw::net
