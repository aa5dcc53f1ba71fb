// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "core/gateway.hpp"

using aigw::core::normalize_base_url;
using aigw::core::resolve_routes;
using aigw::core::RouteOptions;

TEST_CASE("core::resolve_routes, gateway layout")
{
  RouteOptions options;
  options.gateway = "https://1234.ai-gateway.cloud.databricks.com/";
  const auto routes = resolve_routes(options);
  REQUIRE(routes);
  CHECK(*routes->claude == "https://1234.ai-gateway.cloud.databricks.com/anthropic");
  CHECK(*routes->codex == "https://1234.ai-gateway.cloud.databricks.com/openai/v1");
  CHECK(*routes->gemini == "https://1234.ai-gateway.cloud.databricks.com/gemini");
  CHECK(*routes->cursor == "https://1234.ai-gateway.cloud.databricks.com/cursor/v1");
}

TEST_CASE("core::resolve_routes, workspace layout and overrides")
{
  RouteOptions options;
  options.workspace = "https://adb-1.2.azuredatabricks.net";
  options.gemini_url = "http://127.0.0.1:8765/gemini";
  const auto routes = resolve_routes(options);
  REQUIRE(routes);
  CHECK(*routes->claude == "https://adb-1.2.azuredatabricks.net/ai-gateway/anthropic");
  CHECK(*routes->codex == "https://adb-1.2.azuredatabricks.net/ai-gateway/codex/v1");
  CHECK(*routes->gemini == "http://127.0.0.1:8765/gemini");
  CHECK_FALSE(routes->cursor);
}

namespace {

// The message of the usage error resolve_routes gives for `options`.
std::string
usage_error_of(const RouteOptions& options)
{
  const auto routes = resolve_routes(options);
  REQUIRE_FALSE(routes);
  CHECK(routes.error().kind == aigw::util::ErrorKind::usage);
  return routes.error().message;
}

} // namespace

TEST_CASE("core::resolve_routes refuses a gateway path in --workspace, naming the workspace")
{
  const auto refusal = [](const std::string& workspace) {
    RouteOptions options;
    options.workspace = workspace;
    return usage_error_of(options);
  };
  CHECK(refusal("https://adb-1.2.azuredatabricks.net/ai-gateway/anthropic")
        == "--workspace \"https://adb-1.2.azuredatabricks.net/ai-gateway/anthropic\": holds "
           "/ai-gateway/anthropic, a path that aigw-setup adds itself; give the workspace URL: "
           "--workspace https://adb-1.2.azuredatabricks.net");
  CHECK(refusal("https://adb-1.2.azuredatabricks.net/ai-gateway/").ends_with(
    "holds /ai-gateway, a path that aigw-setup adds itself; give the workspace URL: "
    "--workspace https://adb-1.2.azuredatabricks.net"));

  RouteOptions near;
  near.workspace = "https://adb-1.2.azuredatabricks.net/ai-gateway-notes";
  CHECK(resolve_routes(near));
}

TEST_CASE("core::resolve_routes refuses a route URL given as --gateway, naming the base")
{
  const auto refusal = [](const std::string& gateway) {
    RouteOptions options;
    options.gateway = gateway;
    return usage_error_of(options);
  };
  CHECK(refusal("http://127.0.0.1:1/anthropic")
        == "--gateway \"http://127.0.0.1:1/anthropic\": ends with /anthropic, the Claude Code "
           "route that aigw-setup adds itself; give the base URL: --gateway http://127.0.0.1:1");
  CHECK(refusal("https://1234.ai-gateway.cloud.databricks.com/openai/v1/")
        == "--gateway \"https://1234.ai-gateway.cloud.databricks.com/openai/v1/\": ends with "
           "/openai/v1, the Codex route that aigw-setup adds itself; give the base URL: "
           "--gateway https://1234.ai-gateway.cloud.databricks.com");
  CHECK(refusal("https://gw.example.com/proxy/gemini").ends_with(
    "the Gemini CLI route that aigw-setup adds itself; give the base URL: --gateway "
    "https://gw.example.com/proxy"));
  CHECK(refusal("https://gw.example.com/cursor/v1").ends_with(
    "the Cursor route that aigw-setup adds itself; give the base URL: --gateway "
    "https://gw.example.com"));
  // The workspace layout's routes say which option takes the workspace.
  CHECK(refusal("https://adb-1.2.azuredatabricks.net/ai-gateway/codex/v1")
        == "--gateway \"https://adb-1.2.azuredatabricks.net/ai-gateway/codex/v1\": ends with "
           "/codex/v1, the Codex route that aigw-setup adds itself; give the base URL: "
           "--workspace https://adb-1.2.azuredatabricks.net");

  RouteOptions near;
  near.gateway = "https://gw.example.com/anthropic-proxy";
  CHECK(resolve_routes(near));
  near.gateway = "https://anthropic";
  CHECK(resolve_routes(near));
}

