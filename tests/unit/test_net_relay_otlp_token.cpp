// SPDX-License-Identifier: MIT
// OTel exports and a token the workspace refuses (401, or 400 "Invalid Token"): forwarded
// by the relay, or delivered from the spool, each gets one fresh token from the OAuth
// credential (the fake `databricks` CLI hands out token A, then B) and one more try; a
// second refusal keeps the export in the spool, with a warning that says why.
#include <doctest/doctest.h>

#include <string>

#include "net/otlp_json.hpp"
#include "net/relay_config.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "support/fake_databricks_cli.hpp"
#include "support/fake_workspace.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"
#include "support/stderr_capture.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
namespace net = aigw::net;
using aigw::test::cli_credential;
using aigw::test::cli_runs;
using aigw::test::FakeWorkspace;
using aigw::test::read_fixture;
using aigw::test::TempDir;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::with_key;
using aigw::util::Secret;

namespace {

constexpr const char* k_logs_path = "/api/2.0/otel/v1/logs";

const std::string&
logs_json()
{
  static const std::string json = read_fixture("otlp/gemini-logs.json");
  return json;
}

// A forwarding relay to `workspace` whose credential runs the fake CLI in `dir`.
class TokenRelay
{
public:
  TokenRelay(const TempDir& dir, const std::string& workspace)
    : m_cli(dir / "bin" / "databricks")
  {
    aigw::test::write_token_a_then_b_cli(m_cli);
    aigw::test::write_bytes(dir / "credentials.json", cli_credential(m_cli));
    auto options = options_for("", workspace);
    options.tables.logs = "main.default.gm_otel_logs";
    options.spool_dir = dir / "spool";
    m_spool_dir = dir / "spool";
    auto credentials = std::make_shared<net::StoredCredentialSource>(
      dir / "credentials.json", [](const std::string&) { return std::nullopt; });
    m_relay = std::make_unique<net::Relay>(std::move(options), std::move(credentials),
                                           net::make_curl_client());
    REQUIRE(m_relay->start());
  }

  aigw::util::Expected<net::HttpResponse, net::HttpError> send_logs()
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(m_relay->port()) + k_logs_path;
    return m_client->send(with_key(post(url, logs_json())));
  }

  std::string runs() const { return cli_runs(m_cli); }

  std::size_t spooled() const
  {
    return net::Spool::open(m_spool_dir, net::k_default_spool_cap)->entries().size();
  }

private:
  fs::path m_cli;
  fs::path m_spool_dir;
  std::unique_ptr<net::Relay> m_relay;
  std::unique_ptr<net::HttpClient> m_client = net::make_curl_client();
};

std::vector<std::string>
authorizations(const std::vector<aigw::test::WorkspaceRequest>& requests)
{
  std::vector<std::string> seen;
  for (const auto& request : requests) {
    seen.push_back(request.headers.at("authorization"));
  }
  return seen;
}

} // namespace

TEST_CASE("net::Relay forward: an OTel export whose token is refused")
{
  TempDir dir;
  FakeWorkspace workspace;

  SUBCASE("401: a fresh token, one more try, delivered")
  {
    workspace.accept_token("u2m-token-B");
    TokenRelay relay(dir, workspace.url());
    const auto response = relay.send_logs();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "{}");
    CHECK(relay.runs() == "2\n");
    CHECK(authorizations(workspace.requests())
          == std::vector<std::string>{"Bearer u2m-token-A", "Bearer u2m-token-B"});
    REQUIRE(workspace.exports().size() == 1);
    CHECK(workspace.exports()[0].items == 4);
    CHECK(relay.spooled() == 0);
  }

  SUBCASE("refused twice: kept in the spool, with a warning that says why")
  {
    TokenRelay relay(dir, workspace.url());
    aigw::test::StderrCapture stderr_text;
    const auto response = relay.send_logs();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "{}");
    CHECK(relay.runs() == "2\n");
    CHECK(workspace.requests().size() == 2);
    CHECK(workspace.exports().empty());
    CHECK(relay.spooled() == 1);
    const std::string text = stderr_text.text();
    CHECK(text.find("aigw-setup: warning: relay: the workspace refused the relay's token for an "
                    "OTel export (401 UNAUTHENTICATED: Credential was not sent or was of an "
                    "unsupported type for this API., also one fetched just now); it is kept in "
                    "the spool: check the relay's credential (aigw-setup status), then run "
                    "`aigw-setup relay flush`\n")
          != std::string::npos);
    CHECK(text.find("u2m-token") == std::string::npos);
  }
}

