// SPDX-License-Identifier: MIT
// The hand-over between the thread that reads an upstream reply (inside the HTTP client's
// callbacks) and the server thread that writes it to the agent: a head, then pieces of
// body through a bounded queue, then an end or an error. Either side can cancel; the
// reader's next callback then returns false, and the abort flag the HTTP client watches
// stops a transfer that is waiting for an upstream that sends nothing. While the server
// thread waits, it looks every k_hangup_poll whether the agent hung up, so a stalled
// upstream does not keep a transfer for an agent that is gone.
#include "net/relay_internal.hpp"

namespace aigw::net {

namespace {

// Bytes read from upstream but not yet written to the agent, before the reader waits.
constexpr std::size_t k_queue_limit = 1024 * 1024;
// How often a waiting server thread looks whether the agent hung up.
constexpr std::chrono::milliseconds k_hangup_poll{100};

} // namespace

UpstreamStream::~UpstreamStream()
{
  if (worker.joinable()) {
    cancel();
    worker.join();
  }
}

bool
UpstreamStream::put_head(int status, const Headers& headers)
{
  const std::lock_guard lock(m_mutex);
  m_status = status;
  m_headers = headers;
  m_head_ready = true;
  m_changed.notify_all();
  return !m_cancelled;
}

bool
UpstreamStream::put_chunk(std::string_view chunk)
{
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_cancelled || m_queued < k_queue_limit; });
  if (m_cancelled) {
    return false;
  }
  m_chunks.emplace_back(chunk);
  m_queued += chunk.size();
  m_changed.notify_all();
  return true;
}

void
UpstreamStream::put_end(const util::Expected<HttpResponse, HttpError>& result)
{
  const std::lock_guard lock(m_mutex);
  m_finished = true;
  if (!result) {
    m_error = result.error();
  } else if (!m_head_ready) {
    m_status = result->status;
    m_headers = result->headers;
    m_head_ready = true;
  }
  m_changed.notify_all();
}

void
UpstreamStream::wait_watching(std::unique_lock<std::mutex>& lock,
                              const std::function<bool()>& ready, const HangupCheck& agent_gone)
{
  while (!m_changed.wait_for(lock, k_hangup_poll, ready)) {
    lock.unlock();
    const bool gone = agent_gone && agent_gone();
    lock.lock();
    if (gone) {
      cancel_locked();
    }
  }
}

bool
UpstreamStream::wait_head(const HangupCheck& agent_gone)
{
  std::unique_lock lock(m_mutex);
  wait_watching(
    lock, [this] { return m_head_ready || m_finished || m_cancelled; }, agent_gone);
  return m_head_ready && !m_cancelled;
}

UpstreamStream::Next
UpstreamStream::next(std::string& piece, const HangupCheck& agent_gone)
{
  std::unique_lock lock(m_mutex);
  wait_watching(
    lock, [this] { return !m_chunks.empty() || m_finished || m_cancelled; }, agent_gone);
  if (m_cancelled) {
    return Next::failed;
  }
  if (!m_chunks.empty()) {
    piece = std::move(m_chunks.front());
    m_chunks.pop_front();
    m_queued -= piece.size();
    m_changed.notify_all();
    return Next::data;
  }
  return m_error ? Next::failed : Next::end;
}

std::optional<HttpError>
UpstreamStream::error() const
{
  const std::lock_guard lock(m_mutex);
  return m_error;
}

void
UpstreamStream::cancel()
{
  const std::lock_guard lock(m_mutex);
  cancel_locked();
}

void
UpstreamStream::cancel_locked()
{
  m_cancelled = true;
  m_abort->store(true);
  m_changed.notify_all();
}

} // namespace aigw::net
