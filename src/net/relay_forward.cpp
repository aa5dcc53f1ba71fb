// SPDX-License-Identifier: MIT
// Forward mode for the agent routes. The upstream transfer runs on the connection's own
// loop (async_transfer.hpp); the exchange waits only for the upstream's head, then status
// and headers go to the agent unchanged (less hop-by-hop ones) and the body follows piece
// by piece as the gateway sends it, so server-sent events reach the agent as they come.
// When the agent hangs up (noticed while waiting, not only when a write fails) or the
// relay stops, the transfer is cancelled, even while the upstream sends nothing.
#include "net/relay_connection.hpp"

#include "net/databricks_client.hpp"
#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

std::optional<std::string>
upstream_base(const core::Routes& routes, Route route)
{
  switch (route) {
  case Route::anthropic:
    return routes.claude;
  case Route::openai:
    return routes.codex;
  case Route::gemini:
    return routes.gemini;
  case Route::cursor:
    return routes.cursor;
  case Route::otel:
    break;
  }
  return routes.workspace;
}

std::string
route_option(Route route)
{
  switch (route) {
  case Route::anthropic:
    return "--claude-url";
  case Route::openai:
    return "--codex-url";
  case Route::gemini:
    return "--gemini-url";
  case Route::cursor:
    return "--cursor-url";
  case Route::otel:
    break;
  }
  return "--workspace";
}

// The body length an upstream reply announces. With Transfer-Encoding too, the encoding
// frames the body and the length means nothing (RFC 9112 6.3), as libcurl reads it.
std::optional<std::size_t>
content_length(const Headers& headers)
{
  if (headers.get("Transfer-Encoding")) {
    return std::nullopt;
  }
  const auto value = headers.get("Content-Length");
  if (!value || value->empty() || value->size() > 18
      || value->find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoull(*value));
}

// The longest error body read to see whether it is the gateway's "Invalid Token".
constexpr std::size_t k_refusal_body_limit = 64U * 1024;

using Transfer = std::shared_ptr<AsyncTransfer>;

// An upstream answer whose whole (short) body the relay read before deciding what to do.
struct ReadAnswer
{
  bool read = false; // false: the body was not read (too long, unknown length, or HEAD)
  bool broken = false; // the transfer failed, or the agent went away, while it was read
  std::string body;
};

Task<ReadAnswer>
read_short_body(AsyncTransfer& transfer, const std::string& method)
{
  ReadAnswer answer;
  const auto length = content_length(transfer.headers());
  if (method == "HEAD" || !length || *length > k_refusal_body_limit) {
    co_return answer;
  }
  std::string piece;
  for (;;) {
    switch (co_await transfer.next(piece)) {
    case AsyncTransfer::Next::data:
      answer.body += piece;
      continue;
    case AsyncTransfer::Next::end:
      answer.read = true;
      co_return answer;
    case AsyncTransfer::Next::failed:
      answer.broken = true;
      co_return answer;
    }
  }
}

// Whether the upstream refused the token: 401, or 400 with "Invalid Token" in its body.
bool
refused_token(int status, const ReadAnswer& answer)
{
  return status == 401 || (status == 400 && answer.read && says_invalid_token(answer.body));
}

// The upstream's reply with the body already read, as the agent gets it.
LocalReply
read_reply(const AsyncTransfer& transfer, std::string body)
{
  return LocalReply{transfer.status(), passed_headers(transfer.headers()), std::move(body), {}};
}

// The refusal of a token fetched just now: the relay's credential is not good for this
// gateway, and trying again would not change that.
LocalReply
second_refusal(Route route, const AsyncTransfer& transfer, const ReadAnswer& answer)
{
  const int status = transfer.status();
  const std::string said = answer.read ? describe_error_body(status, answer.body, nullptr)
                                       : std::to_string(status);
  return error_reply(route, status,
                     "the gateway refused the relay's OAuth token twice, the second time one "
                     "fetched just now (" + util::redact(said)
                       + "); check that the relay's credential is for this workspace "
                         "(aigw-setup status) and log in again with `databricks auth login`");
}

LocalReply
no_credential(Route route, const util::Error& error)
{
  return error_reply(route, 502, std::string(k_relay_no_credential) + util::redact(error.message));
}

// The upstream's answer to `bearer`, its head in; nullptr when there is none, and then the
// agent has had its reply.
Task<Transfer>
open_upstream(Relay::Impl& relay, RelayLoop& loop, Exchange& exchange, const std::string& base,
              const util::Secret& bearer)
{
  HttpRequest request = relay.upstream_request(exchange, base, bearer);
  const std::string url = request.url;
  Transfer transfer = loop.upstream.open(std::move(request));
  exchange.reply.watch_hangup([weak = std::weak_ptr(transfer)] {
    if (auto gone = weak.lock()) {
      gone->cancel();
    }
  });
  if (co_await transfer->head()) {
    co_return transfer;
  }
  // A transfer the relay cancelled (it stops, or the agent hung up) was not a failure of
  // the upstream, whatever the transfer says.
  auto error = transfer->error();
  if (error && error->kind == HttpErrorKind::cancelled) {
    error.reset();
  }
  const LocalReply failure =
    error ? upstream_failure(exchange.routed.route, url, *error)
          : error_reply(exchange.routed.route, 503, "the relay is stopping or the agent went away");
  co_await exchange.reply.send(failure);
  co_return nullptr;
}

enum class Try { first, second };