TEST_CASE("net::Relay forward: the gateway's 400 Invalid Token counts as a refused token")
{
  TempDir dir;
  aigw::test::FakeHttpServer workspace;
  workspace.set_reply([](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer u2m-token-A") {
      res.status = 400;
      res.set_content("Invalid Token", "text/plain");
      return;
    }
    res.set_content("", "application/x-protobuf");
  });
  TokenRelay relay(dir, workspace.url());
  const auto response = relay.send_logs();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(relay.runs() == "2\n");
  CHECK(workspace.requests().size() == 2);
  CHECK(relay.spooled() == 0);
}

TEST_CASE("net::flush_spool with a refused token")
{
  TempDir dir;
  FakeWorkspace workspace;
  const fs::path cli = dir / "bin" / "databricks";
  aigw::test::write_token_a_then_b_cli(cli);
  aigw::test::write_bytes(dir / "credentials.json", cli_credential(cli));
  net::StoredCredentialSource credentials(dir / "credentials.json",
                                          [](const std::string&) { return std::nullopt; });
  const net::TokenRenewal renew = [&credentials](const Secret& refused) {
    return net::fresh_token(credentials, refused);
  };

  auto spool = net::Spool::open(dir / "spool", net::k_default_spool_cap);
  REQUIRE(spool);
  net::SpoolRecord record{k_logs_path, {}, net::otlp_json_to_protobuf(net::OtlpSignal::logs,
                                                                      logs_json()).value()};
  record.headers.add("Content-Type", "application/x-protobuf");
  record.headers.add("X-Databricks-UC-Table-Name", "main.default.gm_otel_logs");
  REQUIRE(spool->append(record));
  REQUIRE(spool->append(record));
  const auto client = net::make_curl_client();
  const Secret first = credentials.bearer().value();

  SUBCASE("a fresh token, one more try; the rest of the run uses it")
  {
    workspace.accept_token("u2m-token-B");
    const auto outcome = net::flush_spool(*spool, *client, workspace.url(), first, renew);
    CHECK(outcome.failure == std::nullopt);
    CHECK(outcome.delivered == 2);
    CHECK(outcome.remaining == 0);
    CHECK(cli_runs(cli) == "2\n");
    CHECK(authorizations(workspace.requests())
          == std::vector<std::string>{"Bearer u2m-token-A", "Bearer u2m-token-B",
                                      "Bearer u2m-token-B"});
  }

  SUBCASE("refused twice: the run stops and the records stay")
  {
    const auto outcome = net::flush_spool(*spool, *client, workspace.url(), first, renew);
    CHECK(outcome.delivered == 0);
    CHECK(outcome.remaining == 2);
    CHECK(outcome.failure
          == workspace.url() + k_logs_path
               + " answered 401 to spooled export 00000000000000000001.otlp (Credential was not "
                 "sent or was of an unsupported type for this API.), also with a token fetched "
                 "just now; the record is kept in " + (dir / "spool").string()
               + ": fix the cause (token, table name) and flush again, or delete the file");
    CHECK(workspace.requests().size() == 2);
  }

  SUBCASE("no renewal given (a PAT): one try only")
  {
    const auto outcome = net::flush_spool(*spool, *client, workspace.url(), first);
    CHECK(outcome.delivered == 0);
    CHECK(workspace.requests().size() == 1);
    CHECK(cli_runs(cli) == "1\n");
  }
}
