// SPDX-License-Identifier: MIT
// Internal to the relay: an agent's connection (relay_connection.cpp), and the reply
// channel that writes on it (relay_reply.cpp).
#pragma once

#include <array>
#include <functional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/relay_internal.hpp"

namespace aigw::net {

using Clock = std::chrono::steady_clock;

class AgentConnection : public std::enable_shared_from_this<AgentConnection>
{
public:
  // `over_limit`: the connection came over the limit and gets a 503 to its first request.
  AgentConnection(Relay::Impl& relay, RelayLoop& loop, boost::asio::ip::tcp::socket socket,
                  bool over_limit);
  ~AgentConnection();

  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  // Serve requests until the agent or the relay closes the connection.
  Task<void> serve();
  // The relay stops: end the connection where it is.
  void shut_down();
  // Called by the loop's sweep: end the wait in progress if its deadline passed.
  void check_deadline(Clock::time_point now);

  // For the reply channel.
  // Write the buffers in order, in one system call when the socket takes them.
  Task<bool> write(boost::asio::const_buffer first, boost::asio::const_buffer second = {},
                   boost::asio::const_buffer third = {}, boost::asio::const_buffer fourth = {});
  RelayLoop& loop() { return m_loop; }
  bool head_request() const { return m_request_is_head; }
  bool http10() const { return m_http10; }
  bool closing() const { return m_close; }
  void close_after_reply() { m_close = true; }
  void watch_hangup(std::function<void()> on_gone);
  void end_watch();

private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // Deadlines are a time the loop's sweep compares with, not a timer each: setting a timer
  // per read and write cost a system call each (timerfd_settime) on every request.
  void set_deadline(Clock::duration within);
  // `error`, or a timeout when the deadline ended the wait.
  boost::beast::error_code clear_deadline(boost::beast::error_code error = {});

  void start_watch();

  Task<bool> wait_for_request();
  Task<void> serve_request(bool last);
  std::optional<LocalReply> screen(const InboundRequest& inbound) const;
  // Answer a request whose head Beast could not read (or close, when no answer is due).
  Task<void> refuse_head(const Parser& parser, const boost::beast::error_code& error);
  Task<bool> read_body(Parser& parser, InboundRequest& inbound, ReplyChannel& reply);
  Task<bool> decode_body(InboundRequest& inbound, ReplyChannel& reply);
  // Answer `status` (none for 0) to a request whose input was not all read, and close.
  Task<void> refuse_unread(int status, std::string_view path, ReplyChannel& reply);
  // Answer `refusal` to a request whose input was not all read, and close.
  Task<void> refuse(const LocalReply& refusal, ReplyChannel& reply);
  Task<void> close();

  Relay::Impl& m_relay;
  RelayLoop& m_loop;
  boost::asio::ip::tcp::socket m_socket;
  Clock::time_point m_deadline = Clock::time_point::max();
  bool m_timed_out = false;
  boost::beast::flat_buffer m_buffer;
  bool m_over_limit;
  bool m_request_is_head = false;
  bool m_http10 = false;
  bool m_close = false;    // after this reply
  bool m_linger = false;   // input left unread: drain it before closing
  bool m_broken = false;   // a write failed
  bool m_watching = false; // a hang-up watch is armed
  std::function<void()> m_on_gone; // set while the relay waits on the upstream
  Clock::time_point m_watch_from;
  bool m_stopping = false;
  bool m_answering = false; // between a request's body and the end of its reply
};

} // namespace aigw::net
