// SPDX-License-Identifier: MIT
// The libcurl HttpClient. A request becomes a transfer (curl_transfer.cpp) that moves
// while its reader waits, on the reader's own thread; send() reads one whole. Failures
// that are not an HTTP status are sorted into HttpErrorKind here, and URLs are redacted
// here before anything prints them.
#include "net/curl_internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

// One DNS and TLS session cache for every transfer of a client, so a new connection to the
// gateway skips the lookup and resumes the TLS session. Connections themselves stay with
// the thread that opened them (curl_transfer.cpp).
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

class CurlClient : public HttpClient
{
public:
  util::Expected<HttpResponse, HttpError> send(const HttpRequest& request) override
  {
    std::string body;
    auto response = stream(
      request, [](int, const Headers&) { return true; },
      [&body](std::string_view piece) {
        body += piece;
        return true;
      });
    if (response) {
      response->body = std::move(body);
    }
    return response;
  }

  std::unique_ptr<HttpTransfer> open(HttpRequest request) override
  {
    return open_curl_transfer(std::move(request), m_caches.get());
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
