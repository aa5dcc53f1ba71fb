// SPDX-License-Identifier: MIT
// The environment, Cursor and network checks of doctor, and the known-breakage table:
// proxy and CA variables, Cursor's base URL, round-trip outcomes and the clock from a
// reply's Date header, version ranges, and the compiled-in table itself.
#include "test_core_doctor_fixture.hpp"

namespace fs = std::filesystem;
using namespace aigw;
using test::the_check;

TEST_CASE("core::environment_checks proxy")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::configure_home(home, {"claude"});
  const auto check = [&](core::Environment env) {
    return the_check(core::environment_checks(test::doctor_inputs(home, std::move(env))),
                     "environment.proxy");
  };

  SUBCASE("none")
  {
    CHECK(check({}).cause == "no proxy variable is set");
  }

  SUBCASE("a proxy, its password hidden")
  {
    const auto result = check({{{"HTTPS_PROXY", "http://me:secret@proxy.corp:3128"}}});
    test::expect(result, core::Level::pass,
                 "HTTPS_PROXY=http://***@proxy.corp:3128 carries the requests to the gateway");
  }

  SUBCASE("a proxy without a scheme")
  {
    const auto result = check({{{"https_proxy", "proxy.corp:3128"}}});
    test::expect(result, core::Level::warn,
                 "https_proxy=proxy.corp:3128 has no scheme: the agents may not read it as a proxy",
                 "write it as a URL: export https_proxy=http://proxy.corp:3128");
  }

  SUBCASE("a proxy that also catches the local relay")
  {
    test::configure_home(home, {"claude", "--auth", "relay"});
    const auto caught = check({{{"HTTPS_PROXY", "http://proxy.corp:3128"},
                                {"HTTP_PROXY", "http://proxy.corp:3128"}}});
    test::expect(caught, core::Level::fail,
                 "HTTPS_PROXY=http://proxy.corp:3128, HTTP_PROXY=http://proxy.corp:3128 "
                 "also catches the local relay at 127.0.0.1, which no proxy can reach",
                 "export NO_PROXY=127.0.0.1,localhost,::1 (and no_proxy, the same)");

    const auto exempt = check({{{"HTTP_PROXY", "http://proxy.corp:3128"},
                                {"no_proxy", "localhost, 127.0.0.1"}}});
    CHECK(exempt.level == core::Level::pass);
  }
}

TEST_CASE("core::environment_checks ca_bundle")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  test::write_bytes(home / "ca.pem",
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  test::write_bytes(home / "empty.pem", "");
  const auto checks = [&](core::Environment env) {
    return test::checks_with(core::environment_checks(test::doctor_inputs(home, std::move(env))),
                             "environment.ca_bundle");
  };

  SUBCASE("none set")
  {
    const auto found = checks({});
    REQUIRE(found.size() == 1);
    CHECK(found[0].cause == "no CA variable is set: the agents use their own trust stores");
  }

  SUBCASE("good files")
  {
    const auto pem = (home / "ca.pem").string();
    const auto found = checks({{{"NODE_EXTRA_CA_CERTS", pem}, {"SSL_CERT_FILE", pem}}});
    REQUIRE(found.size() == 1);
    test::expect(found[0], core::Level::pass,
                 "the CA variables name readable PEM certificates");
  }

  SUBCASE("a missing file, an empty one, and SSL_CERT_FILE alone")
  {
    const auto found = checks({{{"CURL_CA_BUNDLE", (home / "gone.pem").string()},
                                {"SSL_CERT_FILE", (home / "empty.pem").string()}}});
    REQUIRE(found.size() == 3);
    test::expect(found[0], core::Level::fail,
                 "SSL_CERT_FILE=" + (home / "empty.pem").string()
                 + " holds no PEM certificate: TLS to the gateway fails where it is "
                 "needed",
                 "point SSL_CERT_FILE at your company's CA bundle (a PEM file), or unset it");
    CHECK(found[1].cause == "CURL_CA_BUNDLE=" + (home / "gone.pem").string()
                              + " names no readable file: TLS to the gateway fails where it is "
                                "needed");
    test::expect(found[2], core::Level::warn,
                 "SSL_CERT_FILE is set but NODE_EXTRA_CA_CERTS is not: Claude Code "
                 "and Gemini CLI (Node) do not read SSL_CERT_FILE",
                 "export NODE_EXTRA_CA_CERTS=" + (home / "empty.pem").string());
  }
}

