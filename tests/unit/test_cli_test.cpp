// SPDX-License-Identifier: MIT
// `test` end to end: the real binary against the fake gateway (every failure the way the
// real gateway answers it), a fake workspace (OTLP ingest, model listings) and a route that
// never answers; the network's own failures are in test_cli_test_network.cpp. The table
// is compared as text once the latency column is masked (MS) and wrapped remedies are
// joined back onto their row; the layout of a wrapped remedy is checked once as is.
#include <doctest/doctest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/fake_gateway.hpp"
#include "support/fake_workspace.hpp"
#include "support/relay_harness.hpp"
#include "support/test_context.hpp"
#include "support/tls_server.hpp"

using aigw::test::CliResult;
using aigw::test::FakeGateway;
using aigw::test::GatewayFault;
using aigw::test::GatewayLayout;
using aigw::test::run_cli;
using aigw::test::TempDir;
using Json = nlohmann::json;

namespace {

const std::map<std::string, std::string> k_token_env{{"DATABRICKS_TOKEN", FakeGateway::k_token}};

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

enum class Wrapped { join, keep };

// The table with the latency column masked and, unless `wrapped` is keep, each wrapped
// remedy joined onto its row.
std::string
normalized(const std::string& table, Wrapped wrapped = Wrapped::join)
{
  const auto lines = lines_of(table);
  REQUIRE_FALSE(lines.empty());
  const auto ms = lines[0].find("    ms");
  REQUIRE(ms != std::string::npos);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (line.starts_with("    ") && wrapped == Wrapped::join) {
      out.back() = ' ';
      out += line.substr(4) + "\n";
      continue;
    }
    if (i > 0 && !line.starts_with("    ") && line.size() >= ms + 6) {
      line.replace(ms, 6, "    MS");
    }
    out += line + "\n";
  }
  return out;
}

// `word` padded to the width of `cell`, as the header is over a wider column.
std::string
fit(const std::string& word, const std::string& cell)
{
  return word + std::string(cell.size() > word.size() ? cell.size() - word.size() : 0, ' ');
}

std::string
header(const std::string& widest_route, const std::string& url, const std::string& verdict)
{
  return fit("route", widest_route) + "  " + fit("url", url) + "  status      ms  "
         + fit("verdict", verdict) + "  remedy\n";
}

Json
routes_of(const CliResult& result)
{
  const Json document = Json::parse(result.out);
  return document["routes"];
}

} // namespace

