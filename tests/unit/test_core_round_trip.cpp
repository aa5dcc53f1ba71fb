// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <set>

#include "aigw/version.hpp"
#include "core/round_trip_targets.hpp"

using aigw::core::RouteKind;
using aigw::core::RouteTarget;

namespace {

using Clock = std::chrono::system_clock;

const Clock::time_point k_now = Clock::from_time_t(1'780'000'000);

RouteTarget
target(RouteKind kind, std::string base, std::string model)
{
  RouteTarget target;
  target.kind = kind;
  target.base_url = std::move(base);
  target.model = std::move(model);
  target.credential.token = aigw::util::Secret("dapi-round-trip-0123456789");
  target.timeout = std::chrono::seconds(7);
  return target;
}

std::string
header_text(const aigw::net::Headers& headers)
{
  std::string text;
  for (const auto& [name, value] : headers.items) {
    text += name + ": " + value + "\n";
  }
  return text;
}

std::uint64_t
read_varint(const std::string& bytes, std::size_t& at)
{
  std::uint64_t value = 0;
  for (int shift = 0; at < bytes.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      break;
    }
  }
  return value;
}

// One line per scalar field of the protobuf `bytes`: its field path, then the value. The
// length-delimited fields whose path is in `messages` are decoded as messages, the others
// shown as strings.
void
decode(const std::string& bytes, const std::string& path, const std::set<std::string>& messages,
       std::string& out)
{
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::uint64_t tag = read_varint(bytes, at);
    const std::string field = (path.empty() ? "" : path + ".") + std::to_string(tag >> 3);
    switch (tag & 7) {
    case 0:
      out += field + " varint " + std::to_string(read_varint(bytes, at)) + "\n";
      break;
    case 1: {
      std::uint64_t value = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
      }
      at += 8;
      out += field + " fixed64 " + std::to_string(value) + "\n";
      break;
    }
    case 2: {
      const auto size = static_cast<std::size_t>(read_varint(bytes, at));
      const std::string inner = bytes.substr(at, size);
      at += size;
      if (messages.contains(field)) {
        decode(inner, field, messages, out);
      } else {
        out += field + " \"" + inner + "\"\n";
      }
      break;
    }
    default:
      out += field + " wire type " + std::to_string(tag & 7) + "\n";
      at = bytes.size();
    }
  }
}

std::string
decoded(const std::string& bytes, const std::set<std::string>& messages)
{
  std::string out;
  decode(bytes, "", messages, out);
  return out;
}

} // namespace

