// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "aigw/version.hpp"
#include "net/curl_client_internal.hpp"
#include "net/http.hpp"
#include "support/net_fakes.hpp"

using aigw::net::AbortReason;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::test::FakeHttpServer;
using aigw::test::RawServer;

namespace {

std::string
host_header(const FakeHttpServer& server)
{
  return "Host: 127.0.0.1:" + std::to_string(server.port()) + "\n";
}

std::string
user_agent_header()
{
  return std::string("User-Agent: aigw-setup/") + aigw::k_version + "\n";
}

HttpRequest
get(const std::string& url)
{
  HttpRequest request;
  request.url = url;
  return request;
}

} // namespace

TEST_CASE("net::error_kind_for_curl")
{
  const auto kind = [](CURLcode code, AbortReason reason = AbortReason::none) {
    return aigw::net::error_kind_for_curl(static_cast<int>(code), reason);
  };
  CHECK(kind(CURLE_COULDNT_RESOLVE_HOST) == HttpErrorKind::dns);
  CHECK(kind(CURLE_COULDNT_CONNECT) == HttpErrorKind::connect);
  CHECK(kind(CURLE_PEER_FAILED_VERIFICATION) == HttpErrorKind::tls);
  CHECK(kind(CURLE_SSL_CONNECT_ERROR) == HttpErrorKind::tls);
  CHECK(kind(CURLE_SSL_CACERT_BADFILE) == HttpErrorKind::tls);
  CHECK(kind(CURLE_OPERATION_TIMEDOUT) == HttpErrorKind::timeout);
  CHECK(kind(CURLE_COULDNT_RESOLVE_PROXY) == HttpErrorKind::proxy);
  CHECK(kind(CURLE_PROXY) == HttpErrorKind::proxy);
  CHECK(kind(CURLE_RECV_ERROR) == HttpErrorKind::reset);
  CHECK(kind(CURLE_PARTIAL_FILE) == HttpErrorKind::reset);
  CHECK(kind(CURLE_GOT_NOTHING) == HttpErrorKind::reset);
  CHECK(kind(CURLE_WRITE_ERROR, AbortReason::callback) == HttpErrorKind::cancelled);
  CHECK(kind(CURLE_WRITE_ERROR) == HttpErrorKind::other);
  CHECK(kind(CURLE_ABORTED_BY_CALLBACK, AbortReason::idle) == HttpErrorKind::timeout);
  CHECK(kind(CURLE_UNSUPPORTED_PROTOCOL) == HttpErrorKind::other);
}

TEST_CASE("net::to_string(HttpErrorKind)")
{
  CHECK(aigw::net::to_string(HttpErrorKind::dns) == "dns");
  CHECK(aigw::net::to_string(HttpErrorKind::connect) == "connect");
  CHECK(aigw::net::to_string(HttpErrorKind::tls) == "tls");
  CHECK(aigw::net::to_string(HttpErrorKind::timeout) == "timeout");
  CHECK(aigw::net::to_string(HttpErrorKind::proxy) == "proxy");
  CHECK(aigw::net::to_string(HttpErrorKind::reset) == "reset");
  CHECK(aigw::net::to_string(HttpErrorKind::cancelled) == "cancelled");
  CHECK(aigw::net::to_string(HttpErrorKind::other) == "other");
}

TEST_CASE("net::redact_url")
{
  using aigw::net::redact_url;
  SUBCASE("credentials and query values go, names and routes stay")
  {
    CHECK(redact_url("https://user:pass@gw.example.com/anthropic/v1/messages?beta=true")
          == "https://***@gw.example.com/anthropic/v1/messages?beta=***");
    CHECK(redact_url("https://gw.example.com/gemini/v1beta/models/"
                     "databricks-gemini-2-5-flash:streamGenerateContent?alt=sse&flag")
          == "https://gw.example.com/gemini/v1beta/models/"
             "databricks-gemini-2-5-flash:streamGenerateContent?alt=***&flag");
    CHECK(redact_url("http://127.0.0.1:8765/anthropic") == "http://127.0.0.1:8765/anthropic");
  }

  SUBCASE("token-like path parts and fragments go")
  {
    CHECK(redact_url("https://gw.example.com/x/dapi0123456789abcdef0123/y")
          == "https://gw.example.com/x/***/y");
    CHECK(redact_url("https://gw.example.com/k/0123456789abcdef0123456789abcdef")
          == "https://gw.example.com/k/***");
    CHECK(redact_url("https://gw.example.com/p#section") == "https://gw.example.com/p#***");
  }
}

