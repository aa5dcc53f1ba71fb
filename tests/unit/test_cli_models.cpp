// SPDX-License-Identifier: MIT
// `models` and `configure --models auto` through the real binary, against the fake gateway
// (Claude's models on its Anthropic route) and the fake workspace (both serving-endpoints
// listings, with an Anthropic, an OpenAI Responses, a Gemini, a chat-only and a not-ready
// endpoint). Tables, JSON documents, error lines and written files are compared whole.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/model_catalog.hpp"
#include "support/cli_runner.hpp"
#include "support/fake_gateway.hpp"
#include "support/fake_workspace.hpp"
#include "support/net_fakes.hpp"
#include "support/test_context.hpp"

using aigw::test::FakeEndpoint;
using aigw::test::FakeGateway;
using aigw::test::FakeWorkspace;
using aigw::test::GatewayFault;
using aigw::test::GatewayLayout;
using aigw::test::run_cli;
using aigw::test::ServingListing;
using aigw::test::TempDir;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> k_token_env{{"DATABRICKS_TOKEN", FakeGateway::k_token}};

const std::string k_header = "model                         agents  source             note\n";
const std::string k_claude_rows =
  "databricks-claude-opus-4-6    claude  gateway            default\n"
  "databricks-claude-sonnet-4-5  claude  gateway            -\n"
  "databricks-claude-haiku-4-5   claude  gateway            -\n";
const std::string k_codex_row =
  "databricks-gpt-5-2            codex   foundation-models  default\n";
const std::string k_gemini_rows =
  "databricks-gemini-2-5-flash   gemini  foundation-models  default\n"
  "databricks-gemini-2-5-pro     gemini  foundation-models  not ready\n";

// A gateway and a workspace that both take FakeGateway::k_token, and a home.
struct Servers
{
  TempDir dir;
  FakeGateway gateway;
  FakeWorkspace workspace;
  std::string home = (dir / "home").string();

  Servers() { workspace.accept_token(FakeGateway::k_token); }

  std::vector<std::string> models(std::vector<std::string> extra) const
  {
    std::vector<std::string> args{"--home", home, "models", "--gateway", gateway.url(),
                                  "--workspace", workspace.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::vector<std::string> workspace_requests() const { return workspace.request_lines(); }
};

Json
model_json(const std::string& name, const std::string& agent, const std::string& source,
           bool ready, const std::string& note)
{
  return {{"model", name}, {"agents", {agent}}, {"source", source}, {"ready", ready},
          {"note", note}};
}

Json
unconfigured(const std::string& agent, const std::string& fallback)
{
  return {{"agent", agent}, {"configured", nullptr}, {"default", fallback}};
}

} // namespace

TEST_CASE("cli models: every agent's models from the gateway and the workspace")
{
  Servers servers;

  SUBCASE("the table: Claude's from the gateway, Codex's and Gemini's by API type")
  {
    const auto result = run_cli(servers.models({}), "", k_token_env);
    CHECK(result.exit_code == 0);
    CHECK(result.out == k_header + k_claude_rows + k_codex_row + k_gemini_rows);
    CHECK(result.err.empty());

    const auto requests = servers.gateway.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].path == "/anthropic/v1/models");
    const auto header = [&](const char* name) { return requests[0].headers.find(name)->second; };
    CHECK(header("authorization") == std::string("Bearer ") + FakeGateway::k_token);
    CHECK(header("anthropic-version") == "2023-06-01");
    CHECK(header("x-databricks-use-coding-agent-mode") == "true");
    CHECK(servers.workspace_requests()
          == std::vector<std::string>{"GET /api/2.0/serving-endpoints:foundation-models"});
  }

  SUBCASE("--json: stable field names")
  {
    const auto result = run_cli({"--json", "--home", servers.home, "models", "--gateway",
                                 servers.gateway.url(), "--workspace", servers.workspace.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 0);
    const Json expected{
      {"command", "models"},
      {"models",
       {model_json("databricks-claude-opus-4-6", "claude", "gateway", true, "default"),
        model_json("databricks-claude-sonnet-4-5", "claude", "gateway", true, "-"),
        model_json("databricks-claude-haiku-4-5", "claude", "gateway", true, "-"),
        model_json("databricks-gpt-5-2", "codex", "foundation-models", true, "default"),
        model_json("databricks-gemini-2-5-flash", "gemini", "foundation-models", true, "default"),
        model_json("databricks-gemini-2-5-pro", "gemini", "foundation-models", false,
                   "not ready")}},
      {"agents",
       {unconfigured("claude", "databricks-claude-opus-4-6"),
        unconfigured("codex", "databricks-gpt-5-2"),
        unconfigured("gemini", "databricks-gemini-2-5-flash")}},
      {"failures", Json::array()}};
    CHECK(Json::parse(result.out) == expected);
    CHECK(result.err.empty());
  }

  SUBCASE("a workspace without the foundation-models listing: the generic one, read by name")
  {
    servers.workspace.fail_listing(ServingListing::foundation_models, 404);
    const auto result = run_cli(servers.models({"--agent", "codex", "--agent", "gemini"}), "",
                                k_token_env);
    CHECK(result.exit_code == 0);
    CHECK(result.out
          == "model                        agents  source             note\n"
             "databricks-gpt-5-2           codex   serving-endpoints  default\n"
             "databricks-gemini-2-5-flash  gemini  serving-endpoints  default\n"
             "databricks-gpt-oss-120b      codex   serving-endpoints  -\n"
             "databricks-gemini-2-5-pro    gemini  serving-endpoints  not ready\n");
    CHECK(servers.workspace_requests()
          == std::vector<std::string>{"GET /api/2.0/serving-endpoints:foundation-models",
                                      "GET /api/2.0/serving-endpoints"});
  }

  SUBCASE("the configured model is marked, and one nothing serves is named")
  {
    const auto configured = run_cli({"--home", servers.home, "configure", "codex", "--gateway",
                                     servers.gateway.url(), "--codex-model", "databricks-gpt-9"},
                                    "", k_token_env);
    REQUIRE(configured.exit_code == 0);
    const auto result = run_cli(servers.models({"--agent", "codex"}), "", k_token_env);
    CHECK(result.exit_code == 0);
    CHECK(result.out
          == "model               agents  source             note\n"
             "databricks-gpt-5-2  codex   foundation-models  default\n"
             "codex: databricks-gpt-9 (configured) is not served here; pick one above with "
             "aigw-setup configure codex --codex-model NAME\n");
  }
}

