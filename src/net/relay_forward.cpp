// SPDX-License-Identifier: MIT
// Forward mode for the agent routes. The handler opens the upstream transfer and waits
// only for the upstream's head; status and headers then go to the agent unchanged (less
// hop-by-hop ones), and cpp-httplib's content provider, on the same server thread, reads
// the body piece by piece and writes each one on, so server-sent events reach the agent as
// the gateway sends them. No thread is started per request. When the agent goes away
// (noticed while waiting, not only when a write fails) or the relay stops, the transfer is
// cancelled, even while the upstream sends nothing.
#include "net/relay_internal.hpp"

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

enum class Framing { length, chunked };

// Move the next piece of the upstream body to the agent.
bool
pump(HttpTransfer& stream, httplib::DataSink& sink, RequestLog& log, Framing framing,
     const HangupCheck& agent_gone)
{
  std::string piece;
  switch (stream.next(piece, agent_gone)) {
  case HttpTransfer::Next::data:
    if (!sink.write(piece.data(), piece.size())) {
      return false;
    }
    log.add_out(piece.size());
    return true;
  case HttpTransfer::Next::end:
    if (framing == Framing::chunked) {
      sink.done();
      return true;
    }
    return false; // shorter than its Content-Length
  case HttpTransfer::Next::failed:
    break;
  }
  return false;
}

// The longest error body read to see whether it is the gateway's "Invalid Token".
constexpr std::size_t k_refusal_body_limit = 64U * 1024;

// An upstream answer whose whole (short) body the relay read before deciding what to do.
struct ReadAnswer
{
  bool read = false; // false: the body was not read (too long, unknown length, or HEAD)
  bool broken = false; // the transfer failed, or the agent went away, while it was read
  std::string body;
};