TEST_CASE("cli test: every route passes against the gateway")
{
  TempDir dir;
  FakeGateway gateway;
  const std::string home = (dir / "home").string();

  SUBCASE("one route: the table, exit 0")
  {
    const auto result = run_cli({"--home", home, "test", "claude", "--gateway", gateway.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 0);
    const std::string url = gateway.url() + "/anthropic/v1/messages?beta=true";
    CHECK(normalized(result.out)
          == header("claude", url, "verdict") + "claude  " + url
               + "  200         MS  pass     -\n"
                 "1 passed, 0 failed\n");
    CHECK(result.err.empty());
    const auto requests = gateway.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].path == "/anthropic/v1/messages");
    CHECK(requests[0].query == "beta=true");
    CHECK(requests[0].headers.find("x-databricks-use-coding-agent-mode")->second == "true");
    CHECK(requests[0].headers.find("anthropic-version")->second == "2023-06-01");
  }

  SUBCASE("--header goes with the request, and route names may follow it")
  {
    const auto result = run_cli({"--home", home, "test", "--header", "x-team: infra", "cursor",
                                 "--gateway", gateway.url(), "--cursor-model",
                                 "databricks-gpt-5-2"},
                                "", k_token_env);
    CHECK(result.exit_code == 0);
    const auto requests = gateway.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].path == "/cursor/v1/chat/completions");
    CHECK(requests[0].headers.find("x-team")->second == "infra");
  }

  SUBCASE("all four with --gateway, as JSON")
  {
    const auto result = run_cli({"--home", home, "--json", "test", "--gateway", gateway.url(),
                                 "--cursor-model", "databricks-gpt-5-2"},
                                "", k_token_env);
    CHECK(result.exit_code == 0);
    const Json document = Json::parse(result.out);
    CHECK(document["passed"] == 4);
    CHECK(document["failed"] == 0);
    const Json& routes = document["routes"];
    REQUIRE(routes.size() == 4);
    const std::vector<std::string> expected{
      gateway.url() + "/anthropic/v1/messages?beta=true", gateway.url() + "/openai/v1/responses",
      gateway.url()
        + "/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent?alt=sse",
      gateway.url() + "/cursor/v1/chat/completions"};
    for (std::size_t i = 0; i < 4; ++i) {
      CAPTURE(i);
      CHECK(routes[i]["url"] == expected[i]);
      CHECK(routes[i]["status"] == 200);
      CHECK(routes[i]["error"].is_null());
      CHECK(routes[i]["verdict"] == "pass");
      CHECK(routes[i]["remedy"] == "");
    }
    CHECK(routes[0]["route"] == "claude");
    CHECK(routes[3]["route"] == "cursor");
    CHECK(routes[1]["cause"] == "HTTP 200 Responses API reply");
  }

  SUBCASE("no route named: what configure wrote, with the token it kept")
  {
    REQUIRE(run_cli({"--home", home, "configure", "codex", "--gateway", gateway.url(),
                     "--token-stdin"},
                    FakeGateway::k_token)
              .exit_code
            == 0);
    const auto result = run_cli({"--home", home, "--json", "test"});
    CHECK(result.exit_code == 0);
    const Json routes = routes_of(result);
    REQUIRE(routes.size() == 1);
    CHECK(routes[0]["route"] == "codex");
    CHECK(routes[0]["verdict"] == "pass");
  }
}

TEST_CASE("cli test: the gateway's failures, each with its verdict and remedy")
{
  TempDir dir;
  FakeGateway gateway;
  const std::string home = (dir / "home").string();
  const auto run = [&](std::vector<std::string> args,
                       const std::map<std::string, std::string>& env = k_token_env) {
    std::vector<std::string> all{"--home", home, "test"};
    all.insert(all.end(), args.begin(), args.end());
    return run_cli(all, "", env);
  };
  const std::string host = gateway.url().substr(7);

  SUBCASE("a token the gateway refuses: 400 Invalid Token")
  {
    gateway.accept_token("dapi-another-token-0123456789");
    const auto result = run({"gemini", "--gateway", gateway.url()});
    CHECK(result.exit_code == 1);
    const std::string url =
      gateway.url()
      + "/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent?alt=sse";
    CHECK(normalized(result.out)
          == header("gemini", url, "token_invalid") + "gemini  " + url
               + "  400         MS  token_invalid $DATABRICKS_TOKEN was refused as invalid or "
                 "expired (or made for another workspace): create a new token for "
               + host + " and run aigw-setup --home " + home
               + " configure gemini --token-stdin with it\n"
                 "0 passed, 1 failed\n");
    const Json route = routes_of(run_cli({"--home", home, "--json", "test", "gemini",
                                          "--gateway", gateway.url()},
                                         "", k_token_env))[0];
    CHECK(route["verdict"] == "token_invalid");
    CHECK(route["cause"] == "HTTP 400: Invalid Token");
  }

  SUBCASE("no token anywhere: nothing is sent")
  {
    const auto result = run_cli({"--home", home, "--json", "test", "codex", "--gateway",
                                 gateway.url()});
    CHECK(result.exit_code == 1);
    const Json route = routes_of(result)[0];
    CHECK(route["verdict"] == "token_missing");
    CHECK(route["status"].is_null());
    CHECK(route["remedy"]
          == "no token: pipe one to --token-stdin, name a file with --token-file, or export "
             "DATABRICKS_TOKEN (aigw-setup configure keeps it for later runs)");
    CHECK(gateway.requests().empty());
  }

  SUBCASE("403 PERMISSION_DENIED")
  {
    gateway.set_fault("codex", GatewayFault::forbidden);
    const auto result = run({"codex", "--gateway", gateway.url()});
    CHECK(result.exit_code == 1);
    const std::string url = gateway.url() + "/openai/v1/responses";
    CHECK(normalized(result.out)
          == header("codex", url, "forbidden") + "codex  " + url
               + "  403         MS  forbidden you may not query databricks-gpt-5-2 through the "
                 "gateway: ask a workspace admin for CAN QUERY on that endpoint, or for AI "
                 "Gateway access for coding agents\n"
                 "0 passed, 1 failed\n");
  }

  SUBCASE("429 REQUEST_LIMIT_EXCEEDED quotes the limit")
  {
    gateway.set_fault("gemini", GatewayFault::rate_limited);
    const Json route = routes_of(
      run_cli({"--home", home, "--json", "test", "gemini", "--gateway", gateway.url()}, "",
              k_token_env))[0];
    CHECK(route["verdict"] == "rate_limited");
    CHECK(route["status"] == 429);
    CHECK(route["remedy"]
          == "the gateway's rate limit was reached (\"Exceeded workspace input tokens per minute "
             "rate limit for databricks-gemini-2-5-flash. Please use a provisioned throughput "
             "Foundation Model APIs endpoint for a higher rate limit.\"): wait a minute and "
             "retry, or ask a workspace admin to raise the limit in the endpoint's AI Gateway "
             "settings");
  }

  SUBCASE("503 from the gateway")
  {
    gateway.set_fault("cursor", GatewayFault::server_error);
    const Json route = routes_of(run_cli({"--home", home, "--json", "test", "cursor",
                                          "--gateway", gateway.url(), "--cursor-model", "m"},
                                         "", k_token_env))[0];
    CHECK(route["verdict"] == "server_error");
    CHECK(route["cause"] == "HTTP 503 TEMPORARILY_UNAVAILABLE: The service is temporarily "
                            "unavailable. Please try again later.");
  }
}

