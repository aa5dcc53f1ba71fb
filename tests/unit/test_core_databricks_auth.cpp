// SPDX-License-Identifier: MIT
// Databricks credential resolution: the .databrickscfg reader, the order of explicit
// options, DATABRICKS_* variables and the profile, the token sources (OAuth M2M against the
// fake workspace, `databricks auth token` as a fake script) and the token cache.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <thread>

#include <sys/stat.h>

#include "core/databricks_auth.hpp"
#include "support/fake_workspace.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::core::AuthMethod;
using aigw::core::DatabricksOptions;
using aigw::core::parse_databricks_config;
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

TEST_CASE("core::parse_databricks_config")
{
  const fs::path path = "/home/u/.databrickscfg";

  SUBCASE("comments, inline comments only after whitespace, quotes, DEFAULT above sections")
  {
    auto file = parse_databricks_config("\xEF\xBB\xBFtoken = top\n"
                                        "# comment\n"
                                        "  ; indented comment\n"
                                        "[a]\n"
                                        "password = p#ss;word\n"
                                        "host: https://a.example.com ; note\n"
                                        "quoted = 'x #y'\n"
                                        "single = 'x y'\n"
                                        "raw = `x #y`\n"
                                        "triple = \"\"\"a ; b\"\"\"\n"
                                        "Token = case-kept\n"
                                        "empty =\n"
                                        "[a]\n"
                                        "later = merged\r\n",
                                        path);
    REQUIRE(file);
    CHECK(file->sections.at("DEFAULT").at("token") == "top");
    const auto& a = file->sections.at("a");
    CHECK(a.at("password") == "p#ss;word");
    CHECK(a.at("host") == "https://a.example.com");
    CHECK(a.at("quoted") == "'x");
    CHECK(a.at("single") == "x y");
    CHECK(a.at("raw") == "x #y");
    CHECK(a.at("triple") == "a ; b");
    CHECK(a.at("Token") == "case-kept");
    CHECK(!a.contains("token"));
    CHECK(a.at("empty").empty());
    CHECK(a.at("later") == "merged");
  }

  SUBCASE("a line that is neither key nor section names file and line")
  {
    auto file = parse_databricks_config("[a]\nhost = x\njust words\n", path);
    REQUIRE(!file);
    CHECK(file.error().kind == aigw::util::ErrorKind::parse);
    CHECK(file.error().message
          == "/home/u/.databrickscfg:3: expected \"key = value\" or \"[profile]\"");
  }

  SUBCASE("an unclosed section")
  {
    auto file = parse_databricks_config("[a\n", path);
    REQUIRE(!file);
    CHECK(file.error().message == "/home/u/.databrickscfg:1: section header without \"]\"");
  }
}

