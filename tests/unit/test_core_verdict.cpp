// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "core/verdict.hpp"

using aigw::core::diagnose;
using aigw::core::Diagnosis;
using aigw::core::Observation;
using aigw::core::RemedyContext;
using aigw::core::remedy_for;
using aigw::core::RouteKind;
using aigw::core::Verdict;
using aigw::net::HttpErrorKind;

namespace {

using Clock = std::chrono::system_clock;

const Clock::time_point k_now = Clock::from_time_t(1'780'000'000); // 2026-05-28T20:26:40Z

Observation
answer(int status, std::string body, RouteKind kind = RouteKind::claude)
{
  Observation observation;
  observation.kind = kind;
  observation.model = "databricks-claude-opus-4-6";
  observation.status = status;
  observation.body = std::move(body);
  observation.now = k_now;
  return observation;
}

Observation
failure(HttpErrorKind kind, std::string message)
{
  Observation observation = answer(0, "");
  observation.error = aigw::net::HttpError{kind, std::move(message)};
  return observation;
}

std::string
id(const Diagnosis& diagnosis)
{
  return aigw::core::to_string(diagnosis.verdict);
}

RemedyContext
context(RouteKind kind = RouteKind::claude)
{
  RemedyContext context;
  context.kind = kind;
  context.host = "gw.example.com";
  context.model = "databricks-claude-opus-4-6";
  context.token_source = "$DATABRICKS_TOKEN";
  context.timeout = std::chrono::seconds(15);
  return context;
}

std::string
remedy(Verdict verdict, const RemedyContext& where = context())
{
  return remedy_for(Diagnosis{verdict, "", "", {}}, where);
}

// A route configure pointed at the relay on 127.0.0.1:8765.
RemedyContext
relayed_context()
{
  auto relayed = context();
  relayed.host = "127.0.0.1:8765";
  relayed.token_source = "the relay key";
  relayed.relay = aigw::core::RelayHop{"http://127.0.0.1:9/anthropic",
                                       "/home/me/.config/aigw-setup/relay.json"};
  return relayed;
}

} // namespace

TEST_CASE("core::diagnose, token errors come first")
{
  SUBCASE("400 Invalid Token, as the gateway answers a bad token")
  {
    const auto diagnosis = diagnose(answer(400, "Invalid Token"));
    CHECK(id(diagnosis) == "token_invalid");
    CHECK(diagnosis.cause == "HTTP 400: Invalid Token");
  }
  SUBCASE("403 with Invalid Token is a token error, not a permission")
  {
    const auto diagnosis = diagnose(answer(403, R"({"message":"Invalid Token"})"));
    CHECK(id(diagnosis) == "token_invalid");
    CHECK(diagnosis.cause == "HTTP 403: Invalid Token");
  }
  SUBCASE("401 UNAUTHENTICATED")
  {
    const auto diagnosis = diagnose(
      answer(401, R"({"error_code":"UNAUTHENTICATED","message":"Credential was not sent."})"));
    CHECK(id(diagnosis) == "token_invalid");
    CHECK(diagnosis.cause == "HTTP 401 UNAUTHENTICATED: Credential was not sent.");
  }
  SUBCASE("expired only when the token's expiry is known and past")
  {
    auto observation = answer(401, "");
    observation.token_expiry = k_now - std::chrono::minutes(1);
    CHECK(id(diagnose(observation)) == "token_expired");
    observation.token_expiry = k_now + std::chrono::minutes(30);
    CHECK(id(diagnose(observation)) == "token_invalid");
  }
}

TEST_CASE("core::diagnose, the other HTTP answers")
{
  SUBCASE("403 PERMISSION_DENIED")
  {
    const auto diagnosis = diagnose(answer(
      403, R"({"error_code":"PERMISSION_DENIED","message":"User u does not have permission."})"));
    CHECK(id(diagnosis) == "forbidden");
    CHECK(diagnosis.cause == "HTTP 403 PERMISSION_DENIED: User u does not have permission.");
  }
  SUBCASE("404 that names the model, in the Databricks and the Anthropic shape")
  {
    CHECK(id(diagnose(answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"x"})")))
          == "unknown_model");
    CHECK(id(diagnose(answer(404, R"({"type":"error","error":{"type":"not_found_error",)"
                                  R"("message":"model: databricks-claude-opus-4-6"}})")))
          == "unknown_model");
  }
  SUBCASE("404 naming the table of an OTel route")
  {
    const auto diagnosis = diagnose(answer(
      404, R"({"error_code":"TABLE_OR_VIEW_NOT_FOUND","message":"no such table"})",
      RouteKind::otel_logs));
    CHECK(id(diagnosis) == "unknown_table");
  }
  SUBCASE("a bare 404 is a wrong URL")
  {
    const auto diagnosis = diagnose(answer(404, "Not Found"));
    CHECK(id(diagnosis) == "wrong_url");
    CHECK(diagnosis.cause
          == "HTTP 404 with no gateway error: nothing serves this route at this URL");
  }
  SUBCASE("a redirect is a wrong URL, and says where it led")
  {
    auto observation = answer(303, "");
    observation.headers.set("Location", "https://login.example.com/login?next=abc");
    const auto diagnosis = diagnose(observation);
    CHECK(id(diagnosis) == "wrong_url");
    CHECK(diagnosis.cause == "HTTP 303: redirected to https://login.example.com/login?next=***");
  }
  SUBCASE("429 keeps the limit's own words and Retry-After")
  {
    auto observation = answer(429, R"({"error_code":"REQUEST_LIMIT_EXCEEDED","message":)"
                                   R"("REQUEST_LIMIT_EXCEEDED: )"
                                   R"(Exceeded workspace QPS rate limit."})");
    observation.headers.set("Retry-After", "30");
    const auto diagnosis = diagnose(observation);
    CHECK(id(diagnosis) == "rate_limited");
    CHECK(diagnosis.cause == "HTTP 429 REQUEST_LIMIT_EXCEEDED: Exceeded workspace QPS rate limit.");
    CHECK(diagnosis.detail == "Exceeded workspace QPS rate limit.");
    REQUIRE(diagnosis.retry_after);
    CHECK(diagnosis.retry_after->count() == 30);
  }
  SUBCASE("5xx, other 4xx")
  {
    CHECK(id(diagnose(answer(503, R"({"error_code":"TEMPORARILY_UNAVAILABLE"})")))
          == "server_error");
    CHECK(id(diagnose(answer(400, R"({"error":{"message":"tools: bad","type":"invalid"}})")))
          == "bad_request");
  }
}

