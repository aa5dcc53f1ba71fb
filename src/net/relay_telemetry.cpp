// SPDX-License-Identifier: MIT
// OTel exports through the relay. Each export is first made what the workspace takes
// (otlp_export.cpp: OTLP/JSON becomes protobuf, the record names its table). Offline, it
// goes to the spool and the agent gets its 200 only once append() returned, so an
// acknowledged export is on disk. In forward mode it goes to the workspace; when the
// workspace cannot be reached, answers 5xx, or refuses the relay's token even after a
// fresh one, the export is spooled and acknowledged all the same, so telemetry survives
// going offline. A background thread delivers the spool while the workspace answers.
// An export with no table to go to is answered with a partial success that rejects it.
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
LocalReply
passed_answer(const HttpResponse& response)
{
  return LocalReply{response.status, passed_headers(response.headers), response.body, {}};
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

LocalReply
Relay::Impl::telemetry(const Exchange& exchange)
{
  if (exchange.inbound.method != "POST") {
    return error_reply(Route::otel, 405, "OTel exports are sent with POST");
  }
  const auto prepared = prepare_export(exchange.inbound, exchange.routed, options.tables);
  if (!prepared) {
    AIGW_WARN("relay: an OTel export was refused: " << prepared.error().message);
    return error_reply(Route::otel, 400, prepared.error().message);
  }
  if (!has_table(prepared->record)) {
    long long items = 0;
    const LocalReply reply = rejected_without_table(*prepared, items);
    const std::string signal = to_string(prepared->signal);
    AIGW_WARN("relay: an OTel " << signal << " export was not kept (" << item_noun(prepared->signal)
                                << ": " << items << "): no Unity Catalog table is "
                                << "named for " << signal << " (relay --" << signal
                                << "-table, or tables." << signal << " in relay.json)");
    return reply;
  }
  if (options.mode == RelayMode::offline) {
    return spool_export(exchange, prepared->record);
  }
  return forward_export(exchange, prepared->record);
}

LocalReply
Relay::Impl::forward_export(const Exchange& exchange, const SpoolRecord& record)
{
  auto bearer = credentials->bearer();
  if (!options.routes.workspace || !bearer) {
    AIGW_WARN("relay: an OTel export is kept in the spool: "
              << (bearer ? std::string("no --workspace was given")
                         : "no credential: " + util::redact(bearer.error().message)));
    return spool_export(exchange, record);
  }

  const Sent sent = send_export(*this, export_request(*this, exchange, record, *bearer), *bearer);
  const auto& response = sent.response;
  if (!response || response->status >= 500) {
    AIGW_WARN("relay: the workspace did not take an OTel export ("
              << (response ? "status " + std::to_string(response->status)
                           : response.error().message)
              << "); it is kept in the spool");
    return spool_export(exchange, record);
  }
  if (refuses_token(response->status, response->body)) {
    AIGW_WARN("relay: the workspace refused the relay's token for an OTel export ("
              << util::redact(describe_error_body(response->status, response->body, nullptr))
              << (sent.fresh_token ? ", also one fetched just now" : "")
              << "); it is kept in the spool: check the relay's credential (aigw-setup "
                 "status), then run `aigw-setup relay flush`");
    return spool_export(exchange, record);
  }
  if (is_otlp_json(exchange.inbound.headers) && response->status / 100 == 2) {
    return json_answer(signal_of(exchange), *response);
  }
  return passed_answer(*response);
}

LocalReply
Relay::Impl::spool_export(const Exchange& exchange, const SpoolRecord& record)
{
  if (!spool) {
    return error_reply(Route::otel, 503,
                       "the relay keeps no spool, so it cannot hold this export "
                       "(relay --spool DIR)");
  }
  if (auto kept = spool->append(record); !kept) {
    return error_reply(Route::otel, 503,
                       "the relay could not keep this export: " + kept.error().message);
  }
  return export_taken(signal_of(exchange), is_otlp_json(exchange.inbound.headers));
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
  for (const std::string& name : outcome.undeliverable) {
    if (passed_over.insert(name).second) { // once per record, not at every flush
      AIGW_WARN("relay: spooled export " << name << " names no Unity Catalog table, so the "
                                            "workspace would refuse it: it is not sent; delete "
                                            "it from " << spool->dir().string());
    }
  }
  if (outcome.failure) {
    AIGW_DEBUG("relay: the spool waits: " << util::redact(*outcome.failure));
  }
}

} // namespace aigw::net
