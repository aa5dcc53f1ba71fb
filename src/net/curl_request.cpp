// SPDX-License-Identifier: MIT
// An HttpRequest as the options of a libcurl easy handle. Bytes go as the caller gave
// them: no redirect followed, no automatic decompression (Accept-Encoding is whatever the
// caller set), and none of curl's default headers (Accept, Expect, a form Content-Type)
// added behind the caller's back.
#include "net/curl_internal.hpp"

#include <mutex>

#include "aigw/version.hpp"

namespace aigw::net {

namespace {

bool
has_line_break(std::string_view text)
{
  return text.find_first_of("\r\n") != std::string_view::npos;
}

void
set_method(CURL* handle, const HttpRequest& request)
{
  if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method != "GET" && request.method != "HEAD"
      && (!request.body.empty() || request.method == "POST")) {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
}

void
set_transport(CURL* handle, const HttpRequest& request, char* error_text)
{
  static const std::string k_user_agent = std::string("aigw-setup/") + k_version;
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_USERAGENT, k_user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
}

} // namespace

void
init_curl_once()
{
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Empty entries keep curl from adding Accept, Expect or a form Content-Type of its own.
util::Expected<HeaderList, HttpError>
header_list(const HttpRequest& request)
{
  curl_slist* list = nullptr;
  auto append = [&list](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
  for (const auto& [name, value] : request.headers.items) {
    if (has_line_break(name) || has_line_break(value) || name.empty()) {
      curl_slist_free_all(list);
      return util::unexpected(HttpError{HttpErrorKind::other,
                                        "header \"" + name + "\" cannot be sent as is"});
    }
    // "Name;" is libcurl's way of sending a header with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  for (const char* name : {"Accept", "Expect", "Content-Type"}) {
    if (!request.headers.get(name)) {
      append(std::string(name) + ":");
    }
  }
  return HeaderList(list);
}

void
set_request(CURL* handle, const HttpRequest& request, char* error_text)
{
  set_transport(handle, request, error_text);
  set_method(handle, request);
}

std::string
describe(const HttpRequest& request)
{
  return request.method + " " + redact_url(request.url);
}

std::optional<HttpError>
prepare_easy(CURL* handle, const HttpRequest& request, HeaderList& headers, char* error_text)
{
  if (handle == nullptr) {
    return start_failure(request);
  }
  auto list = header_list(request);
  if (!list) {
    return HttpError{HttpErrorKind::other, describe(request) + ": " + list.error().message};
  }
  headers = std::move(*list);
  set_request(handle, request, error_text);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  return std::nullopt;
}

HttpError
start_failure(const HttpRequest& request)
{
  return HttpError{HttpErrorKind::other, describe(request) + ": libcurl could not start"};
}

std::string
cause_of(HttpErrorKind kind)
{
  switch (kind) {
  case HttpErrorKind::dns:
    return "the host name did not resolve";
  case HttpErrorKind::connect:
    return "the connection was refused or the host is unreachable";
  case HttpErrorKind::tls:
    return "the TLS handshake or the certificate check failed";
  case HttpErrorKind::timeout:
    return "no answer in time";
  case HttpErrorKind::proxy:
    return "the proxy refused or failed";
  case HttpErrorKind::reset:
    return "the connection dropped";
  case HttpErrorKind::cancelled:
    return "cancelled";
  case HttpErrorKind::other:
    break;
  }
  return "the request failed";
}

} // namespace aigw::net