TEST_CASE("core::diagnose, a relay that could not reach its upstream")
{
  const std::string unreachable =
    "the gateway http://127.0.0.1:9/anthropic/v1/messages could not be reached: connection "
    "refused; check --gateway or your network";
  const auto relayed = [](int status, const std::string& message) {
    auto observation = answer(status, R"({"type":"error","error":{"type":"api_error",)"
                                        R"("message":")" + message + R"("}})");
    observation.via_relay = true;
    return observation;
  };

  SUBCASE("its own 502, in the agent's error shape")
  {
    const auto diagnosis = diagnose(relayed(502, unreachable));
    CHECK(id(diagnosis) == "gateway_unreachable");
    CHECK(diagnosis.cause == "HTTP 502 from the relay: " + unreachable);
    CHECK(diagnosis.detail == unreachable);
  }
  SUBCASE("its own 504 for a workspace that did not answer")
  {
    auto observation = relayed(504, "");
    observation.kind = RouteKind::otel_logs;
    observation.body = R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"the workspace )"
                       R"(https://ws.example.com/api/2.0/otel/v1/logs did not answer in time; )"
                       R"(try again, or check --workspace and your network"})";
    CHECK(id(diagnose(observation)) == "gateway_unreachable");
  }
  SUBCASE("its own 502 for a credential it does not have")
  {
    const std::string none = "the relay has no credential for the gateway: no token is stored "
                             "in /home/me/.config/aigw-setup/credentials.json";
    const auto diagnosis = diagnose(relayed(502, none));
    CHECK(id(diagnosis) == "relay_no_credential");
    CHECK(diagnosis.cause == "HTTP 502 from the relay: " + none);
    CHECK(diagnosis.detail == none);
  }
  SUBCASE("a 5xx the gateway sent and the relay passed on stays the gateway's")
  {
    CHECK(id(diagnose(relayed(502, "upstream model endpoint failed"))) == "server_error");
    CHECK(id(diagnose(relayed(503, unreachable))) == "server_error");
  }
  SUBCASE("the same words from a URL that is not the relay's are the gateway's")
  {
    auto direct = relayed(502, unreachable);
    direct.via_relay = false;
    CHECK(id(diagnose(direct)) == "server_error");
  }
}

