// SPDX-License-Identifier: MIT
// OTel exports through the relay. Each export is first made what the workspace takes
// (otlp_export.cpp: OTLP/JSON becomes protobuf, the record names its table). Offline, it
// goes to the spool and the agent gets its 200 only once append() returned, so an
// acknowledged export is on disk. In forward mode it goes to the workspace; when the
// workspace cannot be reached, answers 5xx, or refuses the relay's token even after a
// fresh one, the export is spooled and acknowledged all the same, so telemetry survives
// going offline. A background thread delivers the spool while the workspace answers.
// Spans with no traces table are answered with a partial success that rejects them.
#include "net/relay_internal.hpp"

#include "net/databricks_client.hpp"
#include "net/otlp_export.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"

namespace aigw::net {

namespace {

// An exporter gives up after about 10 s; a slower workspace is as good as down.
constexpr std::chrono::milliseconds k_export_timeout{10'000};

HttpRequest
export_request(const Relay::Impl& relay, const Exchange& exchange, const SpoolRecord& record,
               const util::Secret& bearer)
{
  HttpRequest request;
  request.method = "POST";
  request.url = *relay.options.routes.workspace + record.path;
  request.headers = upstream_headers(exchange.inbound, Route::otel, bearer);
  // The record's type and table: protobuf for a converted export, the table relay.json names.
  for (const auto& [name, value] : record.headers.items) {
    request.headers.set(name, value);
  }
  request.body = record.body;
  request.connect_timeout = relay.options.connect_timeout;
  request.total_timeout = k_export_timeout;
  request.idle_timeout = k_export_timeout;
  request.cancel = relay.stopped;
  return request;
}

OtlpSignal
signal_of(const Exchange& exchange)
{
  return otlp_signal(exchange.routed.rest).value_or(OtlpSignal::metrics);
}

// The workspace's answer as it came, less hop-by-hop and framing headers.
void
pass_answer(Exchange& exchange, const HttpResponse& response)
{
  pass_head(exchange.res, response.status, response.headers);
  exchange.log->set_status(response.status);
  if (const auto type = response.headers.get("Content-Type")) {
    exchange.res.set_content(response.body, *type);
  } else {
    exchange.res.body = response.body;
  }
  exchange.log->add_out(response.body.size());
  exchange.log->finish();
}

struct Sent
{
  util::Expected<HttpResponse, HttpError> response;
  bool fresh_token = false; // the answer is to a token fetched after a refusal
};

// Send the export; when the workspace refuses the token and a new one can be had (OAuth),
// send it once more with a fresh one, as the model routes do.
Sent
send_export(Relay::Impl& relay, HttpRequest request, const util::Secret& bearer)
{
  Sent sent{relay.client->send(request)};
  const auto& response = sent.response;
  if (!response || !refuses_token(response->status, response->body)) {
    return sent;
  }
  const auto fresh = fresh_token(*relay.credentials, bearer);
  if (!fresh) {
    return sent;
  }
  request.headers.set("Authorization", "Bearer " + fresh->reveal());
  return {relay.client->send(request), true};
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
  const auto prepared = prepare_export(exchange.inbound, exchange.routed, options.tables);
  if (!prepared) {
    AIGW_WARN("relay: an OTel export was refused: " << prepared.error().message);
    write_reply(exchange.res, error_reply(Route::otel, 400, prepared.error().message),
                exchange.log);
    return;
  }
  if (prepared->signal == OtlpSignal::traces && !has_table(*prepared)) {
    long long spans = 0;
    const LocalReply reply = spans_rejected(*prepared, spans);
    AIGW_WARN("relay: spans not kept (" << spans << " in this export): no Unity Catalog table "
                                           "is named for traces (relay --traces-table, or "
                                           "tables.traces in relay.json)");
    write_reply(exchange.res, reply, exchange.log);
    return;
  }
  if (options.mode == RelayMode::offline) {
    spool_export(exchange, prepared->record);
  } else {
    forward_export(exchange, prepared->record);
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

  const Sent sent = send_export(*this, export_request(*this, exchange, record, *bearer), *bearer);
  const auto& response = sent.response;
  if (!response || response->status >= 500) {
    AIGW_WARN("relay: the workspace did not take an OTel export ("
              << (response ? "status " + std::to_string(response->status)
                           : response.error().message)
              << "); it is kept in the spool");
    spool_export(exchange, record);
    return;
  }
  if (refuses_token(response->status, response->body)) {
    AIGW_WARN("relay: the workspace refused the relay's token for an OTel export ("
              << util::redact(describe_error_body(response->status, response->body, nullptr))
              << (sent.fresh_token ? ", also one fetched just now" : "")
              << "); it is kept in the spool: check the relay's credential (aigw-setup "
                 "status), then run `aigw-setup relay flush`");
    spool_export(exchange, record);
    return;
  }
  if (is_otlp_json(exchange.inbound.headers) && response->status / 100 == 2) {
    write_reply(exchange.res, json_answer(signal_of(exchange), *response), exchange.log);
  } else {
    pass_answer(exchange, *response);
  }
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
  write_reply(exchange.res,
              export_taken(signal_of(exchange), is_otlp_json(exchange.inbound.headers)),
              exchange.log);
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
  const FlushOutcome outcome =
    flush_spool(*spool, *client, *options.routes.workspace, *bearer,
                [this](const util::Secret& refused) { return fresh_token(*credentials, refused); });
  if (outcome.delivered > 0) {
    AIGW_INFO("relay: delivered " << outcome.delivered << " spooled OTel exports, "
                                  << outcome.remaining << " left");
  }
  if (outcome.failure) {
    AIGW_DEBUG("relay: the spool waits: " << util::redact(*outcome.failure));
  }
}

} // namespace aigw::net