TEST_CASE("cli test: the table keeps the order asked for and wraps a long remedy")
{
  TempDir dir;
  FakeGateway gateway;
  const auto result = run_cli({"--home", (dir / "home").string(), "test", "codex", "claude",
                               "--gateway", gateway.url(), "--codex-model", "nope-model"},
                              "", k_token_env);
  CHECK(result.exit_code == 1);
  const std::string claude = gateway.url() + "/anthropic/v1/messages?beta=true";
  const std::string codex = gateway.url() + "/openai/v1/responses";
  CHECK(normalized(result.out, Wrapped::keep)
        == header("claude", claude, "unknown_model") + "codex   " + fit(codex, claude)
             + "  404         MS  unknown_model\n"
               "    \"nope-model\" is not served here: look up the endpoint name under Serving "
               "in the workspace and\n"
               "    pick it with --codex-model NAME\n"
               "claude  " + claude + "  200         MS  pass           -\n"
               "1 passed, 1 failed\n");
}

TEST_CASE("cli test: unknown models list what the gateway serves")
{
  TempDir dir;
  FakeGateway gateway;
  const std::string home = (dir / "home").string();

  SUBCASE("Claude: from the route's own /v1/models")
  {
    gateway.serve_models({"databricks-claude-sonnet-4-5", "databricks-claude-haiku-4-5",
                          "databricks-gpt-5-2"});
    const auto result = run_cli({"--home", home, "--json", "test", "claude", "--gateway",
                                 gateway.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 1);
    const Json route = routes_of(result)[0];
    CHECK(route["verdict"] == "unknown_model");
    CHECK(route["status"] == 404);
    CHECK(route["models"]
          == Json::array({"databricks-claude-sonnet-4-5", "databricks-claude-haiku-4-5"}));
    CHECK(route["remedy"]
          == "the gateway serves: databricks-claude-sonnet-4-5, databricks-claude-haiku-4-5; "
             "pick one with aigw-setup --home " + home + " configure claude --claude-model NAME");
    CHECK(route["cause"] == "HTTP 404 RESOURCE_DOES_NOT_EXIST: The model/endpoint "
                            "databricks-claude-opus-4-6 does not exist.");
  }

  SUBCASE("Codex: from the workspace's foundation-model listing")
  {
    aigw::test::FakeWorkspace workspace;
    workspace.accept_token(FakeGateway::k_token);
    const auto result = run_cli({"--home", home, "--json", "test", "codex", "--workspace",
                                 workspace.url(), "--codex-url", gateway.url() + "/openai/v1",
                                 "--codex-model", "databricks-gpt-9"},
                                "", k_token_env);
    const Json route = routes_of(result)[0];
    CHECK(route["verdict"] == "unknown_model");
    CHECK(route["models"] == Json::array({"databricks-gpt-5-2"}));
  }
}

TEST_CASE("cli test: a wrong URL says which layout answers")
{
  TempDir dir;
  const std::string home = (dir / "home").string();

  SUBCASE("the gateway-host layout answers where the workspace-hosted one was given")
  {
    FakeGateway gateway(GatewayLayout::gateway_host);
    const auto result = run_cli({"--home", home, "--json", "test", "claude", "--workspace",
                                 gateway.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 1);
    const Json route = routes_of(result)[0];
    CHECK(route["url"] == gateway.url() + "/ai-gateway/anthropic/v1/messages?beta=true");
    CHECK(route["verdict"] == "wrong_url");
    CHECK(route["remedy"] == "the gateway host layout answers at " + gateway.url()
                               + "/anthropic: run aigw-setup --home " + home
                               + " configure claude --gateway "
                               + gateway.url());
  }

  SUBCASE("the workspace-hosted layout answers where the gateway host was given")
  {
    FakeGateway gateway(GatewayLayout::workspace_hosted);
    const Json route = routes_of(run_cli({"--home", home, "--json", "test", "codex",
                                          "--gateway", gateway.url()},
                                         "", k_token_env))[0];
    CHECK(route["verdict"] == "wrong_url");
    CHECK(route["remedy"] == "the workspace-hosted layout answers at " + gateway.url()
                               + "/ai-gateway/codex/v1: run aigw-setup --home " + home
                               + " configure codex "
                                 "--workspace "
                               + gateway.url());
  }

  SUBCASE("no layout answers")
  {
    FakeGateway gateway(GatewayLayout::workspace_hosted);
    const Json route = routes_of(run_cli({"--home", home, "--json", "test", "cursor",
                                          "--cursor-url", gateway.url() + "/cursor/v1",
                                          "--cursor-model", "m"},
                                         "", k_token_env))[0];
    CHECK(route["verdict"] == "wrong_url");
    CHECK(route["remedy"]
          == gateway.url().substr(7)
               + " serves no cursor route at this path: check the URL (gateway host: --gateway "
                 "https://<workspace-id>.ai-gateway.cloud.databricks.com; workspace-hosted: "
                 "--workspace https://<workspace>)");
  }
}

TEST_CASE("cli test: OTel exports with the table header")
{
  TempDir dir;
  aigw::test::FakeWorkspace workspace;
  const std::string home = (dir / "home").string();
  const auto result = run_cli({"--home", home, "--json", "test", "otel", "--workspace",
                               workspace.url(), "--metrics-table", "main.default.cc_otel_metrics",
                               "--logs-table", "main.default.cc_otel_logs"},
                              "", {{"DATABRICKS_TOKEN", aigw::test::FakeWorkspace::k_token}});
  CHECK(result.exit_code == 0);
  const Json routes = routes_of(result);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["route"] == "otel-metrics");
  CHECK(routes[0]["url"] == workspace.url() + "/api/2.0/otel/v1/metrics");
  CHECK(routes[1]["route"] == "otel-logs");
  CHECK(routes[1]["verdict"] == "pass");
  const auto exports = workspace.exports();
  REQUIRE(exports.size() == 2);
  CHECK(exports[0].content_type == "application/x-protobuf");
  const bool metrics_first = exports[0].signal == "metrics";
  CHECK(exports[metrics_first ? 0 : 1].table == "main.default.cc_otel_metrics");
  CHECK(exports[metrics_first ? 1 : 0].table == "main.default.cc_otel_logs");
}

TEST_CASE("cli test: usage errors exit 2")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  const auto usage = [&](std::vector<std::string> args) {
    std::vector<std::string> all{"--home", home, "test"};
    all.insert(all.end(), args.begin(), args.end());
    const auto result = run_cli(all);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    return result.err;
  };
  CHECK(usage({}) == "aigw-setup: error: nothing to test: no agent is configured here; name "
                     "routes (claude codex gemini cursor otel) or give --gateway\n");
  CHECK(usage({"cursor", "--gateway", "https://gw.example.com"})
        == "aigw-setup: error: cursor: name the model to test with --cursor-model\n");
  CHECK(usage({"claude", "--gateway", "https://gw.example.com", "--timeout", "0"})
        == "aigw-setup: error: --timeout 0: give 1 to 600 seconds\n");
  CHECK(usage({"otel", "--workspace", "https://ws.example.com"})
        == "aigw-setup: error: otel: no table known: name them with --metrics-table and "
           "--logs-table (catalog.schema.table)\n");
  CHECK(usage({"nope"}).find("nope not in {claude,codex,gemini,cursor,otel}")
        != std::string::npos);
}

