// SPDX-License-Identifier: MIT
// See changes.hpp for the contract. Two phases: plan_* read, parse and edit in memory;
// apply_changes backs up, records and writes, in the order that keeps every crash
// recoverable: configure saves the manifest before it renames the first file into place,
// unconfigure forgets a file only after it was restored.
#include "core/changes.hpp"

#include <algorithm>
#include <cerrno>

#include <unistd.h>

#include "util/diff.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using config::Document;
using config::Json;
using config::KeyPath;
using util::ErrorKind;

std::string
key_name(const KeyPath& path)
{
  return util::join(path, ".");
}

util::Result<std::unique_ptr<Document>>
parse_file(const std::filesystem::path& path, config::Format format, const std::string& text)
{
  auto document = config::parse_document(format, text);
  if (!document) {
    const auto& error = document.error();
    return util::fail(ErrorKind::parse,
                      path.string() + ":" + std::to_string(error.line) + ":"
                        + std::to_string(error.column) + ": " + error.message
                        + " (nothing was changed)");
  }
  return std::move(*document);
}

util::Result<void>
set_key(Document& document, const std::filesystem::path& path, const KeyEdit& edit)
{
  if (!edit.value) {
    document.remove(edit.path);
    return {};
  }
  auto done = document.set(edit.path, *edit.value);
  if (!done) {
    return util::fail(ErrorKind::parse,
                      path.string() + ": cannot set " + key_name(edit.path) + ": "
                        + done.error());
  }
  return {};
}

void
register_if_string(const std::optional<Json>& value)
{
  if (value && value->is_string()) {
    util::register_secret(value->get<std::string>());
  }
}

// Every value a secret key holds now or held before configure, so that diffs, reports and
// messages show it as ***: an old token the user had is as secret as ours.
void
register_secret_values(const Document& document, const FileRecord& record)
{
  for (const auto& key : record.keys) {
    if (key.secret) {
      register_if_string(document.get(key.path));
      register_if_string(key.original);
    }
  }
}

// Put back the value `key` replaced, unless the user has changed it since we wrote it.
util::Result<bool>
revert_key(Document& document, const std::filesystem::path& path, const OwnedKey& key)
{
  if (value_hash(document.get(key.path)) != key.written_hash) {
    return false;
  }
  AIGW_TRY(set_key(document, path, KeyEdit{key.path, key.original, key.secret}));
  return true;
}

// The shallowest parent of `path` that does not exist yet: set() will create it.
std::optional<KeyPath>
missing_parent(const Document& document, const KeyPath& path)
{
  for (std::size_t depth = 1; depth < path.size(); ++depth) {
    const KeyPath prefix(path.begin(), path.begin() + static_cast<long>(depth));
    if (!document.get(prefix)) {
      return prefix;
    }
  }
  return std::nullopt;
}

util::Result<void>
apply_edit(Document& document, FileRecord& record, const KeyEdit& edit)
{
  auto owned = std::find_if(record.keys.begin(), record.keys.end(),
                            [&](const OwnedKey& key) { return key.path == edit.path; });
  if (owned == record.keys.end()) {
    record.keys.push_back(OwnedKey{edit.path, document.get(edit.path), {}, edit.secret});
    owned = record.keys.end() - 1;
  }
  if (auto parent = missing_parent(document, edit.path); parent && edit.value) {
    if (std::find(record.created_parents.begin(), record.created_parents.end(), *parent)
        == record.created_parents.end()) {
      record.created_parents.push_back(*parent);
    }
  }
  AIGW_TRY(set_key(document, record.path, edit));
  owned->written_hash = value_hash(edit.value);
  owned->secret = owned->secret || edit.secret;
  return {};
}

// Keys this agent owned before that the new plan no longer writes go back first.
util::Result<void>
drop_unplanned_keys(Document& document, FileRecord& record, const FilePlan& plan)
{
  std::vector<OwnedKey> kept;
  for (const auto& key : record.keys) {
    const bool planned = std::any_of(plan.edits.begin(), plan.edits.end(),
                                     [&](const KeyEdit& edit) { return edit.path == key.path; });
    if (planned) {
      kept.push_back(key);
      continue;
    }
    auto reverted = revert_key(document, record.path, key);
    AIGW_TRY(reverted);
  }
  record.keys = std::move(kept);
  return {};
}

util::Result<std::optional<std::string>>
read_current(const std::filesystem::path& path)
{
  return util::read_file_if_exists(path);
}

void
add_folder(std::vector<std::filesystem::path>& folders, const std::filesystem::path& folder)
{
  if (std::find(folders.begin(), folders.end(), folder) == folders.end()) {
    folders.push_back(folder);
  }
}