TEST_CASE("cli models: --agent asks only that agent's source")
{
  Servers servers;
  const auto listed = [&](const char* agent) {
    const auto result = run_cli(servers.models({"--agent", agent}), "", k_token_env);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    return result.out;
  };

  SUBCASE("claude: the gateway alone")
  {
    CHECK(listed("claude")
          == "model                         agents  source   note\n"
             "databricks-claude-opus-4-6    claude  gateway  default\n"
             "databricks-claude-sonnet-4-5  claude  gateway  -\n"
             "databricks-claude-haiku-4-5   claude  gateway  -\n");
    CHECK(servers.workspace_requests().empty());
  }

  SUBCASE("codex: the workspace alone, and only the Responses models")
  {
    CHECK(listed("codex")
          == "model               agents  source             note\n"
             "databricks-gpt-5-2  codex   foundation-models  default\n");
    CHECK(servers.gateway.requests().empty());
  }

  SUBCASE("gemini: the generateContent models, the one not ready marked")
  {
    CHECK(listed("gemini")
          == "model                        agents  source             note\n"
             "databricks-gemini-2-5-flash  gemini  foundation-models  default\n"
             "databricks-gemini-2-5-pro    gemini  foundation-models  not ready\n");
    CHECK(servers.gateway.requests().empty());
  }
}