TEST_CASE("core::agent_request, one per wire format")
{
  const auto now = k_now;
  SUBCASE("Claude Code: Messages API with its headers")
  {
    auto claude = target(RouteKind::claude, "https://gw.example.com/anthropic", "m-claude");
    claude.headers.set("x-team", "infra");
    const auto request = aigw::core::agent_request(claude, claude.base_url, now);
    CHECK(request.method == "POST");
    CHECK(request.url == "https://gw.example.com/anthropic/v1/messages?beta=true");
    CHECK(header_text(request.headers)
          == "Content-Type: application/json\n"
             "Accept: application/json\n"
             "anthropic-version: 2023-06-01\n"
             "anthropic-beta: claude-code-20250219\n"
             "x-app: cli\n"
             "x-databricks-use-coding-agent-mode: true\n"
             "Authorization: Bearer dapi-round-trip-0123456789\n"
             "x-team: infra\n");
    CHECK(request.body
          == R"({"model":"m-claude","max_tokens":16,"stream":true,"messages":[{"role":"user",)"
             R"("content":[{"type":"text","text":"Reply with the single word: ok"}]}]})");
    CHECK(request.total_timeout == std::chrono::seconds(7));
    CHECK(request.connect_timeout == std::chrono::seconds(7));
  }
  SUBCASE("Codex: Responses API")
  {
    const auto codex = target(RouteKind::codex, "https://gw.example.com/openai/v1", "m-gpt");
    const auto request = aigw::core::agent_request(codex, codex.base_url, now);
    CHECK(request.url == "https://gw.example.com/openai/v1/responses");
    CHECK(header_text(request.headers)
          == "Content-Type: application/json\nAccept: text/event-stream\n"
             "Authorization: Bearer dapi-round-trip-0123456789\n");
    CHECK(request.body
          == R"({"model":"m-gpt","stream":true,"store":false,"input":[{"type":"message",)"
             R"("role":"user","content":[{"type":"input_text","text":"Reply with the single )"
             R"(word: ok"}]}]})");
  }
  SUBCASE("Gemini CLI: streamGenerateContent with the bearer and the key header")
  {
    const auto gemini = target(RouteKind::gemini, "https://gw.example.com/gemini", "m-gem");
    const auto request = aigw::core::agent_request(gemini, gemini.base_url, now);
    CHECK(request.url
          == "https://gw.example.com/gemini/v1beta/models/m-gem:streamGenerateContent?alt=sse");
    CHECK(header_text(request.headers)
          == "Content-Type: application/json\n"
             "Authorization: Bearer dapi-round-trip-0123456789\n"
             "x-goog-api-key: dapi-round-trip-0123456789\n");
    CHECK(request.body
          == R"({"contents":[{"role":"user","parts":[{"text":)"
             R"("Reply with the single word: ok"}]}]})");
    CHECK(aigw::core::shown_url(request)
          == "https://gw.example.com/gemini/v1beta/models/m-gem:streamGenerateContent?alt=sse");
  }
  SUBCASE("Cursor: chat completions")
  {
    const auto cursor = target(RouteKind::cursor, "https://gw.example.com/cursor/v1", "m-c");
    const auto request = aigw::core::agent_request(cursor, cursor.base_url, now);
    CHECK(request.url == "https://gw.example.com/cursor/v1/chat/completions");
    CHECK(request.body
          == R"({"model":"m-c","stream":true,"messages":[{"role":"user","content":)"
             R"("Reply with the single word: ok"}]})");
  }
  SUBCASE("OTel: protobuf with the table header, and a long timeout keeps 10 s to connect")
  {
    auto logs = target(RouteKind::otel_logs, "https://ws.example.com", "main.default.t_logs");
    logs.timeout = std::chrono::seconds(60);
    const auto request = aigw::core::agent_request(logs, logs.base_url, now);
    CHECK(request.url == "https://ws.example.com/api/2.0/otel/v1/logs");
    CHECK(header_text(request.headers)
          == "Content-Type: application/x-protobuf\n"
             "X-Databricks-UC-Table-Name: main.default.t_logs\n"
             "Authorization: Bearer dapi-round-trip-0123456789\n");
    CHECK(request.body == aigw::core::otlp_logs_request(now));
    CHECK(request.connect_timeout == std::chrono::seconds(10));
  }
}

TEST_CASE("core::otlp_metrics_request and otlp_logs_request follow opentelemetry-proto")
{
  const std::string nanos = "1780000000000000000";
  const std::string version = aigw::k_version;
  // ExportMetricsServiceRequest.resource_metrics(1){resource(1){attributes(1){key(1),
  // value(2){string_value(1)}}}, scope_metrics(2){scope(1){name(1), version(2)},
  // metrics(2){name(1), description(2), unit(3), gauge(5){data_points(1){start(2), time(3),
  // as_int(6)}}}}}
  CHECK(decoded(aigw::core::otlp_metrics_request(k_now),
                {"1", "1.1", "1.1.1", "1.1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.2.5", "1.2.2.5.1"})
        == "1.1.1.1 \"service.name\"\n"
           "1.1.1.2.1 \"aigw-setup\"\n"
           "1.2.1.1 \"aigw-setup\"\n"
           "1.2.1.2 \"" + version + "\"\n"
           "1.2.2.1 \"aigw_setup.test\"\n"
           "1.2.2.2 \"one data point sent by aigw-setup test\"\n"
           "1.2.2.3 \"1\"\n"
           "1.2.2.5.1.2 fixed64 " + nanos + "\n"
           "1.2.2.5.1.3 fixed64 " + nanos + "\n"
           "1.2.2.5.1.6 fixed64 1\n");
  // ExportLogsServiceRequest.resource_logs(1){resource(1), scope_logs(2){scope(1),
  // log_records(2){time(1), severity_number(2), severity_text(3), body(5){string_value(1)},
  // observed_time(11), event_name(12)}}}
  CHECK(decoded(aigw::core::otlp_logs_request(k_now),
                {"1", "1.1", "1.1.1", "1.1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.2.5"})
        == "1.1.1.1 \"service.name\"\n"
           "1.1.1.2.1 \"aigw-setup\"\n"
           "1.2.1.1 \"aigw-setup\"\n"
           "1.2.1.2 \"" + version + "\"\n"
           "1.2.2.1 fixed64 " + nanos + "\n"
           "1.2.2.2 varint 9\n"
           "1.2.2.3 \"INFO\"\n"
           "1.2.2.5.1 \"aigw-setup test: the OTel logs route works\"\n"
           "1.2.2.11 fixed64 " + nanos + "\n"
           "1.2.2.12 \"aigw_setup.test\"\n");
}

