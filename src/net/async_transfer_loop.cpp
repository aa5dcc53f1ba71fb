// SPDX-License-Identifier: MIT
// UpstreamLoop: one libcurl multi handle driven by asio through curl's multi socket
// interface. libcurl says which of its sockets it wants to read or write and when it wants
// to be called back; asio waits for exactly that on the loop's thread and calls
// curl_multi_socket_action, after which the finished transfers are handed their results.
#include "net/async_transfer_internal.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include <boost/asio/post.hpp>

namespace aigw::net {

namespace {

// Idle upstream connections a loop keeps. A loop serves many agents at once, each transfer
// on a connection of its own: with fewer kept than run at once, every burst would open and
// close connections (a TCP handshake per request, and TIME_WAIT sockets by the thousand).
// curl closes a connection idle for two minutes (CURLOPT_MAXAGE_CONN) all the same.
constexpr long k_loop_idle_connections = 256;

using boost::asio::posix::stream_descriptor;

int
on_socket(CURL*, curl_socket_t fd, int what, void* loop, void*)
{
  return static_cast<UpstreamLoop::Impl*>(loop)->watch(fd, what);
}

// libcurl opens and closes its connections' sockets here, so that the loop knows which
// sockets are connections: those stay registered with the loop while the connection waits
// idle between transfers (two epoll_ctl calls a request saved), and the loop stops
// watching one before it is closed. Other sockets (the resolver's) are dropped as libcurl
// stops using them, since libcurl closes those by itself.
curl_socket_t
on_open_socket(void* loop, curlsocktype, curl_sockaddr* address)
{
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd >= 0) {
    static_cast<UpstreamLoop::Impl*>(loop)->connections.insert(fd);
  }
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

int
on_close_socket(void* loop, curl_socket_t fd)
{
  static_cast<UpstreamLoop::Impl*>(loop)->closing(fd);
  return ::close(fd);
}

int
on_timer(CURLM*, long milliseconds, void* loop)
{
  static_cast<UpstreamLoop::Impl*>(loop)->set_timeout(milliseconds);
  return 0;
}

} // namespace

UpstreamLoop::Impl::Impl(boost::asio::io_context& context)
    : io(context),
      multi((init_curl_once(), curl_multi_init())),
      timer(context)
{
  if (!multi) {
    return; // every transfer then fails to start
  }
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, k_loop_idle_connections);
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERDATA, this);
}

UpstreamLoop::Impl::~Impl()
{
  // Orphaning detaches each one, which erases it from `open`.
  while (!open.empty()) {
    (*open.begin())->orphan();
  }
  multi.reset(); // closes the idle connections, telling on_socket
  for (auto& [fd, watch] : sockets) {
    watch->dropped = true;
    watch->descriptor.release();
  }
}

