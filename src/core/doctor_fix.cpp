// SPDX-License-Identifier: MIT
// `doctor --fix`: the repairs the checks found, made through the change engine, so each
// file is backed up, written by the safe writer and kept in the manifest as configure
// keeps it. Key repairs edit only the keys they name in a file configure recorded, and
// the record keeps owning exactly the keys it owned. The record's first backup stays the
// one unconfigure restores only when the repaired file is byte for byte what configure
// wrote; otherwise unconfigure takes back keys, and the repair stays. The legacy Codex
// profile form is moved by Codex's own plan with --codex-migrate-profiles, which
// codex_migration_plan() proved to write every other key exactly as configure did.
#include <algorithm>
#include <set>

#include "core/doctor_support.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/secret.hpp"

namespace aigw::core {

namespace {

void
register_if_string(const std::optional<config::Json>& value)
{
  if (value && value->is_string()) {
    util::register_secret(value->get<std::string>());
  }
}

// All key repairs of one file, each key once.
std::vector<Repair>
merged_key_repairs(const std::vector<Check>& checks, bool skip_codex_config,
                   const Paths& paths)
{
  std::vector<Repair> merged;
  for (const auto& check : checks) {
    if (!check.repair || check.repair->kind != Repair::Kind::set_keys
        || (skip_codex_config && check.repair->file == paths.codex_config)) {
      continue;
    }
    const Repair& repair = *check.repair;
    auto into = std::find_if(merged.begin(), merged.end(), [&](const Repair& known) {
      return known.agent == repair.agent && known.file == repair.file;
    });
    if (into == merged.end()) {
      merged.push_back(Repair{repair.kind, repair.agent, repair.file, {}, {}});
      into = merged.end() - 1;
    }
    for (std::size_t i = 0; i < repair.edits.size(); ++i) {
      const auto& edit = repair.edits[i];
      const bool known = std::any_of(into->edits.begin(), into->edits.end(),
                                     [&](const KeyEdit& other) { return other.path == edit.path; });
      if (!known) {
        into->edits.push_back(edit);
        into->what.push_back(i < repair.what.size() ? repair.what[i] : "");
      }
    }
  }
  return merged;
}

util::Result<PendingFile>
repaired_file(const FileRecord& record, const Repair& repair)
{
  const auto format = format_from_name(record.format).value_or(config::Format::json);
  auto bytes = util::read_file_if_exists(record.path);
  AIGW_TRY(bytes);
  if (!bytes->has_value()) {
    return util::fail(util::ErrorKind::failed, record.path.string() + " is gone");
  }
  auto document = config::parse_document(format, **bytes);
  if (!document) {
    return util::fail(util::ErrorKind::parse, record.path.string() + " does not parse");
  }
  for (const auto& key : record.keys) {
    if (key.secret) {
      register_if_string((*document)->get(key.path));
      register_if_string(key.original);
    }
  }
  for (const auto& edit : repair.edits) {
    if (!edit.value) {
      (*document)->remove(edit.path);
    } else if (auto done = (*document)->set(edit.path, *edit.value); !done) {
      return util::fail(util::ErrorKind::parse, record.path.string() + ": cannot set "
                                                  + key_text(edit.path) + ": " + done.error());
    }
  }

  PendingFile pending;
  pending.record = record;
  pending.existed = true;
  pending.before = std::move(**bytes);
  pending.after = (*document)->text();
  pending.sensitivity = record.secret ? config::Sensitivity::secret : config::Sensitivity::plain;
  if (util::sha256_hex(*pending.after) != record.written_sha256) {
    pending.record.pristine_backup.reset();
  }
  return pending;
}

// What the profile migration changes, one line per profile, as the report says it.
std::vector<std::string>
migration_lines(const DoctorInputs& inputs, const AgentPlan& plan)
{
  std::vector<std::string> lines;
  const std::string config_file = shown(inputs, inputs.paths.codex_config);
  for (const auto& file : plan.files) {
    if (file.path == inputs.paths.codex_config) {
      continue;
    }
    const std::string name = file.path.filename().string();
    const std::string profile = name.substr(0, name.size() - std::string(".config.toml").size());
    lines.push_back(config_file + ": [profiles." + profile + "] moved to "
                    + shown(inputs, file.path) + " (use it as: codex --profile " + profile + ")");
  }
  for (const auto& file : plan.files) {
    for (const auto& edit : file.edits) {
      if (file.path == inputs.paths.codex_config && edit.path == config::KeyPath{"profile"}) {
        lines.push_back(config_file + ": profile = taken out (Codex 0.134 and later reject it)");
      }
    }
  }
  return lines;
}

// The files Codex's plan with --codex-migrate-profiles writes, as configure writes them.
util::Result<void>
add_migration(const DoctorInputs& inputs, ChangeSet& changes, FixOutcome& outcome)
{
  const auto plan = codex_migration_plan(inputs);
  auto planned = plan ? plan_configure({*plan}, inputs.manifest)
                      : util::fail(util::ErrorKind::failed, "Codex is not configured");
  AIGW_TRY(planned);
  for (auto& pending : planned->files) {
    changes.files.push_back(std::move(pending));
  }
  const auto lines = migration_lines(inputs, *plan);
  outcome.changed.insert(outcome.changed.end(), lines.begin(), lines.end());
  return {};
}

} // namespace

util::Result<FixOutcome>
apply_repairs(const std::vector<Check>& checks, const DoctorInputs& inputs, DryRun dry_run)
{
  FixOutcome outcome;
  ChangeSet changes;
  const bool migrate = std::any_of(checks.begin(), checks.end(), [](const Check& check) {
    return check.repair && check.repair->kind == Repair::Kind::migrate_codex_profiles;
  });

  for (const auto& repair : merged_key_repairs(checks, migrate, inputs.paths)) {
    const FileRecord* record = inputs.manifest.find(repair.agent, repair.file);
    auto pending = record != nullptr
                     ? repaired_file(*record, repair)
                     : util::fail(util::ErrorKind::failed,
                                  repair.file.string() + " is not one configure wrote");
    if (!pending) {
      outcome.skipped.push_back(shown(inputs, repair.file) + ": not repaired ("
                                + pending.error().message + ")");
      continue;
    }
    changes.files.push_back(std::move(*pending));
    outcome.changed.insert(outcome.changed.end(), repair.what.begin(), repair.what.end());
  }
  if (migrate) {
    AIGW_TRY(add_migration(inputs, changes, outcome));
  }

  if (changes.files.empty()) {
    return outcome;
  }
  Manifest manifest = inputs.manifest;
  const config::SafeWriter writer(inputs.paths.backup_dir());
  const auto save = [&](const Manifest& state) {
    return save_manifest(inputs.paths, writer, state);
  };
  auto reports = apply_changes(changes, manifest, writer, dry_run, save);
  AIGW_TRY(reports);
  outcome.files = std::move(*reports);
  return outcome;
}

} // namespace aigw::core
