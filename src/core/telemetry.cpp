// SPDX-License-Identifier: MIT
// The telemetry planners. Each signal carries its table in X-Databricks-UC-Table-Name; the
// credential travels as the request says: a headers helper (Claude Code's otelHeadersHelper
// and Codex's [otel] headers_helper, whose JSON headers both merge with the per-signal ones:
// seen with Claude Code 2.1.197 and Codex 0.171.0 against a loopback listener), the token
// itself, or the relay key. OTLP header lists are "k=v,k=v", so a credential holding "," or
// "=" cannot be written there and is refused.
#include "core/telemetry.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "core/otel_tables.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

constexpr const char* k_table_header = "X-Databricks-UC-Table-Name";

// Codex: [otel] metrics_exporter and headers_helper were seen working in 0.171.0; for
// older releases neither could be confirmed, so only the log exporter is written there.
constexpr int k_codex_otel_helper_minor = 171;

std::string
bearer(const TelemetryRequest& request)
{
  return "Bearer " + request.secret->reveal();
}

bool
credential_in_file(const TelemetryRequest& request)
{
  return request.credential != TelemetryCredential::helper;
}

// "content-type=...,Authorization=Bearer ...,X-Databricks-UC-Table-Name=c.s.t", the
// form of Databricks' own instructions.
std::string
claude_headers(const TelemetryRequest& request, const std::string& table)
{
  std::string headers = "content-type=application/x-protobuf,";
  if (credential_in_file(request)) {
    headers += "Authorization=" + bearer(request) + ",";
  }
  return headers + k_table_header + "=" + table;
}

util::Result<AgentPlan>
plan_claude(const TelemetryRequest& request, const Paths& paths)
{
  AgentPlan plan{"claude"};
  FilePlan settings{paths.claude_settings, config::Format::json};
  const bool secret = credential_in_file(request);
  const auto env = [&](const char* name, const std::string& value, bool is_secret = false) {
    settings.edits.push_back(KeyEdit{{"env", name}, value, is_secret});
  };

  env("CLAUDE_CODE_ENABLE_TELEMETRY", "1");
  env("OTEL_METRICS_EXPORTER", "otlp");
  env("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf");
  env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", request.otel_base + "/v1/metrics");
  env("OTEL_EXPORTER_OTLP_METRICS_HEADERS", claude_headers(request, request.tables.metrics),
      secret);
  env("OTEL_METRIC_EXPORT_INTERVAL", std::to_string(request.metrics_interval_ms));
  env("OTEL_LOGS_EXPORTER", "otlp");
  env("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf");
  env("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", request.otel_base + "/v1/logs");
  env("OTEL_EXPORTER_OTLP_LOGS_HEADERS", claude_headers(request, request.tables.logs), secret);
  env("OTEL_LOGS_EXPORT_INTERVAL", std::to_string(request.logs_interval_ms));

  // A helper of the user's own would add its headers to ours: with the credential in the
  // file it is taken out (and put back by disable), as configure does with apiKeyHelper.
  std::optional<config::Json> helper;
  if (secret) {
    settings.sensitivity = config::Sensitivity::secret;
  } else {
    helper = request.helper_command;
  }
  settings.edits.push_back(KeyEdit{{"otelHeadersHelper"}, helper, false});
  plan.files.push_back(std::move(settings));
  return plan;
}

std::optional<int>
codex_minor(const std::optional<std::string>& version)
{
  int major = 0;
  int minor = 0;
  if (!version || std::sscanf(version->c_str(), "%d.%d", &major, &minor) != 2) {
    return std::nullopt;
  }
  return major > 0 ? 1'000 : minor;
}

// { otlp-http = { endpoint, protocol = "binary", headers = {...} } }, one per signal.
config::Json
codex_exporter(const TelemetryRequest& request, const std::string& signal,
               const std::string& table)
{
  config::Json headers = config::Json::object();
  if (credential_in_file(request)) {
    headers["Authorization"] = bearer(request);
  }
  headers[k_table_header] = table;
  const config::Json http{{"endpoint", request.otel_base + "/v1/" + signal},
                          {"protocol", "binary"},
                          {"headers", headers}};
  return config::Json{{"otlp-http", http}};
}

util::Result<AgentPlan>
plan_codex(const TelemetryRequest& request, const Paths& paths)
{
  AgentPlan plan{"codex"};
  FilePlan file{paths.codex_config, config::Format::toml};
  const bool secret = credential_in_file(request);
  const auto minor = codex_minor(request.codex_version);
  const bool current = !minor || *minor >= k_codex_otel_helper_minor;

  // A plain key first, so that the exporters go into an [otel] section as inline tables.
  // Prompts stay out of the logs, as Claude Code keeps them out by default.
  file.edits.push_back({{"otel", "log_user_prompt"}, false});
  file.edits.push_back({{"otel", "exporter"}, codex_exporter(request, "logs",
                                                             request.tables.logs), secret});
  if (current) {
    file.edits.push_back({{"otel", "metrics_exporter"},
                          codex_exporter(request, "metrics", request.tables.metrics), secret});
  } else {
    plan.notes.push_back("Codex " + *request.codex_version
                         + " exports only logs here ([otel] metrics_exporter was first seen "
                           "in 0.171.0)");
  }
  if (secret) {
    file.sensitivity = config::Sensitivity::secret;
    file.edits.push_back({{"otel", "headers_helper"}, std::nullopt});
  } else {
    file.edits.push_back({{"otel", "headers_helper"}, request.helper_command});
    if (!current) {
      plan.warnings.push_back("Codex " + *request.codex_version
                              + " may predate [otel] headers_helper (first seen in 0.171.0): "
                                "its exports would carry no credential; upgrade Codex, or use "
                                "--secrets inline or the relay");
    }
  }
  plan.files.push_back(std::move(file));
  return plan;
}