TEST_CASE("net::CurlClient::send")
{
  FakeHttpServer server;
  const auto client = aigw::net::make_curl_client();

  SUBCASE("the caller's headers go as given, with our User-Agent")
  {
    HttpRequest request = get(server.url() + "/v1/x?y=1");
    request.method = "POST";
    request.headers.add("X-One", "1");
    request.headers.add("Content-Type", "application/json");
    request.body = "{}";
    const auto response = client->send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == R"({"ok":true})");
    CHECK(response->headers.get("content-type") == "application/json");

    const auto seen = server.requests().at(0);
    CHECK(seen.method == "POST");
    CHECK(seen.target == "/v1/x?y=1");
    CHECK(seen.body == "{}");
    CHECK(seen.header_text()
          == "Content-Length: 2\nContent-Type: application/json\n" + host_header(server)
               + user_agent_header() + "X-One: 1\n");
  }

  SUBCASE("a large body without a type goes with no header curl would add")
  {
    HttpRequest request = get(server.url() + "/big");
    request.method = "POST";
    request.body = std::string(2 * 1024 * 1024, 'x');
    REQUIRE(client->send(request));
    const auto seen = server.requests().at(0);
    CHECK(seen.body == request.body);
    CHECK(seen.header_text()
          == "Content-Length: 2097152\n" + host_header(server) + user_agent_header());
  }

  SUBCASE("a compressed reply comes back as it was sent")
  {
    const std::string bytes("\x1f\x8b\x08\x00\x01\x02\xff", 7);
    server.set_reply([bytes](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(bytes, "application/octet-stream");
    });
    HttpRequest request = get(server.url() + "/z");
    request.headers.add("Accept-Encoding", "gzip");
    const auto response = client->send(request);
    REQUIRE(response);
    CHECK(response->body == bytes);
    CHECK(response->headers.get("Content-Encoding") == "gzip");
  }

  SUBCASE("a redirect is reported, not followed")
  {
    server.set_reply([](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/elsewhere", 302);
    });
    const auto response = client->send(get(server.url() + "/here"));
    REQUIRE(response);
    CHECK(response->status == 302);
    CHECK(response->headers.get("Location") == "/elsewhere");
    CHECK(server.requests().size() == 1);
  }

  SUBCASE("HEAD gets the head only")
  {
    HttpRequest request = get(server.url() + "/anthropic");
    request.method = "HEAD";
    const auto response = client->send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body.empty());
    CHECK(server.requests().at(0).method == "HEAD");
  }
}

TEST_CASE("net::CurlClient::stream")
{
  FakeHttpServer server;
  server.set_reply([](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
      for (const char* piece : {"one ", "two ", "three"}) {
        sink.write(piece, std::strlen(piece));
      }
      sink.done();
      return true;
    });
  });
  const auto client = aigw::net::make_curl_client();
  std::vector<std::string> seen;

  SUBCASE("the head comes first, then the body")
  {
    const auto response = client->stream(
      get(server.url() + "/s"),
      [&](int status, const aigw::net::Headers& headers) {
        seen.push_back("head " + std::to_string(status) + " "
                       + headers.get("Content-Type").value_or("?"));
        return true;
      },
      [&](std::string_view chunk) {
        if (seen.size() == 1) {
          seen.emplace_back();
        }
        seen.back() += chunk;
        return true;
      });
    REQUIRE(response);
    CHECK(response->body.empty());
    CHECK(seen == std::vector<std::string>{"head 200 text/plain", "one two three"});
  }

  SUBCASE("a chunk callback that says stop cancels the transfer")
  {
    const auto response = client->stream(
      get(server.url() + "/s"), [](int, const aigw::net::Headers&) { return true; },
      [](std::string_view) { return false; });
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::cancelled);
    CHECK(response.error().message.rfind("GET " + server.url() + "/s: cancelled (", 0) == 0);
  }

  SUBCASE("a head callback that says stop cancels the transfer")
  {
    const auto response = client->stream(
      get(server.url() + "/s"), [](int, const aigw::net::Headers&) { return false; },
      [](std::string_view) { return true; });
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::cancelled);
  }
}

TEST_CASE("net::CurlClient failures")
{
  const auto client = aigw::net::make_curl_client();

  SUBCASE("a closed port: connect")
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(aigw::test::closed_port());
    const auto response = client->send(get(url + "/x"));
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::connect);
    CHECK(response.error().message.rfind(
            "GET " + url + "/x: the connection was refused or the host is unreachable (", 0)
          == 0);
  }

  SUBCASE("a self-signed certificate: tls")
  {
    FakeHttpServer server(FakeHttpServer::Tls::self_signed);
    const auto response = client->send(get(server.url() + "/x"));
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::tls);
    CHECK(response.error().message
          == "GET " + server.url()
               + "/x: the TLS handshake or the certificate check failed (SSL certificate "
                 "problem: self-signed certificate)");
    CHECK(server.requests().empty());
  }

  SUBCASE("a server that never answers: timeout after the idle time")
  {
    RawServer server("", RawServer::Hang::yes);
    HttpRequest request = get(server.url() + "/slow");
    request.idle_timeout = std::chrono::milliseconds(300);
    const auto response = client->send(request);
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::timeout);
    CHECK(response.error().message
          == "GET " + server.url() + "/slow: no answer in time (nothing received for 300 ms)");
  }

  SUBCASE("a connection that drops mid-body: reset")
  {
    RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
                     RawServer::Hang::no);
    std::string body;
    const auto response = client->stream(
      get(server.url() + "/cut"), [](int, const aigw::net::Headers&) { return true; },
      [&](std::string_view chunk) {
        body += chunk;
        return true;
      });
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == HttpErrorKind::reset);
    CHECK(body == "0123456789");
  }
}