TEST_CASE("core::proxy_for follows libcurl's variables")
{
  std::map<std::string, std::string> vars;
  const aigw::core::EnvLookup env = [&vars](const std::string& name) {
    const auto found = vars.find(name);
    return found == vars.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
  CHECK_FALSE(aigw::core::proxy_for("https://gw.example.com/x", env));
  vars["HTTP_PROXY"] = "http://upper:1";
  CHECK_FALSE(aigw::core::proxy_for("http://gw.example.com/x", env)); // only http_proxy counts
  vars["HTTPS_PROXY"] = "http://user:secret@proxy.corp:3128";
  CHECK(aigw::core::proxy_for("https://gw.example.com/x", env) == "http://***@proxy.corp:3128");
  vars["NO_PROXY"] = "localhost, .example.com";
  CHECK_FALSE(aigw::core::proxy_for("https://gw.example.com/x", env));
  CHECK(aigw::core::proxy_for("https://example.org/x", env));
  vars["no_proxy"] = "*";
  CHECK_FALSE(aigw::core::proxy_for("https://example.org/x", env));
}

TEST_CASE("core model listings")
{
  CHECK(aigw::core::models_in_anthropic_list(
          R"({"data":[{"type":"model","id":"a"},{"id":"b"},{"x":1}],"has_more":false})")
        == std::vector<std::string>{"a", "b"});
  CHECK(aigw::core::models_in_anthropic_list("not json").empty());
  const std::string foundation = R"({"endpoints":[
    {"name":"gpt","config":{"served_entities":[{"foundation_model":{"api_types":
      ["openai/v1/responses","openai/v1/chat/completions"]}}]}},
    {"name":"gem","config":{"served_entities":[{"foundation_model":{"api_types":
      ["gemini/v1/generateContent"]}}]}},
    {"config":{}}]})";
  CHECK(aigw::core::models_in_foundation_list(foundation, "openai/v1/responses")
        == std::vector<std::string>{"gpt"});
  CHECK(aigw::core::models_in_foundation_list(foundation, "gemini/v1/generateContent")
        == std::vector<std::string>{"gem"});
  CHECK(aigw::core::chat_models_in_serving_list(
          R"({"endpoints":[{"name":"c1","task":"llm/v1/chat"},)"
          R"({"name":"e","task":"llm/v1/embeddings"}]})")
        == std::vector<std::string>{"c1"});
}

TEST_CASE("core::route_alternatives: the route's own root in the other layout first")
{
  using aigw::core::route_alternatives;
  const auto hosted = route_alternatives(RouteKind::claude,
                                         "https://ws.example.com/ai-gateway/anthropic",
                                         "https://1.ai-gateway.cloud.databricks.com", std::nullopt);
  REQUIRE(hosted.size() == 2);
  CHECK(hosted[0].base_url == "https://ws.example.com/anthropic");
  CHECK(hosted[0].layout == "gateway host");
  CHECK(hosted[0].option == "--gateway https://ws.example.com");
  CHECK(hosted[1].base_url == "https://1.ai-gateway.cloud.databricks.com/anthropic");

  const auto codex = route_alternatives(RouteKind::codex, "https://gw.example.com/openai/v1",
                                        "https://gw.example.com", "https://ws.example.com");
  REQUIRE(codex.size() == 2);
  CHECK(codex[0].base_url == "https://gw.example.com/ai-gateway/codex/v1");
  CHECK(codex[0].option == "--workspace https://gw.example.com");
  CHECK(codex[1].base_url == "https://ws.example.com/ai-gateway/codex/v1");

  CHECK(route_alternatives(RouteKind::cursor, "https://gw.example.com/cursor/v1", std::nullopt,
                           "https://ws.example.com")
          .empty());
  CHECK(route_alternatives(RouteKind::gemini, "https://custom.example.com/g", std::nullopt,
                           std::nullopt)
          .empty());
}