TEST_CASE("core::diagnose, 2xx must be in the agent's wire format")
{
  CHECK(id(diagnose(answer(200, "event: message_start\ndata: {}\n\n"))) == "pass");
  const auto html = diagnose(answer(200, "<html>\n<body>Sign in</body>"));
  CHECK(id(html) == "bad_reply");
  CHECK(html.cause == "HTTP 200 but not a Messages API reply: <html>");
  CHECK(id(diagnose(answer(200, "", RouteKind::otel_metrics))) == "pass");
}

TEST_CASE("core::diagnose, transport errors")
{
  const auto dns = diagnose(failure(HttpErrorKind::dns, "POST https://gw.invalid/anthropic/v1/"
                                                        "messages: the host name did not resolve "
                                                        "(Could not resolve host: gw.invalid)"));
  CHECK(id(dns) == "dns");
  CHECK(dns.cause == "the host name did not resolve (Could not resolve host: gw.invalid)");
  CHECK(dns.detail == "Could not resolve host: gw.invalid");
  CHECK(id(diagnose(failure(HttpErrorKind::connect, "x"))) == "refused");
  CHECK(id(diagnose(failure(HttpErrorKind::tls, "x"))) == "tls");
  CHECK(id(diagnose(failure(HttpErrorKind::timeout, "x"))) == "timeout");
  CHECK(id(diagnose(failure(HttpErrorKind::proxy, "x"))) == "proxy");
  CHECK(id(diagnose(failure(HttpErrorKind::reset, "x"))) == "dropped");
  CHECK(id(diagnose(failure(HttpErrorKind::other, "x"))) == "network");

  SUBCASE("a connection refused while a proxy is in use is the proxy's")
  {
    auto observation = failure(HttpErrorKind::connect, "x");
    observation.via_proxy = true;
    CHECK(id(diagnose(observation)) == "proxy");
  }
}

TEST_CASE("core::reply_in_agent_format")
{
  using aigw::core::reply_in_agent_format;
  CHECK(reply_in_agent_format(RouteKind::claude, R"({"type":"message","content":[]})"));
  CHECK(reply_in_agent_format(RouteKind::codex, "event: response.created\ndata: {}\n\n"));
  CHECK(reply_in_agent_format(RouteKind::gemini, R"(data: {"candidates":[]})"));
  CHECK(reply_in_agent_format(RouteKind::cursor, R"(data: {"object":"chat.completion.chunk"})"));
  CHECK_FALSE(reply_in_agent_format(RouteKind::codex, R"(data: {"candidates":[]})"));
  CHECK_FALSE(reply_in_agent_format(RouteKind::gemini, "{}"));

  // Judged by content, not by the spacing of the JSON (a pretty-printing gateway or proxy).
  CHECK(reply_in_agent_format(RouteKind::claude, "{\"id\": \"msg_1\", \"type\": \"message\"}"));
  CHECK(reply_in_agent_format(RouteKind::codex, "{\n  \"object\": \"response\"\n}"));
  CHECK_FALSE(reply_in_agent_format(RouteKind::claude, R"({"type":"error","message":"message"})"));
}

TEST_CASE("core::parse_error_body")
{
  using aigw::core::parse_error_body;
  const auto check = [](const std::string& body, const std::string& code,
                        const std::string& message) {
    CAPTURE(body);
    const auto error = parse_error_body(body);
    CHECK(error.code == code);
    CHECK(error.message == message);
  };
  check(R"({"error_code":"NOT_FOUND","message":"gone"})", "NOT_FOUND", "gone");
  check(R"({"error_code":1001,"message":"numeric"})", "1001", "numeric");
  check(R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})",
        "overloaded_error", "busy");
  check(R"({"error":{"code":404,"message":"no model","status":"NOT_FOUND"}})", "NOT_FOUND",
        "no model");
  check(R"({"error":"invalid_client","error_description":"bad secret"})", "invalid_client",
        "bad secret");
  check(R"({"error":"plain"})", "", "plain");
  check("  Invalid Token\nsecond line", "", "Invalid Token");
  check(std::string(400, 'x'), "", std::string(300, 'x') + "...");
}

