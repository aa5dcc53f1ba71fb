// SPDX-License-Identifier: MIT
// Databricks credential resolution: the order of explicit options, DATABRICKS_* variables
// and the .databrickscfg profile, and the message for every way it can fail.
#include <doctest/doctest.h>

#include <map>

#include "core/databricks_auth.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::core::AuthMethod;
using aigw::core::DatabricksOptions;
using aigw::core::resolve_databricks_auth;
using aigw::test::TempDir;

namespace {

aigw::core::EnvLookup
env_of(std::map<std::string, std::string> values)
{
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional(found->second);
  };
}

const char* const k_config = R"(; written by hand
[DEFAULT]
host = https://default.cloud.databricks.com
token = dapi-default-token-000

[dev]
host = https://dev.cloud.databricks.com  # the dev workspace
token = dapi#dev#token#111

[m2m]
host = dev.cloud.databricks.com/?o=123
client_id = sp-client-id
client_secret = `sp-secret ;not a comment`

[both]
host = https://both.cloud.databricks.com
token = dapi-both-token-222
client_id = sp-both

[cli]
host = https://cli.cloud.databricks.com
auth_type = databricks-cli
databricks_cli_path = /opt/bin/databricks
)";

struct Home
{
  TempDir dir;
  fs::path home = dir / "home";

  explicit Home(const std::string& config = k_config)
  {
    fs::create_directories(home);
    if (!config.empty()) {
      aigw::test::write_bytes(home / ".databrickscfg", config);
    }
  }
  std::string cfg() const { return (home / ".databrickscfg").string(); }
};

aigw::core::DatabricksAuth
resolve_ok(const Home& home, DatabricksOptions options, std::map<std::string, std::string> env)
{
  auto auth = resolve_databricks_auth(options, env_of(std::move(env)), home.home);
  if (!auth) {
    FAIL_CHECK(auth.error().message);
  }
  REQUIRE(auth);
  return *auth;
}

std::string
resolve_error(const Home& home, DatabricksOptions options, std::map<std::string, std::string> env)
{
  auto auth = resolve_databricks_auth(options, env_of(std::move(env)), home.home);
  REQUIRE(!auth);
  return auth.error().message;
}

} // namespace

TEST_CASE("core::resolve_databricks_auth order")
{
  Home home;

  SUBCASE("nothing explicit: the DEFAULT profile")
  {
    const auto auth = resolve_ok(home, {}, {});
    CHECK(auth.host == "https://default.cloud.databricks.com");
    CHECK(auth.method == AuthMethod::pat);
    CHECK(auth.token->reveal() == "dapi-default-token-000");
    CHECK(!auth.profile);
  }

  SUBCASE("explicit host and token from the environment: the file is not read")
  {
    // Read, this DEFAULT would add a second auth method and fail.
    Home other("[DEFAULT]\nclient_id = leaked\nclient_secret = leaked-secret\n");
    const auto auth = resolve_ok(other, {std::string("https://explicit.example.com"), {}, {}, {}},
                                 {{"DATABRICKS_TOKEN", "dapi-env-token-333"}});
    CHECK(auth.host == "https://explicit.example.com");
    CHECK(auth.token->reveal() == "dapi-env-token-333");
  }

  SUBCASE("a credential in the environment alone skips the file, so no host")
  {
    CHECK(resolve_error(home, {}, {{"DATABRICKS_TOKEN", "dapi-env-token-333"}})
          == "no Databricks workspace: give --workspace URL, set DATABRICKS_HOST, or name a "
             "~/.databrickscfg profile with --profile");
  }

  SUBCASE("a named profile is read; explicit and environment values still win")
  {
    const auto auth = resolve_ok(home, {{}, std::string("dev"), {}, {}},
                                 {{"DATABRICKS_HOST", "https://env.example.com"}});
    CHECK(auth.host == "https://env.example.com");
    CHECK(auth.token->reveal() == "dapi#dev#token#111");
    CHECK(auth.profile == "dev");
  }

  SUBCASE("DATABRICKS_CONFIG_PROFILE names the profile too")
  {
    const auto auth = resolve_ok(home, {}, {{"DATABRICKS_CONFIG_PROFILE", "dev"}});
    CHECK(auth.host == "https://dev.cloud.databricks.com");
  }

  SUBCASE("--profile beats DATABRICKS_CONFIG_PROFILE")
  {
    const auto auth = resolve_ok(home, {{}, std::string("DEFAULT"), {}, {}},
                                 {{"DATABRICKS_CONFIG_PROFILE", "dev"}});
    CHECK(auth.host == "https://default.cloud.databricks.com");
  }

  SUBCASE("DATABRICKS_CONFIG_FILE, with ~ for the home")
  {
    aigw::test::write_bytes(home.home / "cfg/other.ini",
                            "[DEFAULT]\nhost = other.example.com\ntoken = dapi-other-444\n");
    const auto auth = resolve_ok(home, {}, {{"DATABRICKS_CONFIG_FILE", "~/cfg/other.ini"}});
    CHECK(auth.host == "https://other.example.com");
  }

  SUBCASE("a host without scheme gets https, and loses path and query")
  {
    const auto auth = resolve_ok(home, {{}, std::string("m2m"), {}, {}}, {});
    CHECK(auth.host == "https://dev.cloud.databricks.com");
    CHECK(auth.method == AuthMethod::oauth_m2m);
    CHECK(auth.client_id == "sp-client-id");
    CHECK(auth.client_secret->reveal() == "sp-secret ;not a comment");
  }

  SUBCASE("no credential anywhere: the databricks CLI, for the host")
  {
    Home empty("");
    const auto auth = resolve_ok(empty, {std::string("https://u2m.example.com"), {}, {}, {}}, {});
    CHECK(auth.method == AuthMethod::databricks_cli);
    CHECK(auth.cli_path == "databricks");
    CHECK(!auth.profile);
  }

  SUBCASE("auth_type and the CLI path from the profile")
  {
    const auto auth = resolve_ok(home, {{}, std::string("cli"), {}, {}}, {});
    CHECK(auth.method == AuthMethod::databricks_cli);
    CHECK(auth.cli_path == "/opt/bin/databricks");
    CHECK(auth.profile == "cli");
  }

  SUBCASE("[__settings__] default_profile picks the profile, which the CLI is then told")
  {
    Home settings(std::string("[__settings__]\ndefault_profile = cli\n") + k_config);
    const auto auth = resolve_ok(settings, {}, {});
    CHECK(auth.host == "https://cli.cloud.databricks.com");
    CHECK(auth.profile == "cli");
  }
}

