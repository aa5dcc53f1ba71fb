// SPDX-License-Identifier: MIT
// The relay with an OAuth credential from the tool's credential file: tokens from a fake
// `databricks auth token` (a script that hands out token A, then B) or from the fake
// workspace's OIDC endpoint, kept in a core::TokenCache; an upstream that refuses a token
// (401, or the gateway's 400 "Invalid Token") gets the request once more with a new one,
// and a second refusal reaches the agent in its own format.
#include <doctest/doctest.h>

#include "core/credentials.hpp"
#include "net/relay_server.hpp"
#include "net/wire.hpp"
#include "support/fake_databricks_cli.hpp"
#include "support/fake_workspace.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::TempDir;
using aigw::test::write_bytes;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::with_key;

namespace {

const std::string k_body = R"({"model":"m","max_tokens":8,"messages":[]})";

std::string
bearer_of(const aigw::test::SeenRequest& seen)
{
  for (const auto& [name, value] : seen.headers) {
    if (name == "Authorization") {
      return value;
    }
  }
  return "";
}

// Refuse `refused` the way `status` says, and answer anything else with 200.
FakeHttpServer::Reply
refusing(std::string refused, int status)
{
  return [refused, status](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer " + refused) {
      res.set_content(R"({"ok":true})", "application/json");
      return;
    }
    res.status = status;
    if (status == 400) {
      res.set_content("Invalid Token", "text/plain");
    } else {
      res.set_content(R"({"error_code":"UNAUTHENTICATED","message":"Token expired"})",
                      "application/json");
    }
  };
}

// A relay whose credential is the file `credential` in `dir`.
class OAuthRelay
{
public:
  OAuthRelay(const TempDir& dir, const std::string& upstream, const std::string& credential,
             aigw::core::EnvLookup env = [](const std::string&) { return std::nullopt; })
  {
    write_bytes(dir / "credentials.json", credential);
    auto options = options_for(upstream, upstream);
    options.spool_dir = dir / "spool";
    m_relay = std::make_unique<net::Relay>(
      std::move(options),
      std::make_shared<net::StoredCredentialSource>(dir / "credentials.json", std::move(env)),
      net::make_curl_client());
    REQUIRE(m_relay->start());
  }

  aigw::util::Expected<net::HttpResponse, net::HttpError> send_messages()
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(m_relay->port())
                            + "/anthropic/v1/messages";
    return m_client->send(with_key(post(url, k_body)));
  }

private:
  std::unique_ptr<net::Relay> m_relay;
  std::unique_ptr<net::HttpClient> m_client = net::make_curl_client();
};

} // namespace