TEST_CASE("core::remedy_for, tokens and permissions")
{
  CHECK(remedy(Verdict::pass).empty());
  CHECK(remedy(Verdict::token_missing)
        == "no token: pipe one to --token-stdin, name a file with --token-file, or export "
           "DATABRICKS_TOKEN (aigw-setup configure keeps it for later runs)");
  CHECK(remedy(Verdict::token_invalid)
        == "$DATABRICKS_TOKEN was refused as invalid or expired (or made for another "
           "workspace): create a new token for gw.example.com and run aigw-setup configure "
           "claude --token-stdin with it");

  auto relay = context(RouteKind::codex);
  relay.token_source = "the relay key";
  CHECK(remedy(Verdict::token_missing, relay)
        == "no relay key: run aigw-setup configure codex --auth relay to create one");

  auto oauth = context();
  oauth.token_source = "the OAuth token";
  oauth.token_expiry = k_now;
  CHECK(remedy(Verdict::token_expired, oauth)
        == "the OAuth token expired at 2026-05-28T20:26:40Z: get a new one (databricks auth "
           "login --host https://gw.example.com) and run the test again");

  CHECK(remedy(Verdict::forbidden)
        == "you may not query databricks-claude-opus-4-6 through the gateway: ask a workspace "
           "admin for CAN QUERY on that endpoint, or for AI Gateway access for coding agents");
  auto otel = context(RouteKind::otel_logs);
  otel.model = "main.default.cc_otel_logs";
  CHECK(remedy(Verdict::forbidden, otel)
        == "you may not write to main.default.cc_otel_logs: ask for MODIFY and SELECT on it, "
           "and USE CATALOG and USE SCHEMA on its catalog and schema");
}

TEST_CASE("core::remedy_for, URLs, models and limits")
{
  auto moved = context();
  moved.answering = aigw::core::Alternative{"https://ws.example.com/ai-gateway/anthropic",
                                            "workspace-hosted",
                                            "--workspace https://ws.example.com"};
  CHECK(remedy(Verdict::wrong_url, moved)
        == "the workspace-hosted layout answers at https://ws.example.com/ai-gateway/anthropic: "
           "run aigw-setup configure claude --workspace https://ws.example.com");
  CHECK(remedy(Verdict::wrong_url)
        == "gw.example.com serves no claude route at this path: check the URL (gateway host: "
           "--gateway https://<workspace-id>.ai-gateway.cloud.databricks.com; workspace-hosted: "
           "--workspace https://<workspace>)");

  auto served = context(RouteKind::gemini);
  served.model = "gemini-9";
  CHECK(remedy(Verdict::unknown_model, served)
        == "\"gemini-9\" is not served here: look up the endpoint name under Serving in the "
           "workspace and pick it with --gemini-model NAME");
  served.served_models = {"databricks-gemini-2-5-flash", "databricks-gemini-2-5-pro"};
  CHECK(remedy(Verdict::unknown_model, served)
        == "the gateway serves: databricks-gemini-2-5-flash, databricks-gemini-2-5-pro; pick one "
           "with aigw-setup configure gemini --gemini-model NAME");

  CHECK(remedy_for(Diagnosis{Verdict::rate_limited, "", "Exceeded workspace QPS rate limit.",
                             std::chrono::seconds(30)},
                   context())
        == "the gateway's rate limit was reached (\"Exceeded workspace QPS rate limit.\"): wait "
           "30 s and retry, or ask a workspace admin to raise the limit in the endpoint's AI "
           "Gateway settings");
  CHECK(remedy(Verdict::rate_limited)
        == "the gateway's rate limit was reached: wait a minute and retry, or ask a workspace "
           "admin to raise the limit in the endpoint's AI Gateway settings");
}