// The folders above `path` that do not exist yet, which the writer will create: kept in
// `record`, so that taking the file back also takes them away when nothing else is in them.
void
note_missing_folders(FileRecord& record, const std::filesystem::path& path)
{
  std::error_code error;
  for (auto folder = path.parent_path(); folder != folder.parent_path();
       folder = folder.parent_path()) {
    if (std::filesystem::exists(folder, error) || error) {
      return;
    }
    add_folder(record.created_folders, folder);
  }
}

util::Result<PendingFile>
plan_file(const std::string& agent, const FilePlan& plan, const Manifest& manifest,
          const std::string& owner)
{
  auto current = read_current(plan.path);
  AIGW_TRY(current);
  PendingFile pending;
  pending.existed = current->has_value();
  pending.before = current->value_or("");
  pending.sensitivity = plan.sensitivity;

  auto document = parse_file(plan.path, plan.format, pending.before);
  AIGW_TRY(document);

  if (const FileRecord* known = manifest.find(agent, plan.path, owner)) {
    pending.record = *known;
    if (util::sha256_hex(pending.before) != known->written_sha256) {
      // Someone (the user, or another owner) changed the file since: its first bytes lack
      // that change and are no longer ours to restore.
      pending.record.pristine_backup.reset();
    }
    pending.record.created = pending.record.created || !pending.existed;
  } else {
    // A file another owner created counts as created here too, so that whichever owner
    // takes back the last keys also removes the file.
    const bool created = !pending.existed || manifest.created_by_tool(plan.path);
    pending.record = FileRecord{agent, owner, plan.path, format_name(plan.format), created};
  }
  pending.record.secret = plan.sensitivity == config::Sensitivity::secret;
  if (!pending.existed) {
    note_missing_folders(pending.record, plan.path);
  }

  register_secret_values(**document, pending.record);
  AIGW_TRY(drop_unplanned_keys(**document, pending.record, plan));
  for (const auto& edit : plan.edits) {
    AIGW_TRY(apply_edit(**document, pending.record, edit));
  }
  register_secret_values(**document, pending.record);
  pending.after = (*document)->text();
  return pending;
}

util::Result<void>
take_back_keys(Document& document, PendingFile& pending)
{
  for (const auto& key : pending.record.keys) {
    auto reverted = revert_key(document, pending.record.path, key);
    AIGW_TRY(reverted);
    if (!*reverted) {
      pending.kept_edits.push_back(key_name(key.path));
    }
  }
  auto parents = pending.record.created_parents;
  std::sort(parents.begin(), parents.end(),
            [](const KeyPath& a, const KeyPath& b) { return a.size() > b.size(); });
  for (const auto& parent : parents) {
    if (document.is_empty_container(parent)) {
      document.remove(parent);
    }
  }
  return {};
}

// When the file is as this owner last wrote it, the whole file goes back at once: its first
// backup is the file less this owner's changes alone (plan_file drops that backup once anyone
// else changed the file in between, and owners never share a key), and a file the tool
// created goes when nobody else owns keys in it. False: only the keys can be taken back.
// Whether taking back may remove the file: only one the tool created, and not once someone
// replaced it with a link (a dotfiles folder, say), whose target would go with it.
bool
may_remove(const FileRecord& record)
{
  std::error_code error;
  return record.created && !std::filesystem::is_symlink(record.path, error);
}

util::Result<bool>
take_back_whole_file(PendingFile& pending, const Manifest& manifest)
{
  const FileRecord& record = pending.record;
  if (util::sha256_hex(pending.before) != record.written_sha256) {
    return false;
  }
  if (may_remove(record) && manifest.owners_of(record.path) == 1) {
    pending.after = std::nullopt;
    return true;
  }
  if (record.created) {
    return false;
  }
  if (!record.pristine_backup) {
    return false;
  }
  auto original = util::read_file_if_exists(*record.pristine_backup);
  AIGW_TRY(original);
  if (!original->has_value()) {
    AIGW_WARN("backup " << record.pristine_backup->string()
                        << " is gone; taking back only the keys the tool wrote");
    return false;
  }
  pending.after = **original;
  return true;
}

