// SPDX-License-Identifier: MIT
// Internal to the curl_*.cpp files: libcurl handles as owned types, how an HttpRequest
// becomes the options of an easy handle, and the transfer the client opens.
#pragma once

#include <memory>
#include <string>

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

// libcurl's global setup, once per process.
void init_curl_once();

// The request's headers as libcurl wants them, or why one cannot be sent.
util::Expected<HeaderList, HttpError> header_list(const HttpRequest& request);

// URL, method, body and timeouts of `request` on `handle`; libcurl's own words for a
// failure go to `error_text` (CURL_ERROR_SIZE bytes). `request` must outlive the transfer.
void set_request(CURL* handle, const HttpRequest& request, char* error_text);

// Plain words for a failure of `kind`, put in front of libcurl's own text.
std::string cause_of(HttpErrorKind kind);

// Start `request` on this thread's multi handle, with the DNS and TLS session caches of
// `share` (may be null).
std::unique_ptr<HttpTransfer> open_curl_transfer(HttpRequest request, CURLSH* share);

} // namespace aigw::net
