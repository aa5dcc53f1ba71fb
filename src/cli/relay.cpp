// SPDX-License-Identifier: MIT
// `relay`: run the local relay in the foreground until SIGINT (exit 130) or SIGTERM
// (exit 0; an address it cannot take is exit 5), and `relay flush`: deliver the telemetry
// spool to the workspace now. Where the gateway is comes from the command line or else from
// <tool_dir>/relay.json, which `configure --auth relay` writes. The two signals are blocked
// in every thread of the relay and taken by sigwait() here, so no handler runs inside the
// server's threads; after the first one they are unblocked again, and a second Ctrl-C ends
// a slow stop at once.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <signal.h>

#include "cli/commands.hpp"
#include "cli/relay_flush.hpp"
#include "cli/relay_install.hpp"
#include "config/safe_writer.hpp"
#include "net/relay_server.hpp"
#include "util/log.hpp"

namespace aigw::cli {

namespace {

struct RelayCommandOptions
{
  std::optional<std::string> listen;
  bool offline = false;
  std::optional<std::filesystem::path> spool_dir;
  std::uint64_t spool_cap = net::k_default_spool_cap;
  std::size_t body_limit = net::k_default_body_limit;
  int flush_seconds = 30;
  int header_seconds = 10;
  std::size_t max_connections = net::k_default_max_connections;
  core::RouteOptions routes;
  std::optional<std::filesystem::path> key_file;
  net::RelayTables tables;
  CLI::App* flush = nullptr;
};

// Blocks SIGINT and SIGTERM for this thread and every thread started after it.
class SignalWait
{
public:
  SignalWait()
  {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
  }
  SignalWait(const SignalWait&) = delete;
  SignalWait& operator=(const SignalWait&) = delete;
  ~SignalWait() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }

