// SPDX-License-Identifier: MIT
// What every HttpClient shares: the callback form of a streamed response, read off a
// transfer, and the transfer of an answer already at hand.
#include "net/http.hpp"

#include <utility>

namespace aigw::net {

namespace {

class FinishedTransfer final : public HttpTransfer
{
public:
  explicit FinishedTransfer(util::Expected<HttpResponse, HttpError> result)
      : m_result(std::move(result))
  {
  }

  bool wait_head(const GiveUp&) override { return m_result.has_value() && !m_cancelled; }
  int status() const override { return m_result ? m_result->status : 0; }
  const Headers& headers() const override { return m_result ? m_result->headers : m_none; }

  Next next(std::string& piece, const GiveUp&) override
  {
    if (!m_result || m_cancelled) {
      return Next::failed;
    }
    if (m_delivered || m_result->body.empty()) {
      return Next::end;
    }
    m_delivered = true;
    piece = m_result->body;
    return Next::data;
  }

  std::optional<HttpError> error() const override
  {
    if (m_cancelled) {
      return HttpError{HttpErrorKind::cancelled, "cancelled"};
    }
    return m_result ? std::nullopt : std::optional<HttpError>(m_result.error());
  }

  void cancel() override { m_cancelled = true; }

private:
  util::Expected<HttpResponse, HttpError> m_result;
  Headers m_none;
  bool m_delivered = false;
  bool m_cancelled = false;
};

HttpError
stopped_by_caller(const HttpRequest& request)
{
  return HttpError{HttpErrorKind::cancelled,
                   request.method + " " + redact_url(request.url)
                     + ": cancelled (the caller stopped reading)"};
}

} // namespace

std::unique_ptr<HttpTransfer>
finished_transfer(util::Expected<HttpResponse, HttpError> result)
{
  return std::make_unique<FinishedTransfer>(std::move(result));
}

util::Expected<HttpResponse, HttpError>
HttpClient::stream(const HttpRequest& request, const HeadCallback& on_head,
                   const ChunkCallback& on_chunk)
{
  const auto transfer = open(request);
  if (!transfer->wait_head(nullptr)) {
    return util::unexpected(transfer->error().value_or(stopped_by_caller(request)));
  }
  if (!on_head(transfer->status(), transfer->headers())) {
    transfer->cancel();
    return util::unexpected(stopped_by_caller(request));
  }

  std::string piece;
  for (;;) {
    switch (transfer->next(piece, nullptr)) {
    case HttpTransfer::Next::data:
      if (!on_chunk(piece)) {
        transfer->cancel();
        return util::unexpected(stopped_by_caller(request));
      }
      continue;
    case HttpTransfer::Next::end:
      return HttpResponse{transfer->status(), transfer->headers(), {}};
    case HttpTransfer::Next::failed:
      return util::unexpected(transfer->error().value_or(stopped_by_caller(request)));
    }
  }
}

} // namespace aigw::net
