// SPDX-License-Identifier: MIT
// Shared by the relay tests: a Relay on 127.0.0.1:0 with fixed credentials, its spool in a
// fresh folder and a curl client to call it with, the requests and header lines the tests
// send and expect, and a raw TCP client for what curl would not send (slow heads, repeated
// headers, a client that hangs up).
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aigw/version.hpp"
#include "core/gateway.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "support/net_fakes.hpp"
#include "support/test_context.hpp"

namespace aigw::test::relay_harness {

inline constexpr const char* k_key = "relay-key-0123456789abcdef0123456789abcdef";
inline constexpr const char* k_token = "dapi-real-token-0123456789";

class FixedCredentials : public net::CredentialSource
{
public:
  aigw::util::Result<aigw::util::Secret> bearer() override { return aigw::util::Secret(k_token); }
};

inline net::RelayOptions
options_for(const std::string& gateway, const std::string& workspace)
{
  net::RelayOptions options;
  aigw::core::RouteOptions routes;
  routes.gateway = gateway;
  routes.workspace = workspace;
  if (gateway.empty()) {
    routes.gateway.reset();
  }
  options.routes = aigw::core::resolve_routes(routes).value();
  options.key = aigw::util::Secret(k_key);
  return options;
}

// A relay on 127.0.0.1:0 with its spool in a fresh folder, and a client to call it with.
class RelayRig
{
public:
  explicit RelayRig(net::RelayOptions options,
                    std::shared_ptr<net::CredentialSource> credentials =
                      std::make_shared<FixedCredentials>())
  {
    options.spool_dir = m_dir / "spool";
    std::shared_ptr<net::HttpClient> upstream_client = net::make_curl_client();
    m_relay = std::make_unique<net::Relay>(std::move(options), std::move(credentials),
                                           std::move(upstream_client));
    REQUIRE(m_relay->start());
  }

  int port() const { return m_relay->port(); }
  std::string url(const std::string& path) const
  {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::filesystem::path spool_dir() const { return m_dir / "spool"; }
  net::HttpClient& client() { return *m_client; }
  void stop() { m_relay->stop(); }

  aigw::util::Expected<net::HttpResponse, net::HttpError> send(const net::HttpRequest& request)
  {
    return m_client->send(request);
  }

  std::size_t spooled() const
  {
    auto spool = net::Spool::open(spool_dir(), net::k_default_spool_cap);
    REQUIRE(spool);
    return spool->entries().size();
  }

private:
  aigw::test::TempDir m_dir;
  std::unique_ptr<net::Relay> m_relay;
  std::unique_ptr<net::HttpClient> m_client = net::make_curl_client();
};

inline net::HttpRequest
post(const std::string& url, std::string body = "{}")
{
  net::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.add("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}

inline net::HttpRequest
with_key(net::HttpRequest request)
{
  request.headers.add("Authorization", std::string("Bearer ") + k_key);
  return request;
}

inline std::string
host_line(int port)
{
  return "Host: 127.0.0.1:" + std::to_string(port) + "\n";
}

inline std::string
our_user_agent()
{
  return std::string("User-Agent: aigw-setup/") + aigw::k_version + "\n";
}

// A gateway reply that streams `count` ping events, one every `every`, then calls `ended`
// with whether it sent them all (false: the relay stopped reading).
inline FakeHttpServer::Reply
ping_stream(int count, std::chrono::milliseconds every, std::function<void(bool)> ended)
{
  return [=](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
      "text/event-stream",
      [count, every](std::size_t, httplib::DataSink& sink) {
        for (int i = 0; i < count; ++i) {
          const std::string event = "event: ping\ndata: {}\n\n";
          if (!sink.write(event.data(), event.size())) {
            return false;
          }
          std::this_thread::sleep_for(every);
        }
        sink.done();
        return true;
      },
      ended);
  };
}

// A TCP connection to 127.0.0.1:port that sends and reads raw bytes.
class RawClient
{
public:
  explicit RawClient(int port) : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
  {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool send(std::string_view bytes)
  {
    return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
           == static_cast<ssize_t>(bytes.size());
  }

  // Read what has arrived within `wait`; false once the relay closed the connection.
  bool read_some(std::chrono::milliseconds wait)
  {
    pollfd entry{m_fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(wait.count())) <= 0) {
      return true;
    }
    std::array<char, 4096> buffer{};
    const ssize_t got = ::recv(m_fd, buffer.data(), buffer.size(), 0);
    if (got > 0) {
      m_received.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return got > 0;
  }

  // Everything the relay sent once it closed the connection; nullopt when it did not
  // close within `limit`.
  std::optional<std::string> read_until_closed(
    std::chrono::milliseconds limit = std::chrono::seconds(10))
  {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!read_some(std::chrono::milliseconds(50))) {
        return m_received;
      }
    }
    return std::nullopt;
  }

  // Read until `text` has arrived (at most `limit`); whether it did.
  bool read_until(std::string_view text,
                  std::chrono::milliseconds limit = std::chrono::seconds(10))
  {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (m_received.find(text) == std::string::npos
           && std::chrono::steady_clock::now() < deadline) {
      if (!read_some(std::chrono::milliseconds(50))) {
        break;
      }
    }
    return m_received.find(text) != std::string::npos;
  }

  const std::string& received() const { return m_received; }
  void forget_received() { m_received.clear(); }

  void close()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }

private:
  int m_fd;
  std::string m_received;
};

// The head of a request to the relay with the key, "Connection: close" and `extra` header
// lines (each ending in CRLF), up to and with the blank line.
inline std::string
raw_head(const std::string& request_line, int port, const std::string& extra = "")
{
  return request_line + "\r\nHost: 127.0.0.1:" + std::to_string(port)
         + "\r\nAuthorization: Bearer " + k_key + "\r\nConnection: close\r\n" + extra
         + "\r\n";
}

// The listen backlog of this process's socket listening on 127.0.0.1:port (Linux: the
// kernel reports it for a listening socket in TCP_INFO), or -1.
inline int
listen_backlog(int port)
{
  DIR* folder = ::opendir("/proc/self/fd");
  REQUIRE(folder != nullptr);
  int backlog = -1;
  while (const dirent* entry = ::readdir(folder)) {
    const int fd = std::atoi(entry->d_name);
    int listening = 0;
    socklen_t length = sizeof(listening);
    sockaddr_in address{};
    socklen_t address_length = sizeof(address);
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0
        || address.sin_family != AF_INET || ntohs(address.sin_port) != port) {
      continue;
    }
    tcp_info info{};
    socklen_t info_length = sizeof(info);
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_length) == 0) {
      backlog = static_cast<int>(info.tcpi_sacked);
    }
  }
  ::closedir(folder);
  return backlog;
}

} // namespace aigw::test::relay_harness
