// SPDX-License-Identifier: MIT
// `test` end to end when the network itself fails: a TLS server with a self-signed
// certificate, a closed port, a proxy that refuses, and a name that cannot resolve, looked up
// in a child process cut off from every network. Each gives its own verdict and remedy, by
// text and by --json field. The gateway's own answers are in test_cli_test.cpp.
#include <doctest/doctest.h>

#include <optional>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/fake_gateway.hpp"
#include "support/test_context.hpp"
#include "support/tls_server.hpp"

using aigw::test::CliResult;
using aigw::test::FakeGateway;
using aigw::test::run_cli;
using aigw::test::TempDir;
using Json = nlohmann::json;

namespace {

const std::map<std::string, std::string> k_token_env{{"DATABRICKS_TOKEN", FakeGateway::k_token}};

Json
routes_of(const CliResult& result)
{
  return Json::parse(result.out)["routes"];
}

// Run the CLI in a child process that first leaves every network (a network namespace with
// only a loopback device, which is down), so that the name it looks up cannot be sent to
// any resolver. nullopt when the system does not allow a new network namespace.
std::optional<CliResult>
run_cli_without_network(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env)
{
  int channel[2];
  REQUIRE(::pipe(channel) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(channel[0]);
    if (::unshare(CLONE_NEWNET) != 0 && ::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      ::_exit(77);
    }
    const CliResult result = run_cli(args, "", env);
    const std::string message = std::to_string(result.exit_code) + "\n"
                                + std::to_string(result.out.size()) + "\n" + result.out
                                + result.err;
    const bool sent = ::write(channel[1], message.data(), message.size())
                      == static_cast<ssize_t>(message.size());
    ::_exit(sent ? 0 : 1);
  }
  ::close(channel[1]);
  std::string message;
  char buffer[4096];
  for (ssize_t n; (n = ::read(channel[0], buffer, sizeof buffer)) > 0;) {
    message.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(channel[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    return std::nullopt;
  }
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::istringstream in(message);
  CliResult result;
  std::size_t out_size = 0;
  in >> result.exit_code >> out_size;
  in.get();
  const std::string rest = message.substr(static_cast<std::size_t>(in.tellg()));
  result.out = rest.substr(0, out_size);
  result.err = rest.substr(out_size);
  return result;
}

} // namespace

TEST_CASE("cli test: TLS, refused, proxy and DNS failures")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  const auto route = [&](std::vector<std::string> args,
                         const std::map<std::string, std::string>& env = k_token_env) {
    std::vector<std::string> all{"--home", home, "--json", "test"};
    all.insert(all.end(), args.begin(), args.end());
    const auto result = run_cli(all, "", env);
    CHECK(result.exit_code == 1);
    return routes_of(result)[0];
  };

  SUBCASE("a self-signed certificate: tls, whatever SSL_CERT_FILE and CURL_CA_BUNDLE say")
  {
    aigw::test::SelfSignedTlsServer server(dir / "tls");
    const std::string host = server.url().substr(8);
    const Json refused = route({"gemini", "--gemini-url", server.url() + "/gemini"});
    CHECK(refused["verdict"] == "tls");
    CHECK(refused["error"] == "tls");
    CHECK(refused["status"].is_null());
    CHECK(refused["remedy"]
          == host + "'s certificate is not trusted here; if a proxy re-signs TLS (corporate CA), "
                    "trust its CA: aigw-setup via the system store (libcurl reads neither "
                    "SSL_CERT_FILE nor CURL_CA_BUNDLE), Claude Code and Gemini CLI via "
                    "NODE_EXTRA_CA_CERTS=<ca.pem>, Codex via CODEX_CA_CERTIFICATE=<ca.pem> (or "
                    "SSL_CERT_FILE)");

    // The certificate is sound: libcurl told to trust it takes it...
    CURL* curl = curl_easy_init();
    REQUIRE(curl != nullptr);
    const std::string url = server.url() + "/";
    const curl_write_callback discard = [](char*, std::size_t size, std::size_t count, void*) {
      return size * count;
    };
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CAINFO, server.certificate().c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    CHECK(curl_easy_perform(curl) == CURLE_OK);
    curl_easy_cleanup(curl);
    // ...so the remedy's claim about this tool holds: libcurl ignores both variables.
    auto env = k_token_env;
    env["SSL_CERT_FILE"] = server.certificate().string();
    env["CURL_CA_BUNDLE"] = server.certificate().string();
    CHECK(route({"gemini", "--gemini-url", server.url() + "/gemini"}, env)["verdict"] == "tls");
  }

  SUBCASE("a closed port: refused, and no relay to start where none is configured")
  {
    const std::string host = "127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    const Json refused = route({"codex", "--codex-url", "http://" + host + "/openai/v1"});
    CHECK(refused["verdict"] == "refused");
    CHECK(refused["error"] == "connect");
    CHECK(refused["remedy"] == "nothing listens at " + host + ": check the URL and the port");
  }

  SUBCASE("a plain token setup whose gateway is down: refused, no relay named")
  {
    const std::string gateway =
      "http://127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    const auto configured = run_cli({"--home", home, "configure", "claude", "--gateway", gateway,
                                     "--token-stdin"},
                                    std::string(FakeGateway::k_token) + "\n");
    REQUIRE(configured.exit_code == 0);
    const Json refused = route({}, {});
    CHECK(refused["verdict"] == "refused");
    CHECK(refused["remedy"]
          == "nothing listens at " + gateway.substr(7) + ": check the URL and the port");
  }

  SUBCASE("a relay route whose relay is not running: start it")
  {
    const std::string relay = "127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    const std::string gateway =
      "http://127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    const auto configured = run_cli({"--home", home, "configure", "claude", "--auth", "relay",
                                     "--relay", relay, "--gateway", gateway});
    REQUIRE(configured.exit_code == 0);
    const Json refused = route({}, {});
    CHECK(refused["verdict"] == "refused");
    CHECK(refused["remedy"] == "nothing listens at " + relay
                                 + ": check the URL and the port; for the local relay, start "
                                   "aigw-setup --home "
                                 + home + " relay");
  }

  SUBCASE("a proxy that cannot be reached: proxy")
  {
    FakeGateway gateway;
    auto env = k_token_env;
    const std::string proxy =
      "http://127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    env["http_proxy"] = proxy;
    const Json failed = route({"claude", "--claude-url", gateway.url() + "/anthropic"}, env);
    CHECK(failed["verdict"] == "proxy");
    CHECK(failed["remedy"] == "the proxy " + proxy
                                + " failed: check HTTPS_PROXY and HTTP_PROXY, or add 127.0.0.1 "
                                  "to NO_PROXY if it is reachable directly; Claude Code, Codex "
                                  "and Gemini CLI read the same variables");
    CHECK(gateway.requests().empty());
  }

  SUBCASE("a URL libcurl refuses: network, with libcurl's words in the remedy and in -vv")
  {
    // A route written before configure checked ports: libcurl refuses it unsent.
    const std::string good = "127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    REQUIRE(run_cli({"--home", home, "configure", "claude", "--gateway", "http://" + good,
                     "--token-stdin"},
                    std::string(FakeGateway::k_token) + "\n")
              .exit_code
            == 0);
    const auto state = std::filesystem::path(home) / ".config/aigw-setup/state.json";
    std::string text = aigw::test::read_bytes(state);
    const auto at = text.find(good + "/anthropic");
    REQUIRE(at != std::string::npos);
    text.replace(at, good.size(), "127.0.0.1:99999");
    aigw::test::write_bytes(state, text);

    // What libcurl itself says of that URL, whatever its version: its error buffer, or the
    // text of its code when it leaves that empty.
    const std::string url = "http://127.0.0.1:99999/anthropic/v1/messages";
    char buffer[CURL_ERROR_SIZE] = {};
    CURL* curl = curl_easy_init();
    REQUIRE(curl != nullptr);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, buffer);
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    REQUIRE(code != CURLE_OK);
    const std::string words = buffer[0] != '\0' ? buffer : curl_easy_strerror(code);

    const auto result = run_cli({"--home", home, "-vv", "--json", "test"}, "", {});
    CHECK(result.exit_code == 1);
    const Json failed = routes_of(result)[0];
    CHECK(failed["verdict"] == "network");
    CHECK(failed["error"] == "other");
    CHECK(failed["cause"] == "the request failed (" + words + ")");
    CHECK(failed["remedy"]
          == "the request could not be made (" + words + "): run with -vv for the details");
    // The debug line of the failed request, its time (which varies) masked.
    const std::string debug = "aigw-setup: debug: POST http://127.0.0.1:99999/anthropic/v1/"
                              "messages?beta=*** -> other error (";
    const auto line = result.err.find(debug);
    REQUIRE(line != std::string::npos);
    const auto end = result.err.find('\n', line);
    const std::string rest = result.err.substr(line + debug.size(), end - line - debug.size());
    CHECK(rest.substr(rest.find(" ms)")) == " ms): " + words);
  }

  SUBCASE("a name that does not resolve: dns, looked up with no network at all")
  {
    const auto result = run_cli_without_network(
      {"--home", home, "--json", "test", "claude", "--claude-url",
       "https://gateway.aigw-test.invalid/anthropic"},
      k_token_env);
    if (!result) {
      MESSAGE("skipped: this system allows no new network namespace (needs root or user "
              "namespaces), and the name must not be looked up on the host's network");
      return;
    }
    CHECK(result->exit_code == 1);
    const Json failed = routes_of(*result)[0];
    CHECK(failed["verdict"] == "dns");
    CHECK(failed["error"] == "dns");
    CHECK(failed["remedy"] == "gateway.aigw-test.invalid does not resolve: check the URL's "
                              "spelling, and connect the VPN or DNS the workspace needs");
  }
}
