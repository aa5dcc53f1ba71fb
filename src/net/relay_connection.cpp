// SPDX-License-Identifier: MIT
// The relay's connections. cpp-httplib parses and answers each request, but the loop
// around a connection is ours, over our own Stream: the request head (request line and
// headers) must arrive whole within the header timeout of its first byte and stay under
// k_head_limit; every wait also watches for stop(), so that stopping never sleeps out a
// keep-alive or read timeout; writes use MSG_NOSIGNAL. Connections over the limit get one
// short chance to send their head, so that their 503 comes in the shape of their route,
// and are then closed. A connection closed before its input was read (a refusal, a head
// too large) first reads and drops what the client still sends for a moment: closing
// with unread input makes the kernel reset the connection, which can destroy the reply
// before the client reads it.
#include "net/relay_internal.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aigw::net {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often a wait looks whether the server stops.
constexpr milliseconds k_stop_poll{100};
// What a connection over the limit gets to send its request head in.
constexpr milliseconds k_over_limit_timeout{1'000};
// How long, and how much, a closing connection reads and drops what is left of its input.
constexpr milliseconds k_linger{1'000};
constexpr std::size_t k_linger_limit = 1024U * 1024;

#ifdef MSG_NOSIGNAL
constexpr int k_send_flags = MSG_NOSIGNAL;
#else
constexpr int k_send_flags = 0; // SO_NOSIGPIPE is set on the socket instead
#endif

milliseconds
duration_of(time_t seconds, time_t microseconds)
{
  return std::chrono::seconds(seconds)
         + std::chrono::duration_cast<milliseconds>(std::chrono::microseconds(microseconds));
}

// getpeername or getsockname.
using NameCall = int (*)(int, sockaddr*, socklen_t*);

// The address `call` reports for `sock`, as cpp-httplib wants it.
void
address_of(socket_t sock, NameCall call, std::string& ip, int& port)
{
  sockaddr_storage address{};
  auto length = static_cast<socklen_t>(sizeof(address));
  if (call(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text.data(), static_cast<socklen_t>(text.size()));
    port = ntohs(v6.sin6_port);
  } else {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text.data(), static_cast<socklen_t>(text.size()));
    port = ntohs(v4.sin_port);
  }
  ip = text.data();
}

// Whether the peer of `sock` closed its side (or the connection broke). Input it sent
// and nobody read yet (a pipelined request) means it is still there.
bool
peer_closed(socket_t sock)
{
  pollfd entry{sock, POLLIN, 0};
  if (::poll(&entry, 1, 0) <= 0) {
    return false;
  }
  if ((entry.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    return true;
  }
  char byte = 0;
  const ssize_t got = ::recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// recv and send that never block (the socket stays blocking for the library's own
// calls) and retry an interrupted call.
ssize_t
receive_now(socket_t sock, char* buffer, std::size_t size)
{
  ssize_t got = 0;
  do {
    got = ::recv(sock, buffer, size, MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  return got;
}

ssize_t
send_now(socket_t sock, const char* data, std::size_t size)
{
  ssize_t sent = 0;
  do {
    sent = ::send(sock, data, size, k_send_flags | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  return sent;
}

// RFC 9112 6.3: a request with neither Content-Length nor Transfer-Encoding has no body.
// cpp-httplib 0.11 instead reads such a POST, PUT, PATCH or DELETE body until the client
// closes, so the client waits out its own timeout. Saying the length is 0 answers it at
// once; a 411 would refuse a well-formed request that clients send meaning "no body".
void
frame_bodiless_request(httplib::Request& req)
{
  if (library_reads_body(req.method) && !req.has_header("Content-Length")
      && !req.has_header("Transfer-Encoding")) {
    req.set_header("Content-Length", "0");
  }
}

} // namespace

struct ConnectionTimes
{
  milliseconds header;
  milliseconds read;
  milliseconds write;
  milliseconds keep_alive;
};

// One accepted connection as cpp-httplib's Stream.
class ConnectionStream final : public httplib::Stream
{
public:
  ConnectionStream(socket_t sock, ConnectionTimes times, bool over_limit,
                   const std::atomic<socket_t>& server_socket);

  // Wait (at most the keep-alive time) for the next request; its head clock starts then.
  bool wait_for_request();
  // The head is read: from now on each read waits the read timeout.
  void end_head() { m_in_head = false; }
  // The request head as it came: request line, header lines, blank line.
  std::string_view head_text() const { return m_head_text; }
  HeadCut cut() const { return m_cut; }
  bool over_limit() const { return m_over_limit; }
  void close_after_reply() { m_close = true; }
  bool must_close() const { return m_close || m_cut != HeadCut::none; }
  void close();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return m_sock; }

private:
  bool stopping() const { return m_server_socket.load() == INVALID_SOCKET; }
  bool wait(short events, Clock::time_point deadline) const;
  ssize_t fill();
  void linger();

  socket_t m_sock;
  ConnectionTimes m_times;
  bool m_over_limit;
  const std::atomic<socket_t>& m_server_socket;
  std::array<char, 4096> m_buffer{};
  std::size_t m_begin = 0;
  std::size_t m_end = 0;
  bool m_in_head = false;
  std::size_t m_head_bytes = 0;
  std::string m_head_text;
  Clock::time_point m_head_deadline;
  HeadCut m_cut = HeadCut::none;
  bool m_close = false;
  mutable std::optional<std::pair<std::string, int>> m_remote;
  mutable std::optional<std::pair<std::string, int>> m_local;
};

namespace {

// The connection the calling server thread serves, for the handlers.
thread_local ConnectionStream* t_connection = nullptr;

class CurrentConnection
{
public:
  explicit CurrentConnection(ConnectionStream& stream) { t_connection = &stream; }
  ~CurrentConnection() { t_connection = nullptr; }
  CurrentConnection(const CurrentConnection&) = delete;
  CurrentConnection& operator=(const CurrentConnection&) = delete;
};

} // namespace

ConnectionStream::ConnectionStream(socket_t sock, ConnectionTimes times, bool over_limit,
                                   const std::atomic<socket_t>& server_socket)
  : m_sock(sock), m_times(times), m_over_limit(over_limit), m_server_socket(server_socket)
{
#ifdef SO_NOSIGPIPE
  const int yes = 1;
  setsockopt(m_sock, SOL_SOCKET, SO_NOSIGPIPE, &yes, static_cast<socklen_t>(sizeof(yes)));
#endif
}

bool
ConnectionStream::wait(short events, Clock::time_point deadline) const
{
  for (;;) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (stopping() || left.count() <= 0) {
      return false;
    }
    pollfd entry{m_sock, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::min(left, k_stop_poll).count()));
    if (ready > 0) {
      return true; // an error or hang-up too: the read or write that follows says which
    }
    if (ready < 0 && errno != EINTR) {
      return false;
    }
  }
}

bool
ConnectionStream::wait_for_request()
{
  if (m_begin == m_end && !wait(POLLIN, Clock::now() + m_times.keep_alive)) {
    return false;
  }
  m_in_head = true;
  m_head_bytes = 0;
  m_head_text.clear();
  m_head_deadline = Clock::now() + m_times.header;
  return true;
}

ssize_t
ConnectionStream::fill()
{
  // What has arrived is read at once; only an empty socket costs a wait (and a poll).
  ssize_t got = receive_now(m_sock, m_buffer.data(), m_buffer.size());
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    const auto deadline = m_in_head ? m_head_deadline : Clock::now() + m_times.read;
    if (!wait(POLLIN, deadline)) {
      if (m_in_head && !stopping()) {
        m_cut = HeadCut::deadline;
      }
      return -1;
    }
    got = receive_now(m_sock, m_buffer.data(), m_buffer.size());
  }
  if (got > 0) {
    m_begin = 0;
    m_end = static_cast<std::size_t>(got);
  }
  return got;
}

ssize_t
ConnectionStream::read(char* ptr, size_t size)
{
  if (m_begin == m_end) {
    const ssize_t got = fill();
    if (got <= 0) {
      return got;
    }
  }
  const std::size_t count = std::min(size, m_end - m_begin);
  if (m_in_head) {
    m_head_bytes += count;
    if (m_head_bytes > k_head_limit) {
      m_cut = HeadCut::too_large;
      return -1;
    }
    m_head_text.append(m_buffer.data() + m_begin, count);
  }
  std::memcpy(ptr, m_buffer.data() + m_begin, count);
  m_begin += count;
  return static_cast<ssize_t>(count);
}

ssize_t
ConnectionStream::write(const char* ptr, size_t size)
{
  // A client cut off for a slow head gets no reply: it is not waiting for one.
  if (m_cut == HeadCut::deadline) {
    return -1;
  }
  ssize_t sent = send_now(m_sock, ptr, size);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (!wait(POLLOUT, Clock::now() + m_times.write)) {
      return -1;
    }
    sent = send_now(m_sock, ptr, size);
  }
  return sent;
}

bool
ConnectionStream::is_readable() const
{
  return m_begin < m_end || wait(POLLIN, Clock::now() + m_times.read);
}

bool
ConnectionStream::is_writable() const
{
  return m_cut != HeadCut::deadline && wait(POLLOUT, Clock::now() + m_times.write);
}

// The library asks for both addresses on every request; a connection's never change.
void
ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const
{
  if (!m_remote) {
    m_remote.emplace();
    address_of(m_sock, ::getpeername, m_remote->first, m_remote->second);
  }
  ip = m_remote->first;
  port = m_remote->second;
}

void
ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const
{
  if (!m_local) {
    m_local.emplace();
    address_of(m_sock, ::getsockname, m_local->first, m_local->second);
  }
  ip = m_local->first;
  port = m_local->second;
}

void
ConnectionStream::linger()
{
  ::shutdown(m_sock, SHUT_WR);
  const auto deadline = Clock::now() + k_linger;
  std::size_t dropped = 0;
  while (dropped < k_linger_limit && wait(POLLIN, deadline)) {
    const ssize_t got = ::recv(m_sock, m_buffer.data(), m_buffer.size(), 0);
    if (got <= 0) {
      return;
    }
    dropped += static_cast<std::size_t>(got);
  }
}

void
ConnectionStream::close()
{
  if (m_close || m_cut == HeadCut::too_large) {
    linger();
  }
  ::shutdown(m_sock, SHUT_RDWR);
  ::close(m_sock);
}

void
RelayHttpServer::set_limits(milliseconds header_timeout, std::size_t max_connections)
{
  m_header_timeout = header_timeout;
  m_max_connections = max_connections;
}

bool
RelayHttpServer::raise_backlog(int backlog)
{
  // listen() on a socket that already listens only sets its backlog (Linux and the BSDs).
  return ::listen(svr_sock_, backlog) == 0;
}

bool
RelayHttpServer::admit()
{
  std::size_t served = m_served.load();
  do {
    if (served >= m_max_connections) {
      return false;
    }
  } while (!m_served.compare_exchange_weak(served, served + 1));
  return true;
}

bool
RelayHttpServer::process_and_close_socket(socket_t sock)
{
  const bool admitted = admit();
  ConnectionTimes times{m_header_timeout, duration_of(read_timeout_sec_, read_timeout_usec_),
                        duration_of(write_timeout_sec_, write_timeout_usec_),
                        std::chrono::seconds(keep_alive_timeout_sec_)};
  if (!admitted) {
    times.header = std::min(times.header, k_over_limit_timeout);
    times.keep_alive = std::min(times.keep_alive, k_over_limit_timeout);
  }

  ConnectionStream stream(sock, times, !admitted, svr_sock_);
  serve(stream);
  // Free the place before the client can see the close, so that it may come straight back.
  if (admitted) {
    m_served.fetch_sub(1);
  }
  stream.close();
  return true;
}

void
RelayHttpServer::serve(ConnectionStream& stream)
{
  const CurrentConnection current(stream);
  for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.wait_for_request()) {
      return;
    }
    bool closed = false;
    const bool answered =
      process_request(stream, left == 1, closed, [&stream](httplib::Request& req) {
        stream.end_head();
        frame_bodiless_request(req);
      });
    if (!answered || closed || stream.must_close() || stream.over_limit()) {
      return;
    }
  }
}

std::optional<std::string_view>
request_head()
{
  if (!t_connection) {
    return std::nullopt;
  }
  return t_connection->head_text();
}

HeadCut
head_cut()
{
  return t_connection ? t_connection->cut() : HeadCut::none;
}

bool
connection_over_limit()
{
  return t_connection && t_connection->over_limit();
}

// The request object is the library's own non-const local, handed to us as const: the
// const_cast is sound. The library reads Connection only when it writes the reply.
void
close_after_reply(const httplib::Request& req)
{
  auto& request = const_cast<httplib::Request&>(req);
  request.headers.erase("Connection");
  request.headers.emplace("Connection", "close");
  if (t_connection) {
    t_connection->close_after_reply();
  }
}

HangupCheck
hangup_check()
{
  if (!t_connection) {
    return [] { return false; };
  }
  return [sock = t_connection->socket()] { return peer_closed(sock); };
}

} // namespace aigw::net