  // Wait for one of the two; afterwards this thread takes them again as before.
  int wait()
  {
    int signal_number = 0;
    sigwait(&m_set, &signal_number);
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    return signal_number;
  }

private:
  sigset_t m_set{};
  sigset_t m_old{};
};

void
add_relay_options(CLI::App& command, RelayCommandOptions& options)
{
  command.add_option("--listen", options.listen,
                     std::string("loopback address to listen on (default: relay.json, else ")
                       + net::k_default_listen + ")");
  command.add_flag("--offline", options.offline,
                   "answer every route locally and keep OTel exports in the spool");
  command.add_option("--spool", options.spool_dir, "spool folder (default <tool dir>/spool)");
  command.add_option("--spool-cap", options.spool_cap, "spool size limit in bytes")
    ->capture_default_str();
  command.add_option("--body-limit", options.body_limit, "largest request body in bytes")
    ->capture_default_str();
  command.add_option("--flush-interval", options.flush_seconds,
                     "seconds between deliveries of the spool")
    ->check(CLI::Range(1, 86'400))
    ->capture_default_str();
  command.add_option("--header-timeout", options.header_seconds,
                     "seconds a client has to send a whole request head")
    ->check(CLI::Range(1, 3'600))
    ->capture_default_str();
  command.add_option("--max-connections", options.max_connections,
                     "agent connections served at once; more get a 503")
    ->check(CLI::Range(1, 4'096))
    ->capture_default_str();
  command.add_option("--key-file", options.key_file,
                     "the local relay key (default <tool dir>/relay.key; made when absent)");
}

void
add_upstream_options(CLI::App& command, RelayCommandOptions& options)
{
  command.add_option("--gateway", options.routes.gateway, "AI Gateway base URL");
  command.add_option("--workspace", options.routes.workspace,
                     "Databricks workspace URL (OTel, and the gateway when --gateway is absent)");
  command.add_option("--claude-url", options.routes.claude_url, "Claude Code route");
  command.add_option("--codex-url", options.routes.codex_url, "Codex CLI route");
  command.add_option("--gemini-url", options.routes.gemini_url, "Gemini CLI route");
  command.add_option("--cursor-url", options.routes.cursor_url, "Cursor route");
  command.add_option("--metrics-table", options.tables.metrics,
                     "catalog.schema.table for OTel metrics that name none");
  command.add_option("--logs-table", options.tables.logs, "... for OTel logs");
  command.add_option("--traces-table", options.tables.traces, "... for OTel traces");
}

// `relay flush` takes the options that matter to it itself, so its --help lists them.
void
add_flush_options(CLI::App& flush, RelayCommandOptions& options)
{
  flush.add_option("--workspace", options.routes.workspace,
                   "Databricks workspace URL the exports go to (default: relay.json)");
  flush.add_option("--spool", options.spool_dir, "spool folder (default <tool dir>/spool)");
  flush.add_option("--spool-cap", options.spool_cap, "spool size limit in bytes")
    ->capture_default_str();
  flush.footer("\nExample:\n"
               "  aigw-setup relay flush --workspace https://adb-1.azuredatabricks.net\n");
}

bool
any_route(const core::RouteOptions& routes)
{
  return routes.gateway || routes.workspace || routes.claude_url || routes.codex_url
         || routes.gemini_url || routes.cursor_url;
}

// The agents set up with --auth relay call the address in relay.json; a relay started
// elsewhere is one they never reach, and `test` would then blame a relay that is not there.
void
warn_if_agents_call_elsewhere(const std::optional<net::RelayFile>& file,
                              const std::string& listen)
{
  // Port 0 (any free port) is for scripts and tests, which point their agents themselves.
  if (!file || !file->listen || *file->listen == listen || listen.ends_with(":0")) {
    return;
  }
  AIGW_WARN("the agents set up with --auth relay call " << *file->listen
            << " (relay.json), not " << listen << ": move them with `aigw-setup configure --auth "
            << "relay --relay " << listen << "`, or start the relay without --listen");
}

// The command line over the relay file: routes come whole from one or the other.
net::RelayFile
settings(const RelayCommandOptions& options, const Context& context)
{
  auto file = util::value_or_throw(net::load_relay_file(net::relay_file_path(context.paths)));
  net::RelayFile merged = file.value_or(net::RelayFile{});
  if (any_route(options.routes)) {
    merged.routes = options.routes;
  }
  if (options.listen) {
    warn_if_agents_call_elsewhere(file, *options.listen);
    merged.listen = options.listen;
  }
  auto& tables = merged.tables;
  tables.metrics = options.tables.metrics ? options.tables.metrics : tables.metrics;
  tables.logs = options.tables.logs ? options.tables.logs : tables.logs;
  tables.traces = options.tables.traces ? options.tables.traces : tables.traces;
  return merged;
}

core::Routes
upstreams(const net::RelayFile& file, bool from_command_line, net::RelayMode mode,
          const Context& context)
{
  if (!any_route(file.routes)) {
    if (mode == net::RelayMode::offline) {
      return {};
    }
    throw util::Fatal(util::ErrorKind::usage,
                      "the relay needs to know where the gateway is: give --gateway URL or "
                      "--workspace URL, write them to "
                        + net::relay_file_path(context.paths).string()
                        + ", or run it with --offline");
  }
  auto routes = core::resolve_routes(file.routes);
  if (!routes && !from_command_line) {
    // The URL came from relay.json, not from an option the user just typed.
    util::Error error = routes.error();
    error.message = net::relay_file_path(context.paths).string() + ": " + error.message
                    + " (configure writes this file: run `aigw-setup configure --auth relay` "
                      "again with the right URL)";
    throw util::Fatal(std::move(error));
  }
  return util::value_or_throw(std::move(routes));
}

net::RelayOptions
relay_options(const RelayCommandOptions& options, Context& context)
{
  const net::RelayFile file = settings(options, context);
  net::RelayOptions relay;
  const std::string listen = file.listen.value_or(net::k_default_listen);
  const std::string given_in =
    options.listen ? "--listen" : net::relay_file_path(context.paths).string() + ": listen";
  relay.listen = util::value_or_throw(net::parse_listen(listen, given_in));
  relay.mode = options.offline ? net::RelayMode::offline : net::RelayMode::forward;
  relay.routes = upstreams(file, any_route(options.routes), relay.mode, context);
  relay.tables = file.tables;
  relay.spool_dir = options.spool_dir.value_or(context.paths.tool_dir / "spool");
  relay.spool_cap = options.spool_cap;
  relay.body_limit = options.body_limit;
  relay.flush_interval = std::chrono::seconds(options.flush_seconds);
  relay.header_timeout = std::chrono::seconds(options.header_seconds);
  relay.max_connections = options.max_connections;

  const config::SafeWriter writer(context.paths.backup_dir());
  relay.key_file = options.key_file.value_or(net::default_key_file(context.paths));
  relay.key = util::value_or_throw(net::load_or_create_relay_key(relay.key_file, writer));
  return relay;
}

void
announce(Context& context, const net::RelayOptions& relay, int port, const std::string& key_file)
{
  const std::string url = "http://" + to_string(net::ListenAddress{relay.listen.host, port});
  const bool offline = relay.mode == net::RelayMode::offline;
  const auto& routes = relay.routes;
  const std::string target = routes.gateway     ? *routes.gateway
                             : routes.workspace ? *routes.workspace
                                                : std::string("the routes given");
  context.out.line("relay listening on " + url + ", "
                   + (offline ? std::string("offline: answering every route itself")
                              : "forwarding to " + target));
  context.out.line("agents must send the key in " + key_file + "; Ctrl-C stops the relay");
  context.out.document({{"listen", url},
                        {"mode", offline ? "offline" : "forward"},
                        {"key_file", key_file},
                        {"spool", relay.spool_dir.string()}});
  std::cout.flush();
}

// The relay fails to start when this machine withholds what it needs: the listen address
// (in use, or not allowed) or the spool folder. That is exit 5, as for a file that cannot be
// written or a lock another run holds, not 1, which says a check failed.
void
start(net::Relay& server)
{
  auto started = server.start();
  if (started) {
    return;
  }
  util::Error error = std::move(started).error();
  if (error.kind == util::ErrorKind::failed) {
    error.kind = util::ErrorKind::write;
  }
  throw util::Fatal(std::move(error));
}

ExitCode
run_relay(const RelayCommandOptions& options, Context& context)
{
  if (context.global.dry_run) {
    throw util::Fatal(util::ErrorKind::usage,
                      "the relay answers requests as they come, so --dry-run has nothing to "
                      "show; run `aigw-setup relay` without it (`aigw-setup --dry-run relay "
                      "flush` shows what a flush would send)");
  }

  // In the foreground the relay logs one line per request (at info) unless told -q: a
  // person watching it wants to see the agents' traffic, and so does a service's journal.
  if (util::log::level() == util::log::Level::warn) {
    util::log::set_level(util::log::Level::info);
  }

  const net::RelayOptions relay = relay_options(options, context);
  auto credentials = std::make_shared<net::StoredCredentialSource>(
    context.paths.credentials_file(), context.env);
  // Fail now rather than on every request the agents send.
  if (relay.mode == net::RelayMode::forward) {
    util::value_or_throw(credentials->bearer());
  }

  SignalWait signals;
  net::Relay server(relay, credentials, net::make_curl_client());
  start(server);
  announce(context, relay, server.port(), relay.key_file.string());

  // SIGTERM is how a service manager stops it, and nobody pressed Ctrl-C.
  const int signal_number = signals.wait();
  AIGW_INFO((signal_number == SIGINT
               ? "stopping the relay (Ctrl-C again to quit at once)"
               : "stopping the relay on SIGTERM (a second signal quits at once)"));
  server.stop();
  return signal_number == SIGINT ? ExitCode::interrupted : ExitCode::ok;
}

// `relay flush`: the spool folder from the options, the workspace from them or relay.json.
ExitCode
run_flush(const RelayCommandOptions& options, Context& context)
{
  const auto dir = options.spool_dir.value_or(context.paths.tool_dir / "spool");
  const auto workspace_of = [&options, &context] {
    return settings(options, context).routes.workspace;
  };
  return run_relay_flush(dir, options.spool_cap, workspace_of, context);
}

} // namespace

CommandRunner
setup_relay(CLI::App& command)
{
  auto options = std::make_shared<RelayCommandOptions>();
  add_relay_options(command, *options);
  add_upstream_options(command, *options);
  options->flush = command.add_subcommand("flush", "deliver the telemetry spool now");
  add_flush_options(*options->flush, *options);
  const auto service = setup_relay_service(command); // relay install, relay uninstall
  command.footer("\nExamples:\n"
                 "  aigw-setup relay --gateway https://gw.example.com --workspace "
                 "https://adb-1.azuredatabricks.net\n"
                 "  aigw-setup relay --offline --listen 127.0.0.1:8765\n"
                 "  aigw-setup relay flush --workspace https://adb-1.azuredatabricks.net\n");
  return [options, service](Context& context) {
    if (const auto done = service(context)) {
      return *done;
    }
    return options->flush->parsed() ? run_flush(*options, context)
                                    : run_relay(*options, context);
  };
}

} // namespace aigw::cli
