// SPDX-License-Identifier: MIT
// The change engine. It reads and parses every file a command touches before it writes
// any, so a file that does not parse stops the command with nothing changed anywhere.
// configure records, per owned key, the value it replaced; unconfigure gives back the
// original bytes when a file is exactly as we left it, and otherwise takes back only the
// keys whose values are still ours, keeping the user's later edits. `telemetry enable` and
// `disable` go through the same engine as another owner of records: see manifest.hpp.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/safe_writer.hpp"
#include "core/manifest.hpp"
#include "core/plan.hpp"
#include "util/error.hpp"

namespace aigw::core {

struct PendingFile
{
  FileRecord record;
  std::string before;               // current bytes ("" when absent)
  bool existed = false;
  std::optional<std::string> after; // nullopt: delete the file
  config::Sensitivity sensitivity = config::Sensitivity::plain;
  std::vector<std::string> kept_edits; // owned keys left alone because the user changed them
};

struct ChangeSet
{
  std::string owner = k_owner_configure; // whose records these are: configure or telemetry
  std::vector<PendingFile> files;
  std::vector<std::string> agents_removed;           // for unconfigure
  std::map<std::string, config::Json> agents_added; // for configure: gateway, model, auth
};

struct FileReport
{
  std::string agent;
  std::filesystem::path path;
  config::WriteStatus status = config::WriteStatus::unchanged;
  std::optional<std::filesystem::path> backup;
  std::string diff; // filled for dry runs, secrets redacted
  std::vector<std::string> kept_edits;
};

// The changes that `plans` make, given what `manifest` says `owner` wrote before.
util::Result<ChangeSet> plan_configure(const std::vector<AgentPlan>& plans,
                                       const Manifest& manifest,
                                       const std::string& owner = k_owner_configure);

// The changes that take back what `owner` wrote for `agents`.
util::Result<ChangeSet> plan_unconfigure(const std::vector<std::string>& agents,
                                         const Manifest& manifest,
                                         const std::string& owner = k_owner_configure);

// Keeps the manifest on disk (the state file).
using ManifestSaver = std::function<util::Result<void>(const Manifest&)>;

// Write `changes` (or, for a dry run, only describe them) and update `manifest` to match,
// saving it through `save_manifest` so that it never names less than what is on disk. When
// a write fails, the files this call already wrote are put back and the error returned.
util::Result<std::vector<FileReport>> apply_changes(ChangeSet& changes, Manifest& manifest,
                                                    const config::SafeWriter& writer,
                                                    DryRun dry_run,
                                                    const ManifestSaver& save_manifest);

// apply_changes with the backups in the backup folder of `paths` and the manifest saved to
// its state file.
util::Result<std::vector<FileReport>> apply_changes_at(const Paths& paths, ChangeSet& changes,
                                                       Manifest& manifest, DryRun dry_run);

} // namespace aigw::core