TEST_CASE("cli models: failures exit 4 with the server's words and a remedy")
{
  Servers servers;
  const std::string models_url = servers.gateway.url() + "/anthropic/v1/models";
  const std::string foundation_url =
    servers.workspace.url() + "/api/2.0/serving-endpoints:foundation-models";

  SUBCASE("one source fails: the other's models still print")
  {
    servers.gateway.set_fault("claude", GatewayFault::forbidden);
    const auto result = run_cli(servers.models({}), "", k_token_env);
    CHECK(result.exit_code == 4);
    CHECK(result.out
          == "model                        agents  source             note\n"
             "databricks-gpt-5-2           codex   foundation-models  default\n"
             "databricks-gemini-2-5-flash  gemini  foundation-models  default\n"
             "databricks-gemini-2-5-pro    gemini  foundation-models  not ready\n");
    CHECK(result.err
          == "aigw-setup: error: claude models: GET " + models_url
               + ": 403 PERMISSION_DENIED: User fake-user@example.com does not have permission "
                 "to query endpoint unknown.; the token's user may not use the Anthropic route "
                 "at 127.0.0.1:"
               + servers.gateway.url().substr(servers.gateway.url().rfind(':') + 1)
               + ": ask a workspace admin for AI Gateway access for coding agents\n");
  }

  SUBCASE("a 200 that is not a models list is a failure, not an empty list")
  {
    aigw::test::FakeHttpServer not_gateway; // answers every request 200 {"ok":true}
    const auto result = run_cli({"--home", servers.home, "models", "--agent", "claude",
                                 "--gateway", not_gateway.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 4);
    CHECK(result.err == "aigw-setup: error: claude models: GET " + not_gateway.url()
                          + "/anthropic/v1/models: 200 with a body that is not an Anthropic "
                            "models list; that URL is not the gateway's Anthropic route: check "
                            "--gateway or --workspace (aigw-setup test claude says which layout "
                            "answers)\n");
  }

  SUBCASE("--json: the failure is in the document")
  {
    servers.workspace.fail_listing(ServingListing::foundation_models, 403);
    const auto result = run_cli({"--json", "--home", servers.home, "models", "--agent", "codex",
                                 "--workspace", servers.workspace.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 4);
    const Json document = Json::parse(result.out);
    CHECK(document["models"] == Json::array());
    CHECK(document["failures"]
          == Json::array({{{"agents", {"codex"}},
                           {"source", "foundation-models"},
                           {"status", 403},
                           {"message", "GET " + foundation_url
                                         + ": 403 PERMISSION_DENIED: User does not have "
                                           "permission to list serving endpoints."},
                           {"remedy", "the token's user may not list serving endpoints in "
                                        "127.0.0.1:" + servers.workspace.url().substr(
                                          servers.workspace.url().rfind(':') + 1)
                                        + ": ask a workspace admin for access to Serving"}}}));
  }

  SUBCASE("401 from the workspace: the token remedy")
  {
    const auto result = run_cli(servers.models({"--agent", "gemini"}), "",
                                {{"DATABRICKS_TOKEN", "dapi-wrong"}});
    CHECK(result.exit_code == 4);
    CHECK(result.out.empty());
    const std::string host = "127.0.0.1:" + servers.workspace.url().substr(
                                              servers.workspace.url().rfind(':') + 1);
    CHECK(result.err
          == "aigw-setup: error: gemini models: GET " + foundation_url
               + ": 401 UNAUTHENTICATED: Credential was not sent or was of an unsupported type "
                 "for this API.; the token was refused by " + host
               + ": give a valid one with --token-stdin, --token-file or DATABRICKS_TOKEN\n");
  }

  SUBCASE("404 from both listings: not a workspace")
  {
    servers.workspace.fail_listing(ServingListing::foundation_models, 404);
    servers.workspace.fail_listing(ServingListing::all, 404);
    const auto result = run_cli(servers.models({"--agent", "codex"}), "", k_token_env);
    CHECK(result.exit_code == 4);
    CHECK(result.err.find("codex models: GET " + servers.workspace.url()
                          + "/api/2.0/serving-endpoints: 404 ENDPOINT_NOT_FOUND: No API found "
                            "for 'GET /2.0/serving-endpoints'; ")
          == std::string("aigw-setup: error: ").size());
    CHECK(result.err.ends_with("does not list serving endpoints: check that --workspace (or "
                               "DATABRICKS_HOST) names the workspace, not the gateway\n"));
  }

  SUBCASE("the Anthropic route 404s: the wrong gateway layout")
  {
    FakeGateway hosted(GatewayLayout::workspace_hosted);
    const auto result = run_cli({"--home", servers.home, "models", "--agent", "claude",
                                 "--gateway", hosted.url()},
                                "", k_token_env);
    CHECK(result.exit_code == 4);
    CHECK(result.out.empty());
    CHECK(result.err
          == "aigw-setup: error: claude models: GET " + hosted.url()
               + "/anthropic/v1/models: 404 Not Found: Not Found; " + hosted.url()
               + "/anthropic is not the gateway's Anthropic route (wrong gateway layout?): "
                 "--gateway URL serves URL/anthropic, --workspace URL serves "
                 "URL/ai-gateway/anthropic; aigw-setup test claude tries the other layout\n");
  }

  SUBCASE("both sources fail: both are named")
  {
    servers.gateway.set_fault("claude", GatewayFault::server_error);
    servers.workspace.fail_listing(ServingListing::foundation_models, 403);
    const auto result = run_cli(servers.models({}), "", k_token_env);
    CHECK(result.exit_code == 4);
    CHECK(result.out.empty());
    CHECK(result.err.starts_with("aigw-setup: error: claude models: GET " + models_url
                                 + ": 503 TEMPORARILY_UNAVAILABLE: "));
    CHECK(result.err.find("; codex and gemini models: GET " + foundation_url + ": 403 ")
          != std::string::npos);
  }
}

TEST_CASE("cli models: usage errors")
{
  TempDir dir;
  const std::string home = (dir / "home").string();

  SUBCASE("nothing configured and no place given")
  {
    const auto result = run_cli({"--home", home, "models"}, "", k_token_env);
    CHECK(result.exit_code == 2);
    CHECK(result.err
          == "aigw-setup: error: nothing to list: configure an agent, or give --gateway or "
             "--workspace\n");
  }

  SUBCASE("a named agent with no workspace known")
  {
    const auto result = run_cli({"--home", home, "models", "--agent", "codex", "--gateway",
                                 "https://gw.example.com"},
                                "", k_token_env);
    CHECK(result.exit_code == 2);
    CHECK(result.err == "aigw-setup: error: codex: no workspace known to list serving endpoints: "
                        "give --workspace or set DATABRICKS_HOST\n");
  }
}

TEST_CASE("cli configure --models auto: each agent's model from what is served")
{
  Servers servers;
  const fs::path home = servers.home;
  const auto configure = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"--home", servers.home, "configure", "--gateway",
                                  servers.gateway.url(), "--workspace", servers.workspace.url(),
                                  "--gemini-trust", "off", "--models", "auto"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args, "", k_token_env);
  };

  SUBCASE("the defaults when they are served: said on stderr and in the report")
  {
    const auto result = configure({"gemini", "--secrets", "inline"});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "aigw-setup: warning: gemini: --models auto picked "
                        "databricks-gemini-2-5-flash (the default, served)\n");
    CHECK(result.out.find("gemini: model databricks-gemini-2-5-flash (picked by --models auto "
                          "from what is served)\n")
          != std::string::npos);
    CHECK(aigw::test::read_bytes(home / ".gemini" / ".env")
          == "GEMINI_MODEL=databricks-gemini-2-5-flash\n"
             "GOOGLE_GEMINI_BASE_URL=" + servers.gateway.url() + "/gemini\n"
             "GEMINI_API_KEY_AUTH_MECHANISM=bearer\n"
             "GEMINI_API_KEY=" + std::string(FakeGateway::k_token) + "\n");
    CHECK(servers.gateway.requests().empty());
  }

  SUBCASE("the default not served: the closest name, written byte for byte")
  {
    servers.gateway.serve_models({"databricks-claude-sonnet-4-5", "databricks-claude-opus-4-1",
                                  "databricks-claude-haiku-4-5"});
    servers.workspace.serve_endpoints({{"databricks-gpt-5-mini", {"openai/v1/responses"}},
                                       {"databricks-gpt-5-1", {"openai/v1/responses"}},
                                       {"databricks-gpt-4o", {"openai/v1/chat/completions"}}});
    const auto result = configure({"claude", "codex"});
    CHECK(result.exit_code == 0);
    CHECK(result.err
          == "aigw-setup: warning: claude: --models auto picked databricks-claude-opus-4-1 (the "
             "default databricks-claude-opus-4-6 is not served; databricks-claude-opus-4-1 is "
             "the closest served name)\n"
             "aigw-setup: warning: codex: --models auto picked databricks-gpt-5-1 (the default "
             "databricks-gpt-5-2 is not served; databricks-gpt-5-1 is the closest served name)\n");
    CHECK(aigw::test::read_bytes(home / ".claude" / "settings.json")
          == "{\n"
             "  \"env\": {\n"
             "    \"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-1\",\n"
             "    \"ANTHROPIC_BASE_URL\": \"" + servers.gateway.url() + "/anthropic\",\n"
             "    \"ANTHROPIC_CUSTOM_HEADERS\": \"x-databricks-use-coding-agent-mode: true\",\n"
             "    \"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS\": \"1\"\n"
             "  },\n"
             "  \"apiKeyHelper\": \"" AIGW_BINARY " --home " + servers.home + " token\"\n"
             "}\n");
    CHECK(aigw::test::read_bytes(home / ".codex" / "config.toml").find(
            "model = \"databricks-gpt-5-1\"\n")
          != std::string::npos);
  }

  SUBCASE("an explicit model wins: that agent's source is not asked")
  {
    const auto result = configure({"codex", "--codex-model", "my-codex-model"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(servers.workspace_requests().empty());
    CHECK(aigw::test::read_bytes(home / ".codex" / "config.toml").find(
            "model = \"my-codex-model\"\n")
          != std::string::npos);
  }

  SUBCASE("nothing served for an agent: exit 4 naming it and what was found; nothing written")
  {
    servers.workspace.serve_endpoints({{"databricks-claude-opus-4-6", {"anthropic/v1/messages"}},
                                       {"databricks-gemini-2-5-pro",
                                        {"gemini/v1/generateContent"},
                                        false}});
    const auto result = configure({"gemini"});
    CHECK(result.exit_code == 4);
    CHECK(result.err == "aigw-setup: error: gemini: --models auto found no model gemini can "
                        "use; found: databricks-gemini-2-5-pro (gemini, not ready)\n");
    CHECK_FALSE(fs::exists(home / ".gemini"));
  }

  SUBCASE("a listing that fails stops the run before anything is written")
  {
    servers.workspace.fail_listing(ServingListing::foundation_models, 403);
    const auto result = configure({"codex"});
    CHECK(result.exit_code == 4);
    CHECK(result.err.starts_with("aigw-setup: error: codex models: GET " + servers.workspace.url()
                                 + "/api/2.0/serving-endpoints:foundation-models: 403 "
                                   "PERMISSION_DENIED: "));
    CHECK_FALSE(fs::exists(home / ".codex"));
  }

  SUBCASE("--dry-run still asks, and the diff shows the pick")
  {
    servers.gateway.serve_models({"databricks-claude-sonnet-4-5"});
    const auto result = run_cli({"--home", servers.home, "--dry-run", "configure", "claude",
                                 "--gateway", servers.gateway.url(), "--claude-model", "auto"},
                                "", k_token_env);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("+    \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\",\n")
          != std::string::npos);
    CHECK(result.out.ends_with("dry run: nothing was written\n"));
    REQUIRE(servers.gateway.requests().size() == 1);
    CHECK(servers.gateway.requests()[0].path == "/anthropic/v1/models");
    CHECK_FALSE(fs::exists(home / ".claude" / "settings.json"));
  }
}