ReadAnswer
read_short_body(HttpTransfer& stream, const std::string& method)
{
  ReadAnswer answer;
  const auto length = content_length(stream.headers());
  if (method == "HEAD" || !length || *length > k_refusal_body_limit) {
    return answer;
  }
  const HangupCheck agent_gone = hangup_check();
  std::string piece;
  for (;;) {
    switch (stream.next(piece, agent_gone)) {
    case HttpTransfer::Next::data:
      answer.body += piece;
      continue;
    case HttpTransfer::Next::end:
      answer.read = true;
      return answer;
    case HttpTransfer::Next::failed:
      answer.broken = true;
      return answer;
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
read_reply(const HttpTransfer& stream, std::string body)
{
  LocalReply reply;
  reply.status = stream.status();
  const std::string connection = stream.headers().get("Connection").value_or("");
  for (const auto& [name, value] : stream.headers().items) {
    if (!is_hop_by_hop(name, connection)) {
      reply.headers.add(name, value);
    }
  }
  reply.body = std::move(body);
  return reply;
}

// The refusal of a token fetched just now: the relay's credential is not good for this
// gateway, and trying again would not change that.
LocalReply
second_refusal(Route route, const HttpTransfer& stream, const ReadAnswer& answer)
{
  const int status = stream.status();
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
  return error_reply(route, 502, "the relay has no credential for the gateway: "
                                   + util::redact(error.message));
}

// The upstream's answer to `bearer`, its head in; nullptr when there is none, and then the
// agent has had its reply.
std::shared_ptr<HttpTransfer>
open_upstream(Relay::Impl& relay, Exchange& exchange, const std::string& base,
              const util::Secret& bearer)
{
  HttpRequest request = relay.upstream_request(exchange, base, bearer);
  const std::string url = request.url;
  const auto stream = relay.start_stream(std::move(request));
  if (stream && stream->wait_head(hangup_check())) {
    return stream;
  }
  // A transfer the relay cancelled (it stops, or the agent hung up) was not a failure of
  // the upstream, whatever the transfer says.
  auto error = stream ? stream->error() : std::nullopt;
  if (error && error->kind == HttpErrorKind::cancelled) {
    error.reset();
  }
  write_reply(exchange.res,
              error ? upstream_failure(exchange.routed.route, url, *error)
                    : error_reply(exchange.routed.route, 503,
                                  "the relay is stopping or the agent went away"),
              exchange.log);
  return nullptr;
}

enum class Try { first, second };

// What becomes of an answer: streamed to the agent as it comes, already answered (its short
// body read, or an error), or a refused token to try again with a new one (first try only).
enum class Verdict { stream, replied, refused };

Verdict
judge(Exchange& exchange, const std::shared_ptr<HttpTransfer>& stream, Try attempt)
{
  const int status = stream->status();
  if (status != 401 && status != 400) {
    return Verdict::stream;
  }
  ReadAnswer answer = read_short_body(*stream, exchange.inbound.method);
  if (status == 400 && !answer.read && !answer.broken) {
    return Verdict::stream; // not known to be "Invalid Token": the agent gets it as it is
  }
  stream->cancel();

  const Route route = exchange.routed.route;
  if (answer.broken) {
    write_reply(exchange.res,
                error_reply(route, 502, "the gateway's answer broke off; try again"),
                exchange.log);
  } else if (!refused_token(status, answer)) {
    write_reply(exchange.res, read_reply(*stream, std::move(answer.body)), exchange.log);
  } else if (attempt == Try::first) {
    return Verdict::refused;
  } else {
    write_reply(exchange.res, second_refusal(route, *stream, answer), exchange.log);
  }
  return Verdict::replied;
}

struct Upstream
{
  std::string base;
  std::string body; // the request body, kept for the second try
};

// The second try, with a new token in place of `refused`; nullptr when the agent has had
// its reply.
std::shared_ptr<HttpTransfer>
retry(Relay::Impl& relay, Exchange& exchange, Upstream upstream, const util::Secret& refused)
{
  relay.credentials->forget(refused);
  auto bearer = relay.credentials->bearer();
  if (!bearer) {
    write_reply(exchange.res, no_credential(exchange.routed.route, bearer.error()),
                exchange.log);
    return nullptr;
  }
  exchange.inbound.body = std::move(upstream.body);
  auto stream = open_upstream(relay, exchange, upstream.base, *bearer);
  if (!stream || judge(exchange, stream, Try::second) == Verdict::replied) {
    return nullptr;
  }
  return stream;
}

} // namespace

void
Relay::Impl::forward(Exchange& exchange)
{
  const Route route = exchange.routed.route;
  const auto base = upstream_base(options.routes, route);
  if (!base) {
    write_reply(exchange.res,
                error_reply(route, 502,
                            "the relay has no upstream for the " + to_string(route)
                              + " route: start it with --gateway, --workspace or "
                              + route_option(route)),
                exchange.log);
    return;
  }
  auto bearer = credentials->bearer();
  if (!bearer) {
    write_reply(exchange.res, no_credential(route, bearer.error()), exchange.log);
    return;
  }

  // Kept for a second try only when a new token can be had (see the top of this file).
  const bool renewable = credentials->renewable();
  std::string body = renewable ? exchange.inbound.body : std::string();
  auto stream = open_upstream(*this, exchange, *base, *bearer);
  if (!stream) {
    return;
  }
  if (renewable) {
    const Verdict verdict = judge(exchange, stream, Try::first);
    if (verdict == Verdict::replied) {
      return;
    }
    if (verdict == Verdict::refused) {
      stream = retry(*this, exchange, {*base, std::move(body)}, *bearer);
      if (!stream) {
        return;
      }
    }
  }
  stream_reply(exchange, stream);
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

std::shared_ptr<HttpTransfer>
Relay::Impl::start_stream(HttpRequest request)
{
  request.cancel = stopped;
  const std::lock_guard lock(streams_mutex);
  if (streams_closed) {
    return nullptr;
  }
  // Leaving the set as it is destroyed, under the lock stop() cancels with, keeps stop()
  // from reaching a transfer that is gone.
  HttpTransfer* transfer = client->open(std::move(request)).release();
  streams.insert(transfer);
  return {transfer, [this](HttpTransfer* done) {
            {
              const std::lock_guard held(streams_mutex);
              streams.erase(done);
            }
            delete done;
          }};
}

void
Relay::Impl::stream_reply(Exchange& exchange, const std::shared_ptr<HttpTransfer>& stream)
{
  auto& res = exchange.res;
  const int status = stream->status();
  pass_head(res, status, stream->headers());
  exchange.log->set_status(status);
  const std::string type = stream->headers().get("Content-Type").value_or("");
  const auto length = content_length(stream->headers());

  const bool bodiless = status < 200 || status == 204 || status == 304 || length == 0u;
  if (bodiless || (exchange.inbound.method == "HEAD" && !length)) {
    if (!type.empty()) {
      res.set_header("Content-Type", type);
    }
    stream->cancel();
    exchange.log->finish();
    return;
  }

  auto log = exchange.log;
  // After a failed reply (the agent went away) the cancel stops the upstream transfer; a
  // whole one has ended it, and its connection stays open for the next request.
  auto release = [stream, log](bool whole) {
    if (!whole) {
      stream->cancel();
    }
    log->finish();
  };
  // The providers run on this server thread, while its connection is open.
  const HangupCheck agent_gone = hangup_check();
  if (length) {
    res.set_content_provider(
      *length, type,
      [stream, log, agent_gone](std::size_t, std::size_t, httplib::DataSink& sink) {
        return pump(*stream, sink, *log, Framing::length, agent_gone);
      },
      release);
  } else {
    res.set_chunked_content_provider(
      type,
      [stream, log, agent_gone](std::size_t, httplib::DataSink& sink) {
        return pump(*stream, sink, *log, Framing::chunked, agent_gone);
      },
      release);
  }
  if (type.empty()) {
    res.headers.erase("Content-Type");
  }
}

} // namespace aigw::net
