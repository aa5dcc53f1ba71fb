// SPDX-License-Identifier: MIT
// The rollout schema, section by section, on top of RolloutReader's typed reads. Values are
// checked with the same code the command line uses (URLs, headers, the relay address, Unity
// Catalog names), and their messages are placed at the value's line and column. The whole
// file is read before anything is returned, so `apply` touches nothing on a bad file.
#include "core/rollout.hpp"

#include <algorithm>

#include "core/gateway.hpp"
#include "core/rollout_reader.hpp"
#include "net/relay_config.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Keys = std::vector<std::string>;

const Keys k_top_keys{"version", "workspace", "gateway",   "auth",   "secrets",
                      "agents",  "telemetry", "relay",     "managed"};
const Keys k_auth_keys{"method", "profile", "token_env", "token_file"};
const Keys k_relay_keys{"listen", "auth"};
const Keys k_relay_credentials{"pat", "databricks-cli", "oauth-m2m"};

util::Result<void>
read_version(const RolloutReader& reader, const RolloutField& root, Rollout& rollout)
{
  const auto field = reader.find(root, "version");
  if (!field) {
    return reader.missing(root, "version",
                          "write \"version: " + std::to_string(k_rollout_version) + "\" first");
  }
  auto version = reader.number(*field);
  AIGW_TRY(version);
  if (*version != k_rollout_version) {
    return reader.fail(*field, std::to_string(*version)
                                 + " is not supported; this aigw-setup reads version "
                                 + std::to_string(k_rollout_version));
  }
  rollout.version = *version;
  return {};
}

util::Result<std::string>
variable_name(const RolloutReader& reader, const RolloutField& field)
{
  auto name = reader.text(field);
  AIGW_TRY(name);
  if (!is_variable_name(*name)) {
    return reader.fail(field,
                       "expected the name of an environment variable (letters, digits and _)");
  }
  return name;
}

util::Result<void>
read_auth(const RolloutReader& reader, const RolloutField& auth, Rollout& rollout)
{
  AIGW_TRY(reader.check_keys(auth, k_auth_keys));
  if (auto method = reader.find(auth, "method")) {
    auto value = reader.one_of(*method, {"pat", "databricks-cli", "relay"});
    AIGW_TRY(value);
    rollout.auth = *value;
  }
  const auto text = [&](const RolloutField& field) { return reader.text(field); };
  const auto name = [&](const RolloutField& field) { return variable_name(reader, field); };
  AIGW_TRY(read_optional(reader, auth, "profile", rollout.profile, text));
  AIGW_TRY(read_optional(reader, auth, "token_env", rollout.token_env, name));

  std::optional<std::string> token_file;
  AIGW_TRY(read_optional(reader, auth, "token_file", token_file, text));
  if (token_file && rollout.token_env) {
    return reader.fail(*reader.find(auth, "token_file"), "give token_env or token_file, not both");
  }
  if (rollout.auth == "databricks-cli" && (token_file || rollout.token_env)) {
    return reader.fail(*reader.find(auth, token_file ? "token_file" : "token_env"),
                       "goes with method pat or relay; databricks-cli keeps no token (the "
                       "databricks CLI mints one when it is needed)");
  }
  if (token_file) {
    // Relative to the rollout file, which is where its author sees it.
    const std::filesystem::path path(*token_file);
    rollout.token_file = path.is_absolute() ? path : rollout.file.parent_path() / path;
  }
  return {};
}

util::Result<void>
read_relay(const RolloutReader& reader, const RolloutField& map, Rollout& rollout)
{
  AIGW_TRY(reader.check_keys(map, k_relay_keys));
  if (rollout.auth != "relay") {
    return reader.fail_at_key(map, "goes with auth.method relay (only then do the agents "
                                   "talk to the relay)");
  }
  if (auto listen = reader.find(map, "listen")) {
    auto text = reader.text(*listen);
    AIGW_TRY(text);
    auto address = net::parse_listen(*text, "listen");
    if (!address) {
      return reader.fail(*listen,
                         without_prefix(address.error().message, "listen \"" + *text + "\": "));
    }
    rollout.relay_listen = net::to_string(*address);
  }
  if (auto auth = reader.find(map, "auth")) {
    auto method = reader.one_of(*auth, k_relay_credentials);
    AIGW_TRY(method);
    rollout.relay_auth = *method;
  }
  return {};
}

// With relay.auth databricks-cli or oauth-m2m the relay mints its own tokens, so a token
// given for it would be kept and never used: refused, as with auth.method databricks-cli.
util::Result<void>
check_relay_credential(const RolloutReader& reader, const RolloutField& root,
                       const Rollout& rollout)
{
  if (rollout.relay_auth == "pat" || (!rollout.token_env && !rollout.token_file)) {
    return {};
  }
  const auto auth = reader.find(root, "auth");
  const std::string mints = rollout.relay_auth == "databricks-cli"
                              ? "the relay has the databricks CLI mint one when it is needed"
                              : "the relay mints one from the service principal's client_id "
                                "and client_secret";
  return reader.fail(*reader.find(*auth, rollout.token_env ? "token_env" : "token_file"),
                     "goes with relay.auth pat; with relay.auth " + rollout.relay_auth
                       + " no token is kept (" + mints + ")");
}