TEST_CASE("cli test --dry-run is refused, and sends nothing")
{
  TempDir dir;
  FakeGateway gateway;
  const auto result = run_cli({"--home", (dir / "home").string(), "--dry-run", "test", "claude",
                               "--gateway", gateway.url()},
                              "", k_token_env);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(result.err == "aigw-setup: error: test sends a real request on each route, so --dry-run "
                      "has nothing to show; run `aigw-setup test` without it, or `aigw-setup "
                      "status` to see the configured routes without a request\n");
  CHECK(gateway.requests().empty());
}

TEST_CASE("cli test: routes run side by side; one that never answers holds up only itself")
{
  TempDir dir;
  FakeGateway gateway;
  gateway.set_fault("claude", GatewayFault::hang);
  const auto result = run_cli({"--home", (dir / "home").string(), "--json", "test", "claude",
                               "codex", "--gateway", gateway.url(), "--timeout", "2"},
                              "", k_token_env);
  CHECK(result.exit_code == 1);
  const Json document = Json::parse(result.out);
  CHECK(document["passed"] == 1);
  CHECK(document["failed"] == 1);
  // The results come in the order asked for, whichever finished first.
  const Json& claude = document["routes"][0];
  CHECK(claude["route"] == "claude");
  CHECK(claude["verdict"] == "timeout");
  CHECK(claude["status"].is_null());
  CHECK(claude["error"] == "timeout");
  CHECK(claude["remedy"] == "no answer from " + gateway.url().substr(7)
                              + " within 2 s: check the VPN or firewall, or allow more time "
                                "with --timeout SECONDS");
  const Json& codex = document["routes"][1];
  CHECK(codex["route"] == "codex");
  CHECK(codex["verdict"] == "pass");
  CHECK(codex["status"] == 200);
  CHECK(codex["cause"] == "HTTP 200 Responses API reply");
}