TEST_CASE("core::cursor_checks private_url")
{
  test::TempDir dir;
  const auto home = test::doctor_home(dir);
  const auto private_url = [](const fs::path& configured) {
    return the_check(core::cursor_checks(test::doctor_inputs(configured)), "cursor.private_url");
  };

  SUBCASE("a public gateway")
  {
    test::configure_home(home, {"cursor", "--cursor-model", "databricks-gpt-5-2"});
    const auto checks = core::cursor_checks(test::doctor_inputs(home));
    REQUIRE(checks.size() == 1);
    test::expect(checks[0], core::Level::pass,
                 "Cursor's base URL https://gw.example.com/cursor/v1 is a public "
                 "address, as Cursor's servers need");
  }

  SUBCASE("a private gateway fails")
  {
    test::configure_home(home, {"cursor", "--cursor-url", "https://10.0.0.5/cursor/v1"});
    test::expect(private_url(home), core::Level::fail,
                 "Cursor calls https://10.0.0.5/cursor/v1 from Cursor's servers, "
                 "which cannot reach a loopback or private address",
                 "give Cursor the gateway's public https URL: " + test::aigw_on(home)
                   + " configure cursor --cursor-url https://<gateway>/cursor/v1");
  }

  SUBCASE("the local relay warns, and its remedy makes the check pass")
  {
    test::configure_home(home, {"cursor", "--auth", "relay"});
    test::expect(private_url(home), core::Level::warn,
                 "Cursor is set to the local relay at http://127.0.0.1:8765/cursor/v1, which "
                 "it cannot use: Cursor sends its requests from Cursor's servers, which cannot "
                 "reach this machine",
                 "give Cursor the gateway itself (it then holds the token `" + test::aigw_on(home)
                   + " token` prints, not the relay key): " + test::aigw_on(home)
                   + " configure cursor --gateway https://gw.example.com");

    const auto fixed = test::run_cli(
      {"--home", home.string(), "configure", "cursor", "--gateway", "https://gw.example.com"});
    INFO(fixed.err);
    REQUIRE(fixed.exit_code == 0);
    test::expect(private_url(home), core::Level::pass,
                 "Cursor's base URL https://gw.example.com/cursor/v1 is a public address, as "
                 "Cursor's servers need");
  }

  SUBCASE("a relay with no public gateway for Cursor: the remedy asks for one")
  {
    test::configure_home(home, {"cursor", "--auth", "relay", "--workspace", "http://127.0.0.1:9"});
    const auto check = private_url(home);
    CHECK(check.level == core::Level::warn);
    CHECK(check.remedy.ends_with(": " + test::aigw_on(home)
                                 + " configure cursor --cursor-url https://<gateway>/cursor/v1"));
  }
}

TEST_CASE("core::network_checks and core::clock_check")
{
  const auto now = test::doctor_now();
  const core::RouteOutcome good{"claude", "https://gw.example.com/anthropic/v1/messages", "pass",
                                "200 in the Messages API format", "",
                                "Fri, 04 Dec 2026 11:59:58 GMT", now};
  const core::RouteOutcome bad{"codex", "https://gw.example.com/openai/v1/responses",
                               "token_invalid", "400 Invalid Token", "get a new token", {}, now};

  const auto checks = core::network_checks({bad, good});
  REQUIRE(checks.size() == 3);
  CHECK(checks[0].id == "network.codex");
  test::expect(checks[0], core::Level::fail,
               "codex https://gw.example.com/openai/v1/responses: 400 Invalid Token",
               "get a new token");
  CHECK(checks[1].level == core::Level::pass);
  CHECK(checks[2].id == "network.clock");
  CHECK(checks[2].cause == "this machine's clock agrees with the gateway's");

  SUBCASE("minutes apart warns, more than five fails")
  {
    const auto warn = core::clock_check("Fri, 04 Dec 2026 11:58:30 GMT", now);
    test::expect(warn, core::Level::warn,
                 "this machine's clock is 90 s ahead of the gateway's: tokens and "
                 "certificates may look expired or not yet valid",
                 "turn on automatic time (Linux: sudo timedatectl set-ntp true; macOS: "
                 "Date & Time > Set time automatically)");
    const auto fail = core::clock_check("Fri, 04 Dec 2026 12:07:30 GMT", now);
    test::expect(fail, core::Level::fail,
                 "this machine's clock is 7 min behind the gateway's: tokens and "
                 "certificates may look expired or not yet valid");
  }

  SUBCASE("a Date that is not an HTTP date")
  {
    const auto odd = core::clock_check("yesterday", now);
    test::expect(odd, core::Level::warn,
                 "the gateway's Date header \"yesterday\" is not an HTTP date, so the clock "
                 "was not compared");
  }
}

TEST_CASE("core::version_in_range and the known-breakage table")
{
  CHECK(core::version_in_range("0.134.0", ">=0.134.0"));
  CHECK_FALSE(core::version_in_range("0.133.9", ">=0.134.0"));
  CHECK(core::version_in_range("0.132.1", ">=0.131.0 <0.134.0"));
  CHECK(core::version_in_range("0.19.0-preview.1", ">=0.19.0"));
  CHECK(core::version_in_range("2.1.230", "=2.1.230"));
  CHECK_FALSE(core::version_in_range("2.1.230", "2.1.230")); // no operator: not a range

  const auto& table = core::known_breakage();
  CHECK(table.size() == 8);
  for (const auto& entry : table) {
    CHECK_FALSE(entry.source.empty());
    CHECK((entry.agent == "codex" || entry.agent == "gemini" || entry.agent == "claude"));
  }

  const auto broken = core::parse_breakage(
    R"({"entries": [{"agent": "codex", "versions": "0.1", "level": "warn", "breaks": "b",
        "remedy": "r", "source": "s"}]})");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message == "known-breakage.json: entry 1: \"versions\" \"0.1\" is not "
                                  "like \">=0.131.0 <1.0.0\"");
}

TEST_CASE("core::probe_versions runs each agent's --version")
{
  test::TempDir dir;
  test::fake_agents(dir / "bin", {{"claude", "2.1.230 (Claude Code)"},
                                  {"codex", "codex-cli 0.171.0"},
                                  {"gemini", "no version here"}});
  const auto found = core::probe_versions((dir / "bin").string(), std::chrono::seconds(5));
  CHECK(found.at("claude").version == std::optional<std::string>("2.1.230"));
  CHECK(found.at("codex").version == std::optional<std::string>("0.171.0"));
  CHECK(found.at("gemini").binary == dir / "bin/gemini");
  CHECK_FALSE(found.at("gemini").version);
  CHECK_FALSE(found.at("cursor").binary);
}