TEST_CASE("core::normalize_base_url rejects what cannot be a base URL")
{
  const struct
  {
    const char* url;
    const char* message;
  } cases[] = {
    {"gw.example.com", "--gateway \"gw.example.com\": not a URL; use https://HOST/..., or "
                       "http:// for a loopback host such as the local relay "
                       "(http://127.0.0.1:8765)"},
    {"http://gw.example.com", "--gateway \"http://gw.example.com\": https is required (http "
                              "only for loopback hosts)"},
    {"ftp://gw.example.com", "--gateway \"ftp://gw.example.com\": not an https or http URL; "
                             "use https://HOST/..., or http:// for a loopback host such as "
                             "the local relay (http://127.0.0.1:8765)"},
    {"https://u:p@gw.example.com", "--gateway \"https://***@gw.example.com\": credentials do "
                                   "not belong in a URL; use --auth"},
    {"https://gw.example.com/?a=1", "--gateway \"https://gw.example.com/?a=***\": a base URL "
                                    "takes no query or fragment"},
    {"https:///path", "--gateway \"https:///path\": no valid host name"},
    {"https://gw example.com", "--gateway \"https://gw example.com\": contains a character a "
                               "URL cannot hold"},
    {"http://127.0.0.1:99999", "--gateway \"http://127.0.0.1:99999\": port 99999 is out of "
                               "range; a port is 1 to 65535"},
    {"http://127.0.0.1:0/", "--gateway \"http://127.0.0.1:0/\": port 0 is out of range; a port "
                            "is 1 to 65535"},
    {"https://gw.example.com:0000000000000443", "--gateway \"https://gw.example.com:"
                                                "0000000000000443\": port 0000000000000443 is "
                                                "out of range; a port is 1 to 65535"},
    {"http://[::1]:65536", "--gateway \"http://[::1]:65536\": port 65536 is out of range; a "
                           "port is 1 to 65535"},
    {"https://gw.example.com:https/x", "--gateway \"https://gw.example.com:https/x\": the port "
                                       "\"https\" is not a number; a port is 1 to 65535"},
    {"https://gw.example.com:/x", "--gateway \"https://gw.example.com:/x\": the port \"\" is "
                                  "not a number; a port is 1 to 65535"},
    {"http://[::1]x", "--gateway \"http://[::1]x\": no valid host name"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    const auto result = normalize_base_url(c.url, "--gateway");
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == aigw::util::ErrorKind::usage);
    CHECK(result.error().message == c.message);
  }
}

TEST_CASE("core::normalize_base_url allows http on loopback only")
{
  CHECK(*normalize_base_url("http://127.0.0.1:8080/x/", "--gateway") == "http://127.0.0.1:8080/x");
  CHECK(*normalize_base_url("http://localhost:1", "--gateway") == "http://localhost:1");
  CHECK(*normalize_base_url("http://[::1]:9/", "--gateway") == "http://[::1]:9");
  CHECK(*normalize_base_url("http://127.0.0.1:65535", "--gateway") == "http://127.0.0.1:65535");
  CHECK(*normalize_base_url("https://gw.example.com:0443", "--gateway")
        == "https://gw.example.com:0443");
  CHECK_FALSE(normalize_base_url("http://127.example.com", "--gateway"));
}

TEST_CASE("core::is_private_host")
{
  for (const char* host : {"127.0.0.1", "localhost", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                           "169.254.169.254", "[::1]", "[fd00::1]"}) {
    CAPTURE(host);
    CHECK(aigw::core::is_private_host(host));
  }
  for (const char* host : {"gw.example.com", "172.32.0.1", "8.8.8.8"}) {
    CAPTURE(host);
    CHECK_FALSE(aigw::core::is_private_host(host));
  }
}