// What becomes of an answer: streamed to the agent as it comes, already answered (its short
// body read, or an error), or a refused token to try again with a new one (first try only).
enum class Verdict { stream, replied, refused };

Task<Verdict>
judge(Exchange& exchange, const Transfer& transfer, Try attempt)
{
  const int status = transfer->status();
  if (status != 401 && status != 400) {
    co_return Verdict::stream;
  }
  ReadAnswer answer = co_await read_short_body(*transfer, exchange.inbound.method);
  if (status == 400 && !answer.read && !answer.broken) {
    co_return Verdict::stream; // not known to be "Invalid Token": the agent gets it as it is
  }
  transfer->cancel();

  const Route route = exchange.routed.route;
  if (refused_token(status, answer) && !answer.broken && attempt == Try::first) {
    co_return Verdict::refused;
  }
  const LocalReply reply =
    answer.broken ? error_reply(route, 502, "the gateway's answer broke off; try again")
    : !refused_token(status, answer) ? read_reply(*transfer, std::move(answer.body))
                                     : second_refusal(route, *transfer, answer);
  co_await exchange.reply.send(reply);
  co_return Verdict::replied;
}

struct Upstream
{
  std::string base;
  std::string body; // the request body, kept for the second try
};

// The second try, with a new token in place of `refused`; nullptr when the agent has had
// its reply.
Task<Transfer>
retry(Relay::Impl& relay, RelayLoop& loop, Exchange& exchange, Upstream upstream,
      const util::Secret& refused)
{
  relay.credentials->forget(refused);
  auto bearer = co_await relay.bearer();
  if (!bearer) {
    const LocalReply refusal = no_credential(exchange.routed.route, bearer.error());
    co_await exchange.reply.send(refusal);
    co_return nullptr;
  }
  exchange.inbound.body = std::move(upstream.body);
  auto transfer = co_await open_upstream(relay, loop, exchange, upstream.base, *bearer);
  if (!transfer || co_await judge(exchange, transfer, Try::second) == Verdict::replied) {
    co_return nullptr;
  }
  co_return transfer;
}

// The upstream's reply, head and body, to the agent as it comes.
Task<void>
stream_reply(Exchange& exchange, const Transfer& transfer)
{
  auto& reply = exchange.reply;
  const int status = transfer->status();
  const auto length = content_length(transfer->headers());
  reply.start(status, passed_headers(transfer->headers()), length);

  const bool bodiless = status < 200 || status == 204 || status == 304 || length == 0u;
  if (bodiless || exchange.inbound.method == "HEAD") {
    transfer->cancel();
    co_await reply.finish();
    co_return;
  }

  // A reply of known length is short, as a rule, and leaves with its body in one write; a
  // stream's head goes at once, since its first event may be long in coming.
  if (!length && !co_await reply.send_head()) {
    transfer->cancel();
    reply.abort();
    co_return;
  }
  std::string piece;
  for (;;) {
    switch (co_await transfer->next(piece)) {
    case AsyncTransfer::Next::data:
      if (!co_await reply.write(piece)) {
        transfer->cancel(); // the agent went away
        reply.abort();
        co_return;
      }
      continue;
    case AsyncTransfer::Next::end:
      co_await reply.finish();
      co_return;
    case AsyncTransfer::Next::failed:
      reply.abort();
      co_return;
    }
  }
}

} // namespace

Task<void>
Relay::Impl::forward(Exchange& exchange)
{
  const Route route = exchange.routed.route;
  const auto base = upstream_base(options.routes, route);
  if (!base) {
    const LocalReply refusal =
      error_reply(route, 502,
                  "the relay has no upstream for the " + to_string(route)
                    + " route: start it with --gateway, --workspace or " + route_option(route));
    co_await exchange.reply.send(refusal);
    co_return;
  }
  auto bearer = co_await this->bearer();
  if (!bearer) {
    const LocalReply refusal = no_credential(route, bearer.error());
    co_await exchange.reply.send(refusal);
    co_return;
  }

  RelayLoop& loop = exchange.reply.loop();
  // A refused OAuth token is fetched anew and the request sent once more: keep its body.
  const bool renewable = credentials->renewable();
  std::string body = renewable ? exchange.inbound.body : std::string();
  auto transfer = co_await open_upstream(*this, loop, exchange, *base, *bearer);
  if (!transfer) {
    co_return;
  }
  if (renewable) {
    const Verdict verdict = co_await judge(exchange, transfer, Try::first);
    if (verdict == Verdict::replied) {
      co_return;
    }
    if (verdict == Verdict::refused) {
      Upstream upstream{*base, std::move(body)};
      transfer = co_await retry(*this, loop, exchange, std::move(upstream), *bearer);
      if (!transfer) {
        co_return;
      }
    }
  }
  co_await stream_reply(exchange, transfer);
}

HttpRequest
Relay::Impl::upstream_request(Exchange& exchange, const std::string& base,
                              const util::Secret& bearer) const
{
  HttpRequest request;
  request.method = exchange.inbound.method;
  request.url = base + exchange.routed.rest
                + (exchange.inbound.query.empty() ? "" : "?" + exchange.inbound.query);
  request.headers = upstream_headers(exchange.inbound, exchange.routed.route, bearer);
  request.body = std::move(exchange.inbound.body);
  request.connect_timeout = options.connect_timeout;
  request.total_timeout = std::chrono::milliseconds(0); // a stream may last long
  request.idle_timeout = options.idle_timeout;
  return request;
}

} // namespace aigw::net