TEST_CASE("core::select_profile of a databricks config")
{
  const fs::path path = "/home/u/.databrickscfg";
  using aigw::core::select_profile;

  SUBCASE("[__settings__] default_profile comes before DEFAULT")
  {
    auto file = parse_databricks_config(
      "[__settings__]\ndefault_profile = dev\n[DEFAULT]\nhost = d\n[dev]\nhost = x\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::nullopt);
    REQUIRE(chosen);
    CHECK((*chosen)->name == "dev");
    CHECK(select_profile(*file, std::string("DEFAULT")).value()->values.at("host") == "d");
  }

  SUBCASE("no DEFAULT is no profile, and no error")
  {
    auto file = parse_databricks_config("[dev]\nhost = x\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::nullopt);
    REQUIRE(chosen);
    CHECK(!chosen->has_value());
  }

  SUBCASE("a missing named profile")
  {
    auto file = parse_databricks_config("[dev]\nhost = x\n[empty]\n", path);
    REQUIRE(file);
    CHECK(select_profile(*file, std::string("prod")).error().message
          == "/home/u/.databrickscfg has no prod profile configured");
    CHECK(select_profile(*file, std::string("empty")).error().message
          == "/home/u/.databrickscfg has no empty profile configured");
  }

  SUBCASE("default_profile naming a missing profile")
  {
    auto file = parse_databricks_config("[__settings__]\ndefault_profile = gone\n", path);
    REQUIRE(file);
    CHECK(select_profile(*file, std::nullopt).error().message
          == "/home/u/.databrickscfg has no gone profile configured (named by [__settings__] "
             "default_profile)");
  }

  SUBCASE("__settings__ is not a profile")
  {
    auto file = parse_databricks_config("[__settings__]\ndefault_profile = dev\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::string("__settings__"));
    REQUIRE(!chosen);
    CHECK(chosen.error().kind == aigw::util::ErrorKind::usage);
    CHECK(chosen.error().message == "__settings__ is reserved in /home/u/.databrickscfg and "
                                    "cannot be used as a profile");
  }
}

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

TEST_CASE("core::parse_token_expiry of the databricks CLI")
{
  using aigw::core::parse_token_expiry;
  using std::chrono::system_clock;
  const auto at = [](std::time_t seconds) { return system_clock::from_time_t(seconds); };

  CHECK(parse_token_expiry("2026-12-04T05:07:48Z") == at(1796360868));
  CHECK(parse_token_expiry("2026-12-04T06:07:48+01:00") == at(1796360868));
  CHECK(parse_token_expiry("2026-12-03T22:07:48-07:00") == at(1796360868));
  CHECK(parse_token_expiry("2026-12-04T05:07:48.5Z")
        == at(1796360868) + std::chrono::milliseconds(500));
  CHECK(parse_token_expiry("2026-12-04T05:07:48.123456789Z")
        == at(1796360868) + std::chrono::nanoseconds(123456789));

  std::tm local{};
  local.tm_year = 2026 - 1900;
  local.tm_mon = 11;
  local.tm_mday = 4;
  local.tm_hour = 5;
  local.tm_min = 7;
  local.tm_sec = 48;
  local.tm_isdst = -1;
  CHECK(parse_token_expiry("2026-12-04 05:07:48") == at(std::mktime(&local)));
  CHECK(parse_token_expiry("2026-12-04 05:07:48.250")
        == at(std::mktime(&local)) + std::chrono::milliseconds(250));

  CHECK(!parse_token_expiry("2026-12-04T05:07:48"));
  CHECK(!parse_token_expiry("2026-13-04T05:07:48Z"));
  CHECK(!parse_token_expiry("tomorrow"));
  CHECK(!parse_token_expiry("2026-12-04T05:07:48Z trailing"));
}

TEST_CASE("core::TokenCache of databricks tokens")
{
  using aigw::core::AccessToken;
  using aigw::core::SystemTime;

  struct CountingSource : aigw::core::TokenSource
  {
    std::atomic<int> fetches{0};
    SystemTime expiry;
    aigw::util::Result<AccessToken> fetch() override
    {
      const int n = ++fetches;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return AccessToken{aigw::util::Secret("cached-token-" + std::to_string(n)), expiry};
    }
  };

  const SystemTime start = std::chrono::system_clock::from_time_t(1796360868);
  SystemTime now = start;
  auto source = std::make_unique<CountingSource>();
  CountingSource* counter = source.get();
  counter->expiry = start + std::chrono::minutes(60);
  aigw::core::TokenCache cache(std::move(source), [&now] { return now; });

  SUBCASE("fetched once, kept until 5 minutes before expiry")
  {
    CHECK(cache.token()->reveal() == "cached-token-1");
    now = start + std::chrono::minutes(54) + std::chrono::seconds(59);
    CHECK(cache.token()->reveal() == "cached-token-1");
    now = start + std::chrono::minutes(55);
    counter->expiry = now + std::chrono::minutes(60);
    CHECK(cache.token()->reveal() == "cached-token-2");
    CHECK(counter->fetches == 2);
  }

  SUBCASE("invalidate forces a new fetch")
  {
    CHECK(cache.token()->reveal() == "cached-token-1");
    cache.invalidate();
    CHECK(cache.token()->reveal() == "cached-token-2");
  }

  SUBCASE("many threads at once: one fetch")
  {
    std::vector<std::thread> threads;
    std::vector<std::string> seen(8);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      threads.emplace_back([&, i] { seen[i] = cache.token()->reveal(); });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    CHECK(counter->fetches == 1);
    for (const auto& token : seen) {
      CHECK(token == "cached-token-1");
    }
  }
}

TEST_CASE("core databricks OAuth M2M token source")
{
  aigw::test::FakeWorkspace workspace;
  workspace.set_oauth_client("sp-app-id", "sp-secret/with:odd+chars");
  auto http = aigw::net::make_curl_client();

  SUBCASE("client credentials in a Basic header, scope all-apis")
  {
    auto source = aigw::core::make_m2m_token_source(*http, workspace.url(), "sp-app-id",
                                                    aigw::util::Secret("sp-secret/with:odd+chars"));
    const auto before = std::chrono::system_clock::now();
    auto token = source->fetch();
    if (!token) {
      FAIL_CHECK(token.error().message);
    }
    REQUIRE(token);
    CHECK(token->value.reveal() == "fake-m2m-access-1");
    REQUIRE(token->expiry);
    CHECK(*token->expiry >= before + std::chrono::seconds(3600));
    const auto sent = workspace.requests().at(0);
    CHECK(sent.target == "/oidc/v1/token");
    CHECK(sent.headers.at("content-type") == "application/x-www-form-urlencoded");
    CHECK(sent.body == "grant_type=client_credentials&scope=all-apis");
    // base64("sp-app-id:sp-secret%2Fwith%3Aodd%2Bchars")
    CHECK(sent.headers.at("authorization")
          == "Basic c3AtYXBwLWlkOnNwLXNlY3JldCUyRndpdGglM0FvZGQlMkJjaGFycw==");
  }

  SUBCASE("a wrong secret")
  {
    auto source = aigw::core::make_m2m_token_source(*http, workspace.url(), "sp-app-id",
                                                    aigw::util::Secret("not-the-secret"));
    auto token = source->fetch();
    REQUIRE(!token);
    CHECK(token.error().kind == aigw::util::ErrorKind::remote);
    CHECK(token.error().message == "POST " + workspace.url()
                                     + "/oidc/v1/token: 401 invalid_client: Client "
                                       "authentication failed (OAuth M2M for client sp-app-id)");
  }
}

namespace {

// A stand-in for the databricks CLI: what it does depends on the `mode` file beside it;
// it records its arguments and environment there too.
const char* const k_fake_cli = R"(#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$@" > "$dir/args.txt"
env | sort > "$dir/env.txt"
mode=$(cat "$dir/mode")
if [ "$mode" = locked ]; then
  n=$(cat "$dir/count" 2>/dev/null || echo 0)
  n=$((n + 1))
  echo "$n" > "$dir/count"
  if [ "$n" -lt 3 ]; then
    echo "Error: cache update: exit status 45" >&2
    exit 1
  fi
  mode=good
fi
case "$mode" in
good)
  echo '{"access_token":"u2m-access-token-1","token_type":"Bearer",'
  echo ' "refresh_token":"u2m-refresh-secret-9","expiry":"2099-01-01T00:00:00.123456789Z"}' ;;
expired)
  echo '{"access_token":"u2m-old-token-2","token_type":"Bearer","expiry":"2001-02-03 04:05:06"}' ;;
garbage)
  echo 'Bearer u2m-plain-token-3' ;;
*)
  echo "Error: cannot get access token: refresh token is invalid" >&2
  exit 1 ;;