TEST_CASE("cli apply: model: auto in a rollout file")
{
  Servers servers;
  servers.workspace.serve_endpoints({{"databricks-gpt-5-1", {"openai/v1/responses"}}});
  const fs::path rollout = servers.dir / "rollout.yaml";
  std::ofstream(rollout) << "version: 1\n"
                            "gateway: " << servers.gateway.url() << "\n"
                            "workspace: " << servers.workspace.url() << "\n"
                            "auth:\n"
                            "  token_env: DATABRICKS_TOKEN\n"
                            "agents:\n"
                            "  codex:\n"
                            "    model: auto\n";
  const auto result = run_cli({"--home", servers.home, "apply", "-f", rollout.string()}, "",
                              k_token_env);
  CHECK(result.exit_code == 0);
  CHECK(result.err == "aigw-setup: warning: codex: --models auto picked databricks-gpt-5-1 (the "
                      "default databricks-gpt-5-2 is not served; databricks-gpt-5-1 is the "
                      "closest served name)\n");
  CHECK(aigw::test::read_bytes(fs::path(servers.home) / ".codex" / "config.toml")
          .find("model = \"databricks-gpt-5-1\"\n")
        != std::string::npos);
}

TEST_CASE("core::pick_model: the default when served, else the closest name")
{
  using aigw::core::CatalogModel;
  using aigw::core::ModelCatalog;
  using aigw::core::ModelSource;
  const auto catalog = [](std::vector<std::pair<std::string, bool>> models) {
    ModelCatalog result;
    for (const auto& [name, ready] : models) {
      result.models.push_back(CatalogModel{name, {"codex"}, ModelSource::foundation_models, ready});
    }
    return result;
  };
  const auto pick = [](const ModelCatalog& from, const std::string& fallback) {
    return aigw::core::pick_model(from, "codex", fallback);
  };

  CHECK(pick(catalog({{"databricks-gpt-5-1", true}, {"databricks-gpt-5-2", true}}),
             "databricks-gpt-5-2")
          ->reason
        == "the default, served");
  CHECK(pick(catalog({{"databricks-claude-sonnet-4-5", true},
                      {"databricks-claude-opus-4-1", true}}),
             "databricks-claude-opus-4-6")
          ->model
        == "databricks-claude-opus-4-1");
  CHECK(pick(catalog({{"databricks-gpt-5-mini", true}, {"databricks-gpt-5-1", true}}),
             "databricks-gpt-5-2")
          ->model
        == "databricks-gpt-5-1");
  CHECK(pick(catalog({{"databricks-gpt-x-b", true}, {"databricks-gpt-x-a", true}}),
             "databricks-gpt-5-2")
          ->model
        == "databricks-gpt-x-a");
  CHECK(pick(catalog({{"databricks-gpt-5-2", false}, {"databricks-gpt-4", true}}),
             "databricks-gpt-5-2")
          ->model
        == "databricks-gpt-4");

  const auto none = pick(catalog({{"databricks-gpt-5-2", false}}), "databricks-gpt-5-2");
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "codex: --models auto found no model codex can use; found: "
                                "databricks-gpt-5-2 (codex, not ready)");
  CHECK(pick(ModelCatalog{}, "databricks-gpt-5-2").error().message
        == "codex: --models auto found no model codex can use; found: nothing");
}

