// SPDX-License-Identifier: MIT
// The HTTP client every remote call goes through (relay upstream, `test`, the Databricks
// REST client). libcurl stays behind this interface: <curl/curl.h> is included only in
// net/curl_client.cpp. Failures that are not an HTTP status come back as an HttpError
// kind, which is what `test` and `doctor` turn into a remedy.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/expected.hpp"

namespace aigw::net {

// Header names compare case-insensitively; order and repeats are kept.
struct Headers
{
  std::vector<std::pair<std::string, std::string>> items;

  std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value); // replaces every header of that name
  void add(std::string name, std::string value);
  // One "Name: value" line of a head, line break removed: a line starting with a space or
  // tab (obsolete folding) continues the value before it; a line with no colon is skipped.
  void add_line(std::string_view line);
  void remove(std::string_view name);
};

struct HttpRequest
{
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000}; // 0: none (long streams)
  // Fail when no byte arrives for this long, even with no total timeout.
  std::chrono::milliseconds idle_timeout{120'000};
  // Set from another thread to stop the transfer even while nothing arrives (checked
  // about once a second); null: only the callbacks and the timeouts stop it.
  std::shared_ptr<const std::atomic<bool>> cancel;
};

struct HttpResponse
{
  int status = 0;
  Headers headers;
  std::string body; // empty when the body was streamed to a callback
};

enum class HttpErrorKind {
  dns,        // the host name did not resolve
  connect,    // refused, unreachable
  tls,        // handshake or certificate verification failed
  timeout,    // connect, idle or total timeout
  proxy,      // the proxy refused or failed
  reset,      // the connection dropped mid-way
  cancelled,  // a callback asked to stop (the client went away)
  other,
};

struct HttpError
{
  HttpErrorKind kind = HttpErrorKind::other;
  std::string message; // names the redacted URL and the cause
};

std::string to_string(HttpErrorKind kind);

// Called once with status and headers before any body byte; return false to stop.
using HeadCallback = std::function<bool(int status, const Headers& headers)>;
// Called with each piece of the body as it arrives; return false to stop.
using ChunkCallback = std::function<bool(std::string_view chunk)>;

// A response read by the thread that asks for it: the transfer moves only while that
// thread waits in wait_head() or next(), so a caller streaming many replies at once needs
// no thread per reply. One thread opens, reads and destroys a transfer; cancel() alone may
// come from any thread.
class HttpTransfer
{
public:
  enum class Next { data, end, failed };
  // Asked about every 100 ms while a call waits: true to give up (the reader went away).
  using GiveUp = std::function<bool()>;

  virtual ~HttpTransfer() = default;

  // Wait for the head; false when the transfer failed, or was cancelled or given up, first.
  virtual bool wait_head(const GiveUp& give_up) = 0;
  // The head, once wait_head() returned true; it does not change after that.
  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;
  // The next piece of the body into `piece`, or why there is none.
  virtual Next next(std::string& piece, const GiveUp& give_up) = 0;
  // Why the transfer failed, once a call said it did.
  virtual std::optional<HttpError> error() const = 0;
  // Stop the transfer; a reader waiting in another thread returns within moments.
  virtual void cancel() = 0;
};

// A transfer that is already over: `result` with its whole body, or its failure. For
// clients that have the answer at hand (tests, replays).
std::unique_ptr<HttpTransfer> finished_transfer(util::Expected<HttpResponse, HttpError> result);

class HttpClient
{
public:
  virtual ~HttpClient() = default;

  // Send `request` and buffer the whole response.
  virtual util::Expected<HttpResponse, HttpError> send(const HttpRequest& request) = 0;

  // Send `request`; its response is read piece by piece from the transfer. Never null.
  virtual std::unique_ptr<HttpTransfer> open(HttpRequest request) = 0;

  // Send `request` and hand the response to the callbacks as it arrives (server-sent
  // events pass through this way). The returned response has an empty body.
  util::Expected<HttpResponse, HttpError> stream(const HttpRequest& request,
                                                 const HeadCallback& on_head,
                                                 const ChunkCallback& on_chunk);
};

// The libcurl client: TLS verification on, proxy variables honoured, no redirects
// followed (a redirect is reported, not chased to another host), User-Agent
// aigw-setup/<version> unless the request sets one.
std::unique_ptr<HttpClient> make_curl_client();

// `url` with credentials, query values and token-like path parts replaced by ***.
std::string redact_url(std::string_view url);

} // namespace aigw::net