TEST_CASE("core::remedy_for, a reply that is not the gateway's names where it came from")
{
  CHECK(remedy(Verdict::bad_reply)
        == "gw.example.com answered, but not as the AI Gateway does: check that the URL points "
           "at the gateway, not at a proxy or a login page");

  auto relayed = context();
  relayed.host = "127.0.0.1:8765";
  relayed.relay = aigw::core::RelayHop{"https://gw.example.com/anthropic",
                                       "/home/me/.config/aigw-setup/relay.json"};
  CHECK(remedy(Verdict::bad_reply, relayed)
        == "the relay at 127.0.0.1:8765 passed on this reply from "
           "https://gw.example.com/anthropic, the gateway named in "
           "/home/me/.config/aigw-setup/relay.json: check that it points at the AI Gateway, not "
           "at a proxy or a login page");
}

TEST_CASE("core::remedy_for, a relay that could not reach its upstream says where it looked")
{
  const std::string said = "the gateway http://127.0.0.1:9/anthropic/v1/messages could not be "
                           "reached: connection refused; check --gateway or your network";
  const Diagnosis diagnosis{Verdict::gateway_unreachable, "", said, {}};
  const auto relayed = relayed_context();
  CHECK(remedy_for(diagnosis, relayed)
        == "the relay at 127.0.0.1:8765 could not reach the gateway (\"" + said
             + "\"): check the gateway URL in /home/me/.config/aigw-setup/relay.json, or the "
               "--gateway the relay was started with, and the network from here to it; restart "
               "the relay after a change");

  auto otel = relayed;
  otel.kind = RouteKind::otel_metrics;
  otel.relay.reset();
  CHECK(remedy_for(Diagnosis{Verdict::gateway_unreachable, "", "the workspace ...", {}}, otel)
        == "the relay at 127.0.0.1:8765 could not reach the workspace (\"the workspace ...\"): "
           "check the workspace URL in relay.json, or the --workspace the relay was started "
           "with, and the network from here to it; restart the relay after a change");
}

TEST_CASE("core::remedy_for, a relay with no credential says which one to store")
{
  const Diagnosis diagnosis{Verdict::relay_no_credential, "",
                            "the relay has no credential for the gateway: no token is stored",
                            {}};
  CHECK(remedy_for(diagnosis, relayed_context())
        == "the relay at 127.0.0.1:8765 holds no credential for the gateway (\"no token is "
           "stored\"): store a token with aigw-setup configure claude --auth relay "
           "--token-stdin, or sign in again if it uses OAuth; the relay reads it on its next "
           "request");
}

TEST_CASE("core::remedy_for, the network")
{
  CHECK(remedy(Verdict::tls, context(RouteKind::cursor))
        == "gw.example.com's certificate is not trusted here; if a proxy re-signs TLS (corporate "
           "CA), trust its CA: aigw-setup via the system store (libcurl reads neither "
           "SSL_CERT_FILE nor CURL_CA_BUNDLE), Claude Code and Gemini CLI via "
           "NODE_EXTRA_CA_CERTS=<ca.pem>, Codex via CODEX_CA_CERTIFICATE=<ca.pem> (or "
           "SSL_CERT_FILE); Cursor calls from its own servers, so its gateway needs a public "
           "certificate");
  auto proxied = context();
  proxied.proxy = "http://proxy.corp:3128";
  CHECK(remedy(Verdict::proxy, proxied)
        == "the proxy http://proxy.corp:3128 failed: check HTTPS_PROXY and HTTP_PROXY, or add "
           "gw.example.com to NO_PROXY if it is reachable directly; Claude Code, Codex and "
           "Gemini CLI read the same variables");
  CHECK(remedy(Verdict::dns)
        == "gw.example.com does not resolve: check the URL's spelling, and connect the VPN or "
           "DNS the workspace needs");
  CHECK(remedy(Verdict::refused)
        == "nothing listens at gw.example.com: check the URL and the port");
  // A loopback URL the user gave is not the relay unless configure pointed the route there.
  auto local = context();
  local.host = "127.0.0.1:8765";
  CHECK(remedy(Verdict::refused, local)
        == "nothing listens at 127.0.0.1:8765: check the URL and the port");
  local.token_source = "the relay key";
  CHECK(remedy(Verdict::refused, local)
        == "nothing listens at 127.0.0.1:8765: check the URL and the port; for the local relay, "
           "start aigw-setup relay");
  CHECK(remedy(Verdict::timeout)
        == "no answer from gw.example.com within 15 s: check the VPN or firewall, or allow more "
           "time with --timeout SECONDS");
  CHECK(remedy(Verdict::network) == "the request could not be made: run with -vv for the details");
  // libcurl's own words, when it had some, are the lead for an unusual failure.
  const auto other = diagnose(failure(HttpErrorKind::other,
                                      "POST http://127.0.0.1:99999/anthropic/v1/messages: the "
                                      "request failed (Port number (99999) out of range)"));
  CHECK(other.detail == "Port number (99999) out of range");
  CHECK(remedy_for(other, context())
        == "the request could not be made (Port number (99999) out of range): run with -vv for "
           "the details");
}