util::Result<AgentPlan>
plan_gemini(const TelemetryRequest& request, const Paths& paths)
{
  if (request.credential != TelemetryCredential::relay_key) {
    return util::fail(ErrorKind::usage,
                      "Gemini CLI cannot add the workspace's headers to its telemetry, so its "
                      "telemetry goes through the local relay: run `aigw-setup configure "
                      "gemini --auth relay` first (or give --relay)");
  }
  AgentPlan plan{"gemini"};

  // Gemini CLI appends /v1/metrics, /v1/logs and /v1/traces to an "http" endpoint. It has no
  // settings key for headers, but its OTel exporters read OTEL_EXPORTER_OTLP_HEADERS from
  // the environment, which it loads from ~/.gemini/.env: that carries the relay key (seen
  // with Gemini CLI 0.61.0 against a loopback listener). Prompts stay out of the logs, as
  // Claude Code keeps them out by default.
  FilePlan settings{paths.gemini_settings, config::Format::jsonc};
  settings.edits.push_back({{"telemetry", "enabled"}, true});
  settings.edits.push_back({{"telemetry", "target"}, "local"});
  settings.edits.push_back({{"telemetry", "otlpEndpoint"}, request.otel_base});
  settings.edits.push_back({{"telemetry", "otlpProtocol"}, "http"});
  settings.edits.push_back({{"telemetry", "logPrompts"}, false});

  FilePlan env{paths.gemini_env, config::Format::dotenv, config::Sensitivity::secret};
  env.edits.push_back({{"OTEL_EXPORTER_OTLP_HEADERS"}, "Authorization=" + bearer(request), true});

  // The relay adds X-Databricks-UC-Table-Name to exports that come without one.
  FilePlan relay{request.relay_file, config::Format::json};
  relay.edits.push_back({{"tables", "metrics"}, request.tables.metrics});
  relay.edits.push_back({{"tables", "logs"}, request.tables.logs});

  plan.files.push_back(std::move(settings));
  plan.files.push_back(std::move(env));
  plan.files.push_back(std::move(relay));
  // The relay turns Gemini CLI's OTLP/JSON into protobuf; its spans have no table here.
  plan.warnings.push_back("Gemini CLI sends spans too; the relay does not keep them, and Gemini "
                          "CLI prints \"Received Partial Success response\" for them, unless "
                          "relay.json names a traces table (\"tables\": {\"traces\": "
                          "\"<catalog>.<schema>.<prefix>_otel_spans\"})");
  return plan;
}

util::Result<void>
check_credential(const TelemetryRequest& request)
{
  if (!credential_in_file(request)) {
    return {};
  }
  if (request.secret->reveal().find_first_of(",=") != std::string::npos) {
    return util::fail(ErrorKind::usage,
                      "the token holds \",\" or \"=\", which an OTLP header list cannot carry; "
                      "use --secrets helper");
  }
  return {};
}

using Planner = util::Result<AgentPlan> (*)(const TelemetryRequest&, const Paths&);

constexpr std::array<std::pair<std::string_view, Planner>, 3> k_planners{{
  {"claude", plan_claude},
  {"codex", plan_codex},
  {"gemini", plan_gemini},
}};

} // namespace

std::string
to_string(TelemetryCredential credential)
{
  switch (credential) {
  case TelemetryCredential::helper:
    return "helper";
  case TelemetryCredential::inline_token:
    return "inline";
  case TelemetryCredential::relay_key:
    return "relay";
  }
  return "helper";
}

util::Result<void>
validate_table_name(std::string_view name, std::string_view option)
{
  const auto parts = util::split(name, '.');
  if (parts.size() != 3) {
    return util::fail(ErrorKind::usage, std::string(option) + " \"" + std::string(name)
                                          + "\": expected catalog.schema.table");
  }
  for (const auto& part : parts) {
    AIGW_TRY(validate_uc_name(part, option));
  }
  return {};
}

util::Result<AgentPlan>
plan_telemetry(const std::string& agent, const TelemetryRequest& request, const Paths& paths)
{
  AIGW_TRY(check_credential(request));
  const auto planner = std::find_if(k_planners.begin(), k_planners.end(),
                                    [&](const auto& entry) { return entry.first == agent; });
  if (planner == k_planners.end()) {
    return util::fail(ErrorKind::usage, "telemetry: \"" + agent
                                          + "\" has no telemetry to set up (claude, codex or "
                                            "gemini)");
  }
  auto plan = planner->second(request, paths);
  AIGW_TRY(plan);
  plan->summary = {{"endpoint", request.otel_base},
                   {"metrics_table", request.tables.metrics},
                   {"logs_table", request.tables.logs},
                   {"credential", to_string(request.credential)}};
  return plan;
}

} // namespace aigw::core
