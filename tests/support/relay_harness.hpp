// SPDX-License-Identifier: MIT
// Shared by the relay tests: a Relay on 127.0.0.1:0 with fixed credentials, its spool in a
// fresh folder and a curl client to call it with, and the requests and header lines the
// tests send and expect.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "aigw/version.hpp"
#include "core/gateway.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
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
  explicit RelayRig(net::RelayOptions options)
  {
    options.spool_dir = m_dir / "spool";
    std::shared_ptr<net::HttpClient> upstream_client = net::make_curl_client();
    m_relay = std::make_unique<net::Relay>(
      std::move(options), std::make_shared<FixedCredentials>(), std::move(upstream_client));
    REQUIRE(m_relay->start());
  }

  int port() const { return m_relay->port(); }
  std::string url(const std::string& path) const
  {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::filesystem::path spool_dir() const { return m_dir / "spool"; }
  net::HttpClient& client() { return *m_client; }

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

} // namespace aigw::test::relay_harness
