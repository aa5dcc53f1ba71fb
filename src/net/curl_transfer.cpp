// SPDX-License-Identifier: MIT
// A libcurl transfer moved by the thread that reads it, through curl's multi interface
// (the blocking client of `test`, `doctor`, the Databricks calls and the relay's OTel
// exports; the relay's agent routes use async_transfer.hpp instead). Each thread
// keeps one multi handle, so the transfers it runs one after another reuse its idle
// connections; connections are not shared between threads, which libcurl does not
// support. The head is there once the final header block ends (interim 100 Continue
// blocks are read and forgotten); body pieces queue until next() takes them, and since
// the queue is filled only while its reader waits, a slow reader slows the upstream read.
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <utility>

#include "net/curl_internal.hpp"
#include "util/log.hpp"

namespace aigw::net {

namespace {

using Clock = std::chrono::steady_clock;

// The longest wait on the sockets before the reader looks at cancel, give-up and idle time.
constexpr std::chrono::milliseconds k_wait{100};

// This thread's multi handle, and with it this thread's idle connections.
CURLM*
thread_multi()
{
  thread_local const MultiHandle multi = [] {
    init_curl_once();
    MultiHandle made(curl_multi_init());
    if (made) {
      curl_multi_setopt(made.get(), CURLMOPT_MAXCONNECTS, k_idle_connections);
    }
    return made;
  }();
  return multi.get();
}

// What libcurl's callbacks fill in, read by the transfer's own thread.
struct Reading
{
  ReplyHead head;
  std::deque<std::string> pieces;
  const std::atomic<bool>* cancelled = nullptr;
  Activity activity;
};

// Once per header line, the status line and the closing blank line included.
std::size_t
on_header_line(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& reading = *static_cast<Reading*>(user);
  const std::size_t length = size * count;
  reading.activity.seen();
  if (reading.cancelled->load()) {
    return 0;
  }
  reading.head.read_line(std::string_view(data, length));
  return length;
}

std::size_t
on_body_bytes(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& reading = *static_cast<Reading*>(user);
  const std::size_t length = size * count;
  reading.activity.seen();
  if (reading.cancelled->load()) {
    return 0;
  }
  reading.head.mark_ready();
  reading.pieces.emplace_back(data, length);
  return length;
}

// Bytes moving either way (a long upload too) count as activity for the idle timeout.
int
on_progress(void* user, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up)
{
  static_cast<Reading*>(user)->activity.counted(down, up);
  return 0;
}

void
set_callbacks(CURL* handle, Reading& reading)
{
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header_line);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &reading);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body_bytes);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &reading);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &reading);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}