namespace {

namespace harness = aigw::test::relay_harness;

// A relay running here that forwards to `gateway`, and a home whose Claude Code
// configure pointed at it (--auth relay) with the key this relay knows.
struct RelayedHome
{
  explicit RelayedHome(const std::string& gateway,
                       std::shared_ptr<aigw::net::CredentialSource> credentials =
                         std::make_shared<harness::FixedCredentials>())
      : relay(options_for(gateway), std::move(credentials))
  {
    address = "127.0.0.1:" + std::to_string(relay.port());
    REQUIRE(run({"configure", "claude", "--auth", "relay", "--relay", address, "--gateway",
                 gateway})
              .exit_code
            == 0);
    aigw::test::write_bytes(tool() / "relay.key", std::string(harness::k_key) + "\n");
  }

  static aigw::net::RelayOptions options_for(const std::string& gateway)
  {
    aigw::net::RelayOptions options;
    aigw::core::RouteOptions upstream;
    upstream.gateway = gateway;
    options.routes = aigw::core::resolve_routes(upstream).value();
    options.key = aigw::util::Secret(harness::k_key);
    return options;
  }

  CliResult run(std::vector<std::string> args) const
  {
    args.insert(args.begin(), {"--home", (dir / "home").string()});
    auto result = run_cli(args);
    INFO(result.err);
    return result;
  }

