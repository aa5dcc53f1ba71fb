// SPDX-License-Identifier: MIT
// Internal to the relay: the state behind net::Relay, shared by relay_server.cpp (threads,
// listener, what each request gets), relay_connection.cpp (an agent's connection: reading
// requests with Boost.Beast, writing replies, deadlines and limits), relay_checks.cpp (what
// every request head must pass), relay_forward.cpp (streaming to and from the gateway) and
// relay_telemetry.cpp (OTel exports and the spool). Asio and Beast are seen only by these.
//
// The server is event-driven: one thread per core, each running its own io_context, on
// which the agents' connections and the upstream transfers (async_transfer.hpp) of that
// thread are coroutines. Work that blocks (the spool's fsync, the workspace's answer to an
// OTel export, an OAuth refresh) goes to a small thread pool, so no loop ever waits on it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/async_transfer.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"

namespace aigw::net {

template <typename T>
using Task = boost::asio::awaitable<T>;

// Request line and headers together: an agent's are a few kilobytes.
inline constexpr std::size_t k_head_limit = 64U * 1024;

// One request's line in the log: written once, when its reply is done.
class RequestLog
{
public:
  RequestLog(std::string method, std::string path);

  void set_route(std::string route) { m_route = std::move(route); }
  void set_status(int status) { m_status = status; }
  void set_in(std::size_t bytes) { m_bytes_in = bytes; }
  // Refused before its body was read: "0 B in" would say the agent sent none.
  void set_body_unread() { m_body_unread = true; }
  void add_out(std::size_t bytes) { m_bytes_out += bytes; }
  void set_broken() { m_broken = true; }
  void finish();

private:
  std::string m_method;
  std::string m_path;
  std::string m_route = "-";
  int m_status = 0;
  std::size_t m_bytes_in = 0;
  std::size_t m_bytes_out = 0;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  bool m_broken = false; // the reply ended before its end
  bool m_body_unread = false;
  bool m_done = false;
};

class AgentConnection;
struct RelayLoop;

// The reply to one request, written on the agent's connection (relay_connection.cpp).
// Either send() a reply the relay made, or start() the head of a streamed one, write() its
// pieces and finish() it. A call returns false once the agent cannot be written to; the
// connection is then closed after this request.
class ReplyChannel
{
public:
  ReplyChannel(AgentConnection& connection, RequestLog& log);

  // A whole reply; its events, when it has some, go out as chunks one by one.
  Task<bool> send(const LocalReply& reply);

  // The head of a reply whose body follows: framed by `length` when it is known, chunked
  // otherwise (for an HTTP/1.0 agent: ended by closing). `headers` carry no framing. The
  // head goes out with the first piece, or with finish().
  void start(int status, const Headers& headers, std::optional<std::size_t> length);
  // Write the head now: a stream's first event may be long in coming.
  Task<bool> send_head();
  Task<bool> write(std::string_view piece);
  Task<bool> finish();

  // The reply broke off before its end: the agent learns it from the connection closing.
  void abort();

  // Call `on_gone` if the agent hangs up while the relay waits on the upstream (noticed
  // from 100 ms into the wait on); the watch ends with the reply.
  void watch_hangup(std::function<void()> on_gone);

  RequestLog& log() { return m_log; }
  RelayLoop& loop();

private:
  AgentConnection& m_connection;
  RequestLog& m_log;
  std::string m_head; // not yet written
  bool m_chunked = false;
  bool m_no_body = false; // a HEAD request, or a status that has no body
};

// A request on its way through the relay: what the agent sent and where the reply goes.
struct Exchange
{
  InboundRequest inbound;
  RoutedPath routed;
  ReplyChannel& reply;
};

// One event loop: a thread, its io_context and its upstream transfers. The connections
// are declared first so that they outlive the io_context, whose destruction may end
// coroutines that still hold one.
struct RelayLoop
{
  std::unordered_set<AgentConnection*> connections; // for stop(); loop thread only
  boost::asio::io_context io{1};
  UpstreamLoop upstream{io};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep{
    io.get_executor()};
  // Ends the waits whose deadline passed; runs while the loop has connections.
  boost::asio::steady_timer sweep{io};
  bool sweeping = false;
  std::thread thread;
  std::atomic<bool> done{false};
};

struct Relay::Impl
{
  RelayOptions options;
  std::shared_ptr<CredentialSource> credentials;
  std::shared_ptr<HttpClient> client;
  int port = 0;
  std::optional<Spool> spool;

  std::vector<std::unique_ptr<RelayLoop>> loops;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor; // on loops[0]
  std::size_t next_loop = 0;
  std::atomic<std::size_t> served{0}; // connections being served
  std::optional<boost::asio::thread_pool> blocking;

  std::mutex state_mutex;
  std::condition_variable wake;
  bool stopping = false;
  // Set by stop(): requests to the workspace watch it (see HttpRequest::cancel).
  std::shared_ptr<std::atomic<bool>> stopped = std::make_shared<std::atomic<bool>>(false);
  std::thread flusher;
  std::set<std::string> passed_over; // undeliverable spool records already warned about

  // relay_server.cpp
  util::Result<void> listen();
  Task<void> accept_loop();
  void admit(boost::asio::ip::tcp::socket socket, RelayLoop& loop);
  void sweep_deadlines(RelayLoop& loop);
  Task<void> answer(Exchange& exchange);
  Task<util::Result<util::Secret>> bearer();
  void shut_down_loop(RelayLoop& loop);

  // relay_checks.cpp
  std::optional<LocalReply> head_refusal(const InboundRequest& inbound) const;
  std::optional<LocalReply> refusal(const InboundRequest& inbound,
                                    const std::optional<RoutedPath>& routed) const;

  // relay_forward.cpp
  Task<void> forward(Exchange& exchange);
  HttpRequest upstream_request(Exchange& exchange, const std::string& base,
                               const util::Secret& bearer) const;

  // relay_telemetry.cpp (runs on the blocking pool)
  LocalReply telemetry(const Exchange& exchange);
  LocalReply forward_export(const Exchange& exchange, const SpoolRecord& record);
  LocalReply spool_export(const Exchange& exchange, const SpoolRecord& record);
  void flush_loop();
  void flush_once();
};

// Shared by the relay_*.cpp files.

// Whether `a` and `b` are the same header name (ASCII case ignored).
inline bool
same_name(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether a request with this method may carry a body through the relay.
inline bool
method_takes_body(std::string_view method)
{
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// Whether the request is an agent's warm-up HEAD or GET on a route's base URL.
bool is_base_probe(const InboundRequest& inbound, const RoutedPath& routed);

// What the relay says for a request it could not read: 413 (body over the limit), 404, 415
// (a Content-Encoding it cannot decode), 400, and 431 (a head over the size limit).
std::string reading_error_message(int status, std::size_t body_limit);

// The headers an upstream request carries: the agent's, less hop-by-hop and credential
// headers, plus the real credential and what the route adds.
Headers upstream_headers(const InboundRequest& inbound, Route route, const util::Secret& bearer);

// Whether `name` is hop-by-hop for a message whose Connection header is `connection`.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

// The 502/504 reply for an upstream that could not be reached at `url`.
LocalReply upstream_failure(Route route, const std::string& url, const HttpError& error);

// The upstream's headers as the agent gets them: less hop-by-hop and framing headers.
Headers passed_headers(const Headers& headers);

} // namespace aigw::net
