// SPDX-License-Identifier: MIT
// The relay's server, on cpp-httplib: each request head is screened before its body is
// read (framing, Host, route, relay key: relay_checks.cpp), so that a client without the
// key can make the relay read no body; a refused request's connection is closed, since its
// body is left unread. One handler for every method and path then answers it locally,
// forwards it (relay_forward.cpp) or hands it to the telemetry path (relay_telemetry.cpp).
// The library's own error replies (413 for a body over the limit, 400, 414, and our 431)
// are rewritten into the error shape of the route the path belongs to. The loop around
// each connection, with its deadlines and limits, is relay_connection.cpp.
//
// cpp-httplib 0.11 would change replies behind our back in two ways: it compresses a reply
// itself when the request's Accept-Encoding names gzip or br and the Content-Type looks
// like text, and it cuts a reply down to the request's Range. A relay passes the
// upstream's bytes as they are, so the handler takes both out of the request once it has
// copied them (keep_library_from_rewriting, in relay_checks.cpp).
#include "net/relay_internal.hpp"

#include <cerrno>
#include <utility>

#include <sys/socket.h>

#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"

namespace aigw::net {

namespace {

constexpr std::size_t k_keep_alive_requests = 1000;
// Threads beyond the connection limit: they answer the connections over it with a 503
// instead of leaving them queued behind slow ones.
constexpr std::size_t k_spare_threads = 8;
// Connections the kernel holds until the relay accepts them (it caps this at
// net.core.somaxconn). With the library's 5, a burst of agents connecting at once has its
// SYNs dropped and each of those connects waits a second or more for its retry.
constexpr int k_listen_backlog = 1024;

// Set while the handler answers a request, so that the error handler leaves the
// upstream's own 4xx and 5xx replies alone. A request runs on one server thread.
thread_local bool t_answered = false;

// Put the library's own error (413, 404, 400) in the shape of the route the path names;
// leave the replies our handler made alone.
httplib::Server::HandlerResponse
answer_library_error(const httplib::Request& req, httplib::Response& res, std::size_t body_limit)
{
  if (std::exchange(t_answered, false) || head_cut() == HeadCut::deadline) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  if (head_cut() == HeadCut::too_large) {
    res.status = 431;
  }
  // What is left of the request (its body, the rest of its head) was not read.
  close_after_reply(req);
  keep_library_from_rewriting(req);
  const auto routed = route_of(path_of(req));
  auto log = std::make_shared<RequestLog>(req.method, std::string(path_of(req)), 0);
  log->set_route(routed ? to_string(routed->route) : "-");
  const std::string message = library_error_message(res.status, body_limit);
  write_reply(res, error_reply(routed ? routed->route : Route::otel, res.status, message), log);
  return httplib::Server::HandlerResponse::Handled;
}

// A 500 that does not carry the exception's text to the agent (it may name local paths).
void
answer_exception(const httplib::Request& req, httplib::Response& res, std::exception_ptr error)
{
  std::string what = "unknown";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& exception) {
    what = exception.what();
  } catch (...) {
  }
  AIGW_WARN("relay: " << req.method << " " << path_of(req) << " failed: " << util::redact(what));

  const auto routed = route_of(path_of(req));
  res.headers.clear();
  auto log = std::make_shared<RequestLog>(req.method, std::string(path_of(req)), 0);
  write_reply(res, error_reply(routed ? routed->route : Route::otel, 500, ""), log);
}

// cpp-httplib's default sets SO_REUSEPORT, with which a second relay binds the port the
// first one holds and the kernel splits the agents' connections between two relays with
// different keys. SO_REUSEADDR alone still allows a restart over TIME_WAIT connections.
void
set_exclusive_bind(socket_t sock)
{
  const int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, static_cast<socklen_t>(sizeof(yes)));
}