util::Result<PendingFile>
unplan_file(const FileRecord& record, const Manifest& manifest)
{
  auto current = read_current(record.path);
  AIGW_TRY(current);
  PendingFile pending;
  pending.record = record;
  pending.existed = current->has_value();
  pending.before = current->value_or("");
  pending.sensitivity = record.secret ? config::Sensitivity::secret : config::Sensitivity::plain;
  if (!pending.existed) {
    pending.after = std::nullopt;
    return pending;
  }
  const auto format = format_from_name(record.format).value_or(config::Format::json);
  auto document = parse_file(record.path, format, pending.before);
  AIGW_TRY(document);
  register_secret_values(**document, pending.record);

  auto whole = take_back_whole_file(pending, manifest);
  AIGW_TRY(whole);
  if (*whole) {
    return pending;
  }

  AIGW_TRY(take_back_keys(**document, pending));
  if (may_remove(record) && (*document)->is_empty_container({})) {
    pending.after = std::nullopt;
  } else {
    pending.after = (*document)->text();
  }
  return pending;
}

FileReport
describe(const PendingFile& pending)
{
  FileReport report{pending.record.agent, pending.record.path};
  report.kept_edits = pending.kept_edits;
  if (!pending.after) {
    report.status = pending.existed ? config::WriteStatus::removed
                                    : config::WriteStatus::unchanged;
  } else if (!pending.existed) {
    report.status = config::WriteStatus::created;
  } else {
    report.status = *pending.after == pending.before ? config::WriteStatus::unchanged
                                                     : config::WriteStatus::changed;
  }
  return report;
}

std::string
dry_run_diff(const PendingFile& pending)
{
  const auto format = format_from_name(pending.record.format).value_or(config::Format::json);
  const std::string before = util::redact(config::display_text(format, pending.before));
  const std::string after =
    util::redact(config::display_text(format, pending.after.value_or("")));
  return util::unified_diff(before, after, pending.record.path.string());
}

// The current content of every file that will be rewritten, copied to the backup folder.
util::Result<void>
back_up_changing_files(const ChangeSet& changes, std::vector<FileReport>& reports,
                       const config::SafeWriter& writer)
{
  for (std::size_t i = 0; i < changes.files.size(); ++i) {
    const auto& pending = changes.files[i];
    writer.discard_temporaries(pending.record.path);
    // A file that goes away is backed up by SafeWriter::remove itself.
    const bool rewritten = pending.after && *pending.after != pending.before;
    if (pending.existed && rewritten) {
      auto backup = writer.back_up(pending.record.path);
      AIGW_TRY(backup);
      reports[i].backup = *backup;
    }
  }
  return {};
}

// Another owner's record of a file this run rewrote, when it matched the bytes before: the
// file is still as that owner left it plus this run's change, so its record says so now, as
// that owner's next run would (its first bytes are no longer its to restore). Without this
// the second of two runs by different owners would still rewrite the manifest.
void
follow_co_owners(const PendingFile& pending, Manifest& manifest)
{
  if (!pending.after || *pending.after == pending.before) {
    return;
  }
  const std::string before = util::sha256_hex(pending.before);
  for (auto& other : manifest.files) {
    if (other.path == pending.record.path && other.owner != pending.record.owner
        && other.written_sha256 == before) {
      other.written_sha256 = util::sha256_hex(*pending.after);
      other.pristine_backup.reset();
    }
  }
}

// A file that stays because another owner still has keys in it: the folders made for it
// are that owner's to take away now, with the file.
void
hand_over_folders(const PendingFile& pending, Manifest& manifest)
{
  if (!pending.after) {
    return;
  }
  for (auto& other : manifest.files) {
    if (other.path != pending.record.path) {
      continue;
    }
    for (const auto& folder : pending.record.created_folders) {
      add_folder(other.created_folders, folder);
    }
  }
}

// The manifest as it will be once every file of `changes` is written.
void
record_changes(const ChangeSet& changes, const std::vector<FileReport>& reports,
               Manifest& manifest)
{
  for (std::size_t i = 0; i < changes.files.size(); ++i) {
    const auto& pending = changes.files[i];
    const bool unconfiguring = std::find(changes.agents_removed.begin(),
                                         changes.agents_removed.end(), pending.record.agent)
                               != changes.agents_removed.end();
    const std::string& owner = pending.record.owner;
    follow_co_owners(pending, manifest);
    if (unconfiguring || !pending.after) {
      manifest.erase(pending.record.agent, pending.record.path, owner);
      hand_over_folders(pending, manifest);
      continue;
    }
    FileRecord record = pending.record;
    if (!manifest.find(record.agent, record.path, owner) && reports[i].backup) {
      record.pristine_backup = reports[i].backup;
    }
    record.written_sha256 = util::sha256_hex(*pending.after);
    manifest.erase(record.agent, record.path, owner);
    manifest.files.push_back(std::move(record));
  }
  auto& summaries = manifest.summaries(changes.owner);
  for (const auto& agent : changes.agents_removed) {
    summaries.erase(agent);
  }
  for (const auto& [agent, summary] : changes.agents_added) {
    summaries[agent] = summary;
  }
}

