// SPDX-License-Identifier: MIT
// Databricks token sources and the token cache: the CLI's expiry formats, one fetch shared
// until shortly before expiry, OAuth M2M against the fake workspace, and
// `databricks auth token` as a fake script.
#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include <sys/stat.h>

#include "core/databricks_auth.hpp"
#include "support/fake_workspace.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::TempDir;

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
