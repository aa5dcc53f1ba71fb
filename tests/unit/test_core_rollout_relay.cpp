// SPDX-License-Identifier: MIT
// The rollout file's relay section: relay.auth, the relay's own credential (configure's
// --relay-auth), each value read, each mistake refused with its FILE:LINE:COLUMN message,
// and its value taken from the environment as "${NAME}".
#include <doctest/doctest.h>

#include "core/rollout.hpp"
#include "support/rollout_parse.hpp"

namespace {

using aigw::core::Rollout;
using aigw::test::rollout_parse::check_errors;
using aigw::test::rollout_parse::error_of;
using aigw::test::rollout_parse::parsed;

// A file whose agents talk to the relay; `relay` is the relay section's text from line 5 on.
std::string
relay_file(const std::string& relay, const std::string& auth = "  method: relay\n")
{
  return "version: 1\ngateway: https://gw.example.com\nauth:\n" + auth + relay
         + "agents: {claude: }\n";
}

} // namespace

TEST_CASE("core::parse_rollout reads relay.auth")
{
  SUBCASE("pat by default, with or without a relay section")
  {
    CHECK(parsed(relay_file("")).relay_auth == "pat");
    CHECK(parsed(relay_file("relay: {listen: \"127.0.0.1:9100\"}\n")).relay_auth == "pat");
  }
  SUBCASE("each credential")
  {
    for (const std::string method : {"pat", "databricks-cli", "oauth-m2m"}) {
      CAPTURE(method);
      const Rollout rollout = parsed(relay_file("relay:\n  auth: " + method + "\n"));
      CHECK(rollout.auth == "relay");
      CHECK(rollout.relay_auth == method);
      CHECK(rollout.relay_listen == std::nullopt);
    }
  }
  SUBCASE("with auth.profile, which names the OAuth credential's profile")
  {
    const Rollout rollout =
      parsed(relay_file("relay: {auth: databricks-cli, listen: \"[::1]:9100\"}\n",
                        "  method: relay\n  profile: fleet\n"));
    CHECK(rollout.relay_auth == "databricks-cli");
    CHECK(rollout.profile == "fleet");
    CHECK(rollout.relay_listen == "[::1]:9100");
  }
  SUBCASE("a token with pat")
  {
    const Rollout rollout =
      parsed(relay_file("relay: {auth: pat}\n", "  method: relay\n  token_env: FLEET_TOKEN\n"));
    CHECK(rollout.relay_auth == "pat");
    CHECK(rollout.token_env == "FLEET_TOKEN");
  }
}

TEST_CASE("core::parse_rollout refuses a wrong relay.auth")
{
  check_errors({
    {relay_file("relay:\n  auth: [pat]\n"),
     "rollout.yaml:6:9: relay.auth: expected a string, got a list"},
    {relay_file("relay:\n  auth: {method: pat}\n"),
     "rollout.yaml:6:9: relay.auth: expected a string, got a mapping"},
    {relay_file("relay:\n  auth:\n"), "rollout.yaml:6:3: relay.auth: expected a string, got "
                                      "nothing"},
    {relay_file("relay:\n  auth: oauth\n"),
     "rollout.yaml:6:9: relay.auth: \"oauth\" is not one of pat, databricks-cli, oauth-m2m"},
    {relay_file("relay:\n  auth: relay\n"),
     "rollout.yaml:6:9: relay.auth: \"relay\" is not one of pat, databricks-cli, oauth-m2m"},
    {relay_file("relay:\n  auht: pat\n"),
     "rollout.yaml:6:3: relay.auht: unknown key; did you mean \"auth\"?"},
  });
}

TEST_CASE("core::parse_rollout takes relay.auth only with auth.method relay")
{
  const std::string refused = "rollout.yaml:5:1: relay: goes with auth.method relay (only then "
                              "do the agents talk to the relay)";
  check_errors({
    {relay_file("relay:\n  auth: databricks-cli\n", "  method: databricks-cli\n"), refused},
    {relay_file("relay:\n  auth: oauth-m2m\n", "  method: pat\n"), refused},
    {relay_file("relay:\n  auth: pat\n", "  token_env: FLEET_TOKEN\n"), refused},
  });
  // managed: true already refuses the relay, whatever its credential.
  CHECK(error_of(relay_file("relay: {auth: oauth-m2m}\n") + "managed: true\n")
        == "rollout.yaml:4:11: auth.method: relay cannot go with managed: true: the relay and "
           "its key are each user's own");
}

TEST_CASE("core::parse_rollout refuses a token for a relay that mints its own")
{
  check_errors({
    {relay_file("relay: {auth: databricks-cli}\n", "  method: relay\n  token_env: T\n"),
     "rollout.yaml:5:14: auth.token_env: goes with relay.auth pat; with relay.auth "
     "databricks-cli no token is kept (the relay has the databricks CLI mint one when it is "
     "needed)"},
    {relay_file("relay: {auth: oauth-m2m}\n", "  method: relay\n  token_file: /t\n"),
     "rollout.yaml:5:15: auth.token_file: goes with relay.auth pat; with relay.auth oauth-m2m "
     "no token is kept (the relay mints one from the service principal's client_id and "
     "client_secret)"},
  });
}

TEST_CASE("core::parse_rollout takes relay.auth from the environment")
{
  const std::string file = relay_file("relay:\n  auth: ${FLEET_RELAY_AUTH}\n");
  for (const std::string method : {"pat", "databricks-cli", "oauth-m2m"}) {
    CAPTURE(method);
    CHECK(parsed(file, {{"FLEET_RELAY_AUTH", method}}).relay_auth == method);
  }
  CHECK(parsed(relay_file("relay: {auth: \"${FLEET_RELAY_AUTH}\"}\n"),
               {{"FLEET_RELAY_AUTH", "oauth-m2m"}})
          .relay_auth
        == "oauth-m2m");

  check_errors({{file, "rollout.yaml:6:9: relay.auth: ${FLEET_RELAY_AUTH} is not set in the "
                       "environment"}});
  check_errors({{file, "rollout.yaml:6:9: relay.auth: \"m2m\" is not one of pat, "
                       "databricks-cli, oauth-m2m"}},
               {{"FLEET_RELAY_AUTH", "m2m"}});
}
