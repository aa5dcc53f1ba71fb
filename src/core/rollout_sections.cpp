// SPDX-License-Identifier: MIT
// The `agents` and `telemetry` sections of the rollout schema. Headers, Unity Catalog names
// and table names go through the checks the command line uses, and their messages are
// placed at the value's line and column.
#include <algorithm>

#include "core/rollout.hpp"
#include "core/rollout_reader.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Keys = std::vector<std::string>;

const Keys k_telemetry_keys{"catalog", "schema", "prefix", "metrics_table", "logs_table", "enable"};
const Keys k_telemetry_agents{"claude", "codex", "gemini"};

Keys
agent_keys(const std::string& agent)
{
  if (agent == "claude") {
    return {"model", "url", "headers", "skip_onboarding"};
  }
  if (agent == "codex") {
    return {"model", "url", "headers", "migrate_profiles"};
  }
  if (agent == "gemini") {
    return {"model", "url", "headers", "trust"};
  }
  return {"models", "url", "write_state"}; // Cursor sends no custom headers
}

util::Result<Header>
header_of(const RolloutReader& reader, const RolloutField& field)
{
  const std::string lower = util::to_lower(field.key);
  if (lower == "authorization" || lower == k_coding_agent_header) {
    return reader.fail_at_key(field, "aigw-setup sets this header itself");
  }
  auto value = reader.text(field);
  AIGW_TRY(value);
  const std::string text = field.key + ": " + *value;
  auto header = parse_header(text);
  if (!header) {
    return reader.fail(field,
                       without_prefix(header.error().message, "--header \"" + text + "\": "));
  }
  return header;
}

util::Result<std::vector<Header>>
headers_of(const RolloutReader& reader, const RolloutField& map)
{
  AIGW_TRY(reader.check_keys(map, {}));
  std::vector<Header> headers;
  for (const auto& field : reader.entries(map)) {
    auto header = header_of(reader, field);
    AIGW_TRY(header);
    headers.push_back(std::move(*header));
  }
  return headers;
}

util::Result<std::string>
trust_of(const RolloutReader& reader, const RolloutField& field)
{
  auto value = reader.text(field);
  AIGW_TRY(value);
  if (*value != "off" && !std::filesystem::path(*value).is_absolute()) {
    return reader.fail(field, "expected \"off\" or an absolute folder, got \"" + *value + "\"");
  }
  return value;
}

util::Result<std::string>
model_of(const RolloutReader& reader, const RolloutField& field)
{
  auto value = reader.text(field);
  AIGW_TRY(value);
  if (value->empty()) {
    return reader.fail(field, "a model name cannot be empty");
  }
  return value;
}

util::Result<void>
read_switches(const RolloutReader& reader, const RolloutField& map, RolloutAgent& agent)
{
  const std::pair<const char*, bool*> switches[] = {
    {"skip_onboarding", &agent.skip_onboarding},
    {"migrate_profiles", &agent.migrate_profiles},
    {"write_state", &agent.write_state},
  };
  for (const auto& [key, target] : switches) {
    if (auto field = reader.find(map, key)) {
      auto value = reader.boolean(*field);
      AIGW_TRY(value);
      *target = *value;
    }
  }
  return {};
}

util::Result<RolloutAgent>
read_agent(const RolloutReader& reader, const RolloutField& map, const std::string& name)
{
  AIGW_TRY(reader.check_keys(map, agent_keys(name)));
  RolloutAgent agent{name};
  const auto model = [&](const RolloutField& field) { return model_of(reader, field); };
  AIGW_TRY(read_optional(reader, map, "model", agent.model, model));
  if (auto models = reader.find(map, "models")) {
    AIGW_TRY(reader.texts(*models)); // a list of strings, or the error saying what it is
    for (const auto& item : reader.items(*models)) {
      auto value = model_of(reader, item);
      AIGW_TRY(value);
      agent.models.push_back(std::move(*value));
    }
  }
  const auto url = [&](const RolloutField& field) { return reader.url(field); };
  AIGW_TRY(read_optional(reader, map, "url", agent.url, url));
  if (auto headers = reader.find(map, "headers")) {
    auto list = headers_of(reader, *headers);
    AIGW_TRY(list);
    agent.headers = std::move(*list);
  }
  std::optional<std::string> trust;
  const auto folder = [&](const RolloutField& field) { return trust_of(reader, field); };
  AIGW_TRY(read_optional(reader, map, "trust", trust, folder));
  agent.trust = trust.value_or("off");
  AIGW_TRY(read_switches(reader, map, agent));
  return agent;
}

