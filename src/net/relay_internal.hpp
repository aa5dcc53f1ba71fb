// SPDX-License-Identifier: MIT
// Internal to the relay: the state behind net::Relay, shared by relay_server.cpp (the
// server, the checks, local replies), relay_connection.cpp (each connection's loop, its
// deadlines and limits), relay_forward.cpp (streaming to and from the gateway) and
// relay_telemetry.cpp (OTel exports and the spool). cpp-httplib is seen only by these files.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <httplib.h>

#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"

namespace aigw::net {

// Whether the agent on a connection hung up (always false off a server thread).
using HangupCheck = std::function<bool()>;

class ConnectionStream;

// cpp-httplib's server with our own loop around each connection (relay_connection.cpp).
// The library's loop gives a request head no overall deadline, reads any number of header
// lines, queues connections without limit behind a fixed pool, sleeps out its keep-alive
// wait after stop(), and writes without MSG_NOSIGNAL (an agent that hangs up mid-reply
// would end the relay with SIGPIPE). The library still parses and answers each request.
class RelayHttpServer : public httplib::Server
{
public:
  void set_limits(std::chrono::milliseconds header_timeout, std::size_t max_connections);

  // Give the bound socket a real listen backlog (the library's build fixes it at 5).
  bool raise_backlog(int backlog);

protected:
  bool process_and_close_socket(socket_t sock) override;

private:
  bool admit();
  void serve(ConnectionStream& stream);

  std::chrono::milliseconds m_header_timeout{10'000};
  std::size_t m_max_connections = k_default_max_connections;
  std::atomic<std::size_t> m_served{0};
};

// Request line and headers together: an agent's are a few kilobytes. cpp-httplib limits
// each line (8 KiB) but not how many there are.
inline constexpr std::size_t k_head_limit = 64U * 1024;

// How the head of the request the calling server thread reads was cut short, if it was.
enum class HeadCut {
  none,
  deadline,  // not whole within the header timeout: the connection is closed, no reply
  too_large, // over the size limit: 431, then the connection is closed
};
HeadCut head_cut();

// The head of the request the calling server thread reads, as the agent sent it; none off
// a server thread. cpp-httplib 0.11 percent-decodes header values and sorts the headers by
// name, so the relay takes what it passes on from here.
std::optional<std::string_view> request_head();

// Whether the calling server thread's connection came over the connection limit.
bool connection_over_limit();

// Close the calling server thread's connection once this reply is written (its request's
// body was not read, or the request cannot be framed one way only).
void close_after_reply(const httplib::Request& req);

// A check for whether the agent on the calling server thread's connection hung up; safe
// to call from other threads while that connection is served.
HangupCheck hangup_check();

// Whether cpp-httplib reads a request body for `method` (for the others it reads none).
inline bool
library_reads_body(std::string_view method)
{
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE"
         || method == "PRI";
}

// One request's line in the log: written once, when its reply is done.
class RequestLog
{
public:
  RequestLog(std::string method, std::string path, std::size_t bytes_in);

  void set_route(std::string route) { m_route = std::move(route); }
  void set_status(int status) { m_status = status; }
  void add_out(std::size_t bytes) { m_bytes_out += bytes; }
  void finish();

private:
  std::string m_method;
  std::string m_path;
  std::string m_route = "-";
  int m_status = 0;
  std::size_t m_bytes_in = 0;
  std::size_t m_bytes_out = 0;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  bool m_done = false;
};

// A request on its way through the relay: what the agent sent and where the reply goes.
struct Exchange
{
  InboundRequest inbound;
  RoutedPath routed;
  httplib::Response& res;
  std::shared_ptr<RequestLog> log;
};

struct Relay::Impl
{
  RelayOptions options;
  std::shared_ptr<CredentialSource> credentials;
  std::shared_ptr<HttpClient> client;
  RelayHttpServer server;
  int port = 0;
  std::thread listener;
  std::optional<Spool> spool;

  // Upstream transfers being read, for stop() to cancel. Each is owned by the server
  // thread that reads it and leaves this set as it is destroyed (start_stream()).
  std::mutex streams_mutex;
  std::set<HttpTransfer*> streams;
  bool streams_closed = false; // stop() began: no new ones

  std::mutex state_mutex;
  std::condition_variable wake;
  bool listener_done = false;
  bool stopping = false;
  // Set by stop(): requests to the workspace watch it (see HttpRequest::cancel).
  std::shared_ptr<std::atomic<bool>> stopped = std::make_shared<std::atomic<bool>>(false);
  std::thread flusher;

  // relay_server.cpp
  void install_handlers();
  util::Result<void> listen();
  httplib::Server::HandlerResponse screen(const httplib::Request& req, httplib::Response& res);
  void handle(const httplib::Request& req, httplib::Response& res);
  // relay_checks.cpp
  std::optional<LocalReply> head_refusal(const httplib::Request& req) const;
  std::optional<LocalReply> refusal(const InboundRequest& inbound,
                                    const std::optional<RoutedPath>& routed) const;

  // relay_forward.cpp
  void forward(Exchange& exchange);
  HttpRequest upstream_request(Exchange& exchange, const std::string& base,
                               const util::Secret& bearer) const;
  std::shared_ptr<HttpTransfer> start_stream(HttpRequest request);
  void stream_reply(Exchange& exchange, const std::shared_ptr<HttpTransfer>& stream);

  // relay_telemetry.cpp
  void telemetry(Exchange& exchange);
  void forward_export(Exchange& exchange, const SpoolRecord& record);
  void spool_export(Exchange& exchange, const SpoolRecord& record);
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

// The path of the request line, as sent (cpp-httplib's own `path` is decoded).
std::string_view path_of(const httplib::Request& req);

// The request as the agent sent it: raw path and query, headers less the library's own.
InboundRequest inbound_of(const httplib::Request& req);

// Keep cpp-httplib from compressing the reply or cutting it to a Range by itself (see
// relay_server.cpp). Call it once the request's headers were copied.
void keep_library_from_rewriting(const httplib::Request& req);

// Whether the request is an agent's warm-up HEAD or GET on a route's base URL.
bool is_base_probe(const InboundRequest& inbound, const RoutedPath& routed);

// What the relay says for an error status cpp-httplib chose (413, 404, 415, 400, 414),
// or for a request head over the size limit (431).
std::string library_error_message(int status, std::size_t body_limit);

// Put `reply` on `res` and log it (streamed events are logged when the stream ends).
void write_reply(httplib::Response& res, const LocalReply& reply,
                 const std::shared_ptr<RequestLog>& log);

// The headers an upstream request carries: the agent's, less hop-by-hop and credential
// headers, plus the real credential and what the route adds.
Headers upstream_headers(const InboundRequest& inbound, Route route, const util::Secret& bearer);

// Whether `name` is hop-by-hop for a message whose Connection header is `connection`.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

// The 502/504 reply for an upstream that could not be reached at `url`.
LocalReply upstream_failure(Route route, const std::string& url, const HttpError& error);

// The upstream's status and headers on `res`, less hop-by-hop and framing headers.
void pass_head(httplib::Response& res, int status, const Headers& headers);

} // namespace aigw::net