TEST_CASE("core::models_in_serving_listing: API types first, names only without them")
{
  const Json listing = Json::parse(R"({"endpoints": [
    {"name": "responses-by-type", "config": {"served_entities": [{"foundation_model":
      {"api_types": ["openai/v1/responses", "gemini/v1/generateContent"]}}]}},
    {"name": "databricks-gpt-chat-only", "config": {"served_entities": [{"foundation_model":
      {"api_types": ["openai/v1/chat/completions"]}}]}},
    {"name": "databricks-gpt-embed", "task": "llm/v1/embeddings"},
    {"name": "external", "task": "llm/v1/chat", "state": {"ready": "NOT_READY"},
     "config": {"served_entities": [{"external_model": {"name": "gemini-2.5-pro"}}]}},
    {"config": {}}, "not an object"]})");
  const auto models =
    aigw::core::models_in_serving_listing(listing, aigw::core::ModelSource::serving_endpoints);
  REQUIRE(models.size() == 2);
  CHECK(models[0].name == "responses-by-type");
  CHECK(models[0].agents == std::vector<std::string>{"codex", "gemini"});
  CHECK(models[0].ready);
  CHECK(models[1].name == "external");
  CHECK(models[1].agents == std::vector<std::string>{"gemini"});
  CHECK_FALSE(models[1].ready);
}

TEST_CASE("cli configure --models auto with --auth databricks-cli: a token minted now")
{
  Servers servers;
  const fs::path bin = servers.dir / "bin";
  const std::string answer = "{\"access_token\":\"" + std::string(FakeGateway::k_token)
                             + "\",\"token_type\":\"Bearer\",\"expiry\":\"2099-01-01T00:00:00Z\"}";
  aigw::test::write_bytes(bin / "databricks", "#!/bin/sh\necho '" + answer + "'\n");
  fs::permissions(bin / "databricks", fs::perms::owner_all);

  const auto result = run_cli({"--home", servers.home, "configure", "codex", "--auth",
                               "databricks-cli", "--workspace", servers.workspace.url(),
                               "--models", "auto"},
                              "", {{"PATH", bin.string() + ":/usr/bin:/bin"}});
  CHECK(result.exit_code == 0);
  CHECK(result.err == "aigw-setup: warning: codex: --models auto picked databricks-gpt-5-2 (the "
                      "default, served)\n");
  const auto requests = servers.workspace.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].headers.at("authorization")
        == std::string("Bearer ") + FakeGateway::k_token);
}