bool
UpstreamLoop::Impl::attach(LoopTransfer& transfer)
{
  curl_easy_setopt(transfer.easy(), CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(transfer.easy(), CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(transfer.easy(), CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
  curl_easy_setopt(transfer.easy(), CURLOPT_CLOSESOCKETDATA, this);
  if (!multi || curl_multi_add_handle(multi.get(), transfer.easy()) != CURLM_OK) {
    return false;
  }
  open.insert(&transfer);
  return true;
}

void
UpstreamLoop::Impl::detach(LoopTransfer& transfer)
{
  curl_multi_remove_handle(multi.get(), transfer.easy());
  open.erase(&transfer);
}

EasyHandle
UpstreamLoop::Impl::take_easy()
{
  if (spare.empty()) {
    return EasyHandle(curl_easy_init());
  }
  EasyHandle easy = std::move(spare.back());
  spare.pop_back();
  return easy;
}

// As many as the idle connections: a loop never runs more transfers at once than it keeps
// connections for, unless a burst outgrows them.
void
UpstreamLoop::Impl::give_back(EasyHandle easy)
{
  if (!easy || spare.size() >= static_cast<std::size_t>(k_loop_idle_connections)) {
    return;
  }
  curl_easy_reset(easy.get());
  spare.push_back(std::move(easy));
}

// Not through the timer: libcurl set that one and only says again when its own timeout
// changes.
void
UpstreamLoop::Impl::kick()
{
  boost::asio::post(io, [this, alive = std::weak_ptr(life)] {
    if (!alive.expired()) {
      act(CURL_SOCKET_TIMEOUT, 0);
    }
  });
}

int
UpstreamLoop::Impl::watch(curl_socket_t fd, int what)
{
  if (what == CURL_POLL_REMOVE) {
    // A connection stays registered: it may serve the next transfer (on_open_socket).
    const auto found = sockets.find(fd);
    if (found != sockets.end() && connections.contains(fd)) {
      found->second->wanted = 0;
    } else {
      drop(fd);
    }
    return 0;
  }

  auto& entry = sockets[fd];
  if (!entry) {
    entry = std::make_shared<SocketWatch>(io);
    boost::system::error_code error;
    entry->descriptor.assign(fd, error);
    if (error) {
      sockets.erase(fd);
      return -1; // libcurl fails the transfers on this socket
    }
  }
  entry->wanted = what;
  arm(entry);
  return 0;
}

void
UpstreamLoop::Impl::closing(curl_socket_t fd)
{
  connections.erase(fd);
  drop(fd);
}

void
UpstreamLoop::Impl::drop(curl_socket_t fd)
{
  const auto found = sockets.find(fd);
  if (found == sockets.end()) {
    return;
  }
  // Its pending waits complete as aborted and find it dropped; asio stops watching the
  // descriptor before libcurl closes it.
  found->second->dropped = true;
  found->second->descriptor.release();
  sockets.erase(found);
}

// Start a wait for each way libcurl wants the socket that has none pending.
void
UpstreamLoop::Impl::arm(const std::shared_ptr<SocketWatch>& watch)
{
  const auto wait = [this, &watch](stream_descriptor::wait_type type, int direction) {
    watch->descriptor.async_wait(type, [this, watch, direction](boost::system::error_code e) {
      on_ready(watch, direction, e);
    });
  };
  if ((watch->wanted & CURL_POLL_IN) != 0 && !watch->reading) {
    watch->reading = true;
    wait(stream_descriptor::wait_read, CURL_CSELECT_IN);
  }
  if ((watch->wanted & CURL_POLL_OUT) != 0 && !watch->writing) {
    watch->writing = true;
    wait(stream_descriptor::wait_write, CURL_CSELECT_OUT);
  }
}

void
UpstreamLoop::Impl::on_ready(const std::shared_ptr<SocketWatch>& watch, int direction,
                             boost::system::error_code error)
{
  if (watch->dropped) {
    return; // the loop, or libcurl's use of this socket, is gone
  }
  (direction == CURL_CSELECT_IN ? watch->reading : watch->writing) = false;
  if (error == boost::asio::error::operation_aborted) {
    return;
  }
  if (error) {
    act(watch->descriptor.native_handle(), CURL_CSELECT_ERR); // libcurl ends what uses it
    return;
  }
  // A wait libcurl no longer wants (it changed its mind since) is not news to it.
  const int wanted = direction == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
  if ((watch->wanted & wanted) == 0) {
    return;
  }

  act(watch->descriptor.native_handle(), direction);
  if (!watch->dropped) {
    arm(watch);
  }
}

void
UpstreamLoop::Impl::set_timeout(long milliseconds)
{
  if (milliseconds < 0) {
    timer.cancel();
    return;
  }
  if (milliseconds == 0) {
    // libcurl asks for "at once" on every new transfer: a posted call costs no timer, and
    // setting the loop's earliest timer costs a timerfd_settime system call.
    timer.cancel();
    kick();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(milliseconds));
  timer.async_wait([this, alive = std::weak_ptr(life)](boost::system::error_code error) {
    if (!alive.expired() && !error) {
      act(CURL_SOCKET_TIMEOUT, 0);
    }
  });
}

// Let libcurl move what `events` on `fd` concern (or its timeouts), then hand each
// transfer it finished its result.
void
UpstreamLoop::Impl::act(curl_socket_t fd, int events)
{
  int running = 0;
  curl_multi_socket_action(multi.get(), fd, events, &running);
  for (const auto& [easy, code] : finished_transfers(multi.get())) {
    LoopTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    detach(*transfer);
    transfer->finish(code);
  }
}

UpstreamLoop::UpstreamLoop(boost::asio::io_context& io) : m_impl(std::make_unique<Impl>(io)) {}

UpstreamLoop::~UpstreamLoop() = default;

std::shared_ptr<AsyncTransfer>
UpstreamLoop::open(HttpRequest request)
{
  auto transfer = std::make_shared<LoopTransfer>(*m_impl, std::move(request));
  transfer->start();
  return transfer;
}

void
UpstreamLoop::cancel_all()
{
  // A cancel detaches the transfer, which erases it from the set.
  std::vector<LoopTransfer*> open(m_impl->open.begin(), m_impl->open.end());
  for (LoopTransfer* transfer : open) {
    transfer->cancel();
  }
}

} // namespace aigw::net