// `managed: true` writes files that every user reads: no token goes into them, and no
// relay key either (the relay is each user's own).
util::Result<void>
read_managed(const RolloutReader& reader, const RolloutField& root, Rollout& rollout)
{
  const auto field = reader.find(root, "managed");
  if (!field) {
    return {};
  }
  auto managed = reader.boolean(*field);
  AIGW_TRY(managed);
  rollout.managed = *managed;
  if (rollout.managed && rollout.secrets == "inline") {
    return reader.fail(*reader.find(root, "secrets"),
                       "inline cannot go with managed: true: every user can read the managed "
                       "files; leave it at helper");
  }
  if (rollout.managed && rollout.auth == "relay") {
    return reader.fail(*reader.find(*reader.find(root, "auth"), "method"),
                       "relay cannot go with managed: true: the relay and its key are each "
                       "user's own");
  }
  return {};
}

// The gateway and workspace an MDM may inject, when the file leaves them out.
util::Result<void>
fill_from_environment(const RolloutReader& reader, const EnvLookup& env, Rollout& rollout)
{
  const std::pair<const char*, std::optional<std::string>*> sources[] = {
    {"AIGW_GATEWAY", &rollout.gateway},
    {"AIGW_WORKSPACE", &rollout.workspace},
    {"DATABRICKS_HOST", &rollout.workspace},
  };
  for (const auto& [variable, target] : sources) {
    const std::string key = target == &rollout.gateway ? "gateway" : "workspace";
    const auto value = *target ? std::nullopt : env(variable);
    if (!value) {
      continue;
    }
    auto url = normalize_base_url(*value, key + " (from $" + variable + ")");
    if (!url) {
      return util::unexpected(reader.error_at(YAML::Mark::null_mark(), "", url.error().message));
    }
    *target = *url;
    rollout.from_environment.push_back(key + " from $" + variable);
  }
  return {};
}

util::Result<YAML::Node>
parse_yaml(const RolloutReader& reader, std::string_view text)
{
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& error) {
    return util::unexpected(reader.error_at(error.mark, "", "not valid YAML: " + error.msg));
  }
  if (documents.empty() || documents.front().IsNull()) {
    return util::unexpected(reader.error_at(YAML::Mark(), "",
                                            "the file is empty; it needs at least \"version: "
                                              + std::to_string(k_rollout_version)
                                              + "\" and agents"));
  }
  if (documents.size() > 1) {
    return util::unexpected(
      reader.error_at(documents[1].Mark(), "", "a second YAML document; a rollout file holds one"));
  }
  return documents.front();
}

// Each optional section, read by `read` when the file has it.
template <class Read>
util::Result<void>
read_section(const RolloutReader& reader, const RolloutField& root, const char* key,
             Rollout& rollout, Read read)
{
  if (auto section = reader.find(root, key)) {
    AIGW_TRY(read(reader, *section, rollout));
  }
  return {};
}

} // namespace

util::Result<Rollout>
parse_rollout(std::string_view text, const std::filesystem::path& file, const EnvLookup& env)
{
  const RolloutReader reader(file.string(), env);
  auto document = parse_yaml(reader, text);
  AIGW_TRY(document);
  const RolloutField root{*document, document->Mark(), ""};
  AIGW_TRY(reader.check_keys(root, k_top_keys));

  Rollout rollout;
  rollout.file = file;
  AIGW_TRY(read_version(reader, root, rollout));
  const auto url = [&](const RolloutField& field) { return reader.url(field); };
  AIGW_TRY(read_optional(reader, root, "workspace", rollout.workspace, url));
  AIGW_TRY(read_optional(reader, root, "gateway", rollout.gateway, url));
  AIGW_TRY(read_section(reader, root, "auth", rollout, read_auth));
  if (auto secrets = reader.find(root, "secrets")) {
    auto mode = reader.one_of(*secrets, {"helper", "inline"});
    AIGW_TRY(mode);
    if (*mode == "inline" && rollout.auth == "databricks-cli") {
      return reader.fail(*secrets, "inline cannot go with auth.method databricks-cli: its OAuth "
                                   "tokens last one hour and must not be frozen in a file");
    }
    rollout.secrets = *mode;
  }
  AIGW_TRY(read_managed(reader, root, rollout));
  AIGW_TRY(read_agents(reader, root, rollout));
  AIGW_TRY(read_section(reader, root, "telemetry", rollout, read_telemetry));
  AIGW_TRY(read_section(reader, root, "relay", rollout, read_relay));
  AIGW_TRY(check_relay_credential(reader, root, rollout));
  AIGW_TRY(fill_from_environment(reader, env, rollout));
  return rollout;
}

util::Result<Rollout>
load_rollout(const std::filesystem::path& file, const EnvLookup& env)
{
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return util::fail(util::ErrorKind::usage, file.string() + ": no such file");
  }
  // A FIFO or a device could block or never end: only a regular file is read.
  if (!std::filesystem::is_regular_file(status)) {
    return util::fail(util::ErrorKind::usage, file.string() + ": not a regular file");
  }
  if (std::filesystem::file_size(file, error) > k_max_rollout_size) {
    return util::fail(util::ErrorKind::usage, file.string() + ": larger than "
                                                + std::to_string(k_max_rollout_size)
                                                + " bytes; a rollout file is far smaller");
  }
  auto text = util::read_file_if_exists(file);
  if (!text || !text->has_value()) {
    return util::fail(util::ErrorKind::usage,
                      text ? file.string() + ": no such file" : text.error().message);
  }
  return parse_rollout(**text, file, env);
}

std::vector<std::string>
agent_names(const Rollout& rollout)
{
  std::vector<std::string> names;
  for (const auto& agent : rollout.agents) {
    names.push_back(agent.name);
  }
  return names;
}

} // namespace aigw::core
