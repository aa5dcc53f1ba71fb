// SPDX-License-Identifier: MIT
// A reply as libcurl's callbacks deliver it, the same for the blocking transfer
// (curl_transfer.cpp) and the one an event loop moves (async_transfer*.cpp): the head read
// line by line, the transfers a multi handle has finished, and the words of a failure.
#include "net/curl_internal.hpp"

#include "util/secret.hpp"

namespace aigw::net {

namespace {

// "HTTP/1.1 200 OK" or "HTTP/2 200": the status, or 0 when the line is not a status line.
int
status_of(std::string_view line)
{
  if (!line.starts_with("HTTP/")) {
    return 0;
  }
  const auto space = line.find(' ');
  if (space == std::string_view::npos || line.size() < space + 4) {
    return 0;
  }
  int status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return 0;
    }
    status = status * 10 + (line[i] - '0');
  }
  return status;
}

} // namespace

void
ReplyHead::read_line(std::string_view line)
{
  if (ready) {
    return; // trailers
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }

  if (const int line_status = status_of(line); line_status != 0) {
    block_status = line_status;
    block_headers.items.clear();
  } else if (line.empty()) {
    if (block_status >= 200) {
      mark_ready();
    }
  } else {
    block_headers.add_line(line);
  }
}

void
ReplyHead::mark_ready()
{
  if (!ready) {
    ready = true;
    status = block_status;
    headers = block_headers;
  }
}

void
ReplyHead::finish(CURL* handle)
{
  if (!ready) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    block_status = static_cast<int>(code);
    mark_ready();
  }
}

void
Activity::counted(curl_off_t down_now, curl_off_t up_now)
{
  if (down_now != down || up_now != up) {
    down = down_now;
    up = up_now;
    seen();
  }
}

std::string
failure_detail(const TransferEnd& end)
{
  if (end.abort == AbortReason::idle) {
    return "nothing received for " + std::to_string(end.idle_timeout.count()) + " ms";
  }
  return util::redact(end.error_text[0] != '\0' ? end.error_text : curl_easy_strerror(end.code));
}

HttpError
transfer_error(const std::string& what, const TransferEnd& end)
{
  const HttpErrorKind kind = error_kind_for_curl(static_cast<int>(end.code), end.abort);
  return HttpError{kind,
                   util::redact(what + ": " + cause_of(kind) + " (" + failure_detail(end) + ")")};
}

std::vector<std::pair<CURL*, CURLcode>>
finished_transfers(CURLM* multi)
{
  std::vector<std::pair<CURL*, CURLcode>> finished;
  int left = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi, &left)) {
    if (message->msg == CURLMSG_DONE) {
      finished.emplace_back(message->easy_handle, message->data.result);
    }
  }
  return finished;
}

} // namespace aigw::net