esac
)";

} // namespace

TEST_CASE("core databricks CLI token source")
{
  TempDir dir;
  const fs::path cli = dir / "databricks";
  aigw::test::write_bytes(cli, k_fake_cli);
  ::chmod(cli.c_str(), 0755);
  const auto mode = [&](const std::string& name) { aigw::test::write_bytes(dir / "mode", name); };

  std::vector<std::chrono::milliseconds> waits;
  aigw::core::CliTokenOptions options;
  options.cli_path = cli.string();
  options.host = "https://u2m.cloud.databricks.com";
  options.sleep = [&](std::chrono::milliseconds wait) { waits.push_back(wait); };

  SUBCASE("good JSON, with --host and a scrubbed environment")
  {
    mode("good");
    ::setenv("DATABRICKS_CONFIG_PROFILE", "elsewhere", 1);
    ::setenv("DATABRICKS_TOKEN", "dapi-should-not-pass", 1);
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    ::unsetenv("DATABRICKS_CONFIG_PROFILE");
    ::unsetenv("DATABRICKS_TOKEN");
    REQUIRE(token);
    CHECK(token->value.reveal() == "u2m-access-token-1");
    CHECK(token->expiry == aigw::core::parse_token_expiry("2099-01-01T00:00:00.123456789Z"));
    CHECK(aigw::test::read_bytes(dir / "args.txt")
          == "auth\ntoken\n--host\nhttps://u2m.cloud.databricks.com\n");
    const std::string env = aigw::test::read_bytes(dir / "env.txt");
    CHECK(env.find("DATABRICKS_CONFIG_PROFILE") == std::string::npos);
    CHECK(env.find("DATABRICKS_TOKEN") == std::string::npos);
    CHECK(env.find("PATH=") != std::string::npos);
    // The refresh token is a secret of this run now.
    CHECK(aigw::util::redact("x u2m-refresh-secret-9 y") == "x *** y");
  }

  SUBCASE("--profile when one was named")
  {
    mode("good");
    options.profile = "dev";
    REQUIRE(aigw::core::make_cli_token_source(options)->fetch());
    CHECK(aigw::test::read_bytes(dir / "args.txt") == "auth\ntoken\n--profile\ndev\n");
  }

  SUBCASE("an expired token")
  {
    mode("expired");
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(!token);
    CHECK(token.error().kind == aigw::util::ErrorKind::remote);
    CHECK(token.error().message
          == "`databricks auth token --host https://u2m.cloud.databricks.com` returned a token "
             "that expired at 2001-02-03 04:05:06; run `databricks auth login --host "
             "https://u2m.cloud.databricks.com`");
  }

  SUBCASE("lock contention, then success")
  {
    mode("locked");
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(token);
    CHECK(token->value.reveal() == "u2m-access-token-1");
    CHECK(aigw::test::read_bytes(dir / "count") == "3\n");
    REQUIRE(waits.size() == 2);
    CHECK(waits[0] >= std::chrono::milliseconds(250));
    CHECK(waits[1] >= std::chrono::milliseconds(500));
  }

  SUBCASE("lock contention that outlasts the tries")
  {
    mode("locked");
    options.tries = 2;
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(!token);
    CHECK(token.error().message
          == "`databricks auth token --host https://u2m.cloud.databricks.com` failed (exit 1): "
             "Error: cache update: exit status 45; run `databricks auth login --host "
             "https://u2m.cloud.databricks.com`");
  }

  SUBCASE("a nonzero exit")
  {
    mode("fail");
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(!token);
    CHECK(token.error().message
          == "`databricks auth token --host https://u2m.cloud.databricks.com` failed (exit 1): "
             "Error: cannot get access token: refresh token is invalid; run `databricks auth "
             "login --host https://u2m.cloud.databricks.com`");
    CHECK(waits.empty());
  }

  SUBCASE("output that is not the JSON token is not echoed")
  {
    mode("garbage");
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(!token);
    CHECK(token.error().message == "`databricks auth token --host "
                                   "https://u2m.cloud.databricks.com` printed no access_token");
  }

  SUBCASE("no CLI")
  {
    options.cli_path = (dir / "missing" / "databricks").string();
    auto token = aigw::core::make_cli_token_source(options)->fetch();
    REQUIRE(!token);
    CHECK(token.error().message == "`databricks auth token --host "
                                   "https://u2m.cloud.databricks.com` could not run: \""
                                     + options.cli_path
                                     + "\" was not found (install the Databricks CLI, or name "
                                       "it with DATABRICKS_CLI_PATH)");
  }
}
