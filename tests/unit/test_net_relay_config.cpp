// SPDX-License-Identifier: MIT
// What the relay starts from: the listen address (loopback only; a port another relay
// holds is refused), relay.json, the relay key file, and the `relay` command's usage
// errors and `relay flush`.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/credentials.hpp"
#include "net/relay_server.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"
#include "support/cli_runner.hpp"
#include "support/net_fakes.hpp"
#include "support/pty_session.hpp"
#include "support/relay_harness.hpp"
#include "support/test_context.hpp"

namespace net = aigw::net;
using aigw::test::FakeHttpServer;
using aigw::test::relay_harness::FixedCredentials;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;
using net::HttpRequest;

TEST_CASE("net::Relay refuses a port another relay holds")
{
  net::RelayOptions options;
  options.mode = net::RelayMode::offline;
  options.key = aigw::util::Secret(k_key);
  RelayRig first(options);

  // While the library set SO_REUSEPORT this bind succeeded: the kernel split connections.
  options.key = aigw::util::Secret("another-relay-key-0123456789abcdef0123456789");
  options.listen = net::ListenAddress{"127.0.0.1", first.port()};
  net::Relay second(options, std::make_shared<FixedCredentials>(), net::make_curl_client());
  const auto started = second.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().kind == aigw::util::ErrorKind::failed);
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  const std::string refused =
    "the relay cannot listen on " + address
    + ": address already in use; another relay may be running there, or the relay service "
      "`aigw-setup relay install` set up: stop it (the service with `aigw-setup relay "
      "uninstall`), or choose another address with `aigw-setup relay --listen HOST:PORT` and "
      "move the agents to it with `aigw-setup configure --auth relay --relay HOST:PORT`";
  CHECK(started.error().message == refused);

  // The command says it as an error, with the exit code of a resource this machine withholds,
  // as a lock held is; 1 would say a check failed (-q: not the line about the relay key it
  // makes in this empty home first).
  aigw::test::TempDir dir;
  const auto command = aigw::test::run_cli(
    {"--home", dir.path().string(), "-q", "relay", "--offline", "--listen", address});
  CHECK(command.exit_code == 5);
  CHECK(command.out.empty());
  CHECK(command.err == "aigw-setup: error: " + refused + "\n");

  // The first relay still answers every connection.
  for (int i = 0; i < 8; ++i) {
    HttpRequest request = with_key(post(first.url("/api/2.0/otel/v1/logs"), "otlp"));
    request.headers.set("Content-Type", "application/x-protobuf");
    const auto response = first.send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
  }
}

TEST_CASE("net::parse_listen")
{
  CHECK(net::to_string(net::parse_listen("127.0.0.1:8765", "--listen").value())
        == "127.0.0.1:8765");
  CHECK(net::to_string(net::parse_listen("localhost:0", "--listen").value()) == "127.0.0.1:0");
  CHECK(net::to_string(net::parse_listen("[::1]:9000", "--listen").value()) == "[::1]:9000");
  CHECK(net::parse_listen("127.0.0.2:80", "--listen").value().host == "127.0.0.2");

  const auto outside = net::parse_listen("0.0.0.0:8765", "--relay");
  REQUIRE_FALSE(outside);
  CHECK(outside.error().kind == aigw::util::ErrorKind::usage);
  CHECK(outside.error().message
        == "--relay \"0.0.0.0:8765\": the relay listens on loopback only (127.0.0.1, [::1] or "
           "localhost), since it holds your credential");
  CHECK(net::parse_listen("8765", "--listen").error().message
        == "--listen \"8765\": expected HOST:PORT, e.g. 127.0.0.1:8765");
  CHECK(net::parse_listen("127.0.0.1:70000", "--listen").error().message
        == "--listen \"127.0.0.1:70000\": the port must be a number from 0 to 65535");
}

