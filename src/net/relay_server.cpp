// SPDX-License-Identifier: MIT
// The relay's server: one event loop per core, each a thread running its own io_context.
// The listening socket lives on the first loop, which hands each accepted connection to
// the loops in turn; a connection and the upstream transfers it starts then stay on that
// loop, so nothing on the request path takes a lock or wakes another thread. Each request
// is answered locally, forwarded (relay_forward.cpp) or handed to the telemetry path
// (relay_telemetry.cpp), which runs on the blocking pool since it writes the spool and
// waits on the workspace.
//
// TODO(#3): at 64 connections the relay serves about 63% of nginx's requests per second,
// not the 80% the issue asks for. libcurl's own work per request is more than the whole
// budget leaves for user space (docs/benchmarks.md, "Less work per request, and what is
// left").
#include "net/relay_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"

namespace aigw::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Connections the kernel holds until the relay accepts them (it caps this at
// net.core.somaxconn): a burst of agents connecting at once must not have its SYNs dropped.
constexpr int k_listen_backlog = 1024;
// Threads for the work that blocks: exports wait up to 10 s on the workspace each.
constexpr std::size_t k_blocking_threads = 4;
// How often a loop looks for reads and writes past their deadline: the shortest deadline
// (the header timeout) is a few hundred milliseconds at least.
constexpr std::chrono::milliseconds k_sweep_interval{50};
// How long stop() lets open exchanges end by themselves.
constexpr std::chrono::milliseconds k_stop_grace{2'000};

std::size_t
loop_count()
{
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16);
}

// Why the listen address cannot be used. A port in use is most often an earlier relay, in a
// terminal or as the service `relay install` set up, so the way out of that is said too.
std::string
bind_failure(const ListenAddress& address, const boost::system::error_code& error)
{
  const int number = error.value();
  const bool known = error.category() == boost::system::system_category()
                     && (number == EADDRINUSE || number == EADDRNOTAVAIL || number == EACCES);
  const std::string in_use =
    known && number == EADDRINUSE
      ? "; another relay may be running there, or the relay service `aigw-setup relay "
        "install` set up: stop it (the service with `aigw-setup relay uninstall`), or choose "
        "another address with `aigw-setup relay --listen HOST:PORT` and move the agents to it "
        "with `aigw-setup configure --auth relay --relay HOST:PORT`"
      : "";
  return "the relay cannot listen on " + to_string(address) + ": "
         + (known ? util::errno_text(number)
                  : "the port is in use or the address is not on this machine")
         + in_use;
}

// Run `work` on the blocking pool and resume on the caller's loop with its result.
template <typename T>
Task<T>
on_pool(asio::thread_pool& pool, std::function<T()> work)
{
  // GCC 12 mishandles temporaries with destructors inside a co_await expression: every
  // argument to an awaited call in the relay is a named object.
  auto run = [work = std::move(work)]() -> Task<T> { co_return work(); };
  co_return co_await asio::co_spawn(pool, std::move(run), asio::use_awaitable);
}

} // namespace

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
  boost::system::error_code error;
  const auto address = asio::ip::make_address(options.listen.host, error);
  if (error) {
    return util::fail(util::ErrorKind::failed, bind_failure(options.listen, error));
  }
  // Not SO_REUSEPORT: with it a second relay could bind the same port and the kernel would
  // split the agents' connections between two relays with different keys. SO_REUSEADDR
  // alone still allows a restart over TIME_WAIT connections.
  acceptor.emplace(loops.front()->io);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.listen.port));
  acceptor->open(endpoint.protocol(), error);
  if (!error) {
    acceptor->set_option(tcp::acceptor::reuse_address(true), error);
    acceptor->bind(endpoint, error);
  }
  if (!error) {
    acceptor->listen(k_listen_backlog, error);
  }
  if (error) {
    acceptor.reset();
    return util::fail(util::ErrorKind::failed, bind_failure(options.listen, error));
  }
  port = acceptor->local_endpoint().port();
  return {};
}

