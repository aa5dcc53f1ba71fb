// SPDX-License-Identifier: MIT
// OTel exports through the relay. Offline, each export goes to the spool and the agent
// gets its 200 only once append() returned, so an acknowledged export is on disk. In
// forward mode the export goes to the workspace; when the workspace cannot be reached or
// answers 5xx, the export is spooled and acknowledged all the same, so telemetry survives
// going offline. A background thread delivers the spool while the workspace answers.
#include "net/relay_internal.hpp"

#include "util/log.hpp"
#include "util/secret.hpp"

namespace aigw::net {

namespace {

constexpr const char* k_table_header = "X-Databricks-UC-Table-Name";
// An exporter gives up after about 10 s; a slower workspace is as good as down.
constexpr std::chrono::milliseconds k_export_timeout{10'000};

std::optional<std::string>
table_for(const RelayTables& tables, std::string_view signal)
{
  if (signal == "/metrics") {
    return tables.metrics;
  }
  if (signal == "/logs") {
    return tables.logs;
  }
  return signal == "/traces" ? tables.traces : std::nullopt;
}

// What the spool keeps of an export: where it goes and what it is, never a credential.
SpoolRecord
record_of(const InboundRequest& inbound, const RoutedPath& routed, const RelayTables& tables)
{
  SpoolRecord record;
  record.path = inbound.path;
  if (auto type = inbound.headers.get("Content-Type")) {
    record.headers.add("Content-Type", *type);
  }
  auto table = inbound.headers.get(k_table_header);
  if (!table) {
    table = table_for(tables, routed.rest);
  }
  if (table) {
    record.headers.add(k_table_header, *table);
  }
  record.body = inbound.body;
  return record;
}

LocalReply
accepted()
{
  LocalReply reply;
  reply.headers.set("Content-Type", "application/x-protobuf");
  return reply;
}

} // namespace

void
Relay::Impl::telemetry(Exchange& exchange)
{
  if (exchange.inbound.method != "POST") {
    write_reply(exchange.res, error_reply(Route::otel, 405, "OTel exports are sent with POST"),
                exchange.log);
    return;
  }
  const SpoolRecord record = record_of(exchange.inbound, exchange.routed, options.tables);
  if (options.mode == RelayMode::offline) {
    spool_export(exchange, record);
  } else {
    forward_export(exchange, record);
  }
}

void
Relay::Impl::forward_export(Exchange& exchange, const SpoolRecord& record)
{
  auto bearer = credentials->bearer();
  if (!options.routes.workspace || !bearer) {
    AIGW_WARN("relay: an OTel export is kept in the spool: "
              << (bearer ? std::string("no --workspace was given")
                         : "no credential: " + util::redact(bearer.error().message)));
    spool_export(exchange, record);
    return;
  }

  HttpRequest request;
  request.method = "POST";
  request.url = *options.routes.workspace + record.path;
  request.headers = upstream_headers(exchange.inbound, Route::otel, *bearer);
  if (!request.headers.get(k_table_header) && record.headers.get(k_table_header)) {
    request.headers.add(k_table_header, *record.headers.get(k_table_header));
  }
  request.body = record.body;
  request.connect_timeout = options.connect_timeout;
  request.total_timeout = k_export_timeout;
  request.idle_timeout = k_export_timeout;
  request.cancel = stopped;

  auto response = client->send(request);
  if (!response || response->status >= 500) {
    AIGW_WARN("relay: the workspace did not take an OTel export ("
              << (response ? "status " + std::to_string(response->status)
                           : response.error().message)
              << "); it is kept in the spool");
    spool_export(exchange, record);
    return;
  }

  pass_head(exchange.res, response->status, response->headers);
  exchange.log->set_status(response->status);
  const auto type = response->headers.get("Content-Type");
  if (type) {
    exchange.res.set_content(response->body, *type);
  } else {
    exchange.res.body = response->body;
  }
  exchange.log->add_out(response->body.size());
  exchange.log->finish();
}

void
Relay::Impl::spool_export(Exchange& exchange, const SpoolRecord& record)
{
  if (!spool) {
    write_reply(exchange.res,
                error_reply(Route::otel, 503,
                            "the relay keeps no spool, so it cannot hold this export "
                            "(relay --spool DIR)"),
                exchange.log);
    return;
  }
  if (auto kept = spool->append(record); !kept) {
    write_reply(exchange.res,
                error_reply(Route::otel, 503,
                            "the relay could not keep this export: " + kept.error().message),
                exchange.log);
    return;
  }
  write_reply(exchange.res, accepted(), exchange.log);
}

void
Relay::Impl::flush_loop()
{
  std::unique_lock lock(state_mutex);
  while (!wake.wait_for(lock, options.flush_interval, [this] { return stopping; })) {
    lock.unlock();
    flush_once();
    lock.lock();
  }
}

void
Relay::Impl::flush_once()
{
  if (spool->entries().empty()) {
    return;
  }
  auto bearer = credentials->bearer();
  if (!bearer) {
    AIGW_DEBUG("relay: the spool waits for a credential: "
               << util::redact(bearer.error().message));
    return;
  }
  const FlushOutcome outcome = flush_spool(*spool, *client, *options.routes.workspace, *bearer);
  if (outcome.delivered > 0) {
    AIGW_INFO("relay: delivered " << outcome.delivered << " spooled OTel exports, "
                                  << outcome.remaining << " left");
  }
  if (outcome.failure) {
    AIGW_DEBUG("relay: the spool waits: " << util::redact(*outcome.failure));
  }
}

} // namespace aigw::net