TEST_CASE("net::relay file")
{
  aigw::test::TempDir dir;
  net::RelayFile relay;
  relay.listen = "127.0.0.1:8765";
  relay.routes.gateway = "https://gw.example.com";
  relay.routes.workspace = "https://adb-1.azuredatabricks.net";
  relay.routes.cursor_url = "https://gw.example.com/cursor/v1";
  relay.tables.metrics = "main.default.cc_otel_metrics";
  const std::string text = net::relay_file_text(relay);
  CHECK(text
        == "{\n"
           "  \"listen\": \"127.0.0.1:8765\",\n"
           "  \"gateway\": \"https://gw.example.com\",\n"
           "  \"workspace\": \"https://adb-1.azuredatabricks.net\",\n"
           "  \"routes\": {\n"
           "    \"cursor\": \"https://gw.example.com/cursor/v1\"\n"
           "  },\n"
           "  \"tables\": {\n"
           "    \"metrics\": \"main.default.cc_otel_metrics\"\n"
           "  }\n"
           "}\n");

  aigw::test::write_bytes(dir / "relay.json", text);
  const auto loaded = net::load_relay_file(dir / "relay.json");
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK(net::relay_file_text(**loaded) == text);

  CHECK_FALSE(net::load_relay_file(dir / "absent.json").value().has_value());

  aigw::test::write_bytes(dir / "typo.json", R"({"gatway": "https://gw.example.com"})");
  const auto typo = net::load_relay_file(dir / "typo.json");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().kind == aigw::util::ErrorKind::parse);
  CHECK(typo.error().message == (dir / "typo.json").string() + ": unknown key \"gatway\"");
}