Task<void>
Relay::Impl::accept_loop()
{
  for (;;) {
    RelayLoop& loop = *loops[next_loop];
    next_loop = (next_loop + 1) % loops.size();
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor->async_accept(
      loop.io, asio::redirect_error(asio::use_awaitable, error));
    if (error == asio::error::operation_aborted || !acceptor->is_open()) {
      co_return;
    }
    if (error) {
      // Out of file descriptors, most likely: let connections close before the next try.
      AIGW_WARN("relay: accepting a connection failed: " << error.message());
      asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    asio::post(loop.io, [this, &loop, socket = std::move(socket)]() mutable {
      admit(std::move(socket), loop);
    });
  }
}

void
Relay::Impl::admit(tcp::socket socket, RelayLoop& loop)
{
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  bool over_limit = false;
  std::size_t count = served.load();
  do {
    over_limit = count >= options.max_connections;
  } while (!over_limit && !served.compare_exchange_weak(count, count + 1));

  auto connection = std::make_shared<AgentConnection>(*this, loop, std::move(socket), over_limit);
  if (!std::exchange(loop.sweeping, true)) {
    sweep_deadlines(loop);
  }
  asio::co_spawn(
    loop.io, [connection]() { return connection->serve(); }, asio::detached);
}

void
Relay::Impl::sweep_deadlines(RelayLoop& loop)
{
  loop.sweep.expires_after(k_sweep_interval);
  loop.sweep.async_wait([this, &loop](const boost::system::error_code& error) {
    if (error || loop.connections.empty()) {
      loop.sweeping = false;
      return;
    }
    const auto now = Clock::now();
    for (AgentConnection* connection : loop.connections) {
      connection->check_deadline(now);
    }
    sweep_deadlines(loop);
  });
}

Task<util::Result<util::Secret>>
Relay::Impl::bearer()
{
  if (!credentials->renewable()) {
    co_return credentials->bearer(); // a file's stat at most
  }
  // An OAuth token may need a refresh over the network.
  // Wrapped in an optional: what the pool hands back must be default-constructible.
  using Fetched = std::optional<util::Result<util::Secret>>;
  std::function<Fetched()> fetch = [this] { return Fetched(credentials->bearer()); };
  Fetched fetched = co_await on_pool(*blocking, std::move(fetch));
  co_return std::move(*fetched);
}

Task<void>
Relay::Impl::answer(Exchange& exchange)
{
  const auto& routed = exchange.routed;
  if (is_base_probe(exchange.inbound, routed)) {
    // Claude Code's warm-up HEAD on its base URL carries no key and needs no gateway.
    const LocalReply empty;
    co_await exchange.reply.send(empty);
  } else if (routed.route == Route::otel) {
    std::function<LocalReply()> work = [this, &exchange] { return telemetry(exchange); };
    const LocalReply reply = co_await on_pool(*blocking, std::move(work));
    co_await exchange.reply.send(reply);
  } else if (options.mode == RelayMode::offline) {
    const LocalReply reply = offline_reply(routed.route, routed, exchange.inbound);
    co_await exchange.reply.send(reply);
  } else {
    co_await forward(exchange);
  }
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
  // Each connection, and each loop's upstream connections, hold a file descriptor.
  AIGW_DEBUG("relay: up to " << util::raise_open_files_limit() << " open files");

  for (std::size_t i = 0; i < loop_count(); ++i) {
    impl.loops.push_back(std::make_unique<RelayLoop>());
  }
  AIGW_TRY(impl.listen());
  impl.blocking.emplace(k_blocking_threads);
  asio::co_spawn(impl.loops.front()->io, impl.accept_loop(), asio::detached);
  for (auto& loop : impl.loops) {
    loop->thread = std::thread([&loop = *loop] {
      loop.io.run();
      loop.done.store(true);
    });
  }

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
Relay::Impl::shut_down_loop(RelayLoop& loop)
{
  loop.keep.reset();
  loop.sweep.cancel();
  loop.upstream.cancel_all();
  for (AgentConnection* connection : loop.connections) {
    connection->shut_down();
  }
}

void
Relay::stop()
{
  auto& impl = *m_impl;
  {
    const std::lock_guard lock(impl.state_mutex);
    if (std::exchange(impl.stopping, true)) {
      return;
    }
  }
  impl.stopped->store(true);
  impl.wake.notify_all();

  if (!impl.loops.empty()) {
    asio::post(impl.loops.front()->io, [&impl] {
      if (impl.acceptor) {
        boost::system::error_code ignored;
        impl.acceptor->close(ignored);
      }
    });
  }
  for (auto& loop : impl.loops) {
    asio::post(loop->io, [&impl, &loop = *loop] { impl.shut_down_loop(loop); });
  }
  // What the loops still run ends by itself now; a loop still busy after a while is stopped
  // where it is.
  const auto deadline = std::chrono::steady_clock::now() + k_stop_grace;
  for (auto& loop : impl.loops) {
    while (loop->thread.joinable() && !loop->done.load()
           && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    loop->io.stop();
    if (loop->thread.joinable()) {
      loop->thread.join();
    }
  }
  if (impl.blocking) {
    impl.blocking->join();
  }
  if (impl.flusher.joinable()) {
    impl.flusher.join();
  }
}

} // namespace aigw::net