TEST_CASE("net::Relay with a databricks-cli credential")
{
  TempDir dir;
  const fs::path cli = dir / "bin" / "databricks";
  aigw::test::write_token_a_then_b_cli(cli);
  const auto cli_runs = [&] { return aigw::test::cli_runs(cli); };
  FakeHttpServer gateway;
  OAuthRelay relay(dir, gateway.url(), aigw::test::cli_credential(cli));

  SUBCASE("a token the cache holds is used until it nears its expiry")
  {
    for (int i = 0; i < 2; ++i) {
      const auto response = relay.send_messages();
      REQUIRE(response);
      CHECK(response->status == 200);
    }
    CHECK(cli_runs() == "1\n");
    const auto seen = gateway.requests();
    REQUIRE(seen.size() == 2);
    CHECK(bearer_of(seen[0]) == "Bearer u2m-token-A");
    CHECK(bearer_of(seen[1]) == "Bearer u2m-token-A");
  }

  SUBCASE("a 401 gets a new token and the request once more, body and all")
  {
    gateway.set_reply(refusing("u2m-token-A", 401));
    const auto response = relay.send_messages();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == R"({"ok":true})");
    CHECK(cli_runs() == "2\n");
    const auto seen = gateway.requests();
    REQUIRE(seen.size() == 2);
    CHECK(bearer_of(seen[0]) == "Bearer u2m-token-A");
    CHECK(bearer_of(seen[1]) == "Bearer u2m-token-B");
    CHECK(seen[0].body == k_body);
    CHECK(seen[1].body == k_body);
  }

  SUBCASE("the gateway's 400 Invalid Token counts as a refused token")
  {
    gateway.set_reply(refusing("u2m-token-A", 400));
    const auto response = relay.send_messages();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(cli_runs() == "2\n");
    CHECK(gateway.requests().size() == 2);
  }

  SUBCASE("a second 401 reaches the agent in its format, and is not tried again")
  {
    gateway.set_reply([](const httplib::Request&, httplib::Response& res) {
      res.status = 401;
      res.set_content(R"({"error_code":"UNAUTHENTICATED","message":"Token expired"})",
                      "application/json");
    });
    const auto response = relay.send_messages();
    REQUIRE(response);
    CHECK(response->status == 401);
    CHECK(response->body
          == net::error_reply(net::Route::anthropic, 401,
                              "the gateway refused the relay's OAuth token twice, the second "
                              "time one fetched just now (401 UNAUTHENTICATED: Token expired); "
                              "check that the relay's credential is for this workspace "
                              "(aigw-setup status) and log in again with `databricks auth "
                              "login`")
               .body);
    CHECK(cli_runs() == "2\n");
    CHECK(gateway.requests().size() == 2);
  }

  SUBCASE("a 400 that is not about the token passes through as it came, sent once")
  {
    gateway.set_reply([](const httplib::Request&, httplib::Response& res) {
      res.status = 400;
      res.set_content(R"({"error_code":"BAD_REQUEST","message":"max_tokens is too large"})",
                      "application/json");
    });
    const auto response = relay.send_messages();
    REQUIRE(response);
    CHECK(response->status == 400);
    CHECK(response->body
          == R"({"error_code":"BAD_REQUEST","message":"max_tokens is too large"})");
    CHECK(response->headers.get("Content-Type") == "application/json");
    CHECK(cli_runs() == "1\n");
    CHECK(gateway.requests().size() == 1);
  }
}

TEST_CASE("net::Relay with a PAT does not send a refused request again")
{
  TempDir dir;
  FakeHttpServer gateway;
  gateway.set_reply(refusing("dapi-kept-1", 401));
  OAuthRelay relay(dir, gateway.url(), R"({"version": 1, "auth": "pat", "token": "dapi-kept-1"})");

  const auto response = relay.send_messages();
  REQUIRE(response);
  CHECK(response->status == 401);
  CHECK(response->body == R"({"error_code":"UNAUTHENTICATED","message":"Token expired"})");
  CHECK(gateway.requests().size() == 1);
}

TEST_CASE("net::Relay with an oauth-m2m credential")
{
  TempDir dir;
  aigw::test::FakeWorkspace workspace;
  workspace.set_oauth_client("relay-sp", "sp-secret-1");
  FakeHttpServer gateway;
  gateway.set_reply(refusing("fake-m2m-access-1", 401));
  // The client id and secret come from the environment, never from the tool's file.
  const aigw::core::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "DATABRICKS_CLIENT_ID") {
      return "relay-sp";
    }
    if (name == "DATABRICKS_CLIENT_SECRET") {
      return "sp-secret-1";
    }
    return std::nullopt;
  };
  OAuthRelay relay(dir, gateway.url(),
                   R"({"version": 1, "auth": "oauth-m2m", "host": ")" + workspace.url() + "\"}",
                   env);

  const auto response = relay.send_messages();
  REQUIRE(response);
  CHECK(response->status == 200);
  const auto seen = gateway.requests();
  REQUIRE(seen.size() == 2);
  CHECK(bearer_of(seen[0]) == "Bearer fake-m2m-access-1");
  CHECK(bearer_of(seen[1]) == "Bearer fake-m2m-access-2");
  CHECK(workspace.request_lines()
        == std::vector<std::string>{"POST /oidc/v1/token", "POST /oidc/v1/token"});
}