TEST_CASE("net::load_or_create_relay_key")
{
  aigw::test::TempDir dir;
  const aigw::config::SafeWriter writer(dir / "backups");
  const auto file = dir / "tool" / "relay.key";

  const auto made = net::load_or_create_relay_key(file, writer);
  REQUIRE(made);
  CHECK(made->reveal().size() == 64);
  CHECK(made->reveal().find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(aigw::test::read_bytes(file) == made->reveal() + "\n");
  struct stat info
  {
  };
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  const auto again = net::load_or_create_relay_key(file, writer);
  REQUIRE(again);
  CHECK(again->reveal() == made->reveal());

  CHECK(net::same_key(made->reveal(), *made));
  CHECK_FALSE(net::same_key(made->reveal().substr(1), *made));
  CHECK_FALSE(net::same_key("", *made));
}

TEST_CASE("net::relay command")
{
  aigw::test::TempDir dir;
  const std::string home = (dir / "home").string();
  const std::string tool_dir = home + "/.config/aigw-setup";
  // A stored PAT for flush, and a logs export to spool (with no table yet).
  const auto stored_token_and_record = [&] {
    aigw::test::write_bytes(tool_dir + "/credentials.json",
                            aigw::core::credential_file_text(
                              {"pat", aigw::util::Secret("dapi-stored-token-1"), std::nullopt}));
    net::SpoolRecord record{"/api/2.0/otel/v1/logs", {}, "otlp"};
    record.headers.add("Content-Type", "application/x-protobuf");
    return record;
  };
  // What flush --json says when it delivered nothing.
  const auto flush_document = [&](int remaining, const nlohmann::json& undeliverable) {
    return nlohmann::json{{"command", "relay flush"},
                          {"dry_run", false},
                          {"spool", tool_dir + "/spool"},
                          {"delivered", 0},
                          {"remaining", remaining},
                          {"undeliverable", undeliverable},
                          {"failure", nullptr}};
  };

  SUBCASE("--listen off loopback is a usage error")
  {
    const auto result = aigw::test::run_cli(
      {"--home", home, "relay", "--offline", "--listen", "0.0.0.0:8765"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err
          == "aigw-setup: error: --listen \"0.0.0.0:8765\": the relay listens on loopback only "
             "(127.0.0.1, [::1] or localhost), since it holds your credential\n");
  }

  SUBCASE("--listen elsewhere than the agents call is said")
  {
    REQUIRE(aigw::test::run_cli({"--home", home, "configure", "claude", "--auth", "relay",
                                 "--skip-onboarding", "--relay", "127.0.0.1:8766"})
              .exit_code
            == 0);
    // Off loopback, so that the relay stops after reading its settings.
    const auto result = aigw::test::run_cli(
      {"--home", home, "relay", "--offline", "--listen", "0.0.0.0:8765"});
    CHECK(result.exit_code == 2);
    CHECK(result.err.starts_with(
      "aigw-setup: warning: the agents set up with --auth relay call 127.0.0.1:8766 "
      "(relay.json), not 0.0.0.0:8765: move them with `aigw-setup configure --auth relay "
      "--relay 0.0.0.0:8765`, or start the relay without --listen\n"));
  }

  SUBCASE("forward mode needs to know where the gateway is")
  {
    const auto result = aigw::test::run_cli({"--home", home, "relay"});
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: the relay needs to know where the gateway is: give --gateway "
             "URL or --workspace URL, write them to "
               + tool_dir + "/relay.json, or run it with --offline\n");
    CHECK_FALSE(std::filesystem::exists(tool_dir + "/relay.key"));
  }

  SUBCASE("a bad gateway URL in relay.json is named as relay.json's")
  {
    aigw::test::write_bytes(tool_dir + "/relay.json",
                            "{\n  \"gateway\": \"http://127.0.0.1:1/anthropic\"\n}\n");
    const auto result = aigw::test::run_cli({"--home", home, "relay"});
    CHECK(result.exit_code == 2);
    CHECK(result.err.starts_with("aigw-setup: error: " + tool_dir + "/relay.json: --gateway "
                                 "\"http://127.0.0.1:1/anthropic\""));
    CHECK(result.err.ends_with(" (configure writes this file: run `aigw-setup configure --auth "
                               "relay` again with the right URL)\n"));
  }

  SUBCASE("flush with an empty spool says there is nothing to send, and needs no workspace")
  {
    // No workspace anywhere: this used to ask for one (exit 2), even in a dry run.
    const std::string nothing = "nothing to send: no OTel export is spooled in " + tool_dir
                                + "/spool\n";
    for (const char* mode : {"--dry-run", "-v"}) {
      const auto result = aigw::test::run_cli({"--home", home, mode, "relay", "flush"});
      CHECK(result.err.empty());
      CHECK(result.exit_code == 0);
      CHECK(result.out == nothing);
    }
    CHECK_FALSE(std::filesystem::exists(home)); // a spool never made is not made now

    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap));
    const auto json = aigw::test::run_cli({"--home", home, "--json", "relay", "flush"});
    CHECK(json.exit_code == 0);
    CHECK(nlohmann::json::parse(json.out) == flush_document(0, nlohmann::json::array()));
  }

  SUBCASE("flush passes over a record with no table, says which, and lists it in --json")
  {
    FakeHttpServer workspace;
    net::SpoolRecord record = stored_token_and_record();
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)->append(record));

    const auto result = aigw::test::run_cli(
      {"--home", home, "--json", "relay", "flush", "--workspace", workspace.url()});
    CHECK(result.exit_code == 0);
    CHECK(result.err
          == "aigw-setup: warning: spooled export 00000000000000000001.otlp names no Unity "
             "Catalog table, so the workspace would refuse it: it was not sent; delete it from "
             + tool_dir + "/spool\n");
    CHECK(nlohmann::json::parse(result.out)
          == flush_document(1, nlohmann::json::array({"00000000000000000001.otlp"})));
    CHECK(workspace.requests().empty());
  }

  SUBCASE("flush --dry-run says what it would send, and sends and removes nothing")
  {
    FakeHttpServer workspace;
    net::SpoolRecord untabled = stored_token_and_record();
    net::SpoolRecord tabled = untabled;
    tabled.headers.add("X-Databricks-UC-Table-Name", "main.default.cc_otel_logs");
    auto spool = net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap);
    REQUIRE(spool->append(tabled));
    REQUIRE(spool->append(untabled));

    const auto result = aigw::test::run_cli(
      {"--home", home, "--dry-run", "relay", "flush", "--workspace", workspace.url()});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "would deliver 1 OTel exports from " + tool_dir + "/spool to "
                          + workspace.url() + "; nothing sent (--dry-run)\n");
    CHECK(result.err
          == "aigw-setup: warning: spooled export 00000000000000000002.otlp names no Unity "
             "Catalog table, so the workspace would refuse it: a flush would not send it; "
             "delete it from " + tool_dir + "/spool\n");
    const auto json = aigw::test::run_cli(
      {"--home", home, "--dry-run", "--json", "relay", "flush", "--workspace", workspace.url()});
    CHECK(nlohmann::json::parse(json.out)
          == nlohmann::json{{"command", "relay flush"},
                            {"dry_run", true},
                            {"spool", tool_dir + "/spool"},
                            {"delivered", 0},
                            {"would_deliver", 1},
                            {"remaining", 2},
                            {"undeliverable", {"00000000000000000002.otlp"}},
                            {"failure", nullptr}});
    CHECK(workspace.requests().empty());
    CHECK(spool->entries().size() == 2);
  }

  SUBCASE("the relay itself refuses --dry-run and starts nothing")
  {
    const auto result = aigw::test::run_cli(
      {"--home", home, "--dry-run", "relay", "--offline", "--listen", "127.0.0.1:0"});
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: the relay answers requests as they come, so --dry-run has "
             "nothing to show; run `aigw-setup relay` without it (`aigw-setup --dry-run relay "
             "flush` shows what a flush would send)\n");
    CHECK(result.out.empty());
    CHECK_FALSE(std::filesystem::exists(tool_dir + "/relay.key"));
  }

  SUBCASE("flush delivers the spool to the workspace with the stored token")
  {
    FakeHttpServer workspace;
    net::SpoolRecord record = stored_token_and_record();
    record.headers.add("X-Databricks-UC-Table-Name", "main.default.cc_otel_logs");
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)->append(record));

    const auto result =
      aigw::test::run_cli({"--home", home, "relay", "flush", "--workspace", workspace.url()});
    CHECK(result.err.empty());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "delivered 1 OTel exports from " + tool_dir + "/spool; 0 left\n");
    REQUIRE(workspace.requests().size() == 1);
    CHECK(workspace.requests()[0].target == "/api/2.0/otel/v1/logs");
    CHECK(workspace.requests()[0].body == "otlp");
    CHECK(workspace.requests()[0].header_text().find("Authorization: Bearer dapi-stored-token-1\n")
          != std::string::npos);

    workspace.set_reply([](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)->append(record));
    const auto failed =
      aigw::test::run_cli({"--home", home, "relay", "flush", "--workspace", workspace.url()});
    CHECK(failed.exit_code == 4);
    CHECK(failed.out == "delivered 0 OTel exports from " + tool_dir + "/spool; 1 left\n");
    CHECK(failed.err
          == "aigw-setup: error: " + workspace.url()
               + "/api/2.0/otel/v1/logs answered 503 to spooled export "
                 "00000000000000000001.otlp; it stays in the spool for the next flush\n");
  }

  SUBCASE("flush needs the workspace when there is something to send")
  {
    REQUIRE(net::Spool::open(tool_dir + "/spool", net::k_default_spool_cap)
              ->append(stored_token_and_record()));
    const auto result = aigw::test::run_cli({"--home", home, "relay", "flush"});
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: relay flush delivers to the workspace: give --workspace URL "
             "(or write it to "
               + tool_dir + "/relay.json)\n");
  }
}

