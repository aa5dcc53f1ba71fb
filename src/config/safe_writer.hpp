// SPDX-License-Identifier: MIT
// The only way the tool changes a file. A write either leaves the old file or puts the
// whole new one in place, never a mix: the bytes go to a temporary file in the same
// folder, are flushed to disk, and the temporary is renamed over the target. Before that
// the old content is copied into the backup folder. Modes are kept (and tightened to 0600
// for files holding a secret), owners are kept, and a symlinked config is written through
// to its target so the link survives.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace aigw::config {

namespace fs = std::filesystem;

enum class Sensitivity { plain, secret };
enum class Backup { keep, skip }; // skip only for the tool's own state files
enum class WriteStatus { created, changed, unchanged, removed };

struct WriteOutcome
{
  WriteStatus status = WriteStatus::unchanged;
  fs::path target;                // the file really written (after following links)
  std::optional<fs::path> backup; // where the previous content was copied
};

struct BackupEntry
{
  fs::path original;
  fs::path backup;
  std::string time; // as in the backup's name: 20261204T050748.123Z
};

std::string to_string(WriteStatus status);

class SafeWriter
{
public:
  explicit SafeWriter(fs::path backup_dir) : m_backup_dir(std::move(backup_dir)) {}

  // Put `bytes` at `path`. Unchanged content is not rewritten.
  util::Result<WriteOutcome> write(const fs::path& path,
                                   std::string_view bytes,
                                   Sensitivity sensitivity,
                                   Backup backup = Backup::keep) const;

  // Back up and delete the file at `path` (through links: the target goes, the link stays
  // dangling only if it pointed elsewhere). Absent files are fine.
  util::Result<WriteOutcome> remove(const fs::path& path) const;

  // Delete the temporary files a killed run left beside `path` (they may hold a secret).
  void discard_temporaries(const fs::path& path) const;

  // Copy the current content of `path` into the backup folder.
  util::Result<fs::path> back_up(const fs::path& path) const;

private:
  fs::path m_backup_dir;
};

// Every backup in `backup_dir`, oldest first.
std::vector<BackupEntry> list_backups(const fs::path& backup_dir);

// The permission bits a new file at `path` gets: 0600 for secrets, else 0666 minus umask.
unsigned new_file_mode(Sensitivity sensitivity);

} // namespace aigw::config