long
elapsed_ms(Clock::time_point start)
{
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

class CurlTransfer final : public HttpTransfer
{
public:
  CurlTransfer(HttpRequest request, CURLSH* share);
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  ~CurlTransfer() override;

  bool wait_head(const GiveUp& give_up) override;
  int status() const override { return m_reading.head.status; }
  const Headers& headers() const override { return m_reading.head.headers; }
  Next next(std::string& piece, const GiveUp& give_up) override;
  std::optional<HttpError> error() const override { return m_error; }
  void cancel() override;

  // libcurl says the transfer is over, with `code`.
  void finish(CURLcode code);

private:
  bool stopped_from_outside() const;
  void stop_here(AbortReason reason);
  template <class Ready> void run_until(const Ready& ready, const GiveUp& give_up);
  template <class Ready> void step(const Ready& ready);

  HttpRequest m_request;
  Reading m_reading;
  std::atomic<bool> m_cancelled{false};
  EasyHandle m_easy;
  HeaderList m_header_list;
  std::array<char, CURL_ERROR_SIZE> m_error_text{};
  std::mutex m_multi_mutex; // m_multi against a cancel() from another thread
  CURLM* m_multi = nullptr;
  bool m_attached = false;
  bool m_done = false;
  AbortReason m_abort = AbortReason::none;
  std::optional<HttpError> m_error;
  Clock::time_point m_start = Clock::now();
};

// Hand each finished transfer of `multi` its result.
void
collect_finished(CURLM* multi)
{
  for (const auto& [easy, code] : finished_transfers(multi)) {
    CurlTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    transfer->finish(code);
  }
}

CurlTransfer::CurlTransfer(HttpRequest request, CURLSH* share)
    : m_request(std::move(request)),
      m_easy(curl_easy_init())
{
  m_reading.cancelled = &m_cancelled;
  CURLM* multi = thread_multi();
  m_error = multi == nullptr
              ? start_failure(m_request)
              : prepare_easy(m_easy.get(), m_request, m_header_list, m_error_text.data());
  if (m_error) {
    m_done = true;
    return;
  }

  set_callbacks(m_easy.get(), m_reading);
  curl_easy_setopt(m_easy.get(), CURLOPT_PRIVATE, this);
  if (share != nullptr) {
    curl_easy_setopt(m_easy.get(), CURLOPT_SHARE, share);
  }

  const std::lock_guard lock(m_multi_mutex);
  m_multi = multi;
  m_attached = curl_multi_add_handle(m_multi, m_easy.get()) == CURLM_OK;
  if (!m_attached) {
    m_done = true;
    m_error = start_failure(m_request);
  }
}

CurlTransfer::~CurlTransfer()
{
  const std::lock_guard lock(m_multi_mutex);
  if (m_attached) {
    curl_multi_remove_handle(m_multi, m_easy.get());
  }
  m_multi = nullptr;
}

void
CurlTransfer::cancel()
{
  m_cancelled.store(true);
  const std::lock_guard lock(m_multi_mutex);
  if (m_multi != nullptr) {
    curl_multi_wakeup(m_multi);
  }
}

void
CurlTransfer::finish(CURLcode code)
{
  {
    const std::lock_guard lock(m_multi_mutex);
    curl_multi_remove_handle(m_multi, m_easy.get());
    m_attached = false;
  }
  m_done = true;
  if (code != CURLE_OK) {
    if (m_abort == AbortReason::none && stopped_from_outside()) {
      m_abort = AbortReason::callback; // a callback saw the cancel first
    }
    const TransferEnd end{code, m_abort, m_error_text.data(), m_request.idle_timeout};
    m_error = transfer_error(describe(m_request), end);
    AIGW_DEBUG(describe(m_request) << " -> " << to_string(m_error->kind) << " error ("
                                   << elapsed_ms(m_start) << " ms): " << failure_detail(end));
    return;
  }

  // A reply with neither body nor closing blank line (HTTP/0.9 style) still has a head.
  m_reading.head.finish(m_easy.get());
  AIGW_DEBUG(describe(m_request) << " -> " << m_reading.head.status << " ("
                                 << elapsed_ms(m_start) << " ms)");
}

bool
CurlTransfer::stopped_from_outside() const
{
  return m_cancelled.load() || (m_request.cancel && m_request.cancel->load());
}

// Stop the transfer from its own thread, for `reason`.
void
CurlTransfer::stop_here(AbortReason reason)
{
  m_abort = reason;
  finish(CURLE_ABORTED_BY_CALLBACK);
}

// Move this thread's transfers on until `ready()`, the end, or a reason to stop.
template <class Ready>
void
CurlTransfer::run_until(const Ready& ready, const GiveUp& give_up)
{
  auto looked = Clock::now();
  while (!m_done && !ready()) {
    const auto now = Clock::now();
    if (stopped_from_outside()) {
      stop_here(AbortReason::callback);
    } else if (m_request.idle_timeout.count() > 0
               && now - m_reading.activity.last > m_request.idle_timeout) {
      stop_here(AbortReason::idle);
    } else if (give_up && now - looked >= k_wait) {
      looked = now;
      if (give_up()) {
        stop_here(AbortReason::callback);
      }
    } else {
      step(ready);
    }
  }
}

// Let libcurl do what it can now; when that brought nothing, wait for the sockets.
template <class Ready>
void
CurlTransfer::step(const Ready& ready)
{
  int running = 0;
  curl_multi_perform(m_multi, &running);
  collect_finished(m_multi);
  if (m_done || ready()) {
    return;
  }
  curl_multi_poll(m_multi, nullptr, 0, static_cast<int>(k_wait.count()), nullptr);
}

bool
CurlTransfer::wait_head(const GiveUp& give_up)
{
  run_until([this] { return m_reading.head.ready; }, give_up);
  return m_reading.head.ready && !m_cancelled.load();
}

HttpTransfer::Next
CurlTransfer::next(std::string& piece, const GiveUp& give_up)
{
  run_until([this] { return !m_reading.pieces.empty(); }, give_up);
  if (m_cancelled.load()) {
    return Next::failed;
  }
  if (!m_reading.pieces.empty()) {
    piece = std::move(m_reading.pieces.front());
    m_reading.pieces.pop_front();
    return Next::data;
  }
  return m_error ? Next::failed : Next::end;
}

} // namespace

std::unique_ptr<HttpTransfer>
open_curl_transfer(HttpRequest request, CURLSH* share)
{
  return std::make_unique<CurlTransfer>(std::move(request), share);
}

} // namespace aigw::net