TEST_CASE("cli relay: an agent without the relay key is told the key file it was started with")
{
  aigw::test::TempDir dir;
  const std::filesystem::path key_file = dir / "elsewhere.key";
  aigw::test::PtySession relay({"--home", (dir / "home").string(), "-q", "relay", "--offline",
                                "--listen", "127.0.0.1:0", "--key-file", key_file.string()},
                               {}, dir.path());
  const std::string banner = relay.expect("; Ctrl-C stops the relay");
  const std::string prefix = "relay listening on http://127.0.0.1:";
  const auto at = banner.find(prefix);
  REQUIRE(at != std::string::npos);
  const int port = std::stoi(banner.substr(at + prefix.size()));

  const auto client = net::make_curl_client();
  const auto response = client->send(
    post("http://127.0.0.1:" + std::to_string(port) + "/anthropic/v1/messages", "{}"));
  REQUIRE(response);
  CHECK(response->status == 401);
  CHECK(response->body
        == net::error_reply(net::Route::anthropic, 401,
                            "the relay key is missing: send the key in " + key_file.string()
                              + " as \"Authorization: Bearer <key>\", \"x-api-key\" or "
                                "\"x-goog-api-key\"; `aigw-setup configure --auth relay` "
                                "writes it into each agent's settings")
             .body);

  relay.interrupt();
  CHECK(relay.wait() == 130);
}

// It said "Ctrl-C again to quit at once" on SIGTERM too, which a service manager sends.
TEST_CASE("cli relay: SIGTERM stops the relay with exit 0, and the log says it was SIGTERM")
{
  aigw::test::TempDir dir;
  aigw::test::PtySession relay(
    {"--home", (dir / "home").string(), "--no-color", "relay", "--offline", "--listen",
     "127.0.0.1:0"},
    {},
    dir.path());
  relay.expect("; Ctrl-C stops the relay");

  relay.terminate();
  CHECK(relay.wait() == 0);
  const std::string shown = relay.transcript();
  CHECK(shown.find("aigw-setup: info: stopping the relay on SIGTERM (a second signal quits at "
                   "once)\n")
        != std::string::npos);
  CHECK(shown.find("Ctrl-C again") == std::string::npos);
}