// A Unity Catalog name part; the shared check's message names `field.path` itself.
util::Result<std::string>
uc_name(const RolloutReader& reader, const RolloutField& field, std::size_t max_length)
{
  auto value = reader.text(field);
  AIGW_TRY(value);
  if (auto valid = validate_uc_name(*value, field.path, max_length); !valid) {
    return reader.fail_placed(field, valid.error().message);
  }
  return value;
}

util::Result<std::string>
table_of(const RolloutReader& reader, const RolloutField& field)
{
  auto value = reader.text(field);
  AIGW_TRY(value);
  const auto parts = util::split(*value, '.');
  if (parts.size() != 3) {
    return reader.fail(field, "expected catalog.schema.table, got \"" + *value + "\"");
  }
  for (const auto& part : parts) {
    if (auto valid = validate_uc_name(part, field.path); !valid) {
      return reader.fail_placed(field, valid.error().message);
    }
  }
  return value;
}

util::Result<std::optional<TableNames>>
table_names(const RolloutReader& reader, const RolloutField& map)
{
  // The prefix must leave room for the longest suffix in a table name.
  const std::size_t prefix_length = k_max_uc_name - std::string_view("_otel_metrics").size();
  std::optional<std::string> catalog, schema, prefix;
  const auto part = [&](std::size_t max) {
    return [&reader, max](const RolloutField& field) { return uc_name(reader, field, max); };
  };
  AIGW_TRY(read_optional(reader, map, "catalog", catalog, part(k_max_uc_name)));
  AIGW_TRY(read_optional(reader, map, "schema", schema, part(k_max_uc_name)));
  AIGW_TRY(read_optional(reader, map, "prefix", prefix, part(prefix_length)));
  if (!catalog && !schema && !prefix) {
    return std::optional<TableNames>{};
  }
  const std::string hint = "catalog, schema and prefix go together";
  if (!catalog || !schema || !prefix) {
    return reader.missing(map, !catalog ? "catalog" : !schema ? "schema" : "prefix", hint);
  }
  return std::optional<TableNames>(TableNames{*catalog, *schema, *prefix});
}

util::Result<std::vector<std::string>>
enabled_agents(const RolloutReader& reader, const RolloutField& list)
{
  AIGW_TRY(reader.texts(list));
  std::vector<std::string> agents;
  for (const auto& item : reader.items(list)) {
    auto agent = reader.one_of(item, k_telemetry_agents);
    AIGW_TRY(agent);
    agents.push_back(std::move(*agent));
  }
  return agents;
}

} // namespace

util::Result<void>
read_agents(const RolloutReader& reader, const RolloutField& root, Rollout& rollout)
{
  const auto agents = reader.find(root, "agents");
  const std::string hint = "name at least one of " + util::join(k_agents, ", ");
  if (!agents) {
    return reader.missing(root, "agents", hint);
  }
  AIGW_TRY(reader.check_keys(*agents, k_agents));
  for (const auto& name : k_agents) {
    if (auto map = reader.find(*agents, name)) {
      auto agent = read_agent(reader, *map, name);
      AIGW_TRY(agent);
      rollout.agents.push_back(std::move(*agent));
    }
  }
  if (rollout.agents.empty()) {
    return reader.fail(*agents, hint);
  }
  return {};
}

util::Result<void>
read_telemetry(const RolloutReader& reader, const RolloutField& map, Rollout& rollout)
{
  AIGW_TRY(reader.check_keys(map, k_telemetry_keys));
  RolloutTelemetry telemetry;
  auto names = table_names(reader, map);
  AIGW_TRY(names);
  telemetry.names = *names;

  const auto table = [&](const RolloutField& field) { return table_of(reader, field); };
  AIGW_TRY(read_optional(reader, map, "metrics_table", telemetry.metrics_table, table));
  AIGW_TRY(read_optional(reader, map, "logs_table", telemetry.logs_table, table));
  const bool tables = telemetry.metrics_table || telemetry.logs_table;
  const std::string choice = "catalog, schema and prefix, or metrics_table and logs_table";
  if (tables && !(telemetry.metrics_table && telemetry.logs_table)) {
    return reader.missing(map, telemetry.metrics_table ? "logs_table" : "metrics_table",
                          "metrics_table and logs_table go together");
  }
  if (tables == telemetry.names.has_value()) {
    return reader.fail(map, (tables ? "give " + choice + ", not both" : "give " + choice));
  }

  if (auto enable = reader.find(map, "enable")) {
    auto agents = enabled_agents(reader, *enable);
    AIGW_TRY(agents);
    telemetry.enable = std::move(*agents);
  }
  rollout.telemetry = std::move(telemetry);
  return {};
}

} // namespace aigw::core
