// SPDX-License-Identifier: MIT
// What configure (and `telemetry enable`) wrote, so that unconfigure (and `telemetry
// disable`) can take exactly that back and status can tell whether a file still holds it.
// Kept as state.json in the tool folder (0600: the original values of keys we replaced may
// be a user's own token). Written values are kept only as hashes, so the file never holds a
// token the tool wrote. Each record has an owner, the command that wrote it: configure and
// telemetry keep separate records of the same file, own disjoint keys, and take back only
// their own.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "config/safe_writer.hpp"
#include "core/paths.hpp"
#include "util/error.hpp"

namespace aigw::core {

inline constexpr const char* k_owner_configure = "configure";
inline constexpr const char* k_owner_telemetry = "telemetry";

struct OwnedKey
{
  config::KeyPath path;
  std::optional<config::Json> original; // nullopt: the key was absent before configure
  std::string written_hash;             // hash of the value written (or of "absent")
  bool secret = false;
};

struct FileRecord
{
  std::string agent;
  std::string owner = k_owner_configure;
  std::filesystem::path path;
  std::string format; // "json", "jsonc", "toml", "dotenv", "cursor-db"
  bool created = false;
  std::optional<std::filesystem::path> pristine_backup; // the bytes before the first write
  std::string written_sha256;                           // of the whole file as last written
  std::vector<OwnedKey> keys;
  std::vector<config::KeyPath> created_parents;
  // The folders above `path` that did not exist when the tool first wrote it: taken away
  // again with the file, when nothing else is in them.
  std::vector<std::filesystem::path> created_folders;
  bool secret = false;
};

struct Manifest
{
  std::vector<FileRecord> files;
  std::map<std::string, config::Json> agents;    // configure, per agent: gateway, model, auth
  std::map<std::string, config::Json> telemetry; // telemetry enable, per agent: tables, route

  // The per-agent summaries `owner` keeps: `agents` for configure, else `telemetry`.
  std::map<std::string, config::Json>& summaries(const std::string& owner);
  const std::map<std::string, config::Json>& summaries(const std::string& owner) const;

  FileRecord* find(const std::string& agent, const std::filesystem::path& path,
                   const std::string& owner = k_owner_configure);
  const FileRecord* find(const std::string& agent, const std::filesystem::path& path,
                         const std::string& owner = k_owner_configure) const;
  std::vector<const FileRecord*> records_of(const std::string& agent,
                                            const std::string& owner = k_owner_configure) const;
  // How many records, of any agent and owner, name `path`.
  int owners_of(const std::filesystem::path& path) const;
  // Whether a record of any owner says the tool created the file at `path`.
  bool created_by_tool(const std::filesystem::path& path) const;
  void erase(const std::string& agent, const std::filesystem::path& path,
             const std::string& owner = k_owner_configure);
};

// The hash that OwnedKey::written_hash holds for `value` (nullopt: absent).
std::string value_hash(const std::optional<config::Json>& value);

// The manifest at `file`; an empty one when it does not exist.
util::Result<Manifest> load_manifest(const std::filesystem::path& file);

std::string manifest_text(const Manifest& manifest);

// Write `manifest` to the state file of `paths` (0600).
util::Result<void> save_manifest(const Paths& paths, const config::SafeWriter& writer,
                                 const Manifest& manifest);

} // namespace aigw::core
