// SPDX-License-Identifier: MIT
// Internal to the curl_*.cpp and async_transfer*.cpp files: libcurl handles as owned
// types, how an HttpRequest becomes the options of an easy handle, how a reply's head is
// read and a failure worded, and the transfer the client opens.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "net/curl_client_internal.hpp"
#include "net/http.hpp"

namespace aigw::net {

struct EasyDeleter
{
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct ListDeleter
{
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

struct MultiDeleter
{
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

// Idle connections a thread's multi handle keeps for its next blocking transfers: the
// gateway and the workspace, with room for one more.
constexpr long k_idle_connections = 3;

// libcurl's global setup, once per process.
void init_curl_once();

// The request's headers as libcurl wants them, or why one cannot be sent.
util::Expected<HeaderList, HttpError> header_list(const HttpRequest& request);

// URL, method, body and timeouts of `request` on `handle`; libcurl's own words for a
// failure go to `error_text` (CURL_ERROR_SIZE bytes). `request` must outlive the transfer.
void set_request(CURL* handle, const HttpRequest& request, char* error_text);

// How errors and the debug log name the transfer of `request`: its method and redacted URL.
// Built only when needed: redacting a URL costs more than the rest of a relayed request's
// setup.
std::string describe(const HttpRequest& request);

// `request` on `handle` with the header list (kept in `headers`) and libcurl's words for a
// failure going to `error_text`, both to outlive the transfer; when it cannot start, why.
std::optional<HttpError> prepare_easy(CURL* handle, const HttpRequest& request,
                                      HeaderList& headers, char* error_text);

// The transfer of `request`, which libcurl would not take.
HttpError start_failure(const HttpRequest& request);

// Plain words for a failure of `kind`, put in front of libcurl's own text.
std::string cause_of(HttpErrorKind kind);

// The head of a reply as libcurl hands it over, one header line at a time: interim 1xx
// blocks are read and forgotten, an obsolete folded line continues the header before it,
// and the head is ready when the final block ends or the first body byte comes.
struct ReplyHead
{
  int block_status = 0; // status line of the header block being read
  Headers block_headers;
  bool ready = false;
  int status = 0;
  Headers headers;

  // One line from CURLOPT_HEADERFUNCTION, line break included; lines after the head
  // (trailers) are ignored.
  void read_line(std::string_view line);
  // The block being read is the head (the final block ended, or body bytes came).
  void mark_ready();
  // The transfer ended well without a head (an HTTP/0.9 style reply): libcurl's status.
  void finish(CURL* handle);
};

// When bytes last moved, either way (a long upload counts too), for the idle timeout.
struct Activity
{
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  curl_off_t down = 0;
  curl_off_t up = 0;

  void seen() { last = std::chrono::steady_clock::now(); }
  // The byte counts of CURLOPT_XFERINFOFUNCTION: activity when they changed.
  void counted(curl_off_t down_now, curl_off_t up_now);
};

// How a transfer ended badly, for its error message.
struct TransferEnd
{
  CURLcode code = CURLE_OK;
  AbortReason abort = AbortReason::none;
  const char* error_text = ""; // libcurl's words (CURLOPT_ERRORBUFFER), may be empty
  std::chrono::milliseconds idle_timeout{0};
};

// The failure of the transfer `what` (method and redacted URL): its kind, and a message
// with the cause in plain words and libcurl's own.
HttpError transfer_error(const std::string& what, const TransferEnd& end);

// libcurl's own words for how `end` ended (its error buffer, else the code's text; for an
// idle abort, how long nothing came), redacted: what -vv shows after the failure's kind.
std::string failure_detail(const TransferEnd& end);

// The transfers of `multi` that libcurl says are over, with their results. Copied out:
// removing a handle frees libcurl's messages.
std::vector<std::pair<CURL*, CURLcode>> finished_transfers(CURLM* multi);

// Start `request` on this thread's multi handle, with the DNS and TLS session caches of
// `share` (may be null).
std::unique_ptr<HttpTransfer> open_curl_transfer(HttpRequest request, CURLSH* share);

} // namespace aigw::net
