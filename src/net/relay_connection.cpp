// SPDX-License-Identifier: MIT
// An agent's connection to the relay, as a coroutine on its loop. Boost.Beast parses each
// request: the head first, which must arrive whole within the header timeout and stay under
// k_head_limit, and is screened (relay_checks.cpp) before any of its body is read, so that a
// client without the key can make the relay read no body. Then the body, each read waiting
// at most the read timeout, then the answer (relay_server.cpp). A connection over the limit
// gets one short chance to send its head, so that its 503 comes in the shape of its route.
// A connection closed before its input was read first reads and drops what the client still
// sends for a moment: closing with unread input makes the kernel reset the connection,
// which can destroy the reply before the client reads it.
#include "net/relay_connection.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <limits>

#include <sys/socket.h>

#include "util/content_coding.hpp"

namespace aigw::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using std::chrono::milliseconds;

constexpr std::size_t k_keep_alive_requests = 1000;
// How long an idle connection waits for its next request, and each read or write at most.
constexpr milliseconds k_keep_alive{5'000};
constexpr milliseconds k_io_timeout{5'000};
// What a connection over the limit gets to send its request head in.
constexpr milliseconds k_over_limit_timeout{1'000};
// How long, and how much, a closing connection reads and drops what is left of its input.
constexpr milliseconds k_linger{1'000};
constexpr std::size_t k_linger_limit = 1024U * 1024;
constexpr std::size_t k_read_size = 16U * 1024;
// How long an answer waits on the upstream before the relay watches the agent's socket for
// a hang-up: most answers come sooner, and each watch costs an epoll_ctl call.
constexpr milliseconds k_watch_delay{100};
constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";

// Whether the peer closed its side, or the connection broke. Unread bytes (a pipelined
// request) mean it is still there.
bool
peer_closed(int sock)
{
  char byte = 0;
  const ssize_t got = ::recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// The request as the agent sent it: raw target split into path and query, header names and
// values as they came, in their order.
InboundRequest
inbound_of(const http::request<http::string_body>& request)
{
  InboundRequest inbound;
  inbound.method = std::string(request.method_string());
  const std::string_view target = request.target();
  const auto query = target.find('?');
  inbound.path = std::string(target.substr(0, query));
  if (query != std::string_view::npos) {
    inbound.query = std::string(target.substr(query + 1));
  }
  for (const auto& field : request) {
    inbound.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  return inbound;
}

// The status a request gets when its head or body could not be read, or 0 for none (the
// client went away or was too slow: it is not waiting for an answer).
int
reading_status(const beast::error_code& error)
{
  if (error == http::error::header_limit) {
    return 431;
  }
  if (error == http::error::body_limit) {
    return 413;
  }
  const bool malformed = error.category() == beast::error_code(http::error::bad_target).category()
                         && error != http::error::end_of_stream
                         && error != http::error::partial_message;
  return malformed ? 400 : 0;
}

// Header lines as they stand at the start of `input`, up to the blank line.
void
add_header_lines(Headers& headers, std::string_view input)
{
  while (!input.empty()) {
    const auto end = input.find('\n');
    std::string_view field = input.substr(0, end);
    input = end == std::string_view::npos ? "" : input.substr(end + 1);
    if (!field.empty() && field.back() == '\r') {
      field.remove_suffix(1);
    }
    if (field.empty()) {
      return;
    }
    headers.add_line(field);
  }
}

// What can be made out of a head Beast refused: what it parsed before the line it refused,
// then the unparsed rest as plain lines, so that the refusal can name what is wrong and
// come in the shape of the request's route.
InboundRequest
rough_head(const http::request<http::string_body>& parsed, std::string_view rest)
{
  InboundRequest rough = inbound_of(parsed);
  if (parsed.method() == http::verb::unknown && parsed.method_string().empty()) {
    const std::string_view line = rest.substr(0, rest.find('\n'));
    const auto first_space = line.find(' ');
    rough.method = std::string(line.substr(0, first_space));
    if (first_space != std::string_view::npos) {
      const std::string_view target = line.substr(first_space + 1);
      rough.path = std::string(target.substr(0, std::min(target.find(' '), target.find('?'))));
    }
    rest = rest.substr(std::min(rest.size(), line.size() + 1));
  }
  add_header_lines(rough.headers, rest);
  return rough;
}

} // namespace

AgentConnection::AgentConnection(Relay::Impl& relay, RelayLoop& loop,
                                 asio::ip::tcp::socket socket, bool over_limit)
  : m_relay(relay), m_loop(loop), m_socket(std::move(socket)), m_over_limit(over_limit)
{
  m_loop.connections.insert(this);
}

AgentConnection::~AgentConnection()
{
  m_loop.connections.erase(this);
}

Task<void>
AgentConnection::serve()
{
  for (std::size_t left = k_keep_alive_requests; left > 0 && !m_close; --left) {
    if (!co_await wait_for_request()) {
      break;
    }
    co_await serve_request(left == 1);
  }

  if (!m_over_limit) {
    m_relay.served.fetch_sub(1);
  }
  co_await close();
}

void
AgentConnection::shut_down()
{
  m_stopping = true;
  m_close = true;
  if (m_answering) {
    return; // its upstream transfer is cancelled: the agent gets its answer, then the close
  }
  beast::error_code ignored;
  m_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_socket.cancel(ignored);
}

void
AgentConnection::check_deadline(Clock::time_point now)
{
  if (m_on_gone && !m_watching && now >= m_watch_from) {
    start_watch();
  }
  if (now >= m_deadline) {
    m_deadline = Clock::time_point::max();
    m_timed_out = true;
    beast::error_code ignored;
    m_socket.cancel(ignored);
  }
}

void
AgentConnection::set_deadline(Clock::duration within)
{
  m_deadline = Clock::now() + within;
  m_timed_out = false;
}

beast::error_code
AgentConnection::clear_deadline(beast::error_code error)
{
  m_deadline = Clock::time_point::max();
  return m_timed_out ? beast::error::timeout : error;
}

Task<bool>
AgentConnection::wait_for_request()
{
  if (m_buffer.size() > 0) {
    co_return true;
  }
  set_deadline(m_over_limit ? k_over_limit_timeout : k_keep_alive);
  beast::error_code error;
  const std::size_t got = co_await m_socket.async_read_some(
    m_buffer.prepare(k_read_size), asio::redirect_error(asio::use_awaitable, error));
  m_buffer.commit(got);
  clear_deadline();
  co_return !error && !m_stopping;
}

Task<void>
AgentConnection::serve_request(bool last)
{
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(k_head_limit));
  // The limit is set once the head passed the checks. Not boost::none: Beast 1.74 compares
  // a Content-Length with the optional limit, and a length is "greater" than none.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  set_deadline(m_over_limit ? std::min(m_relay.options.header_timeout, k_over_limit_timeout)
                            : m_relay.options.header_timeout);
  beast::error_code error;
  co_await http::async_read_header(m_socket, m_buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, error));
  error = clear_deadline(error);
  if (error) {
    co_await refuse_head(parser, error);
    co_return;
  }

  m_request_is_head = parser.get().method() == http::verb::head;
  m_http10 = parser.get().version() < 11;
  m_close = last || !parser.get().keep_alive();
  InboundRequest inbound = inbound_of(parser.get());
  const auto routed = route_of(inbound.path);
  RequestLog log(inbound.method, inbound.path);
  log.set_route(routed ? to_string(routed->route) : "-");
  ReplyChannel reply(*this, log);

  if (auto refused = screen(inbound)) {
    if (!parser.is_done()) {
      log.set_body_unread();
    }
    co_await refuse(*refused, reply);
    log.finish();
    co_return;
  }
  if (co_await read_body(parser, inbound, reply)) {
    Exchange exchange{std::move(inbound), *routed, reply};
    m_answering = true;
    co_await m_relay.answer(exchange);
    m_answering = false;
  }
  log.finish();
}

std::optional<LocalReply>
AgentConnection::screen(const InboundRequest& inbound) const
{
  if (m_over_limit) {
    const auto routed = route_of(inbound.path);
    return error_reply(routed ? routed->route : Route::otel, 503,
                       "the relay serves " + std::to_string(m_relay.options.max_connections)
                         + " connections at once and has no room for this one: try again "
                           "in a moment");
  }
  return m_relay.head_refusal(inbound);
}

Task<void>
AgentConnection::refuse_head(const Parser& parser, const beast::error_code& error)
{
  const int status = reading_status(error);
  if (status == 0) {
    m_close = true;
    co_return;
  }
  const std::string_view rest(static_cast<const char*>(m_buffer.data().data()),
                              m_buffer.size());
  const InboundRequest rough = rough_head(parser.get(), rest);
  RequestLog log(rough.method, rough.path);
  ReplyChannel reply(*this, log);
  // Beast refuses what the relay's own checks refuse too, and they say why.
  const auto refused = status == 400 ? m_relay.head_refusal(rough) : std::nullopt;
  if (refused && refused->status == 400) {
    co_await refuse(*refused, reply);
  } else {
    co_await refuse_unread(status, rough.path, reply);
  }
  log.finish();
}

Task<bool>
AgentConnection::read_body(Parser& parser, InboundRequest& inbound, ReplyChannel& reply)
{
  const std::size_t limit = m_relay.options.body_limit;
  if (parser.content_length().value_or(0) > limit) {
    reply.log().set_body_unread();
    co_await refuse_unread(413, inbound.path, reply);
    co_return false;
  }
  parser.body_limit(limit);
  const auto expect = inbound.headers.get("Expect");
  if (!parser.is_done() && !m_http10 && expect && same_name(*expect, "100-continue")
      && !co_await write(asio::buffer(k_continue))) {
    co_return false;
  }
  beast::error_code error;
  while (!parser.is_done() && !error) {
    set_deadline(k_io_timeout);
    co_await http::async_read_some(m_socket, m_buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, error));
    error = clear_deadline(error);
  }
  if (error) {
    co_await refuse_unread(reading_status(error), inbound.path, reply);
    co_return false;
  }

  inbound.body = std::move(parser.get().body());
  reply.log().set_in(inbound.body.size());
  co_return co_await decode_body(inbound, reply);
}

Task<bool>
AgentConnection::decode_body(InboundRequest& inbound, ReplyChannel& reply)
{
  const auto coding = inbound.headers.get("Content-Encoding");
  if (!coding) {
    co_return true;
  }
  auto decoded = util::decode_content(*coding, std::move(inbound.body), m_relay.options.body_limit);
  if (decoded) {
    inbound.body = std::move(*decoded);
    inbound.headers.remove("Content-Encoding");
    co_return true;
  }
  const auto failure = decoded.error().kind;
  const int status = failure == util::ContentCodingFailure::unknown_coding ? 415
                     : failure == util::ContentCodingFailure::too_large    ? 413
                                                                           : 400;
  co_await refuse_unread(status, inbound.path, reply);
  co_return false;
}

Task<void>
AgentConnection::refuse_unread(int status, std::string_view path, ReplyChannel& reply)
{
  m_close = true;
  if (status == 0) {
    co_return;
  }
  const auto routed = route_of(path);
  const LocalReply refusal = error_reply(routed ? routed->route : Route::otel, status,
                                         reading_error_message(status,
                                                               m_relay.options.body_limit));
  co_await refuse(refusal, reply);
}

Task<void>
AgentConnection::refuse(const LocalReply& refusal, ReplyChannel& reply)
{
  m_close = true;
  m_linger = true;
  co_await reply.send(refusal);
}

Task<bool>
AgentConnection::write(asio::const_buffer first, asio::const_buffer second,
                       asio::const_buffer third, asio::const_buffer fourth)
{
  const std::array buffers{first, second, third, fourth};
  if (m_broken) {
    co_return false;
  }
  set_deadline(k_io_timeout);
  beast::error_code error;
  co_await asio::async_write(m_socket, buffers, asio::redirect_error(asio::use_awaitable, error));
  clear_deadline();
  if (error) {
    m_broken = true;
    m_close = true;
  }
  co_return !error;
}

void
AgentConnection::watch_hangup(std::function<void()> on_gone)
{
  m_on_gone = std::move(on_gone);
  m_watch_from = Clock::now() + k_watch_delay;
}

void
AgentConnection::start_watch()
{
  m_watching = true;
  m_socket.async_wait(asio::ip::tcp::socket::wait_read,
                      [self = shared_from_this()](const beast::error_code& error) {
                        self->m_watching = false;
                        if (!error && self->m_on_gone
                            && peer_closed(self->m_socket.native_handle())) {
                          std::exchange(self->m_on_gone, nullptr)();
                        }
                      });
}

void
AgentConnection::end_watch()
{
  m_on_gone = nullptr;
  if (m_watching) {
    beast::error_code ignored;
    m_socket.cancel(ignored);
  }
}

Task<void>
AgentConnection::close()
{
  beast::error_code ignored;
  if (m_linger && !m_broken && !m_stopping) {
    m_socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::size_t dropped = 0;
    set_deadline(k_linger);
    while (dropped < k_linger_limit && !ignored) {
      m_buffer.clear();
      dropped += co_await m_socket.async_read_some(
        m_buffer.prepare(k_read_size), asio::redirect_error(asio::use_awaitable, ignored));
    }
  }
  m_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_socket.close(ignored);
}

} // namespace aigw::net