TEST_CASE("core::remedy_for keeps the home and relay mode in its aigw-setup commands")
{
  auto relay = context(RouteKind::gemini);
  relay.token_source = "the relay key";
  relay.aigw = "aigw-setup --home '/tmp/a home'";
  CHECK(remedy(Verdict::token_missing, relay)
        == "no relay key: run aigw-setup --home '/tmp/a home' configure gemini --auth relay to "
           "create one");
  CHECK(remedy(Verdict::token_invalid, relay)
        == "the relay refused the relay key, or the gateway the token the relay holds: run "
           "aigw-setup --home '/tmp/a home' configure gemini --auth relay --token-stdin with a "
           "new token");
  relay.served_models = {"databricks-gemini-2-5-pro"};
  CHECK(remedy(Verdict::unknown_model, relay)
        == "the gateway serves: databricks-gemini-2-5-pro; pick one with aigw-setup --home "
           "'/tmp/a home' configure gemini --auth relay --gemini-model NAME");
  relay.answering = aigw::core::Alternative{"https://ws.example.com/ai-gateway/gemini",
                                            "workspace-hosted",
                                            "--workspace https://ws.example.com"};
  CHECK(remedy(Verdict::wrong_url, relay)
        == "the workspace-hosted layout answers at https://ws.example.com/ai-gateway/gemini: run "
           "aigw-setup --home '/tmp/a home' configure gemini --auth relay --workspace "
           "https://ws.example.com");
  relay.host = "127.0.0.1:8765";
  CHECK(remedy(Verdict::refused, relay)
        == "nothing listens at 127.0.0.1:8765: check the URL and the port; for the local relay, "
           "start aigw-setup --home '/tmp/a home' relay");

  auto direct = context();
  direct.aigw = "aigw-setup --home /tmp/h";
  CHECK(remedy(Verdict::token_invalid, direct)
        == "$DATABRICKS_TOKEN was refused as invalid or expired (or made for another "
           "workspace): create a new token for gw.example.com and run aigw-setup --home /tmp/h "
           "configure claude --token-stdin with it");
  auto otel = context(RouteKind::otel_metrics);
  otel.aigw = "aigw-setup --home /tmp/h";
  otel.model = "main.default.metrics";
  CHECK(remedy(Verdict::unknown_table, otel)
        == "main.default.metrics does not exist: create it with aigw-setup --home /tmp/h "
           "telemetry create-tables, or name the right one with --metrics-table / --logs-table");
}

TEST_CASE("core::to_string(Verdict) ids are stable")
{
  CHECK(aigw::core::to_string(Verdict::pass) == "pass");
  CHECK(aigw::core::to_string(Verdict::unknown_table) == "unknown_table");
  CHECK(aigw::core::to_string(Verdict::server_error) == "server_error");
  CHECK(aigw::core::to_string(Verdict::gateway_unreachable) == "gateway_unreachable");
  CHECK(aigw::core::to_string(Verdict::relay_no_credential) == "relay_no_credential");
  CHECK(aigw::core::to_string(Verdict::bad_reply) == "bad_reply");
  CHECK(aigw::core::to_string(Verdict::network) == "network");
  CHECK(aigw::core::to_string(RouteKind::otel_metrics) == "otel-metrics");
  CHECK(aigw::core::agent_of(RouteKind::otel_logs) == "otel");
}
