// SPDX-License-Identifier: MIT
// The libcurl HttpClient. Every call gets its own easy handle, so calls made from several
// threads at once share nothing; libcurl's global setup runs once. Bytes pass through as
// they came: no automatic decompression (Accept-Encoding is whatever the caller set), no
// redirect followed, and none of curl's default request headers (Accept, Expect, a form
// Content-Type) added behind the caller's back. The head reaches the caller as soon as the
// final header block is complete and the body follows piece by piece, which is what lets
// the relay stream server-sent events. The idle timeout is kept by a progress callback, so
// it has millisecond precision and tells itself apart from the other timeouts.
#include "net/http.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "aigw/version.hpp"
#include "net/curl_client_internal.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

using Clock = std::chrono::steady_clock;

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

// What the callbacks of one transfer share with the call that started it.
struct Transfer
{
  const HeadCallback* on_head = nullptr;   // null: nobody waits for the head
  const ChunkCallback* on_chunk = nullptr; // null: buffer the body in `response`
  HttpResponse response;
  int block_status = 0; // status line of the header block being read
  Headers block_headers;
  bool head_delivered = false;
  AbortReason abort = AbortReason::none;
  std::chrono::milliseconds idle_timeout{0};
  const std::atomic<bool>* cancel = nullptr; // null: nobody cancels from outside
  Clock::time_point last_activity = Clock::now();
  curl_off_t last_down = 0;
  curl_off_t last_up = 0;
};