// Why the bind failed, from the errno the library's bind() left behind.
std::string
bind_failure(const ListenAddress& address, int error_number)
{
  const bool known =
    error_number == EADDRINUSE || error_number == EADDRNOTAVAIL || error_number == EACCES;
  return "the relay cannot listen on " + to_string(address) + ": "
         + (known ? util::errno_text(error_number)
                  : "the port is in use or the address is not on this machine");
}

} // namespace

RequestLog::RequestLog(std::string method, std::string path, std::size_t bytes_in)
  : m_method(std::move(method)), m_path(util::redact(path)), m_bytes_in(bytes_in)
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
  AIGW_INFO(m_method << " " << m_path << " " << m_route << " -> " << m_status << " ("
                     << elapsed.count() << " ms, " << m_bytes_in << " B in, " << m_bytes_out
                     << " B out)");
}

void
write_reply(httplib::Response& res, const LocalReply& reply,
            const std::shared_ptr<RequestLog>& log)
{
  res.status = reply.status;
  log->set_status(reply.status);
  for (const auto& [name, value] : reply.headers.items) {
    if (!same_name(name, "Content-Type") && !same_name(name, "Content-Length")) {
      res.set_header(name, value);
    }
  }
  const std::string type = reply.headers.get("Content-Type").value_or("");

  if (!reply.events.empty()) {
    auto events = std::make_shared<std::vector<std::string>>(reply.events);
    res.set_chunked_content_provider(
      type.empty() ? "text/event-stream" : type,
      [events, log](std::size_t, httplib::DataSink& sink) {
        for (const auto& event : *events) {
          if (!sink.write(event.data(), event.size())) {
            return false;
          }
          log->add_out(event.size());
        }
        sink.done();
        return true;
      },
      [log](bool) { log->finish(); });
    return;
  }

  if (type.empty()) {
    res.body = reply.body;
  } else {
    res.set_content(reply.body, type);
  }
  log->add_out(reply.body.size());
  log->finish();
}

httplib::Server::HandlerResponse
Relay::Impl::screen(const httplib::Request& req, httplib::Response& res)
{
  t_answered = false;
  const auto routed = route_of(path_of(req));
  std::optional<LocalReply> refused;
  if (connection_over_limit()) {
    refused = error_reply(routed ? routed->route : Route::otel, 503,
                          "the relay serves " + std::to_string(options.max_connections)
                            + " connections at once and has no room for this one: try again "
                              "in a moment");
  } else {
    refused = head_refusal(req);
  }
  if (!refused) {
    return httplib::Server::HandlerResponse::Unhandled;
  }

  t_answered = true;
  keep_library_from_rewriting(req);
  close_after_reply(req);
  auto log = std::make_shared<RequestLog>(req.method, std::string(path_of(req)), 0);
  log->set_route(routed ? to_string(routed->route) : "-");
  write_reply(res, *refused, log);
  return httplib::Server::HandlerResponse::Handled;
}

void
Relay::Impl::handle(const httplib::Request& req, httplib::Response& res)
{
  t_answered = true;
  Exchange exchange{inbound_of(req), RoutedPath{}, res,
                    std::make_shared<RequestLog>(req.method, std::string(path_of(req)),
                                                 req.body.size())};
  keep_library_from_rewriting(req);

  // screen() let only requests for a route through.
  exchange.routed = route_of(exchange.inbound.path).value();
  exchange.log->set_route(to_string(exchange.routed.route));

  if (is_base_probe(exchange.inbound, exchange.routed)) {
    // Claude Code's warm-up HEAD on its base URL carries no key and needs no gateway.
    write_reply(res, LocalReply{}, exchange.log);
  } else if (exchange.routed.route == Route::otel) {
    telemetry(exchange);
  } else if (options.mode == RelayMode::offline) {
    write_reply(res, offline_reply(exchange.routed.route, exchange.routed, exchange.inbound),
                exchange.log);
  } else {
    forward(exchange);
  }
}

