// SPDX-License-Identifier: MIT
#include "core/manifest.hpp"

#include <algorithm>

#include "util/fs.hpp"
#include "util/hash.hpp"

namespace aigw::core {

namespace {

using config::Json;

Json
key_to_json(const OwnedKey& key)
{
  Json json;
  json["path"] = key.path;
  if (key.original) {
    json["original"] = *key.original;
  }
  json["written_hash"] = key.written_hash;
  json["secret"] = key.secret;
  return json;
}

OwnedKey
key_from_json(const Json& json)
{
  OwnedKey key;
  key.path = json.at("path").get<config::KeyPath>();
  if (json.contains("original")) {
    key.original = json.at("original");
  }
  key.written_hash = json.at("written_hash").get<std::string>();
  key.secret = json.value("secret", false);
  return key;
}

Json
record_to_json(const FileRecord& record)
{
  Json json;
  json["agent"] = record.agent;
  if (record.owner != k_owner_configure) {
    json["owner"] = record.owner; // absent in state files older than telemetry enable
  }
  json["path"] = record.path.string();
  json["format"] = record.format;
  json["created"] = record.created;
  if (record.pristine_backup) {
    json["pristine_backup"] = record.pristine_backup->string();
  }
  json["written_sha256"] = record.written_sha256;
  json["secret"] = record.secret;
  json["keys"] = Json::array();
  for (const auto& key : record.keys) {
    json["keys"].push_back(key_to_json(key));
  }
  json["created_parents"] = record.created_parents;
  if (!record.created_folders.empty()) {
    json["created_folders"] = Json::array();
    for (const auto& folder : record.created_folders) {
      json["created_folders"].push_back(folder.string());
    }
  }
  return json;
}

FileRecord
record_from_json(const Json& json)
{
  FileRecord record;
  record.agent = json.at("agent").get<std::string>();
  record.owner = json.value("owner", std::string(k_owner_configure));
  record.path = json.at("path").get<std::string>();
  record.format = json.at("format").get<std::string>();
  record.created = json.value("created", false);
  if (json.contains("pristine_backup")) {
    record.pristine_backup = json.at("pristine_backup").get<std::string>();
  }
  record.written_sha256 = json.at("written_sha256").get<std::string>();
  record.secret = json.value("secret", false);
  for (const auto& key : json.at("keys")) {
    record.keys.push_back(key_from_json(key));
  }
  record.created_parents = json.value("created_parents", std::vector<config::KeyPath>{});
  for (const auto& folder : json.value("created_folders", std::vector<std::string>{})) {
    record.created_folders.emplace_back(folder);
  }
  return record;
}

Json
summaries_to_json(const std::map<std::string, Json>& summaries)
{
  Json json = Json::object();
  for (const auto& [agent, summary] : summaries) {
    json[agent] = summary;
  }
  return json;
}

} // namespace

std::map<std::string, config::Json>&
Manifest::summaries(const std::string& owner)
{
  return owner == k_owner_configure ? agents : telemetry;
}

const std::map<std::string, config::Json>&
Manifest::summaries(const std::string& owner) const
{
  return owner == k_owner_configure ? agents : telemetry;
}

FileRecord*
Manifest::find(const std::string& agent, const std::filesystem::path& path,
               const std::string& owner)
{
  for (auto& record : files) {
    if (record.agent == agent && record.path == path && record.owner == owner) {
      return &record;
    }
  }
  return nullptr;
}

const FileRecord*
Manifest::find(const std::string& agent, const std::filesystem::path& path,
               const std::string& owner) const
{
  return const_cast<Manifest*>(this)->find(agent, path, owner);
}

std::vector<const FileRecord*>
Manifest::records_of(const std::string& agent, const std::string& owner) const
{
  std::vector<const FileRecord*> records;
  for (const auto& record : files) {
    if (record.agent == agent && record.owner == owner) {
      records.push_back(&record);
    }
  }
  return records;
}

int
Manifest::owners_of(const std::filesystem::path& path) const
{
  return static_cast<int>(std::count_if(
    files.begin(), files.end(), [&](const FileRecord& record) { return record.path == path; }));
}

bool
Manifest::created_by_tool(const std::filesystem::path& path) const
{
  return std::any_of(files.begin(), files.end(), [&](const FileRecord& record) {
    return record.path == path && record.created;
  });
}

void
Manifest::erase(const std::string& agent, const std::filesystem::path& path,
                const std::string& owner)
{
  std::erase_if(files, [&](const FileRecord& record) {
    return record.agent == agent && record.path == path && record.owner == owner;
  });
}

std::string
value_hash(const std::optional<config::Json>& value)
{
  return util::sha256_hex(value ? value->dump() : std::string("<absent>"));
}

util::Result<Manifest>
load_manifest(const std::filesystem::path& file)
{
  auto content = util::read_file_if_exists(file);
  AIGW_TRY(content);
  Manifest manifest;
  if (!content->has_value()) {
    return manifest;
  }
  const Json json = Json::parse(**content, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return util::fail(util::ErrorKind::parse,
                      file.string() + ": the tool's state file is damaged; move it away to "
                                      "start over (configured files are not affected)");
  }
  try {
    // Named copies: items() of a temporary would dangle.
    const Json files = json.value("files", Json::array());
    const Json agents = json.value("agents", Json::object());
    const Json telemetry = json.value("telemetry", Json::object());
    for (const auto& record : files) {
      manifest.files.push_back(record_from_json(record));
    }
    for (const auto& [agent, summary] : agents.items()) {
      manifest.agents[agent] = summary;
    }
    for (const auto& [agent, summary] : telemetry.items()) {
      manifest.telemetry[agent] = summary;
    }
  } catch (const Json::exception& error) {
    return util::fail(util::ErrorKind::parse,
                      file.string() + ": unexpected content in the tool's state file ("
                        + error.what() + ")");
  }
  return manifest;
}

std::string
manifest_text(const Manifest& manifest)
{
  Json json;
  json["version"] = 1;
  json["files"] = Json::array();
  for (const auto& record : manifest.files) {
    json["files"].push_back(record_to_json(record));
  }
  json["agents"] = summaries_to_json(manifest.agents);
  if (!manifest.telemetry.empty()) {
    json["telemetry"] = summaries_to_json(manifest.telemetry);
  }
  return json.dump(2) + "\n";
}

util::Result<void>
save_manifest(const Paths& paths, const config::SafeWriter& writer, const Manifest& manifest)
{
  auto written = writer.write(paths.state_file(), manifest_text(manifest),
                              config::Sensitivity::secret, config::Backup::skip);
  AIGW_TRY(written);
  return {};
}

} // namespace aigw::core
