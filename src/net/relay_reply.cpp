// SPDX-License-Identifier: MIT
// How a reply goes out on an agent's connection. The head is held back until the first
// piece of the body (or the end), so that a short reply leaves in one write; a body of
// unknown length is chunked, so the connection stays open for the next request. The relay
// adds no header of its own beyond the framing and, when the connection closes after this
// reply, Connection: close.
#include "net/relay_connection.hpp"

#include <boost/beast/http/status.hpp>

#include "util/log.hpp"

namespace aigw::net {

namespace asio = boost::asio;

namespace {

bool
status_has_body(int status)
{
  return status >= 200 && status != 204 && status != 304;
}

std::string
status_line(int status)
{
  namespace http = boost::beast::http;
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
}

std::string
chunk_size_line(std::size_t size)
{
  char text[24];
  const int length = std::snprintf(text, sizeof(text), "%zx\r\n", size);
  return std::string(text, static_cast<std::size_t>(length));
}

} // namespace

RequestLog::RequestLog(std::string method, std::string path)
  : m_method(std::move(method)), m_path(util::redact(path))
{
}

void
RequestLog::finish()
{
  if (std::exchange(m_done, true)) {
    return;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - m_start);
  const std::string in =
    m_body_unread ? "body not read" : std::to_string(m_bytes_in) + " B in";
  AIGW_INFO(m_method << " " << m_path << " " << m_route << " -> " << m_status
                     << (m_broken ? " broken off" : "") << " (" << elapsed.count() << " ms, "
                     << in << ", " << m_bytes_out << " B out)");
}

ReplyChannel::ReplyChannel(AgentConnection& connection, RequestLog& log)
  : m_connection(connection), m_log(log)
{
}

Task<bool>
ReplyChannel::send(const LocalReply& reply)
{
  if (reply.events.empty()) {
    start(reply.status, reply.headers, reply.body.size());
    const bool written = reply.body.empty() || co_await write(reply.body);
    co_return written && co_await finish();
  }

  Headers headers = reply.headers;
  if (!headers.get("Content-Type")) {
    headers.add("Content-Type", "text/event-stream");
  }
  start(reply.status, headers, std::nullopt);
  for (const auto& event : reply.events) {
    if (!co_await write(event)) {
      co_return false;
    }
  }
  co_return co_await finish();
}

void
ReplyChannel::start(int status, const Headers& headers, std::optional<std::size_t> length)
{
  m_log.set_status(status);
  m_no_body = m_connection.head_request() || !status_has_body(status);
  m_chunked = !length && !m_no_body && !m_connection.http10();
  if (!length && !m_no_body && m_connection.http10()) {
    m_connection.close_after_reply(); // the body ends where the connection does
  }

  m_head = status_line(status);
  for (const auto& [name, value] : headers.items) {
    if (!same_name(name, "Content-Length") && !same_name(name, "Transfer-Encoding")
        && !same_name(name, "Connection")) {
      m_head += name + ": " + value + "\r\n";
    }
  }
  if (length && status_has_body(status)) {
    m_head += "Content-Length: " + std::to_string(*length) + "\r\n";
  } else if (m_chunked) {
    m_head += "Transfer-Encoding: chunked\r\n";
  }
  if (m_connection.closing()) {
    m_head += "Connection: close\r\n";
  } else if (m_connection.http10()) {
    m_head += "Connection: keep-alive\r\n";
  }
  m_head += "\r\n";
}

Task<bool>
ReplyChannel::send_head()
{
  const bool written = m_head.empty() || co_await m_connection.write(asio::buffer(m_head));
  m_head.clear();
  co_return written;
}

Task<bool>
ReplyChannel::write(std::string_view piece)
{
  if (m_no_body || piece.empty()) {
    co_return true;
  }
  m_log.add_out(piece.size());
  const std::string size_line = m_chunked ? chunk_size_line(piece.size()) : std::string();
  const std::string_view end = m_chunked ? "\r\n" : "";
  const bool written = co_await m_connection.write(asio::buffer(m_head), asio::buffer(size_line),
                                                   asio::buffer(piece), asio::buffer(end));
  m_head.clear();
  co_return written;
}

Task<bool>
ReplyChannel::finish()
{
  m_connection.end_watch();
  const std::string_view last_chunk = m_chunked ? "0\r\n\r\n" : "";
  bool written = true;
  if (!m_head.empty() || !last_chunk.empty()) {
    written = co_await m_connection.write(asio::buffer(m_head), asio::buffer(last_chunk));
  }
  m_head.clear();
  m_log.finish();
  co_return written;
}

void
ReplyChannel::abort()
{
  m_connection.end_watch();
  m_connection.close_after_reply();
  m_log.set_broken();
  m_log.finish();
}

RelayLoop&
ReplyChannel::loop()
{
  return m_connection.loop();
}

void
ReplyChannel::watch_hangup(std::function<void()> on_gone)
{
  m_connection.watch_hangup(std::move(on_gone));
}

} // namespace aigw::net