void
Relay::Impl::install_handlers()
{
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res);
  };
  server.Get(".*", handler);
  server.Options(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);

  // A request runs on one thread: mark it unanswered before routing and after the reply.
  server.set_pre_routing_handler(
    [this](const httplib::Request& req, httplib::Response& res) { return screen(req, res); });
  server.set_logger([](const httplib::Request&, const httplib::Response&) { t_answered = false; });
  server.set_error_handler(httplib::Server::HandlerWithResponse(
    [this](const httplib::Request& req, httplib::Response& res) {
      return answer_library_error(req, res, options.body_limit);
    }));
  server.set_exception_handler(answer_exception);
}

Relay::Relay(RelayOptions options,
             std::shared_ptr<CredentialSource> credentials,
             std::shared_ptr<HttpClient> client)
  : m_impl(std::make_unique<Impl>())
{
  m_impl->options = std::move(options);
  m_impl->credentials = std::move(credentials);
  m_impl->client = std::move(client);
}

Relay::~Relay()
{
  stop();
}

util::Result<void>
Relay::Impl::listen()
{
  const ListenAddress& address = options.listen;
  errno = 0;
  port = address.port == 0 ? server.bind_to_any_port(address.host)
                           : (server.bind_to_port(address.host, address.port) ? address.port : -1);
  if (port <= 0) {
    return util::fail(util::ErrorKind::failed, bind_failure(address, errno));
  }
  if (!server.raise_backlog(k_listen_backlog)) {
    AIGW_WARN("relay: the listen backlog stays at 5: " << util::errno_text(errno));
  }
  listener = std::thread([this] {
    server.listen_after_bind();
    const std::lock_guard lock(state_mutex);
    listener_done = true;
  });

  // stop() can end the server only once it runs; wait until it does (or gave up).
  while (!server.is_running()) {
    {
      const std::lock_guard lock(state_mutex);
      if (listener_done) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

util::Result<void>
Relay::start()
{
  auto& impl = *m_impl;
  if (!impl.options.spool_dir.empty()) {
    auto spool = Spool::open(impl.options.spool_dir, impl.options.spool_cap);
    AIGW_TRY(spool);
    impl.spool.emplace(std::move(*spool));
  }

  // Each server thread keeps its own upstream connections and curl's wake-up pipe, beside
  // the agent connections: 256 or 1024 open files is not enough for a busy relay.
  AIGW_DEBUG("relay: up to " << util::raise_open_files_limit() << " open files");

  // One thread per connection up to the limit, so that no agent waits behind slow clients.
  // TODO(#3): a blocking thread per connection spends about four times nginx's CPU on a
  // request (docs/benchmarks.md); the throughput target needs an event-driven server.
  const std::size_t threads = impl.options.max_connections + k_spare_threads;
  impl.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl.server.set_limits(impl.options.header_timeout, impl.options.max_connections);
  impl.server.set_keep_alive_max_count(k_keep_alive_requests);
  impl.server.set_tcp_nodelay(true);
  impl.server.set_socket_options(set_exclusive_bind);
  impl.server.set_payload_max_length(impl.options.body_limit);
  impl.install_handlers();
  AIGW_TRY(impl.listen());

  if (impl.options.mode == RelayMode::forward && impl.spool && impl.options.routes.workspace) {
    impl.flusher = std::thread([&impl] { impl.flush_loop(); });
  }
  return {};
}

int
Relay::port() const
{
  return m_impl->port;
}

void
Relay::stop()
{
  auto& impl = *m_impl;
  {
    const std::lock_guard lock(impl.state_mutex);
    impl.stopping = true;
  }
  impl.stopped->store(true);
  impl.wake.notify_all();
  {
    const std::lock_guard lock(impl.streams_mutex);
    impl.streams_closed = true;
    for (const auto& stream : impl.streams) {
      stream->cancel();
    }
  }
  impl.server.stop();
  if (impl.listener.joinable()) {
    impl.listener.join();
  }
  if (impl.flusher.joinable()) {
    impl.flusher.join();
  }
}

} // namespace aigw::net