void
init_curl_once()
{
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Hand the finished head to the caller once; false when the caller asked to stop.
bool
deliver_head(Transfer& transfer)
{
  if (transfer.head_delivered) {
    return true;
  }
  transfer.head_delivered = true;
  transfer.response.status = transfer.block_status;
  transfer.response.headers = transfer.block_headers;
  if (transfer.on_head && !(*transfer.on_head)(transfer.response.status,
                                               transfer.response.headers)) {
    transfer.abort = AbortReason::callback;
    return false;
  }
  return true;
}

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

void
add_header_line(Transfer& transfer, std::string_view line)
{
  auto& items = transfer.block_headers.items;
  // An obsolete folded line continues the previous header's value.
  if ((line.front() == ' ' || line.front() == '\t') && !items.empty()) {
    items.back().second += " " + std::string(util::trim(line));
    return;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return;
  }
  transfer.block_headers.add(std::string(util::trim(line.substr(0, colon))),
                             std::string(util::trim(line.substr(colon + 1))));
}

// libcurl calls this once per header line, the status line and the closing blank line
// included. Interim blocks (100 Continue) are read and forgotten.
std::size_t
on_header_line(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  std::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  transfer.last_activity = Clock::now();
  if (transfer.head_delivered) {
    return length; // trailers
  }

  if (const int status = status_of(line); status != 0) {
    transfer.block_status = status;
    transfer.block_headers.items.clear();
  } else if (line.empty()) {
    if (transfer.block_status >= 200 && !deliver_head(transfer)) {
      return 0;
    }
  } else {
    add_header_line(transfer, line);
  }
  return length;
}

std::size_t
on_body_bytes(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  transfer.last_activity = Clock::now();
  if (!deliver_head(transfer)) {
    return 0;
  }
  if (!transfer.on_chunk) {
    transfer.response.body.append(data, length);
    return length;
  }
  if (!(*transfer.on_chunk)(std::string_view(data, length))) {
    transfer.abort = AbortReason::callback;
    return 0;
  }
  return length;
}

// Called at least once a second: stop when the caller cancelled, or when no byte moved for
// longer than the idle timeout.
int
on_progress(void* user, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up)
{
  auto& transfer = *static_cast<Transfer*>(user);
  if (transfer.cancel && transfer.cancel->load()) {
    transfer.abort = AbortReason::callback;
    return 1;
  }
  const auto now = Clock::now();
  if (down != transfer.last_down || up != transfer.last_up) {
    transfer.last_down = down;
    transfer.last_up = up;
    transfer.last_activity = now;
    return 0;
  }
  if (transfer.idle_timeout.count() > 0 && now - transfer.last_activity > transfer.idle_timeout) {
    transfer.abort = AbortReason::idle;
    return 1;
  }
  return 0;
}

bool
has_line_break(std::string_view text)
{
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// The request's headers as libcurl wants them, plus empty entries that keep curl from
// adding Accept, Expect or a form Content-Type of its own.
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
set_callbacks(CURL* handle, Transfer& transfer)
{
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header_line);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body_bytes);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
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

// Plain words for a failure, in front of libcurl's own text.
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

HttpError
error_for(CURLcode code, const Transfer& transfer, const std::string& what,
          const char* error_text)
{
  const HttpErrorKind kind = error_kind_for_curl(static_cast<int>(code), transfer.abort);
  std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
  if (transfer.abort == AbortReason::idle) {
    detail = "nothing received for " + std::to_string(transfer.idle_timeout.count()) + " ms";
  }
  return HttpError{kind, util::redact(what + ": " + cause_of(kind) + " (" + detail + ")")};
}

long
elapsed_ms(Clock::time_point start)
{
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// One connection, DNS and TLS session cache for every transfer of a client, so the relay
// keeps its connections to the gateway open and reuses them, as a reverse proxy does,
// instead of paying a TCP and TLS handshake on every request an agent sends.
class SharedCaches
{
public:
  SharedCaches() : m_share(curl_share_init())
  {
    if (m_share == nullptr) {
      return; // each transfer then keeps its own caches: slower, still correct
    }
    curl_share_setopt(m_share, CURLSHOPT_LOCKFUNC, &SharedCaches::lock);
    curl_share_setopt(m_share, CURLSHOPT_UNLOCKFUNC, &SharedCaches::unlock);
    curl_share_setopt(m_share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  SharedCaches(const SharedCaches&) = delete;
  SharedCaches& operator=(const SharedCaches&) = delete;
  ~SharedCaches()
  {
    if (m_share != nullptr) {
      curl_share_cleanup(m_share);
    }
  }

  CURLSH* get() const { return m_share; }

private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self)
  {
    static_cast<SharedCaches*>(self)->m_locks.at(slot(data)).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self)
  {
    static_cast<SharedCaches*>(self)->m_locks.at(slot(data)).unlock();
  }
  static std::size_t slot(curl_lock_data data) { return static_cast<std::size_t>(data); }

  std::array<std::mutex, CURL_LOCK_DATA_LAST> m_locks;
  CURLSH* m_share;
};

// Idle connections kept for reuse: enough for every agent of a busy relay at once.
constexpr long k_idle_connections = 64;

util::Expected<HttpResponse, HttpError>
perform(const HttpRequest& request, Transfer& transfer, const SharedCaches& caches)
{
  init_curl_once();
  const std::string what = request.method + " " + redact_url(request.url);
  EasyHandle handle(curl_easy_init());
  auto headers = header_list(request);
  if (!handle || !headers) {
    return util::unexpected(
      headers ? HttpError{HttpErrorKind::other, what + ": libcurl could not start"}
              : HttpError{HttpErrorKind::other, what + ": " + headers.error().message});
  }

  char error_text[CURL_ERROR_SIZE] = {};
  transfer.idle_timeout = request.idle_timeout;
  transfer.cancel = request.cancel.get();
  set_transport(handle.get(), request, error_text);
  set_method(handle.get(), request);
  set_callbacks(handle.get(), transfer);
  curl_easy_setopt(handle.get(), CURLOPT_HTTPHEADER, headers->get());
  if (caches.get() != nullptr) {
    curl_easy_setopt(handle.get(), CURLOPT_SHARE, caches.get());
    curl_easy_setopt(handle.get(), CURLOPT_MAXCONNECTS, k_idle_connections);
  }

  const auto start = Clock::now();
  const CURLcode code = curl_easy_perform(handle.get());
  if (code != CURLE_OK) {
    HttpError error = error_for(code, transfer, what, error_text);
    AIGW_DEBUG(what << " -> " << to_string(error.kind) << " error (" << elapsed_ms(start)
                    << " ms)");
    return util::unexpected(std::move(error));
  }

  // A reply with neither body nor closing blank line (HTTP/0.9 style) still has a head.
  if (!transfer.head_delivered) {
    long status = 0;
    curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
    transfer.block_status = static_cast<int>(status);
    deliver_head(transfer);
  }
  AIGW_DEBUG(what << " -> " << transfer.response.status << " (" << elapsed_ms(start) << " ms)");
  return std::move(transfer.response);
}

class CurlClient : public HttpClient
{
public:
  util::Expected<HttpResponse, HttpError> send(const HttpRequest& request) override
  {
    Transfer transfer;
    return perform(request, transfer, m_caches);
  }

  util::Expected<HttpResponse, HttpError> stream(const HttpRequest& request,
                                                 const HeadCallback& on_head,
                                                 const ChunkCallback& on_chunk) override
  {
    Transfer transfer;
    transfer.on_head = &on_head;
    transfer.on_chunk = &on_chunk;
    return perform(request, transfer, m_caches);
  }

private:
  SharedCaches m_caches;
};

bool
looks_like_token(std::string_view segment)
{
  for (std::string_view prefix : {"dapi", "dkea", "dose", "eyJ"}) {
    if (segment.starts_with(prefix) && segment.size() >= 20) {
      return true;
    }
  }
  // Long runs of letters and digits alone are keys; names have dashes, dots or colons.
  return segment.size() >= 32 && std::all_of(segment.begin(), segment.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

std::string
redact_query(std::string_view query)
{
  std::vector<std::string> parts;
  for (const auto& part : util::split(query, '&')) {
    const auto equals = part.find('=');
    parts.push_back(equals == std::string::npos ? part : part.substr(0, equals + 1) + "***");
  }
  return util::join(parts, "&");
}

std::string
redact_path(std::string_view path)
{
  std::vector<std::string> segments = util::split(path, '/');
  for (auto& segment : segments) {
    if (looks_like_token(segment)) {
      segment = "***";
    }
  }
  return util::join(segments, "/");
}

} // namespace

HttpErrorKind
error_kind_for_curl(int curl_code, AbortReason reason)
{
  const auto code = static_cast<CURLcode>(curl_code);
  if (reason == AbortReason::idle) {
    return HttpErrorKind::timeout;
  }
  if (reason == AbortReason::callback
      && (code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK)) {
    return HttpErrorKind::cancelled;
  }
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
    return HttpErrorKind::dns;
  case CURLE_COULDNT_CONNECT:
    return HttpErrorKind::connect;
  case CURLE_OPERATION_TIMEDOUT:
    return HttpErrorKind::timeout;
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_PROXY:
    return HttpErrorKind::proxy;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CLIENTCERT:
  case CURLE_USE_SSL_FAILED:
    return HttpErrorKind::tls;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return HttpErrorKind::reset;
  default:
    return HttpErrorKind::other;
  }
}

std::string
to_string(HttpErrorKind kind)
{
  switch (kind) {
  case HttpErrorKind::dns:
    return "dns";
  case HttpErrorKind::connect:
    return "connect";
  case HttpErrorKind::tls:
    return "tls";
  case HttpErrorKind::timeout:
    return "timeout";
  case HttpErrorKind::proxy:
    return "proxy";
  case HttpErrorKind::reset:
    return "reset";
  case HttpErrorKind::cancelled:
    return "cancelled";
  case HttpErrorKind::other:
    break;
  }
  return "other";
}

std::unique_ptr<HttpClient>
make_curl_client()
{
  init_curl_once();
  return std::make_unique<CurlClient>();
}

std::string
redact_url(std::string_view url)
{
  std::string_view rest = url;
  std::string result;
  if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    result = std::string(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
  }

  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    result += "***@";
    authority.remove_prefix(at + 1);
  }
  result += authority;
  rest.remove_prefix(authority_end);

  const auto fragment = rest.find('#');
  const std::string_view before_fragment = rest.substr(0, fragment);
  const auto query = before_fragment.find('?');
  result += redact_path(before_fragment.substr(0, query));
  if (query != std::string_view::npos) {
    result += "?" + redact_query(before_fragment.substr(query + 1));
  }
  if (fragment != std::string_view::npos) {
    result += "#***";
  }
  return util::redact(result);
}

} // namespace aigw::net