TEST_CASE("core::plan_round_trips")
{
  using aigw::core::plan_round_trips;
  aigw::core::ConfiguredState state;
  state.agents["claude"] = {{"route", "https://gw.example.com/anthropic"},
                            {"model", "m-claude"},
                            {"auth", "pat"}};
  state.agents["gemini"] = {{"route", "http://127.0.0.1:8765/gemini"},
                            {"model", "m-gem"},
                            {"auth", "relay"}};
  state.kept_token = aigw::core::RouteCredential{aigw::util::Secret("dapi-kept-0123456789"),
                                                 std::nullopt, "the token configure kept"};
  aigw::core::RouteSelection selection;
  selection.env_workspace = "adb-1.azuredatabricks.net";

  SUBCASE("no route named: the configured ones, $DATABRICKS_HOST replaces none")
  {
    const auto plan = plan_round_trips(selection, state);
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 2);
    const auto& claude = plan->targets[0];
    CHECK(claude.base_url == "https://gw.example.com/anthropic");
    CHECK(claude.model == "m-claude");
    CHECK(claude.credential.source == "the token configure kept");
    CHECK(claude.workspace == "https://adb-1.azuredatabricks.net");
    REQUIRE(claude.alternatives.size() == 2);
    CHECK(claude.alternatives[1].base_url
          == "https://adb-1.azuredatabricks.net/ai-gateway/anthropic");
    const auto& gemini = plan->targets[1];
    CHECK(gemini.base_url == "http://127.0.0.1:8765/gemini");
    CHECK(gemini.credential.source == "the relay key");
    CHECK_FALSE(gemini.credential.token);
    // No relay.json: nothing says where the relay forwards.
    CHECK_FALSE(claude.relay);
    CHECK_FALSE(gemini.relay);
  }
  SUBCASE("a route through the relay knows the gateway relay.json forwards it to")
  {
    state.relay = aigw::net::RelayFile{};
    state.relay->routes.gateway = "https://gw.example.com";
    state.relay_file = "/home/me/.config/aigw-setup/relay.json";
    const auto plan = plan_round_trips(selection, state);
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 2);
    CHECK_FALSE(plan->targets[0].relay);
    const auto& gemini = plan->targets[1];
    REQUIRE(gemini.relay);
    CHECK(gemini.relay->upstream == "https://gw.example.com/gemini");
    CHECK(gemini.relay->relay_file == "/home/me/.config/aigw-setup/relay.json");
  }
  SUBCASE("--gateway tests all four; Cursor without a model is skipped")
  {
    selection.urls.gateway = "https://new.example.com";
    selection.models["codex"] = "m-gpt";
    selection.token = aigw::core::RouteCredential{aigw::util::Secret("dapi-given-0123456789"),
                                                  std::nullopt, "$DATABRICKS_TOKEN"};
    const auto plan = plan_round_trips(selection, state);
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 3);
    CHECK(plan->targets[0].base_url == "https://new.example.com/anthropic");
    CHECK(plan->targets[0].model == "m-claude");
    CHECK(plan->targets[1].base_url == "https://new.example.com/openai/v1");
    CHECK(plan->targets[1].model == "m-gpt");
    CHECK(plan->targets[2].base_url == "https://new.example.com/gemini");
    CHECK(plan->targets[2].credential.source == "$DATABRICKS_TOKEN");
    CHECK(plan->skipped
          == std::vector<std::string>{"cursor: no model known (give --cursor-model)"});
  }
  SUBCASE("named routes: OTel from the relay's tables; usage errors say what is missing")
  {
    state.relay = aigw::net::RelayFile{};
    state.relay->tables.logs = "main.default.cc_otel_logs";
    selection.routes = {"otel", "otel"};
    const auto plan = plan_round_trips(selection, state);
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 1);
    CHECK(plan->targets[0].kind == RouteKind::otel_logs);
    CHECK(plan->targets[0].base_url == "https://adb-1.azuredatabricks.net");
    CHECK(plan->targets[0].model == "main.default.cc_otel_logs");

    const auto fails = [&](std::vector<std::string> routes) {
      selection.routes = std::move(routes);
      const auto failed = plan_round_trips(selection, state);
      REQUIRE_FALSE(failed);
      CHECK(failed.error().kind == aigw::util::ErrorKind::usage);
      return failed.error().message;
    };
    CHECK(fails({"cursor"}) == "cursor: no route known: configure it, or give --gateway, "
                               "--workspace or --cursor-url");
    selection.urls.cursor_url = "https://gw.example.com/cursor/v1";
    CHECK(fails({"cursor"}) == "cursor: name the model to test with --cursor-model");
    selection.metrics_table = "main.default";
    CHECK(fails({"otel"}) == "--metrics-table \"main.default\": expected catalog.schema.table");
    selection.env_workspace.reset();
    CHECK(fails({"otel"})
          == "otel: no workspace known: give --workspace or set DATABRICKS_HOST");
  }
  SUBCASE("nothing configured and nothing named")
  {
    const auto plan = plan_round_trips(selection, aigw::core::ConfiguredState{});
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message == "nothing to test: no agent is configured here; name routes "
                                  "(claude codex gemini cursor otel) or give --gateway");
  }
}