// Put back what this run wrote, newest first, after a write failed half-way.
void
roll_back(const ChangeSet& changes, std::size_t done, const config::SafeWriter& writer)
{
  for (std::size_t i = done; i-- > 0;) {
    const auto& pending = changes.files[i];
    const auto undone = pending.existed
                          ? writer.write(pending.record.path, pending.before, pending.sensitivity,
                                         config::Backup::skip)
                          : writer.remove(pending.record.path);
    if (!undone) {
      AIGW_WARN("could not put back " << pending.record.path.string() << ": "
                                      << undone.error().message << " (its backup is kept)");
    }
  }
}

// Write every file; on the first failure, take back the ones already written.
util::Result<void>
write_all(const ChangeSet& changes, const config::SafeWriter& writer)
{
  for (std::size_t i = 0; i < changes.files.size(); ++i) {
    const auto& pending = changes.files[i];
    auto done = pending.after ? writer.write(pending.record.path, *pending.after,
                                             pending.sensitivity, config::Backup::skip)
                              : writer.remove(pending.record.path);
    if (!done) {
      roll_back(changes, i, writer);
      return util::unexpected(std::move(done).error());
    }
  }
  return {};
}

// The folders the tool created for files that are gone now, deepest first. rmdir(2) takes
// only an empty folder, never a file or a link someone put there since.
void
remove_created_folders(const ChangeSet& changes)
{
  for (const auto& pending : changes.files) {
    if (pending.after) {
      continue;
    }
    auto folders = pending.record.created_folders;
    std::sort(folders.begin(), folders.end(), [](const auto& a, const auto& b) {
      return a.native().size() > b.native().size();
    });
    for (const auto& folder : folders) {
      // Gone already (another file's folder too): go on to its parent. Else it is not empty
      // or not ours, and neither are the folders above it.
      if (::rmdir(folder.c_str()) != 0 && errno != ENOENT) {
        break;
      }
    }
  }
}

} // namespace

util::Result<ChangeSet>
plan_configure(const std::vector<AgentPlan>& plans, const Manifest& manifest,
               const std::string& owner)
{
  ChangeSet changes;
  changes.owner = owner;
  for (const auto& plan : plans) {
    for (const auto& file : plan.files) {
      auto pending = plan_file(plan.agent, file, manifest, owner);
      AIGW_TRY(pending);
      changes.files.push_back(std::move(*pending));
    }
  }
  return changes;
}

util::Result<ChangeSet>
plan_unconfigure(const std::vector<std::string>& agents, const Manifest& manifest,
                 const std::string& owner)
{
  ChangeSet changes;
  changes.owner = owner;
  for (const auto& agent : agents) {
    for (const FileRecord* record : manifest.records_of(agent, owner)) {
      auto pending = unplan_file(*record, manifest);
      AIGW_TRY(pending);
      changes.files.push_back(std::move(*pending));
    }
    changes.agents_removed.push_back(agent);
  }
  return changes;
}

util::Result<std::vector<FileReport>>
apply_changes(ChangeSet& changes, Manifest& manifest, const config::SafeWriter& writer,
              DryRun dry_run, const ManifestSaver& save_manifest)
{
  std::vector<FileReport> reports;
  for (const auto& pending : changes.files) {
    reports.push_back(describe(pending));
  }
  if (dry_run == DryRun::yes) {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      reports[i].diff = dry_run_diff(changes.files[i]);
    }
    return reports;
  }

  AIGW_TRY(back_up_changing_files(changes, reports, writer));

  // The manifest always names at least what is on disk: configure records its files before
  // writing them, unconfigure forgets them only once they are restored. A crash in between
  // leaves files that unconfigure can still take back.
  const Manifest original = manifest;
  record_changes(changes, reports, manifest);
  const bool unconfiguring = !changes.agents_removed.empty();
  if (!unconfiguring) {
    AIGW_TRY(save_manifest(manifest));
  }

  auto written = write_all(changes, writer);
  if (!written) {
    manifest = original;
    [[maybe_unused]] auto restored = save_manifest(manifest);
    return util::unexpected(std::move(written).error());
  }
  if (unconfiguring) {
    AIGW_TRY(save_manifest(manifest));
  }
  remove_created_folders(changes);
  return reports;
}

util::Result<std::vector<FileReport>>
apply_changes_at(const Paths& paths, ChangeSet& changes, Manifest& manifest, DryRun dry_run)
{
  const config::SafeWriter writer(paths.backup_dir());
  return apply_changes(changes, manifest, writer, dry_run, [&](const Manifest& state) {
    return save_manifest(paths, writer, state);
  });
}

} // namespace aigw::core