TEST_CASE("core::resolve_databricks_auth errors")
{
  Home home;

  SUBCASE("a missing named profile")
  {
    CHECK(resolve_error(home, {{}, std::string("prod"), {}, {}}, {})
          == home.cfg() + " has no prod profile configured");
  }

  SUBCASE("a named profile without a config file")
  {
    Home empty("");
    CHECK(resolve_error(empty, {{}, std::string("prod"), {}, {}}, {})
          == empty.cfg() + " has no prod profile configured (the file does not exist)");
  }

  SUBCASE("two methods at once")
  {
    CHECK(resolve_error(home, {{}, std::string("both"), {}, {}}, {})
          == "more than one authorization method configured: pat and oauth-m2m (token from "
               + home.cfg() + " [both], client_id from " + home.cfg()
               + " [both]); keep one, or choose with auth_type or DATABRICKS_AUTH_TYPE");
  }

  SUBCASE("across sources too")
  {
    CHECK(resolve_error(home, {std::string("https://x.example.com"), {}, {}, {}},
                        {{"DATABRICKS_TOKEN", "dapi-env-555555"},
                         {"DATABRICKS_CLIENT_ID", "sp"},
                         {"DATABRICKS_CLIENT_SECRET", "shh-secret"}})
          == "more than one authorization method configured: pat and oauth-m2m (token from "
             "$DATABRICKS_TOKEN, client_id from $DATABRICKS_CLIENT_ID, client_secret from "
             "$DATABRICKS_CLIENT_SECRET); keep one, or choose with auth_type or "
             "DATABRICKS_AUTH_TYPE");
  }

  SUBCASE("auth_type settles it")
  {
    const auto auth = resolve_ok(home, {{}, std::string("both"), {}, {}},
                                 {{"DATABRICKS_AUTH_TYPE", "pat"}});
    CHECK(auth.method == AuthMethod::pat);
    CHECK(auth.token->reveal() == "dapi-both-token-222");
  }

  SUBCASE("auth_type oauth-m2m without a secret")
  {
    CHECK(resolve_error(home, {{}, std::string("both"), {}, {}},
                        {{"DATABRICKS_AUTH_TYPE", "oauth-m2m"}})
          == "no Databricks client_secret: oauth-m2m needs both client_id and client_secret "
             "(DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET)");
  }

  SUBCASE("an unknown auth_type")
  {
    CHECK(resolve_error(home, {}, {{"DATABRICKS_AUTH_TYPE", "azure-cli"}})
          == "auth_type \"azure-cli\" (from $DATABRICKS_AUTH_TYPE) is not supported; use pat, "
             "oauth-m2m or databricks-cli");
  }

  SUBCASE("basic authentication")
  {
    CHECK(resolve_error(home, {std::string("https://x.example.com"), {}, {}, {}},
                        {{"DATABRICKS_USERNAME", "me"}, {"DATABRICKS_PASSWORD", "pw-123456"}})
          == "basic authentication (username from $DATABRICKS_USERNAME, password from "
             "$DATABRICKS_PASSWORD) is not supported; use a personal access token, OAuth M2M or "
             "`databricks auth login`");
  }

  SUBCASE("http is for loopback hosts only")
  {
    CHECK(resolve_error(home, {std::string("http://x.example.com"), {}, {}, {}},
                        {{"DATABRICKS_TOKEN", "dapi-env-555555"}})
          == "host (from --workspace) \"http://x.example.com\": https is required (http only "
             "for loopback hosts)");
  }

  SUBCASE("a config file that does not parse")
  {
    Home broken("[dev]\nhost\n");
    auto auth = resolve_databricks_auth({{}, std::string("dev"), {}, {}}, env_of({}), broken.home);
    REQUIRE(!auth);
    CHECK(auth.error().kind == aigw::util::ErrorKind::parse);
    CHECK(auth.error().message
          == broken.cfg() + ":2: expected \"key = value\" or \"[profile]\"");
  }
}
