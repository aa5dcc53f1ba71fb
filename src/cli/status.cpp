// SPDX-License-Identifier: MIT
// `status`: per configured agent, its files and whether each still holds what configure
// wrote, the route, model and auth mode, then the credential and the backups. Secrets
// never appear: the credential is shown as "***".
#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "config/document.hpp"
#include "core/credentials.hpp"
#include "core/manifest.hpp"
#include "core/plan.hpp"
#include "net/relay_config.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

// Configure and telemetry each keep the hash of a file as they left it; the file is as
// written when it is as the last of them left it.
std::string
file_state(const core::FileRecord& record, const core::Manifest& manifest)
{
  auto content = util::read_file_if_exists(record.path);
  if (!content) {
    return "unreadable";
  }
  if (!content->has_value()) {
    return "missing";
  }
  const std::string hash = util::sha256_hex(**content);
  for (const auto& other : manifest.files) {
    if (other.path == record.path && other.written_sha256 == hash) {
      return "as written";
    }
  }
  // An edit that broke the file matters more than the edit: the agent ignores the file,
  // and configure and unconfigure refuse to touch it until it parses again.
  const auto format = core::format_from_name(record.format);
  if (format && *format != config::Format::cursor_db) {
    const auto parsed = config::parse_document(*format, std::move(**content));
    if (!parsed) {
      const config::ParseError& error = parsed.error();
      return "edited since, and does not parse (" + std::to_string(error.line) + ":"
             + std::to_string(error.column) + ": " + error.message + ")";
    }
  }
  return "edited since";
}

Json
agent_json(const std::string& agent, const Json& summary, const core::Manifest& manifest)
{
  Json files = Json::array();
  for (const auto* record : manifest.records_of(agent)) {
    files.push_back({{"path", record->path.string()}, {"state", file_state(*record, manifest)}});
  }
  Json json{{"agent", agent}};
  for (const auto& [key, value] : summary.items()) {
    json[key] = value;
  }
  // An agent on the relay holds the relay key inline, not a token. The manifest keeps
  // "secrets": "inline" (doctor reads it to plan a repair); a person or script reads this.
  if (summary.value("auth", std::string()) == "relay") {
    json["secrets"] = "relay key";
    json["holds"] = "relay key";
  }
  json["files"] = files;
  return json;
}

Json
credential_json(const Context& context)
{
  auto credential = core::load_credential(context.paths.credentials_file());
  if (!credential) {
    return nullptr;
  }
  Json json{{"auth", credential->auth}, {"file", context.paths.credentials_file().string()}};
  if (core::is_oauth(*credential)) {
    // No token is kept: tokens are minted from the host or profile when needed.
    json["host"] = *credential->host;
    json["profile"] = credential->profile ? Json(*credential->profile) : Json(nullptr);
  } else if (credential->token_env) {
    json["token_env"] = *credential->token_env;
  } else {
    json["token"] = "***";
  }
  return json;
}

// What relay.json sets the relay up with; null when configure --auth relay never ran.
Json
relay_json(const Context& context)
{
  const auto file = net::relay_file_path(context.paths);
  const auto relay = util::value_or_throw(net::load_relay_file(file));
  if (!relay) {
    return nullptr;
  }
  const auto text = [](const std::optional<std::string>& value) {
    return value ? Json(*value) : Json(nullptr);
  };
  return {{"file", file.string()},
          {"listen", text(relay->listen)},
          {"gateway", text(relay->routes.gateway)},
          {"workspace", text(relay->routes.workspace)}};
}

Json
backups_json(const Context& context)
{
  Json list = Json::array();
  for (const auto& entry : config::list_backups(context.paths.backup_dir())) {
    list.push_back({{"time", entry.time},
                    {"original", entry.original.string()},
                    {"backup", entry.backup.string()}});
  }
  return list;
}

// Cursor keeps a list of models, the others one.
std::string
models_text(const Json& agent)
{
  if (!agent.contains("models")) {
    return "model " + agent.value("model", std::string("-"));
  }
  std::string joined;
  for (const auto& model : agent["models"]) {
    joined += (joined.empty() ? "" : ",") + model.get<std::string>();
  }
  return "models " + (joined.empty() ? std::string("-") : joined);
}

// "pat *** in FILE", "pat from $VAR", or "databricks-cli profile dev, host https://...".
std::string
credential_text(const Json& credential)
{
  const std::string auth = credential["auth"].get<std::string>();
  if (credential.contains("host")) {
    const std::string profile = credential["profile"].is_string()
                                  ? "profile " + credential["profile"].get<std::string>() + ", "
                                  : "";
    return auth + " " + profile + "host " + credential["host"].get<std::string>();
  }
  if (credential.contains("token_env")) {
    return auth + " from $" + credential["token_env"].get<std::string>();
  }
  return auth + " *** in " + credential["file"].get<std::string>();
}

void
print_relay(Context& context, const Json& status)
{
  const Json& relay = status["relay"];
  if (relay.is_null()) {
    return;
  }
  const auto text = [](const Json& value, const char* none) {
    return value.is_string() ? value.get<std::string>() : std::string(none);
  };
  context.out.line("relay: listens on " + text(relay["listen"], "127.0.0.1:8765")
                   + ", forwards to " + text(relay["gateway"], "(no gateway)")
                   + ", OTel to " + text(relay["workspace"], "(no workspace)"));
  if (status["credential"].is_null()) {
    context.out.line("relay: no credential is stored, so only `aigw-setup relay --offline` "
                     "can answer; store one with configure --auth relay --token-file FILE");
  }
}

void
print_text(Context& context, const Json& status)
{
  if (status["agents"].empty()) {
    context.out.line("no agent is configured");
  }
  for (const auto& agent : status["agents"]) {
    context.out.line(agent["agent"].get<std::string>() + ": "
                     + agent.value("route", std::string("(no route)")) + " " + models_text(agent)
                     + " secrets " + agent.value("secrets", std::string("-")));
    for (const auto& file : agent["files"]) {
      context.out.line("  " + shown_path(context, file["path"].get<std::string>()) + ": "
                       + file["state"].get<std::string>());
    }
  }
  if (!status["credential"].is_null()) {
    context.out.line("credential: " + credential_text(status["credential"]));
  }
  print_relay(context, status);
  for (const auto& backup : status["backups"]) {
    context.out.line("backup " + backup["time"].get<std::string>() + " of "
                     + shown_path(context, backup["original"].get<std::string>()) + ": "
                     + shown_path(context, backup["backup"].get<std::string>()));
  }
}

} // namespace

CommandRunner
setup_status(CLI::App&)
{
  return [](Context& context) {
    const auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
    Json agents = Json::array();
    for (const auto& [agent, summary] : manifest.agents) {
      agents.push_back(agent_json(agent, summary, manifest));
    }
    const Json status{{"command", "status"},
                      {"home", context.paths.home.string()},
                      {"agents", agents},
                      {"credential", credential_json(context)},
                      {"relay", relay_json(context)},
                      {"backups", backups_json(context)}};
    print_text(context, status);
    context.out.document(status);
    return ExitCode::ok;
  };
}

} // namespace aigw::cli
