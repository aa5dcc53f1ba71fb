// SPDX-License-Identifier: MIT
// One transfer of an UpstreamLoop (async_transfer_loop.cpp) and the coroutine that reads
// it. libcurl's callbacks, run inside the loop's curl_multi_socket_action, queue the head
// and the body and wake the reader, who sleeps on a timer that never expires by itself.
// Past k_max_queued bytes the body callback pauses the transfer; the reader unpauses it
// once it took the queue, so a slow reader slows the upstream instead of filling memory.
#include "net/async_transfer_internal.hpp"

#include <limits>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "util/log.hpp"

namespace aigw::net {

namespace {

constexpr std::size_t k_max_queued = std::size_t{1} << 20;

long
elapsed_ms(std::chrono::steady_clock::time_point start)
{
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count());
}

} // namespace

LoopTransfer::LoopTransfer(UpstreamLoop::Impl& loop, HttpRequest request)
    : m_loop(&loop),
      m_loop_life(loop.life),
      m_request(std::move(request)),
      m_easy(loop.take_easy()),
      m_wake(loop.io),
      m_idle(loop.io)
{
}

LoopTransfer::~LoopTransfer()
{
  if (m_loop == nullptr || m_loop_life.expired()) {
    return;
  }
  if (m_attached) {
    m_loop->detach(*this);
  }
  m_loop->give_back(std::move(m_easy));
}

void
LoopTransfer::start()
{
  m_error = prepare_easy(m_easy.get(), m_request, m_header_list, m_error_text.data());
  if (m_error) {
    m_done = true;
    return;
  }

  curl_easy_setopt(m_easy.get(), CURLOPT_PRIVATE, this);
  curl_easy_setopt(m_easy.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(m_easy.get(), CURLOPT_HEADERDATA, this);
  curl_easy_setopt(m_easy.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(m_easy.get(), CURLOPT_WRITEDATA, this);
  curl_easy_setopt(m_easy.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(m_easy.get(), CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(m_easy.get(), CURLOPT_NOPROGRESS, 0L);

  m_attached = m_loop->attach(*this);
  if (!m_attached) {
    m_done = true;
    m_error = start_failure(m_request);
    return;
  }
  watch_idle();
}

std::size_t
LoopTransfer::on_header(char* data, std::size_t size, std::size_t count, void* self)
{
  auto& transfer = *static_cast<LoopTransfer*>(self);
  const std::size_t length = size * count;
  transfer.m_activity.seen();
  transfer.m_head.read_line(std::string_view(data, length));
  if (transfer.m_head.ready) {
    transfer.wake();
  }
  return length;
}

// libcurl hands bytes it was refused (paused) over again later, so they are not queued.
std::size_t
LoopTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self)
{
  auto& transfer = *static_cast<LoopTransfer*>(self);
  const std::size_t length = size * count;
  transfer.m_activity.seen();
  if (transfer.m_body.size() >= k_max_queued) {
    transfer.m_paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  transfer.m_head.mark_ready();
  transfer.m_body.append(data, length);
  transfer.wake();
  return length;
}

// Bytes moving either way (a long upload too) count as activity for the idle timeout.
int
LoopTransfer::on_progress(void* self, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up)
{
  static_cast<LoopTransfer*>(self)->m_activity.counted(down, up);
  return 0;
}

// Until wake() or, if the reader's coroutine is destroyed, never.
boost::asio::awaitable<void>
LoopTransfer::sleep()
{
  m_wake.expires_at(Clock::time_point::max());
  boost::system::error_code cancelled;
  co_await m_wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
}

boost::asio::awaitable<bool>
LoopTransfer::head()
{
  const auto keep = shared_from_this(); // a wake-up must find the transfer alive
  while (!m_head.ready && !m_done) {
    co_await sleep();
  }
  co_return m_head.ready && m_abort != AbortReason::callback;
}

boost::asio::awaitable<AsyncTransfer::Next>
LoopTransfer::next(std::string& piece)
{
  const auto keep = shared_from_this();
  while (m_body.empty() && !m_done) {
    co_await sleep();
  }
  if (m_abort == AbortReason::callback) {
    co_return Next::failed;
  }
  if (!m_body.empty()) {
    piece.clear();
    piece.swap(m_body);
    resume_reading();
    co_return Next::data;
  }
  co_return m_error ? Next::failed : Next::end;
}

// The queue was taken: let libcurl deliver again. It may hand over what it held back at
// once, from inside curl_easy_pause; the kick makes sure the socket is read again too.
void
LoopTransfer::resume_reading()
{
  if (!m_paused || m_done) {
    return;
  }
  m_paused = false;
  m_activity.seen();
  curl_easy_pause(m_easy.get(), CURLPAUSE_CONT);
  m_loop->kick();
}

void
LoopTransfer::cancel()
{
  if (!m_done) {
    stop(AbortReason::callback);
  }
}

void
LoopTransfer::orphan()
{
  cancel();
  m_loop = nullptr;
}

void
LoopTransfer::stop(AbortReason reason)
{
  m_abort = reason;
  m_loop->detach(*this);
  finish(CURLE_ABORTED_BY_CALLBACK);
}

void
LoopTransfer::finish(CURLcode code)
{
  m_attached = false;
  m_done = true;
  m_idle.cancel();
  wake();
  if (code != CURLE_OK) {
    const TransferEnd end{code, m_abort, m_error_text.data(), m_request.idle_timeout};
    m_error = transfer_error(describe(m_request), end);
    AIGW_DEBUG(describe(m_request) << " -> " << to_string(m_error->kind) << " error ("
                                   << elapsed_ms(m_start) << " ms): " << failure_detail(end));
    return;
  }

  // A reply with neither body nor closing blank line (HTTP/0.9 style) still has a head.
  m_head.finish(m_easy.get());
  AIGW_DEBUG(describe(m_request) << " -> " << m_head.status << " (" << elapsed_ms(m_start)
                                 << " ms)");
}

// Fail the transfer once nothing moved for the request's idle timeout. A transfer paused
// because its reader is slow is not idle.
void
LoopTransfer::watch_idle()
{
  const auto limit = m_request.idle_timeout;
  if (limit.count() <= 0) {
    return;
  }
  m_idle.expires_at(m_activity.last + limit);
  m_idle.async_wait([weak = weak_from_this()](boost::system::error_code error) {
    const auto transfer = weak.lock();
    if (error || !transfer || transfer->m_done) {
      return;
    }
    if (transfer->m_paused) {
      transfer->m_activity.seen();
    }
    if (Clock::now() - transfer->m_activity.last >= transfer->m_request.idle_timeout) {
      transfer->stop(AbortReason::idle);
    } else {
      transfer->watch_idle();
    }
  });
}

} // namespace aigw::net
