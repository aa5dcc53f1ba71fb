// SPDX-License-Identifier: MIT
// The atomic write: mkstemp in the target's folder, write, fsync, fchmod/fchown to the
// old file's mode and owner, rename, fsync the folder. A failure at any step removes the
// temporary file and reports the path and the system's reason. Backups are plain copies
// named "<time>-<file name>", each with a ".origin" file holding the original path, so a
// deep path never makes a file name too long.
#include "config/safe_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::config {

namespace {

constexpr const char* k_temp_marker = ".aigw-tmp-";
constexpr const char* k_origin_suffix = ".origin";

util::Unexpected<util::Error>
write_error(const fs::path& path, const std::string& what, int error_number)
{
  return util::fail(util::ErrorKind::write,
                    "cannot " + what + " " + path.string() + ": " + util::errno_text(error_number));
}

util::Result<void>
write_all(int fd, std::string_view bytes, const fs::path& path)
{
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return write_error(path, "write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

void
fsync_folder(const fs::path& dir)
{
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Temporaries left by a run that was killed; only ours, only for this target.
void
remove_stale_temporaries(const fs::path& target)
{
  const std::string prefix = "." + target.filename().string() + k_temp_marker;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), error)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) {
      fs::remove(entry.path(), error);
    }
  }
}

struct TargetMode
{
  mode_t mode;
  std::optional<util::FileStat> owner;
};

TargetMode
mode_for(const fs::path& target, Sensitivity sensitivity)
{
  const auto existing = util::stat_file(target);
  if (!existing) {
    return {static_cast<mode_t>(new_file_mode(sensitivity)), std::nullopt};
  }
  mode_t mode = existing->mode;
  if (sensitivity == Sensitivity::secret) {
    mode &= static_cast<mode_t>(~077);
  }
  return {mode, existing};
}

util::Result<void>
replace_atomically(const fs::path& target, std::string_view bytes, const TargetMode& mode)
{
  std::string temp = (target.parent_path() / ("." + target.filename().string() + k_temp_marker
                                              + "XXXXXX"))
                       .string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    return write_error(target.parent_path(), "create a temporary file in", errno);
  }
  const auto abandon = [&](util::Unexpected<util::Error> error) {
    ::close(fd);
    ::unlink(temp.c_str());
    return error;
  };

  if (auto written = write_all(fd, bytes, temp); !written) {
    return abandon(util::unexpected(std::move(written).error()));
  }
  if (::fchmod(fd, mode.mode) != 0) {
    return abandon(write_error(target, "set the mode of", errno));
  }
  if (mode.owner && ::geteuid() == 0) {
    // Running as root on someone's home must not hand their file to root.
    if (::fchown(fd, mode.owner->uid, mode.owner->gid) != 0) {
      return abandon(write_error(target, "keep the owner of", errno));
    }
  }
  if (::fsync(fd) != 0) {
    return abandon(write_error(target, "flush", errno));
  }
  ::close(fd);
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temp.c_str());
    return write_error(target, "replace", error_number);
  }
  fsync_folder(target.parent_path());
  return {};
}

} // namespace

std::string
to_string(WriteStatus status)
{
  switch (status) {
  case WriteStatus::created:
    return "created";
  case WriteStatus::changed:
    return "changed";
  case WriteStatus::unchanged:
    return "unchanged";
  case WriteStatus::removed:
    return "removed";
  }
  return "unknown";
}

unsigned
new_file_mode(Sensitivity sensitivity)
{
  if (sensitivity == Sensitivity::secret) {
    return 0600;
  }
  return 0666U & ~static_cast<unsigned>(util::current_umask());
}

void
SafeWriter::discard_temporaries(const fs::path& path) const
{
  if (auto target = util::resolve_symlinks(path)) {
    remove_stale_temporaries(*target);
  }
}

util::Result<WriteOutcome>
SafeWriter::write(const fs::path& path,
                  std::string_view bytes,
                  Sensitivity sensitivity,
                  Backup backup_policy) const
{
  auto target = util::resolve_symlinks(path);
  AIGW_TRY(target);
  auto old = util::read_file_if_exists(*target);
  AIGW_TRY(old);

  WriteOutcome outcome{WriteStatus::changed, *target, std::nullopt};
  if (old->has_value() && **old == bytes) {
    outcome.status = WriteStatus::unchanged;
    return outcome;
  }

  const mode_t folder_mode = sensitivity == Sensitivity::secret ? 0700 : 0755;
  AIGW_TRY(util::create_directories(target->parent_path(), folder_mode));
  if (old->has_value() && backup_policy == Backup::keep) {
    auto backup = back_up(*target);
    AIGW_TRY(backup);
    outcome.backup = *backup;
  } else if (!old->has_value()) {
    outcome.status = WriteStatus::created;
  }

  remove_stale_temporaries(*target);
  AIGW_TRY(replace_atomically(*target, bytes, mode_for(*target, sensitivity)));
  return outcome;
}

util::Result<WriteOutcome>
SafeWriter::remove(const fs::path& path) const
{
  auto target = util::resolve_symlinks(path);
  AIGW_TRY(target);
  WriteOutcome outcome{WriteStatus::unchanged, *target, std::nullopt};
  if (!fs::exists(*target)) {
    return outcome;
  }
  auto backup = back_up(*target);
  AIGW_TRY(backup);
  outcome.backup = *backup;
  if (::unlink(target->c_str()) != 0) {
    return write_error(*target, "remove", errno);
  }
  fsync_folder(target->parent_path());
  outcome.status = WriteStatus::removed;
  return outcome;
}

util::Result<fs::path>
SafeWriter::back_up(const fs::path& path) const
{
  auto content = util::read_file_if_exists(path);
  AIGW_TRY(content);
  AIGW_TRY(util::create_directories(m_backup_dir, 0700));

  // Backups may hold tokens, so they are private whatever the original's mode was.
  const std::string stem = util::file_timestamp() + "-" + path.filename().string();
  fs::path backup = m_backup_dir / stem;
  for (int n = 1; fs::exists(backup); ++n) {
    backup = m_backup_dir / (stem + "." + std::to_string(n));
  }
  const TargetMode private_mode{0600, std::nullopt};
  AIGW_TRY(replace_atomically(backup, content->value_or(""), private_mode));
  const fs::path origin = backup.string() + k_origin_suffix;
  AIGW_TRY(replace_atomically(origin, fs::absolute(path).string() + "\n", private_mode));
  return backup;
}

std::vector<BackupEntry>
list_backups(const fs::path& backup_dir)
{
  std::vector<BackupEntry> entries;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(backup_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 6 || !name.ends_with(k_origin_suffix)) {
      continue;
    }
    std::ifstream in(entry.path());
    std::string original;
    std::getline(in, original);
    const fs::path backup = entry.path().string().substr(
      0, entry.path().string().size() - std::string(k_origin_suffix).size());
    entries.push_back({original, backup, name.substr(0, name.find('-'))});
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.backup.filename() < b.backup.filename();
  });
  return entries;
}

} // namespace aigw::config