  std::filesystem::path tool() const { return dir / "home/.config/aigw-setup"; }

  harness::RelayRig relay;
  std::string address;
  TempDir dir;
};

} // namespace

TEST_CASE("cli test: a page that is not the gateway's, through the relay, names the gateway")
{
  FakeGateway gateway;
  gateway.set_fault("claude", GatewayFault::login_page);
  const RelayedHome home(gateway.url());

  const auto result = home.run({"--json", "test"});
  CHECK(result.exit_code == 1);
  const Json route = routes_of(result)[0];
  CHECK(route["verdict"] == "bad_reply");
  CHECK(route["cause"] == "HTTP 200 but not a Messages API reply: <html>");
  CHECK(route["remedy"] == "the relay at " + home.address + " passed on this reply from "
                             + gateway.url() + "/anthropic, the gateway named in "
                             + (home.tool() / "relay.json").string()
                             + ": check that it points at the AI Gateway, not at a proxy or a "
                               "login page");
  // It did come from the gateway: the relay forwarded the round trip.
  CHECK(gateway.requests().size() == 1);
}

TEST_CASE("cli test: through the relay, whose 5xx is it")
{
  SUBCASE("the relay's own 502 for a gateway it cannot reach: gateway_unreachable, its words")
  {
    const std::string gateway =
      "http://127.0.0.1:" + std::to_string(aigw::test::unused_loopback_port());
    const RelayedHome home(gateway);
    const std::string said = "the gateway " + gateway + "/anthropic/v1/messages?beta=*** could "
                             "not be reached: connection refused; check --gateway or your network";

    const auto result = home.run({"--json", "test"});
    CHECK(result.exit_code == 1);
    const Json route = routes_of(result)[0];
    CHECK(route["verdict"] == "gateway_unreachable");
    CHECK(route["status"] == 502);
    CHECK(route["cause"] == "HTTP 502 from the relay: " + said);
    CHECK(route["remedy"] == "the relay at " + home.address + " could not reach the gateway (\""
                               + said + "\"): check the gateway URL in "
                               + (home.tool() / "relay.json").string()
                               + ", or the --gateway the relay was started with, and the network "
                                 "from here to it; restart the relay after a change");
  }

  SUBCASE("the relay's own 502 when it holds no credential: relay_no_credential")
  {
    // As StoredCredentialSource fails when credentials.json is gone.
    class NoCredential : public aigw::net::CredentialSource
    {
    public:
      aigw::util::Result<aigw::util::Secret> bearer() override
      {
        return aigw::util::fail(aigw::util::ErrorKind::usage, "no token is stored");
      }
    };
    FakeGateway gateway;
    const RelayedHome home(gateway.url(), std::make_shared<NoCredential>());

    const Json route = routes_of(home.run({"--json", "test"}))[0];
    CHECK(route["verdict"] == "relay_no_credential");
    CHECK(route["status"] == 502);
    CHECK(route["cause"]
          == "HTTP 502 from the relay: the relay has no credential for the gateway: no token "
             "is stored");
    CHECK(route["remedy"]
          == "the relay at " + home.address + " holds no credential for the gateway (\"no token "
             "is stored\"): store a token with aigw-setup --home " + (home.dir / "home").string()
             + " configure claude --auth relay --token-stdin, or sign in again if it uses "
               "OAuth; the relay reads it on its next request");
    CHECK(gateway.requests().empty());
  }

  SUBCASE("a 503 the gateway sent, passed on: still the gateway's server_error")
  {
    FakeGateway gateway;
    gateway.set_fault("claude", GatewayFault::server_error);
    const RelayedHome home(gateway.url());

    const Json route = routes_of(home.run({"--json", "test"}))[0];
    CHECK(route["verdict"] == "server_error");
    CHECK(route["status"] == 503);
    CHECK(gateway.requests().size() == 1);
  }
}
